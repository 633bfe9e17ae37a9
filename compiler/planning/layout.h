// Which intermediate tensors are stored channels-last ([N][rows][columns][C]) instead
// of ONNX's [N][C][H][W]. Depthwise convolutions on narrow rows run with channels in
// the vector lanes (workspace.h's UsesChannelsLastDepthwise), and so do pointwise
// convolutions whose output channels fill whole vectors: between two such kernels, a
// planar tensor costs a transpose on each side that channels-last storage avoids.
// When every reader is a depthwise convolution with the same padding, the tensor is
// stored with that zero border around each image, so they read their windows in place
// (no padded copy). The planner, the backend and the report ask the same functions.
#ifndef MODELC_PLANNING_LAYOUT_H_
#define MODELC_PLANNING_LAYOUT_H_

#include <cstdint>
#include <optional>

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
};

// A 1x1, stride-1, unpadded, ungrouped convolution with constant weights and output
// channels that fill whole vectors of `vector_lanes` floats: it can read and write
// channels-last tensors (a matrix product with pixels as rows).
bool IsChannelVectorPointwise(const Graph& graph, const Node& node, int64_t vector_lanes);
// Any other ungrouped convolution with constant weights, such output channels and
// narrow rows runs with output channels in the lanes (kernels_conv_blocked.cc): it can
// write a channels-last tensor.
bool IsChannelTiledConvolution(const Graph& graph, const Node& node, int64_t vector_lanes);

// The storage of `value` on a target with `vector_lanes`-float vectors when it is
// channels-last: it is neither a graph input, output nor constant; its producer fuses
// no residual; the producer and every consumer (reading it as their data input only)
// are channels-last depthwise or channel-vector pointwise convolutions (the producer
// may also be a channel-tiled one), and at least one of them is depthwise (pointwise
// chains gain nothing). nullopt: planar.
std::optional<ChannelsLastStorage> ChannelsLastStorageOf(const Graph& graph, ValueId value, int64_t vector_lanes);
bool IsStoredChannelsLast(const Graph& graph, ValueId value, int64_t vector_lanes);

// True for a channels-last depthwise convolution whose input is stored with exactly
// its padding: it reads its windows in place and needs no workspace.
bool ReadsPaddedInputInPlace(const Graph& graph, const Node& node, int64_t vector_lanes);

// The bytes a value occupies in the scratch arena (more than its type's when stored
// with a border).
int64_t StoredBytes(const Graph& graph, ValueId value, int64_t vector_lanes);

}  // namespace modelc

#endif  // MODELC_PLANNING_LAYOUT_H_
