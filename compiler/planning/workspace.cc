// Workspace sizes.
#include "compiler/planning/workspace.h"

#include <algorithm>

#include "compiler/ir/op_geometry.h"
#include "compiler/ir/recurrent.h"
#include "compiler/planning/layout.h"

namespace modelc {

bool UsesBlockedConvolution(const Graph& graph, const Node& node) {
  return node.op == OpKind::kConv && graph.IsConstant(node.inputs[1]);
}

int64_t PaddedInputBytes(const WindowGeometry& w) {
  if (!w.HasPadding()) return 0;
  return w.batch * w.channels * (w.in_h + w.pad_top + w.pad_bottom) * (w.in_w + w.pad_left + w.pad_right) * 4 + 64;
}

bool IsNarrowRow(int64_t width, int64_t lanes) {
  const int64_t padded_row = (width + lanes - 1) / lanes * lanes;
  return width * 5 < padded_row * 4;
}

bool UsesChannelsLastDepthwise(const Graph& graph, const Node& node, int64_t vector_lanes) {
  if (vector_lanes < 2 || !UsesBlockedConvolution(graph, node)) return false;
  auto conv = ResolveConv(graph, node);
  if (!conv.ok()) return false;
  const WindowGeometry& w = conv->window;
  const bool depthwise = conv->groups == w.channels && conv->out_channels == w.channels;
  return depthwise && w.channels % vector_lanes == 0 && IsNarrowRow(w.out_w, vector_lanes);
}

int64_t WinogradLanes(int64_t out_w, int64_t vector_lanes) {
  const int64_t tiles_w = out_w / 2;
  int64_t lanes = 1;
  while (lanes < tiles_w && lanes < vector_lanes) lanes *= 2;
  return lanes;
}

int64_t WinogradTileRows(const WindowGeometry& w, int64_t vector_lanes) {
  const int64_t lanes = WinogradLanes(w.out_w, vector_lanes);
  return std::clamp<int64_t>(vector_lanes / lanes, 1, w.out_h / 2);
}

bool UsesWinogradConvolution(const Graph& graph, const Node& node, int64_t vector_lanes) {
  if (vector_lanes < 4 || !UsesBlockedConvolution(graph, node)) return false;
  auto conv = ResolveConv(graph, node);
  if (!conv.ok()) return false;
  const WindowGeometry& w = conv->window;
  const bool three_by_three = w.spatial_rank == 2 && w.kernel_h == 3 && w.kernel_w == 3 && w.stride_h == 1 &&
                              w.stride_w == 1 && w.dilation_h == 1 && w.dilation_w == 1;
  // Whole 2x2 output tiles; a block of tile rows gives the products at least a whole
  // vector of columns, and a tile row fills 80% of its own vectors of at least two
  // tiles (the output transform interleaves halves of them); enough channels on both
  // sides for the transforms to cost little next to the products.
  const int64_t tiles_w = w.out_w / 2, lanes = WinogradLanes(w.out_w, vector_lanes);
  const bool whole_columns = lanes >= 2 && WinogradTileRows(w, vector_lanes) * lanes >= vector_lanes;
  return three_by_three && conv->groups == 1 && w.out_h % 2 == 0 && w.out_w % 2 == 0 && whole_columns &&
         !IsNarrowRow(tiles_w, lanes) && w.channels >= 8 && conv->out_channels >= 8;
}

int64_t WorkspaceBytes(const Graph& graph, const Node& node, int64_t vector_lanes) {
  if (node.op == OpKind::kRNN || node.op == OpKind::kGRU || node.op == OpKind::kLSTM) {
    auto recurrent = ResolveRecurrent(graph, node);
    if (!recurrent.ok()) return 0;
    // The hidden and cell states of every batch entry, one step's gate inputs and
    // GRU's r (.) h.
    return (2 * recurrent->batch * recurrent->hidden + recurrent->gates * recurrent->hidden + recurrent->hidden) * 4;
  }
  if (!UsesBlockedConvolution(graph, node)) return 0;
  auto conv = ResolveConv(graph, node);
  if (!conv.ok()) return 0;
  if (ReadsPaddedInputInPlace(graph, node, vector_lanes)) return 0;
  if (UsesChannelsLastDepthwise(graph, node, vector_lanes)) {  // one image, padded, channels last
    const WindowGeometry& w = conv->window;
    return w.channels * (w.in_h + w.pad_top + w.pad_bottom) * (w.in_w + w.pad_left + w.pad_right) * 4;
  }
  if (UsesWinogradConvolution(graph, node, vector_lanes)) {
    // The padded input, then a block of tile rows' transformed input [16][channels]
    // [rows x lanes] and products [16][output channels][rows x lanes].
    const int64_t tiles = WinogradLanes(conv->window.out_w, vector_lanes) * WinogradTileRows(conv->window, vector_lanes);
    return PaddedInputBytes(conv->window) + 16 * (conv->window.channels + conv->out_channels) * tiles * 4;
  }
  return PaddedInputBytes(conv->window);
}

}  // namespace modelc
