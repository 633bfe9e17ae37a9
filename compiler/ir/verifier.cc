// Graph verifier.
#include "compiler/ir/verifier.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ir/shape_inference.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status VerifyGraph(const Graph& graph) {
  const int value_count = static_cast<int>(graph.values().size());
  std::vector<bool> available(value_count, false);
  for (ValueId id = 0; id < value_count; ++id) {
    if (graph.IsConstant(id) || graph.IsGraphInput(id)) available[id] = true;
    if (graph.value(id).type.ElementCount() < 0) {
      return absl::InternalError(absl::StrCat("value '", graph.value(id).name,
                                              "' has a negative dimension"));
    }
  }
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];
    auto context = [&] { return absl::StrCat("node '", node.name, "' (", OpName(node.op), ")"); };
    for (ValueId input : node.inputs) {
      if (input == kNoValue) continue;
      if (input < 0 || input >= value_count) {
        return absl::InternalError(absl::StrCat(context(), " has a dangling input"));
      }
      if (!available[input]) {
        return absl::InternalError(absl::StrCat(context(), " reads '", graph.value(input).name,
                                                "' before it is produced"));
      }
    }
    if (node.guard != kNoValue) {
      if (node.guard < 0 || node.guard >= value_count || !available[node.guard]) {
        return absl::InternalError(absl::StrCat(context(), " reads its guard before it is produced"));
      }
      const TensorType& guard = graph.value(node.guard).type;
      if (guard.element_type != DataType::kBool || guard.ElementCount() != 1) {
        return absl::InternalError(absl::StrCat(context(), " has a guard that is not one bool"));
      }
    }
    auto inferred = InferOutputTypes(graph, node);
    if (!inferred.ok()) {
      return absl::Status(inferred.status().code(),
                          absl::StrCat(context(), ": ", inferred.status().message()));
    }
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      const ValueId output = node.outputs[o];
      if (output < 0 || output >= value_count || available[output] ||
          graph.value(output).producer != static_cast<int>(n)) {
        return absl::InternalError(absl::StrCat(context(), " output ", o, " is produced twice"));
      }
      if (graph.value(output).type != (*inferred)[o]) {
        return absl::InternalError(absl::StrCat(context(), " output '", graph.value(output).name,
                                                "' has type ", graph.value(output).type.ToString(),
                                                ", its shape rule gives ",
                                                (*inferred)[o].ToString()));
      }
      available[output] = true;
    }
  }
  for (ValueId output : graph.outputs()) {
    if (output < 0 || output >= value_count || !available[output]) {
      return absl::InternalError("a graph output is never produced");
    }
  }
  return absl::OkStatus();
}

}  // namespace modelc
