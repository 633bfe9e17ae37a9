// The shape rule of every operator: the output types a node produces from its input
// types and attributes. This is the compiler's own shape inference; ONNX's is only
// cross-checked against it.
#ifndef MODELC_IR_SHAPE_INFERENCE_H_
#define MODELC_IR_SHAPE_INFERENCE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace modelc {

// Checks arity and input element types, then computes the output types. Errors do not
// name the node; callers add that context.
absl::StatusOr<std::vector<TensorType>> InferOutputTypes(const Graph& graph, const Node& node);

}  // namespace modelc

#endif  // MODELC_IR_SHAPE_INFERENCE_H_
