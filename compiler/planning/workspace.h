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
// Bytes of workspace the node's kernel needs; 0 for most nodes.
int64_t WorkspaceBytes(const Graph& graph, const Node& node);

}  // namespace modelc

#endif  // MODELC_PLANNING_WORKSPACE_H_
