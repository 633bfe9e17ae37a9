// Per-node temporary buffers ("workspace") that kernels need besides their inputs and
// outputs, e.g. a zero-padded copy of a convolution's input. The planner places them
// in the scratch arena like any tensor, live only during their node; the backend asks
// the same function, so both always agree.
#ifndef MODELC_PLANNING_WORKSPACE_H_
#define MODELC_PLANNING_WORKSPACE_H_

#include <cstdint>

#include "compiler/ir/graph.h"

namespace modelc {

// True when the node runs the blocked convolution kernel (constant weights).
bool UsesBlockedConvolution(const Graph& graph, const Node& node);
// Whether output rows of `width` pixels would fill vectors of `lanes` pixels under 80%:
// the convolution kernels then put channels, not pixels, in the lanes.
bool IsNarrowRow(int64_t width, int64_t lanes);
// True when a depthwise convolution runs channels-last (the target has vectors of
// `vector_lanes` floats, the channels fill whole vectors and the rows are narrow): its
// input is copied, padded and transposed, into the workspace.
bool UsesChannelsLastDepthwise(const Graph& graph, const Node& node, int64_t vector_lanes);
// Bytes of workspace the node's kernel needs on a target with `vector_lanes`-float
// vectors; 0 for most nodes.
int64_t WorkspaceBytes(const Graph& graph, const Node& node, int64_t vector_lanes);

}  // namespace modelc

#endif  // MODELC_PLANNING_WORKSPACE_H_
