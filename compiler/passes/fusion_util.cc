// Fusion helpers.
#include "compiler/passes/fusion_util.h"

#include <algorithm>
#include <optional>
#include <vector>

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

// The same constant values (a scale, a zero point; kNoValue reads as zero).
bool SameConstant(const Graph& graph, ValueId a, ValueId b) {
  if (a == b) return true;
  auto bytes = [&](ValueId v) -> std::optional<std::vector<uint8_t>> {
    if (v == kNoValue) return std::vector<uint8_t>{0};
    if (!graph.IsConstant(v)) return std::nullopt;
    std::vector<uint8_t> data = graph.value(v).constant->bytes();
    return data;
  };
  const auto x = bytes(a), y = bytes(b);
  if (!x || !y) return false;
  if (a == kNoValue || b == kNoValue) {  // an absent zero point against a present one
    const std::vector<uint8_t>& present = a == kNoValue ? *y : *x;
    return std::all_of(present.begin(), present.end(), [](uint8_t v) { return v == 0; });
  }
  return *x == *y && graph.value(a).type == graph.value(b).type;
}

}  // namespace modelc
