// Use lists.
#include "compiler/ir/uses.h"

namespace modelc {

GraphUses::GraphUses(const Graph& graph)
    : consumers_(graph.values().size()), graph_output_(graph.values().size(), false) {
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    for (ValueId input : ReadValues(graph.nodes()[n])) consumers_[input].push_back(static_cast<int>(n));
  }
  for (ValueId output : graph.outputs()) graph_output_[output] = true;
}

bool GraphUses::OnlyReadBy(ValueId id, int consumer) const {
  if (graph_output_[id]) return false;
  for (int reader : consumers_[id]) {
    if (reader != consumer) return false;
  }
  return !consumers_[id].empty();
}

std::vector<bool> ReferencedValues(const Graph& graph) {
  std::vector<bool> referenced(graph.values().size(), false);
  for (const Node& node : graph.nodes()) {
    for (ValueId id : ReadValues(node)) referenced[id] = true;
    for (ValueId id : node.outputs) referenced[id] = true;
  }
  for (ValueId id : graph.inputs()) referenced[id] = true;
  for (ValueId id : graph.outputs()) referenced[id] = true;
  return referenced;
}

}  // namespace modelc
