// The reference evaluator: plain, obviously-correct C++ for every supported op. Used by
// tests as an oracle independent of the LLVM lowering, and by constant folding.
#ifndef MODELC_REFERENCE_EVALUATOR_H_
#define MODELC_REFERENCE_EVALUATOR_H_

#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/op_geometry.h"

namespace modelc {

using FloatTensor = std::vector<float>;

// y = f(x) for one element, in double precision where that matters.
float ApplyElementwise(const ElementwiseFunction& f, float x);
double ApplyElementwise(const ElementwiseFunction& f, double x);  // float64 (the ops that take it)

// Computes one node's outputs from its inputs' values (indexed like node.inputs; an
// omitted optional input is nullptr).
absl::StatusOr<std::vector<TensorData>> EvaluateNode(const Graph& graph, const Node& node,
                                                     const std::vector<const TensorData*>& inputs);

// Evaluates a node with a float reference computation: float inputs become float
// tensors (int32 ones, such as sequence lengths, are converted; others stay empty),
// `compute` runs on them (indexed like node.inputs, an absent input an empty tensor),
// and its outputs take the node's output shapes. The Evaluate hooks of float-only ops use it.
absl::StatusOr<std::vector<TensorData>> EvaluateOnFloats(
    const Graph& graph, const Node& node, const std::vector<const TensorData*>& inputs,
    absl::FunctionRef<absl::StatusOr<std::vector<FloatTensor>>(const std::vector<const FloatTensor*>&)> compute);

// Runs the whole graph on the given graph inputs (in graph.inputs() order, with the
// inputs' exact types) and returns the graph outputs in order.
absl::StatusOr<std::vector<TensorData>> EvaluateGraph(const Graph& graph,
                                                      const std::vector<TensorData>& inputs);
// The same for a graph whose inputs and outputs are all float32.
absl::StatusOr<std::vector<FloatTensor>> EvaluateGraph(const Graph& graph,
                                                       const std::vector<FloatTensor>& inputs);

}  // namespace modelc

#endif  // MODELC_REFERENCE_EVALUATOR_H_
