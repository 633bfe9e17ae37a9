// Workspace sizes.
#include "compiler/planning/workspace.h"

#include "compiler/ir/op_geometry.h"
#include "compiler/ir/recurrent.h"

namespace modelc {

bool UsesBlockedConvolution(const Graph& graph, const Node& node) {
  return node.op == OpKind::kConv && graph.IsConstant(node.inputs[1]);
}

namespace {

// The zero-padded copy of the input (0 without padding). The 64 bytes after it let
// vector loads run past the last pixel they keep (stride 2).
int64_t PaddedInputBytes(const WindowGeometry& w) {
  if (w.pad_top == 0 && w.pad_bottom == 0 && w.pad_left == 0 && w.pad_right == 0) return 0;
  return w.batch * w.channels * (w.in_h + w.pad_top + w.pad_bottom) * (w.in_w + w.pad_left + w.pad_right) * 4 + 64;
}

}  // namespace

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
  if (UsesChannelsLastDepthwise(graph, node, vector_lanes)) {  // one image, padded, channels last
    const WindowGeometry& w = conv->window;
    return w.channels * (w.in_h + w.pad_top + w.pad_bottom) * (w.in_w + w.pad_left + w.pad_right) * 4;
  }
  return PaddedInputBytes(conv->window);
}

}  // namespace modelc
