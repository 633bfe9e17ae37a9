// Residual fusion: Add(conv, x) where the Conv's output is read only by the Add and x
// has the output's shape becomes one Conv that adds x to each finished output plane
// (fused_residual, x as input 3). x must be ready before the Conv runs; when both
// operands are Convs the later one absorbs the Add. After: no Add of such a pair.
#include "compiler/ir/op_geometry.h"
#include "compiler/passes/fusion_util.h"
#include "compiler/passes/passes.h"

namespace modelc {

absl::Status FuseResidualAdd(Graph& graph) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& add = graph.nodes()[n];
    if (add.op != OpKind::kAdd) continue;
    int best = -1, best_side = -1;
    for (int side = 0; side < 2; ++side) {
      const int producer = SoleProducer(graph, uses, add.inputs[side], static_cast<int>(n));
      if (producer < 0 || graph.nodes()[producer].op != OpKind::kConv || HasFusedEpilogue(graph.nodes()[producer])) continue;
      const ValueId other = add.inputs[1 - side];
      if (graph.value(other).type != graph.value(add.outputs[0]).type ||
          graph.value(add.inputs[side]).type != graph.value(add.outputs[0]).type) {
        continue;
      }
      if (graph.value(other).producer >= producer) continue;  // must exist before the Conv runs
      if (producer > best) {
        best = producer;
        best_side = side;
      }
    }
    if (best < 0) continue;
    Node& conv = graph.mutable_nodes()[best];
    conv.inputs.resize(kConvResidualInput + 1, kNoValue);
    conv.inputs[kConvResidualInput] = add.inputs[1 - best_side];
    conv.attributes.Set(kFusedResidual, int64_t{1});
    TakeOverOutput(graph, best, static_cast<int>(n));
    removed[n] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
