// ScatterND: data of rank r, indices of shape [..., m] (m <= r), updates of shape
// indices.shape[:-1] + data.shape[m:]. Each index tuple names a slice of data (its
// first m coordinates; the slice spans the rest) that is combined with its slice of
// updates (scatter_reduction.h), tuples in row-major order. Indices are int32 or int64,
// read at run time, negative ones counting from the end. ONNX calls a coordinate
// outside [-s, s) an error: the reference refuses it; the kernel skips that tuple's
// whole slice (nothing is read or written out of bounds; checked_index.h).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/gather/checked_index.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/scatter/scatter_reduction.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct ScatterNdGeometry {
  int64_t tuples = 1;                 // index tuples: the elements of indices.shape[:-1]
  int64_t tuple_size = 0;             // m
  int64_t slice = 1;                  // elements per slice: those of data.shape[m:]
  Shape data_shape;
  std::vector<int64_t> data_strides;  // row-major
  ScatterReduction reduction = ScatterReduction::kNone;
};

absl::StatusOr<ScatterNdGeometry> ResolveScatterNd(const Graph& graph, const Node& node) {
  const TensorType& data = graph.InputType(node, 0);
  const TensorType& indices = graph.InputType(node, 1);
  const TensorType& updates = graph.InputType(node, 2);
  if (indices.element_type != DataType::kInt64 && indices.element_type != DataType::kInt32) {
    return absl::InvalidArgumentError("ScatterND's indices must be int32 or int64");
  }
  if (updates.element_type != data.element_type) {
    return absl::InvalidArgumentError("ScatterND's updates must have data's element type");
  }
  if (data.shape.empty() || indices.shape.empty() || indices.shape.back() > data.Rank()) {
    return absl::InvalidArgumentError(absl::StrCat("ScatterND needs data of rank 1 or more and indices of shape [..., m] with m <= data's rank; got ",
                                                   ShapeToString(data.shape), " and ", ShapeToString(indices.shape)));
  }
  ScatterNdGeometry g;
  g.tuple_size = indices.shape.back();
  Shape expected_updates(indices.shape.begin(), indices.shape.end() - 1);
  expected_updates.insert(expected_updates.end(), data.shape.begin() + g.tuple_size, data.shape.end());
  if (updates.shape != expected_updates) {
    return absl::InvalidArgumentError(absl::StrCat("ScatterND's updates ", ShapeToString(updates.shape), " must be ",
                                                   ShapeToString(expected_updates), " for data ",
                                                   ShapeToString(data.shape), " and indices ", ShapeToString(indices.shape)));
  }
  g.tuples = ElementCount(Shape(indices.shape.begin(), indices.shape.end() - 1));
  g.slice = ElementCount(Shape(data.shape.begin() + g.tuple_size, data.shape.end()));
  g.data_shape = data.shape;
  g.data_strides = RowMajorStrides(data.shape);
  ASSIGN_OR_RETURN(g.reduction, ResolveScatterReduction(node, data.element_type));
  return g;
}

}  // namespace

absl::Status UpgradeScatterND(Node& node, int64_t opset) { return absl::OkStatus(); }  // reductions only add

absl::StatusOr<std::vector<TensorType>> InferScatterND(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveScatterNd(graph, node).status());
  return std::vector<TensorType>{graph.InputType(node, 0)};
}

absl::StatusOr<std::vector<TensorData>> EvaluateScatterND(const Graph& graph, const Node& node,
                                                          const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(ScatterNdGeometry g, ResolveScatterNd(graph, node));
  const TensorData& data = *inputs[0];
  std::vector<uint8_t> out(data.bytes());
  absl::Status status = absl::OkStatus();
  VisitDataType(data.type().element_type, [&](auto element) {
    using T = decltype(element);
    for (int64_t t = 0; t < g.tuples && status.ok(); ++t) {
      int64_t start = 0;
      for (int64_t d = 0; d < g.tuple_size; ++d) {
        const std::optional<int64_t> index = CheckedIndexValue(*inputs[1], t * g.tuple_size + d, g.data_shape[d]);
        if (!index) {
          status = absl::InvalidArgumentError(absl::StrCat("ScatterND: coordinate ", d, " of index tuple ", t,
                                                           " is outside [", -g.data_shape[d], ", ", g.data_shape[d], ")"));
          return;
        }
        start += *index * g.data_strides[d];
      }
      for (int64_t e = 0; e < g.slice; ++e) {
        T old_value, update;
        std::memcpy(&old_value, out.data() + (start + e) * sizeof(T), sizeof(T));
        std::memcpy(&update, inputs[2]->bytes().data() + (t * g.slice + e) * sizeof(T), sizeof(T));
        const T combined = CombineScatter<T>(g.reduction, old_value, update);
        std::memcpy(out.data() + (start + e) * sizeof(T), &combined, sizeof(T));
      }
    }
  });
  RETURN_IF_ERROR(status);
  return std::vector<TensorData>{TensorData(data.type(), std::move(out))};
}

// The copy of data, then per index tuple: its coordinates checked and summed into the
// slice's start (0 when any is outside), then the slice combined element by element,
// an invalid tuple's slice written back unchanged (no branch in the loop).
absl::Status EmitScatterNDKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(ScatterNdGeometry g, ResolveScatterNd(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0), index_type = k.InType(1);
  const int64_t data_count = ElementCount(g.data_shape);
  EmitCopyOfData(k, type, data_count);
  if (data_count == 0) return absl::OkStatus();  // every tuple is outside or its slice is empty
  const std::vector<int64_t> extents(g.data_shape.begin(), g.data_shape.begin() + g.tuple_size),
      strides(g.data_strides.begin(), g.data_strides.begin() + g.tuple_size);
  k.Loop(g.tuples, [&](llvm::Value* t) {
    const CheckedIndex start = EmitCheckedTupleOffset(k, index_type, k.in[1], t, extents, strides, k.Int(0));
    llvm::Value* first_update = b.CreateMul(t, k.Int(g.slice));
    k.Loop(g.slice, [&](llvm::Value* e) {
      llvm::Value* target = b.CreateAdd(start.index, e);
      llvm::Value* old_value = k.LoadAs(type, k.out[0], target);
      llvm::Value* update = k.LoadAs(type, k.in[2], b.CreateAdd(first_update, e));
      llvm::Value* combined = EmitCombineScatter(k, type, g.reduction, old_value, update);
      k.StoreAs(type, b.CreateSelect(start.valid, combined, old_value), k.out[0], target);
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
