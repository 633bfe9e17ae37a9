// MatMul + bias: Add(MatMul(A, B), c) with A and B matrices, B constant and c a
// constant of shape [N] or [1, N] becomes Gemm(A, B, c), whose kernel adds the bias
// while the row is hot and can take a fused activation. After: no such pair remains.
#include "compiler/passes/fusion_util.h"
#include "compiler/passes/passes.h"

namespace modelc {

absl::Status FuseMatMulBias(Graph& graph) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& add = graph.nodes()[n];
    if (add.op != OpKind::kAdd) continue;
    for (int side = 0; side < 2; ++side) {
      const ValueId product = add.inputs[side], bias = add.inputs[1 - side];
      const int producer = SoleProducer(graph, uses, product, static_cast<int>(n));
      if (producer < 0 || !graph.IsConstant(bias)) continue;
      const Node& matmul = graph.nodes()[producer];
      if (matmul.op != OpKind::kMatMul || HasFusedEpilogue(matmul) || !graph.IsConstant(matmul.inputs[1]) ||
          matmul.attributes.Has("transA") || matmul.attributes.Has("transB")) {  // an absorbed adjoint
        continue;
      }
      const Shape& a = graph.InputType(matmul, 0).shape;
      const Shape& b = graph.InputType(matmul, 1).shape;
      const Shape& c = graph.value(bias).type.shape;
      if (a.size() != 2 || b.size() != 2) continue;
      if (c != Shape{b[1]} && c != Shape{1, b[1]}) continue;
      Node& fused = graph.mutable_nodes()[producer];
      fused.op = OpKind::kGemm;
      fused.inputs.push_back(bias);
      TakeOverOutput(graph, producer, static_cast<int>(n));
      removed[n] = true;
      break;
    }
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
