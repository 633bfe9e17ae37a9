// Which intermediate tensors are stored channels-last ([N][rows][columns][C]) instead
// of ONNX's [N][C][H][W]. Depthwise convolutions on narrow rows run with channels in
// the vector lanes, and so do pointwise convolutions whose output channels fill whole
// vectors: between two such kernels, a planar tensor costs a transpose on each side
// that channels-last storage avoids. When every reader is a depthwise convolution with
// the same padding, the tensor is stored with that zero border around each image, so
// they read their windows in place (no padded copy). Decided once per graph by the
// lowering plan (lowering_plan.h), which everyone else reads.
#ifndef MODELC_LOWERING_CHANNELS_LAST_H_
#define MODELC_LOWERING_CHANNELS_LAST_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "compiler/ir/graph.h"

namespace modelc {

// How a channels-last tensor [batch, channels, height, width] (width only: height 1)
// is laid out: image n's pixel (h, w) at [n][h + pad_top][w + pad_left][0..channels),
// the border zero.
struct ChannelsLastStorage {
  int64_t batch = 0, channels = 0, height = 0, width = 0;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;

  int64_t Rows() const { return height + pad_top + pad_bottom; }
  int64_t Columns() const { return width + pad_left + pad_right; }
  int64_t ImageFloats() const { return Rows() * Columns() * channels; }
  bool HasBorder() const { return pad_top + pad_bottom + pad_left + pad_right > 0; }
  bool operator==(const ChannelsLastStorage&) const = default;
};

// What one node's kernel choice allows for the layout of the tensors around it.
struct ChannelsLastRole {
  // Reads a channels-last data input and writes channels-last: a depthwise convolution
  // with channels in the lanes, or a pointwise one with output channels in whole vectors.
  bool depthwise = false;
  bool pointwise = false;
  // Can only write channels-last (output channels in the lanes, planar input).
  bool channel_tiled_producer = false;
  // Reads an NHWC tensor itself (kFusedChannelsLastInput): its input takes no layout.
  bool reads_nhwc = false;
  // The padding of a depthwise convolution (its readers' border), pads t, l, b, r.
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};

// For every value of `graph`, its channels-last storage, or nullopt for planar: a value
// is channels-last when it is neither a graph input, output nor constant; its producer
// fuses no residual; the producer and every consumer (reading it as their data input
// only) have a depthwise or pointwise role (the producer may also be a channel-tiled
// producer), and at least one of them is depthwise (pointwise chains gain nothing).
// `roles` has one entry per node. One pass over the graph.
std::vector<std::optional<ChannelsLastStorage>> ChooseChannelsLastStorage(const Graph& graph,
                                                                         const std::vector<ChannelsLastRole>& roles);

}  // namespace modelc

#endif  // MODELC_LOWERING_CHANNELS_LAST_H_
