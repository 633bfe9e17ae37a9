// Execution orders for graphs with branches. A graph's node order decides which tensors
// are live together: computing one branch to its end before starting the next can keep
// a large tensor of one branch from living beside another's. The orders here keep every
// node after the producers of what it reads (its inputs and guard).
#ifndef MODELC_PLANNING_EXECUTION_ORDER_H_
#define MODELC_PLANNING_EXECUTION_ORDER_H_

#include <cstdint>
#include <vector>

#include "compiler/ir/graph.h"

namespace modelc {

// The most bytes of intermediate tensors live at one step when the nodes run in `order`
// (indices into graph.nodes()): each tensor its own bytes (a view's in its input's), from
// its producer to its last reader; graph inputs, outputs and constants cost nothing. The
// planner's plain bound for that order, before any layout or kernel choice.
int64_t PlainPeakOfOrder(const Graph& graph, const std::vector<int>& order);

// Orders other than the graph's own, distinct from it and from each other: the ready node
// that adds the fewest live bytes first (frees the most), and depth-first from the outputs
// (each node's inputs' producers in order, then reversed). Empty for a chain.
std::vector<std::vector<int>> AlternativeExecutionOrders(const Graph& graph);

// The graph with its nodes in `order`.
Graph WithNodesInOrder(const Graph& graph, const std::vector<int>& order);

}  // namespace modelc

#endif  // MODELC_PLANNING_EXECUTION_ORDER_H_
