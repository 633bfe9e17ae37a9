// ReverseSequence: for each batch entry n, reverses the first sequence_lens[n] steps of
// x along the time axis and copies the rest; batch_axis and time_axis are 0 and 1 in
// either order. sequence_lens (int64) is read at run time: ONNX calls a length outside
// [0, time steps] an error; the kernel and the reference clamp it into that range, so
// nothing is read out of bounds (generated code has no error path at run time). The
// whole op lives here.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// x as [dims[0], dims[1], inner]: time and batch are the first two dimensions.
struct ReverseSequenceGeometry {
  int64_t batch_axis = 1, time_axis = 0;
  int64_t steps = 0, batch = 0, inner = 1;
  Shape shape;  // [dims[0], dims[1], inner]
};

absl::StatusOr<ReverseSequenceGeometry> ResolveReverseSequence(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const TensorType& lens = graph.InputType(node, 1);
  if (x.size() < 2) return absl::InvalidArgumentError("ReverseSequence needs an input of rank 2 or more");
  ReverseSequenceGeometry g;
  ASSIGN_OR_RETURN(g.batch_axis, node.attributes.GetInt("batch_axis", 1));
  ASSIGN_OR_RETURN(g.time_axis, node.attributes.GetInt("time_axis", 0));
  if (!((g.batch_axis == 0 && g.time_axis == 1) || (g.batch_axis == 1 && g.time_axis == 0))) {
    return absl::InvalidArgumentError(absl::StrCat("ReverseSequence's batch_axis and time_axis must be 0 and 1; got ",
                                                   g.batch_axis, " and ", g.time_axis));
  }
  g.steps = x[g.time_axis];
  g.batch = x[g.batch_axis];
  if (lens.element_type != DataType::kInt64 || lens.shape != Shape{g.batch}) {
    return absl::InvalidArgumentError(absl::StrCat("ReverseSequence's sequence_lens must be int64 of shape [", g.batch,
                                                   "]; got ", ShapeToString(lens.shape)));
  }
  for (size_t d = 2; d < x.size(); ++d) g.inner *= x[d];
  g.shape = {x[0], x[1], g.inner};
  return g;
}

}  // namespace

absl::Status UpgradeReverseSequence(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 10

absl::StatusOr<std::vector<TensorType>> InferReverseSequence(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveReverseSequence(graph, node).status());
  return std::vector<TensorType>{TensorType{graph.InputType(node, 0).element_type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateReverseSequence(const Graph& graph, const Node& node,
                                                                const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(ReverseSequenceGeometry g, ResolveReverseSequence(graph, node));
  const int64_t size = ByteSize(inputs[0]->type().element_type);
  std::vector<uint8_t> out(inputs[0]->bytes().size());
  for (int64_t i = 0; i < g.shape[0]; ++i)
    for (int64_t j = 0; j < g.shape[1]; ++j) {
      const int64_t t = g.time_axis == 0 ? i : j, n = g.time_axis == 0 ? j : i;
      int64_t length;
      std::memcpy(&length, inputs[1]->bytes().data() + n * 8, 8);
      length = std::clamp<int64_t>(length, 0, g.steps);
      const int64_t source_t = t < length ? length - 1 - t : t;
      const int64_t source = g.time_axis == 0 ? source_t * g.shape[1] + n : n * g.shape[1] + source_t;
      std::memcpy(out.data() + (i * g.shape[1] + j) * g.inner * size,
                  inputs[0]->bytes().data() + source * g.inner * size, g.inner * size);
    }
  return std::vector<TensorData>{TensorData(inputs[0]->type(), std::move(out))};
}

// One loop nest over the output; the source time step from the clamped length.
absl::Status EmitReverseSequenceKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(ReverseSequenceGeometry g, ResolveReverseSequence(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0);
  const int64_t time_stride = g.time_axis == 0 ? g.shape[1] * g.inner : g.inner;
  k.LoopNest(g.shape, {}, [&](llvm::Value* flat, const std::vector<llvm::Value*>&) {
    llvm::Value* outer = b.CreateSDiv(flat, k.Int(g.inner));
    llvm::Value* first = b.CreateSDiv(outer, k.Int(g.shape[1]));
    llvm::Value* second = b.CreateSRem(outer, k.Int(g.shape[1]));
    llvm::Value* t = g.time_axis == 0 ? first : second;
    llvm::Value* n = g.time_axis == 0 ? second : first;
    llvm::Value* length = k.LoadAs(DataType::kInt64, k.in[1], n);  // clamped as int64, then narrowed
    length = b.CreateSelect(b.CreateICmpSLT(length, b.getInt64(0)), b.getInt64(0), length);
    length = b.CreateSelect(b.CreateICmpSGT(length, b.getInt64(g.steps)), b.getInt64(g.steps), length);
    length = b.CreateSExtOrTrunc(length, k.Index());
    llvm::Value* reversed = b.CreateICmpSLT(t, length);
    llvm::Value* source_t = b.CreateSelect(reversed, b.CreateSub(b.CreateSub(length, k.Int(1)), t), t);
    llvm::Value* source = b.CreateAdd(flat, b.CreateMul(b.CreateSub(source_t, t), k.Int(time_stride)));
    k.StoreAs(type, k.LoadAs(type, k.in[0], source), k.out[0], flat);
  });
  return absl::OkStatus();
}

}  // namespace modelc
