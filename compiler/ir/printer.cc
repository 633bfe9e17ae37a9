// Graph printer. Format:
//   graph NAME(%in: float32[1,784]) -> (%out)
//     const %w: float32[784,10]
//     %y: float32[1,10] = MatMul(%in, %w) {attr=value}
#include "compiler/ir/printer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/uses.h"

namespace modelc {
namespace {

std::string Ref(const Graph& graph, ValueId id) {
  return id == kNoValue ? std::string("_") : absl::StrCat("%", graph.value(id).name);
}

}  // namespace

std::string PrintGraph(const Graph& graph) {
  auto ref = [&](std::string* out, ValueId id) { absl::StrAppend(out, Ref(graph, id)); };
  auto typed = [&](std::string* out, ValueId id) {
    absl::StrAppend(out, Ref(graph, id), ": ", graph.value(id).type.ToString());
  };
  std::string text = absl::StrCat("graph ", graph.name, "(", absl::StrJoin(graph.inputs(), ", ", typed),
                                  ") -> (", absl::StrJoin(graph.outputs(), ", ", ref), ")\n");
  const std::vector<bool> referenced = ReferencedValues(graph);
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    if (graph.IsConstant(id) && referenced[id]) absl::StrAppend(&text, "  const ", Ref(graph, id), ": ",
                                              graph.value(id).type.ToString(), "\n");
  }
  for (const Node& node : graph.nodes()) {
    absl::StrAppend(&text, "  ", absl::StrJoin(node.outputs, ", ", typed), " = ", OpName(node.op),
                    "(", absl::StrJoin(node.inputs, ", ", ref), ")");
    if (!node.attributes.entries().empty()) {
      absl::StrAppend(&text, " {",
                      absl::StrJoin(node.attributes.entries(), ", ",
                                    [](std::string* out, const auto& entry) {
                                      absl::StrAppend(out, entry.first, "=",
                                                      AttributeToString(entry.second));
                                    }),
                      "}");
    }
    if (node.guard != kNoValue) absl::StrAppend(&text, " if ", Ref(graph, node.guard));
    absl::StrAppend(&text, "  # ", node.name, "\n");
  }
  return text;
}

}  // namespace modelc
