// Subgraph selection: extra outputs and cut points.
#include "compiler/passes/subgraph_selection.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/ir/uses.h"
#include "compiler/ir/verifier.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

absl::StatusOr<ValueId> FindTensor(const Graph& graph, const std::string& name, const char* flag) {
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    if (graph.value(id).name == name && (graph.value(id).producer >= 0 || graph.IsConstant(id) ||
                                         graph.IsGraphInput(id))) {
      return id;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(flag, ": the model has no tensor named '", name,
                                                 "' (--dump-ir-after=import lists them)"));
}

}  // namespace

absl::Status SelectSubgraph(Graph& graph, const std::vector<std::string>& extra_outputs,
                            const std::vector<std::string>& new_inputs) {
  if (extra_outputs.empty() && new_inputs.empty()) return absl::OkStatus();
  for (const std::string& name : new_inputs) {
    ASSIGN_OR_RETURN(ValueId id, FindTensor(graph, name, "--inputs"));
    if (graph.IsGraphInput(id)) continue;
    Value& value = graph.mutable_value(id);
    if (value.constant) {
      value.constant.reset();  // a weight becomes a run-time input
    } else {
      // The producer now writes an orphan in its place; it goes away if nothing else
      // needs it.
      Node& producer = graph.mutable_nodes()[value.producer];
      const TensorType type = value.type;
      const ValueId orphan = graph.AddValue(absl::StrCat(name, ".cut"), type);
      std::replace(producer.outputs.begin(), producer.outputs.end(), id, orphan);
    }
    graph.AddInput(id);
  }
  std::vector<Node> nodes = graph.nodes();
  graph.SetNodes(std::move(nodes));  // recompute producers after the cuts
  for (const std::string& name : extra_outputs) {
    ASSIGN_OR_RETURN(ValueId id, FindTensor(graph, name, "--outputs"));
    if (!graph.IsGraphOutput(id)) graph.AddOutput(id);
  }
  RETURN_IF_ERROR(EliminateDeadNodes(graph));
  const GraphUses uses(graph);
  std::vector<ValueId> inputs;
  for (ValueId id : graph.inputs()) {
    if (uses.IsUsed(id)) inputs.push_back(id);
  }
  graph.SetInputs(std::move(inputs));
  return VerifyGraph(graph);
}

}  // namespace modelc
