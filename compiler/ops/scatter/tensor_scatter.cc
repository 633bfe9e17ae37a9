// TensorScatter (opset 24, a key/value cache's update): the output is past_cache with,
// for every position before the sequence axis, update's sequence_length rows written
// from row write_indices[batch] on (write_indices: int64 per batch, read at run time,
// zeros when absent). Mode "linear" needs the rows to fit: ONNX calls a write past the
// cache's max_sequence_length an error; the reference refuses it and the kernel skips
// that row (nothing written out of bounds). Mode "circular" wraps the row modulo
// max_sequence_length (a negative index wraps too, as numpy's %).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/scatter/scatter_reduction.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The cache as [prefix, max_length, inner], the update as [prefix, length, inner];
// prefix covers the batch dimension and those after it up to the axis.
struct TensorScatterGeometry {
  int64_t prefix = 1, prefix_per_batch = 1, max_length = 0, length = 0, inner = 1;
  bool circular = false;
};

absl::StatusOr<TensorScatterGeometry> ResolveTensorScatter(const Graph& graph, const Node& node) {
  const TensorType& cache = graph.InputType(node, 0);
  const TensorType& update = graph.InputType(node, 1);
  if (update.element_type != cache.element_type) {
    return absl::InvalidArgumentError("TensorScatter's update must have past_cache's element type");
  }
  if (cache.Rank() < 2 || update.Rank() != cache.Rank()) {
    return absl::InvalidArgumentError(absl::StrCat("TensorScatter needs a cache of rank 2 or more and an update of its rank; got ",
                                                   ShapeToString(cache.shape), " and ", ShapeToString(update.shape)));
  }
  ASSIGN_OR_RETURN(int64_t axis_attribute, node.attributes.GetInt("axis", -2));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attribute, cache.Rank()));
  if (axis == 0) return absl::InvalidArgumentError("TensorScatter's axis cannot be 0, the batch dimension");
  for (int64_t d = 0; d < cache.Rank(); ++d) {
    if (d == axis ? update.shape[d] > cache.shape[d] : update.shape[d] != cache.shape[d]) {
      return absl::InvalidArgumentError(absl::StrCat("TensorScatter's update ", ShapeToString(update.shape),
                                                     " does not fit the cache ", ShapeToString(cache.shape),
                                                     " along axis ", axis));
    }
  }
  if (graph.HasInput(node, 2)) {
    const TensorType& write_indices = graph.InputType(node, 2);
    if (write_indices.element_type != DataType::kInt64 || write_indices.shape != Shape{cache.shape[0]}) {
      return absl::InvalidArgumentError(absl::StrCat("TensorScatter's write_indices must be int64[", cache.shape[0],
                                                     "]; got ", write_indices.ToString()));
    }
  }
  ASSIGN_OR_RETURN(std::string mode, node.attributes.GetString("mode", "linear"));
  if (mode != "linear" && mode != "circular") {
    return absl::InvalidArgumentError(absl::StrCat("TensorScatter's mode '", mode, "' is not linear or circular"));
  }
  TensorScatterGeometry g;
  g.circular = mode == "circular";
  for (int64_t d = 0; d < axis; ++d) g.prefix *= cache.shape[d];
  for (int64_t d = 1; d < axis; ++d) g.prefix_per_batch *= cache.shape[d];
  g.max_length = cache.shape[axis];
  g.length = update.shape[axis];
  for (int64_t d = axis + 1; d < cache.Rank(); ++d) g.inner *= cache.shape[d];
  return g;
}

// Where row s of the update goes for write index `start`, nullopt when outside (linear).
std::optional<int64_t> TargetRow(const TensorScatterGeometry& g, int64_t start, int64_t s) {
  if (g.circular) {
    const int64_t wrapped = (start % g.max_length + g.max_length) % g.max_length;
    return (wrapped + s) % g.max_length;
  }
  if (start < 0 || start >= g.max_length - s) return std::nullopt;
  return start + s;
}

}  // namespace

