// Dead-node elimination: walking backwards, a node none of whose outputs is read by a
// live node or is a graph output is removed. After: every node contributes to an output.
#include "compiler/passes/passes.h"

namespace modelc {

absl::Status EliminateDeadNodes(Graph& graph) {
  std::vector<bool> needed(graph.values().size(), false);
  for (ValueId output : graph.outputs()) needed[output] = true;
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = graph.nodes().size(); n-- > 0;) {
    const Node& node = graph.nodes()[n];
    bool live = false;
    for (ValueId output : node.outputs) live |= needed[output];
    if (!live) {
      removed[n] = true;
      continue;
    }
    for (ValueId input : ReadValues(node)) needed[input] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
