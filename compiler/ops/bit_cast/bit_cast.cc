// BitCast (opset 26): each element's bits read as the element type `to`, of the same
// size (ops.def takes the output type from `to`, as for Cast). The whole op lives here.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

absl::Status CheckSameSize(DataType from, DataType to) {
  if (ByteSize(from) == ByteSize(to)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("BitCast from ", DataTypeName(from), " to ", DataTypeName(to),
                                                 ": the element types differ in size"));
}

}  // namespace

absl::Status UpgradeBitCast(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 26

absl::StatusOr<std::vector<TensorType>> InferBitCast(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(CheckSameSize(graph.InputType(node, 0).element_type, out_type));
  return std::vector<TensorType>{TensorType{out_type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateBitCast(const Graph& graph, const Node& node,
                                                        const std::vector<const TensorData*>& inputs) {
  const TensorType& out_type = graph.value(node.outputs[0]).type;
  RETURN_IF_ERROR(CheckSameSize(inputs[0]->type().element_type, out_type.element_type));
  return std::vector<TensorData>{TensorData(out_type, inputs[0]->bytes())};
}

absl::Status EmitBitCastKernel(KernelContext& k) {
  RETURN_IF_ERROR(CheckSameSize(k.InType(0), k.OutType()));
  k.b.CreateMemCpy(k.out[0], llvm::MaybeAlign(1), k.in[0], llvm::MaybeAlign(1),
                   k.Int(k.graph.InputType(k.node, 0).ByteSize()));
  return absl::OkStatus();
}

}  // namespace modelc
