// Reference kernels that work on any element type (integers, bools, float32, float64):
// casts, comparisons, logic, integer arithmetic, the data-movement ops, and float64's
// elementwise ops. Internal to the reference evaluator, which sends float32-only ops
// to its float kernels instead.
#ifndef MODELC_REFERENCE_TYPED_KERNELS_H_
#define MODELC_REFERENCE_TYPED_KERNELS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace modelc {

// True when the typed kernels, not the float ones, evaluate this node.
bool NeedsTypedKernel(const Graph& graph, const Node& node);

// The node's outputs; inputs indexed like node.inputs, nullptr for an omitted one.
absl::StatusOr<std::vector<TensorData>> EvaluateTypedNode(const Graph& graph, const Node& node,
                                                          const std::vector<const TensorData*>& inputs);

}  // namespace modelc

#endif  // MODELC_REFERENCE_TYPED_KERNELS_H_
