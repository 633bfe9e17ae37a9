// Constant folding: a node whose every input is constant is evaluated at compile time
// with the reference evaluator; its outputs become constants and the node goes away.
// Runs in execution order, so chains of constant nodes (shape arithmetic, weight
// preprocessing) fold completely. After: no node has only constant inputs.
#include "compiler/passes/passes.h"
#include "compiler/reference/evaluator.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// Nodes producing more than this are left to run time rather than bloat the object.
constexpr int64_t kMaxFoldedBytes = int64_t{16} << 20;

bool AllInputsConstant(const Graph& graph, const Node& node) {
  for (ValueId input : node.inputs) {
    if (input != kNoValue && !graph.IsConstant(input)) return false;
  }
  return true;
}

}  // namespace

absl::Status FoldConstants(Graph& graph) {
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];
    if (!AllInputsConstant(graph, node)) continue;
    int64_t bytes = 0;
    for (ValueId output : node.outputs) bytes += graph.value(output).type.ByteSize();
    if (bytes > kMaxFoldedBytes) continue;
    std::vector<const TensorData*> inputs;
    for (ValueId input : node.inputs) inputs.push_back(input == kNoValue ? nullptr : &*graph.value(input).constant);
    ASSIGN_OR_RETURN(std::vector<TensorData> outputs, EvaluateNode(graph, node, inputs));
    for (size_t o = 0; o < outputs.size(); ++o) graph.mutable_value(node.outputs[o]).constant = std::move(outputs[o]);
    removed[n] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
