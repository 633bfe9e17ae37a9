// Channels-last storage decisions.
#include "compiler/planning/layout.h"

#include "compiler/ir/op_geometry.h"
#include "compiler/planning/workspace.h"

namespace modelc {

bool IsChannelVectorPointwise(const Graph& graph, const Node& node, int64_t vector_lanes) {
  if (vector_lanes < 2 || !UsesBlockedConvolution(graph, node)) return false;
  auto conv = ResolveConv(graph, node);
  if (!conv.ok()) return false;
  const WindowGeometry& w = conv->window;
  return conv->groups == 1 && conv->out_channels % vector_lanes == 0 && w.kernel_h == 1 && w.kernel_w == 1 &&
         w.stride_h == 1 && w.stride_w == 1 && !w.HasPadding();
}

bool IsChannelTiledConvolution(const Graph& graph, const Node& node, int64_t vector_lanes) {
  if (vector_lanes < 2 || !UsesBlockedConvolution(graph, node) || UsesWinogradConvolution(graph, node, vector_lanes)) {
    return false;
  }
  auto conv = ResolveConv(graph, node);
  if (!conv.ok()) return false;
  return conv->groups == 1 && conv->out_channels % vector_lanes == 0 && IsNarrowRow(conv->window.out_w, vector_lanes);
}

std::optional<ChannelsLastStorage> ChannelsLastStorageOf(const Graph& graph, ValueId value, int64_t vector_lanes) {
  if (vector_lanes < 2 || graph.IsConstant(value) || graph.IsGraphInput(value) || graph.IsGraphOutput(value)) {
    return std::nullopt;
  }
  const Shape& shape = graph.value(value).type.shape;
  if (shape.size() != 3 && shape.size() != 4) return std::nullopt;
  ChannelsLastStorage storage{shape[0], shape[1], shape.size() == 4 ? shape[2] : 1, shape.back()};
  const Node* producer = nullptr;
  bool consumed = false, depthwise = false, only_depthwise = true, same_padding = true;
  for (const Node& node : graph.nodes()) {
    if (!node.outputs.empty() && node.outputs[0] == value) producer = &node;
    bool reads = false;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] != value) continue;
      if (i != 0) return std::nullopt;  // read as weights, bias or residual
      reads = true;
    }
    if (!reads) continue;
    const bool channels_last_depthwise = UsesChannelsLastDepthwise(graph, node, vector_lanes);
    if (!channels_last_depthwise && !IsChannelVectorPointwise(graph, node, vector_lanes)) return std::nullopt;
    depthwise |= channels_last_depthwise;
    only_depthwise &= channels_last_depthwise;
    if (channels_last_depthwise) {
      const WindowGeometry w = ResolveConv(graph, node)->window;
      if (!consumed) {
        storage.pad_top = w.pad_top, storage.pad_bottom = w.pad_bottom;
        storage.pad_left = w.pad_left, storage.pad_right = w.pad_right;
      }
      same_padding &= w.pad_top == storage.pad_top && w.pad_bottom == storage.pad_bottom &&
                      w.pad_left == storage.pad_left && w.pad_right == storage.pad_right;
    }
    consumed = true;
  }
  if (producer == nullptr || !consumed) return std::nullopt;
  const bool fuses_residual = producer->inputs.size() > kConvResidualInput && producer->inputs[kConvResidualInput] != kNoValue;
  if (fuses_residual) return std::nullopt;
  const bool channels_last_depthwise = UsesChannelsLastDepthwise(graph, *producer, vector_lanes);
  if (!channels_last_depthwise && !IsChannelVectorPointwise(graph, *producer, vector_lanes) &&
      !IsChannelTiledConvolution(graph, *producer, vector_lanes)) {
    return std::nullopt;
  }
  if (!depthwise && !channels_last_depthwise) return std::nullopt;
  if (!only_depthwise || !same_padding) storage.pad_top = storage.pad_bottom = storage.pad_left = storage.pad_right = 0;
  return storage;
}

bool IsStoredChannelsLast(const Graph& graph, ValueId value, int64_t vector_lanes) {
  return ChannelsLastStorageOf(graph, value, vector_lanes).has_value();
}

bool ReadsPaddedInputInPlace(const Graph& graph, const Node& node, int64_t vector_lanes) {
  if (!UsesChannelsLastDepthwise(graph, node, vector_lanes)) return false;
  const auto input = ChannelsLastStorageOf(graph, node.inputs[0], vector_lanes);
  if (!input) return false;
  const WindowGeometry w = ResolveConv(graph, node)->window;
  return input->pad_top == w.pad_top && input->pad_bottom == w.pad_bottom && input->pad_left == w.pad_left &&
         input->pad_right == w.pad_right;
}

int64_t StoredBytes(const Graph& graph, ValueId value, int64_t vector_lanes) {
  const auto storage = ChannelsLastStorageOf(graph, value, vector_lanes);
  if (!storage) return graph.value(value).type.ByteSize();
  return storage->batch * storage->ImageFloats() * 4;
}

}  // namespace modelc
