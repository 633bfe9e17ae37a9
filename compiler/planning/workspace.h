// Per-node temporary buffers ("workspace") that kernels need besides their inputs and
// outputs, e.g. a zero-padded copy of a convolution's input. The planner places them
// in the scratch arena like any tensor, live only during their node; the backend asks
// the same function, so both always agree.
#ifndef MODELC_PLANNING_WORKSPACE_H_
#define MODELC_PLANNING_WORKSPACE_H_

#include <cstdint>

#include "compiler/ir/graph.h"
#include "compiler/ir/op_geometry.h"

namespace modelc {

// True when the node runs the blocked convolution kernel (constant weights).
bool UsesBlockedConvolution(const Graph& graph, const Node& node);
// The zero-padded copy of a window op's input (0 without padding), with 64 bytes after
// it so that vector loads may run past the last pixel they keep (stride 2).
int64_t PaddedInputBytes(const WindowGeometry& w);
// Whether output rows of `width` pixels would fill vectors of `lanes` pixels under 80%:
// the convolution kernels then put channels, not pixels, in the lanes.
bool IsNarrowRow(int64_t width, int64_t lanes);
// True when a depthwise convolution runs channels-last (the target has vectors of
// `vector_lanes` floats, the channels fill whole vectors and the rows are narrow): its
// input is copied, padded and transposed, into the workspace.
bool UsesChannelsLastDepthwise(const Graph& graph, const Node& node, int64_t vector_lanes);
// True when a 3x3 stride-1 convolution runs by Winograd's F(2x2, 3x3): 16 products
// per 2x2 output tile and channel pair instead of 36 (see kernels_conv_winograd.cc).
bool UsesWinogradConvolution(const Graph& graph, const Node& node, int64_t vector_lanes);
// Its vectors: `lanes` tiles of one tile row (a power of two, at most the target's).
int64_t WinogradLanes(int64_t out_w, int64_t vector_lanes);
// And how many tile rows one block of products covers (enough columns for the matrix
// product's register tiles).
int64_t WinogradTileRows(const WindowGeometry& w, int64_t vector_lanes);
// Bytes of workspace the node's kernel needs on a target with `vector_lanes`-float
// vectors; 0 for most nodes.
int64_t WorkspaceBytes(const Graph& graph, const Node& node, int64_t vector_lanes);

}  // namespace modelc

#endif  // MODELC_PLANNING_WORKSPACE_H_
