// Channels-last storage decisions, one pass over the readers of every value.
#include "compiler/lowering/channels_last.h"

#include "compiler/ir/op_geometry.h"

namespace modelc {
namespace {

// What the readers seen so far allow for one value.
struct ReaderSummary {
  bool refused = false;         // some reader needs the value planar
  bool consumed = false;        // some reader exists
  bool depthwise = false;       // some reader is depthwise
  bool only_depthwise = true;   // every reader is
  bool same_padding = true;     // and all with the first reader's padding
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};

}  // namespace

std::vector<std::optional<ChannelsLastStorage>> ChooseChannelsLastStorage(const Graph& graph,
                                                                         const std::vector<ChannelsLastRole>& roles) {
  const size_t value_count = graph.values().size();
  std::vector<ReaderSummary> readers(value_count);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];
    const ChannelsLastRole& role = roles[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] == kNoValue) continue;
      ReaderSummary& summary = readers[node.inputs[i]];
      // Read as weights, bias or residual, planar, or as the NHWC tensor it is.
      if (i != 0 || role.reads_nhwc || (!role.depthwise && !role.pointwise)) {
        summary.refused = true;
        continue;
      }
      summary.depthwise |= role.depthwise;
      summary.only_depthwise &= role.depthwise;
      if (role.depthwise) {
        if (!summary.consumed) {
          summary.pad_top = role.pad_top, summary.pad_left = role.pad_left;
          summary.pad_bottom = role.pad_bottom, summary.pad_right = role.pad_right;
        }
        summary.same_padding &= role.pad_top == summary.pad_top && role.pad_left == summary.pad_left &&
                                role.pad_bottom == summary.pad_bottom && role.pad_right == summary.pad_right;
      }
      summary.consumed = true;
    }
  }

  std::vector<std::optional<ChannelsLastStorage>> storage(value_count);
  for (ValueId value = 0; value < static_cast<ValueId>(value_count); ++value) {
    const ReaderSummary& summary = readers[value];
    if (summary.refused || !summary.consumed || graph.IsConstant(value) || graph.IsGraphInput(value) ||
        graph.IsGraphOutput(value)) {
      continue;
    }
    const Shape& shape = graph.value(value).type.shape;
    const int producer_index = graph.value(value).producer;
    if ((shape.size() != 3 && shape.size() != 4) || producer_index < 0) continue;
    const Node& producer = graph.nodes()[producer_index];
    const ChannelsLastRole& role = roles[producer_index];
    const bool fuses_residual = producer.inputs.size() > kConvResidualInput && producer.inputs[kConvResidualInput] != kNoValue;
    if (producer.outputs[0] != value || fuses_residual) continue;
    if (!role.depthwise && !role.pointwise && !role.channel_tiled_producer) continue;
    if (!summary.depthwise && !role.depthwise) continue;
    ChannelsLastStorage chosen{shape[0], shape[1], shape.size() == 4 ? shape[2] : 1, shape.back()};
    if (summary.only_depthwise && summary.same_padding) {
      chosen.pad_top = summary.pad_top, chosen.pad_left = summary.pad_left;
      chosen.pad_bottom = summary.pad_bottom, chosen.pad_right = summary.pad_right;
    }
    storage[value] = chosen;
  }
  return storage;
}

}  // namespace modelc