absl::Status UpgradeTensorScatter(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 24

absl::StatusOr<std::vector<TensorType>> InferTensorScatter(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveTensorScatter(graph, node).status());
  return std::vector<TensorType>{graph.InputType(node, 0)};
}

absl::StatusOr<std::vector<TensorData>> EvaluateTensorScatter(const Graph& graph, const Node& node,
                                                              const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(TensorScatterGeometry g, ResolveTensorScatter(graph, node));
  const TensorData& cache = *inputs[0];
  const int64_t size = ByteSize(cache.type().element_type);
  std::vector<uint8_t> out(cache.bytes());
  const std::vector<int64_t> write_indices = inputs.size() > 2 && inputs[2] ? inputs[2]->Int64s() : std::vector<int64_t>{};
  for (int64_t p = 0; p < g.prefix; ++p) {
    const int64_t start = write_indices.empty() ? 0 : write_indices[p / g.prefix_per_batch];
    for (int64_t s = 0; s < g.length; ++s) {
      const std::optional<int64_t> row = TargetRow(g, start, s);
      if (!row) {
        return absl::InvalidArgumentError(absl::StrCat("TensorScatter: write index ", start, " puts row ", s,
                                                       " past max_sequence_length ", g.max_length));
      }
      std::memcpy(out.data() + (p * g.max_length + *row) * g.inner * size,
                  inputs[1]->bytes().data() + (p * g.length + s) * g.inner * size, g.inner * size);
    }
  }
  return std::vector<TensorData>{TensorData(cache.type(), std::move(out))};
}

// The copy of the cache (none in place), then each update row copied to its target
// row; a linear row outside is written over row 0 with row 0's own values (no branch).
absl::Status EmitTensorScatterKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(TensorScatterGeometry g, ResolveTensorScatter(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0);
  EmitCopyOfData(k, type, g.prefix * g.max_length * g.inner);
  if (g.prefix * g.length * g.inner == 0) return absl::OkStatus();
  llvm::Value* max_length = b.getInt64(g.max_length);
  k.Loop(g.prefix, [&](llvm::Value* p) {
    llvm::Value* start = b.getInt64(0);
    if (k.node.inputs.size() > 2 && k.in[2]) {
      start = k.LoadAs(DataType::kInt64, k.in[2], b.CreateSDiv(p, k.Int(g.prefix_per_batch)));
    }
    k.Loop(g.length, [&](llvm::Value* s) {
      llvm::Value* s64 = b.CreateSExt(s, k.I64());
      llvm::Value* row;
      llvm::Value* valid = b.getTrue();
      if (g.circular) {  // (start mod L + s) mod L, start mod L in [0, L): no overflow
        llvm::Value* wrapped = b.CreateSRem(start, max_length);
        wrapped = b.CreateSelect(b.CreateICmpSLT(wrapped, b.getInt64(0)), b.CreateAdd(wrapped, max_length), wrapped);
        row = b.CreateAdd(wrapped, s64);
        row = b.CreateSelect(b.CreateICmpSGE(row, max_length), b.CreateSub(row, max_length), row);
      } else {
        valid = b.CreateAnd(b.CreateICmpSGE(start, b.getInt64(0)),
                            b.CreateICmpSLT(start, b.CreateSub(max_length, s64)));
        row = b.CreateSelect(valid, b.CreateAdd(start, s64), b.getInt64(0));
      }
      row = b.CreateTrunc(row, k.Index());
      llvm::Value* to = b.CreateMul(b.CreateAdd(b.CreateMul(p, k.Int(g.max_length)), row), k.Int(g.inner));
      llvm::Value* from = b.CreateMul(b.CreateAdd(b.CreateMul(p, k.Int(g.length)), s), k.Int(g.inner));
      k.Loop(g.inner, [&](llvm::Value* e) {
        llvm::Value* target = b.CreateAdd(to, e);
        llvm::Value* value = k.LoadAs(type, k.in[1], b.CreateAdd(from, e));
        k.StoreAs(type, b.CreateSelect(valid, value, k.LoadAs(type, k.out[0], target)), k.out[0], target);
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
