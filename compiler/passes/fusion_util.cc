// Fusion helpers.
#include "compiler/passes/fusion_util.h"

#include "compiler/ir/op_geometry.h"

namespace modelc {

int SoleProducer(const Graph& graph, const GraphUses& uses, ValueId value, int consumer) {
  if (value == kNoValue || !uses.OnlyReadBy(value, consumer)) return -1;
  const int producer = graph.value(value).producer;
  if (producer < 0 || graph.nodes()[producer].outputs.size() != 1) return -1;
  return producer;
}

void TakeOverOutput(Graph& graph, int producer, int consumer) {
  graph.mutable_nodes()[producer].outputs[0] = graph.nodes()[consumer].outputs[0];
}

bool HasFusedEpilogue(const Node& node) {
  return node.attributes.Has(kFusedActivation) || node.attributes.Has(kFusedResidual);
}

}  // namespace modelc
