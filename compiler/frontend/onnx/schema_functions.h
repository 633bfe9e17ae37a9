// Operators modelc has no kernel of its own for but which ONNX defines as a function of
// other operators (the schema's function body: NegativeLogLikelihoodLoss,
// SoftmaxCrossEntropyLoss, ...) are expanded at import into that body, taken from the
// system's ONNX library, then inlined as model-local functions are.
#ifndef MODELC_FRONTEND_ONNX_SCHEMA_FUNCTIONS_H_
#define MODELC_FRONTEND_ONNX_SCHEMA_FUNCTIONS_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "onnx/onnx_pb.h"

namespace modelc {

// Replaces every node of the default domain that `is_known` rejects and whose schema (at
// the model's opset, or the library's newest when the model's is newer) has a function
// body by a call of that body, added to the model's functions; nodes of bodies that
// call such ops in turn are expanded too. A node whose body cannot be built (its input
// types unknown) is left as it is, for the importer to refuse.
absl::Status ExpandSchemaFunctions(onnx::ModelProto* model, int64_t opset,
                                   absl::FunctionRef<bool(const onnx::NodeProto&)> is_known);

}  // namespace modelc

#endif  // MODELC_FRONTEND_ONNX_SCHEMA_FUNCTIONS_H_
