// Activation fusion: any element-wise unary op (Relu, LeakyRelu, HardSwish, Sigmoid,
// Tanh, Elu, ...), a Clip with constant bounds (Relu6), or Max / Min with a constant
// scalar (a one-sided clip) reading the output
// of a Conv, Gemm or MatMul that nobody else reads becomes that node's epilogue
// (fused_activation), applied to each output while it is still in registers or cache.
// Runs after residual fusion so Conv+Add+Relu becomes one node. After: no such pair.
#include "compiler/ir/op_geometry.h"
#include "compiler/passes/fusion_util.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status FuseActivations(Graph& graph) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& activation_node = graph.nodes()[n];
    ASSIGN_OR_RETURN(ElementwiseFunction activation, ElementwiseFunctionOf(graph, activation_node));
    // Max(x, c) and Min(x, c) with a scalar constant c are Clip's lower and upper bound
    // (with x first, NaN in x stays NaN exactly as in Clip).
    const bool bound = (activation_node.op == OpKind::kMax || activation_node.op == OpKind::kMin) &&
                       activation_node.inputs.size() == 2 && !graph.IsConstant(activation_node.inputs[0]) &&
                       graph.IsConstant(activation_node.inputs[1]) &&
                       graph.value(activation_node.inputs[1]).type.ElementCount() == 1 &&
                       graph.value(activation_node.inputs[1]).type.shape.size() <=
                           graph.value(activation_node.inputs[0]).type.shape.size();
    if (bound) {
      const float c = graph.value(activation_node.inputs[1]).constant->Floats()[0];
      activation = ElementwiseFunction{OpKind::kClip, -3.402823466e+38f, 3.402823466e+38f, 0.0f};
      (activation_node.op == OpKind::kMax ? activation.alpha : activation.beta) = c;
    }
    if (activation.IsIdentity() || !IsFloatFunction(activation.op)) continue;
    const int producer = SoleProducer(graph, uses, activation_node.inputs[0], static_cast<int>(n));
    if (producer < 0) continue;
    Node& p = graph.mutable_nodes()[producer];
    if (!GetOpInfo(p.op).Has(op_traits::kFusedEpilogue) || p.attributes.Has(kFusedActivation)) continue;
    SetFusedActivation(activation, &p);
    TakeOverOutput(graph, producer, static_cast<int>(n));
    removed[n] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
