// Common-subexpression elimination: a node with the same op, inputs and attributes as
// an earlier one is dropped and its readers read the earlier node's outputs. A node
// whose output is a graph output is kept, so output names never change.
// After: no two nodes compute the same thing unless one feeds a graph output.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/uses.h"
#include "compiler/passes/passes.h"

namespace modelc {
namespace {

std::string NodeKey(const Node& node) {
  // The guard is part of the key: a node of one If branch cannot stand in for the same
  // computation in the other branch, which may be the one that runs.
  std::string key = absl::StrCat(static_cast<int>(node.op), "(", absl::StrJoin(node.inputs, ","), ") if ", node.guard);
  for (const auto& [name, value] : node.attributes.entries()) {
    absl::StrAppend(&key, name, "=", AttributeToString(value), ";");
  }
  return key;
}

}  // namespace

absl::Status EliminateCommonSubexpressions(Graph& graph) {
  const GraphUses uses(graph);
  std::map<std::string, int> first_with_key;  // ordered: deterministic
  std::vector<ValueId> replacement(graph.values().size());
  for (ValueId id = 0; id < static_cast<ValueId>(replacement.size()); ++id) replacement[id] = id;
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    Node& node = graph.mutable_nodes()[n];
    for (ValueId& input : node.inputs) {
      if (input != kNoValue) input = replacement[input];
    }
    if (node.guard != kNoValue) node.guard = replacement[node.guard];
    bool feeds_graph_output = false;
    for (ValueId output : node.outputs) feeds_graph_output |= uses.IsGraphOutput(output);
    auto [it, inserted] = first_with_key.emplace(NodeKey(node), static_cast<int>(n));
    if (inserted || feeds_graph_output) continue;
    const Node& earlier = graph.nodes()[it->second];
    for (size_t o = 0; o < node.outputs.size(); ++o) replacement[node.outputs[o]] = earlier.outputs[o];
    removed[n] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
