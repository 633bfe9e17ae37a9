// Model-local functions (ModelProto.functions, IR version 8 and up: what PyTorch's
// exporter and onnxscript write) are inlined at import: each call becomes the
// function's body, with the call's inputs, outputs and attributes substituted, so the
// rest of the compiler sees only operators.
#ifndef MODELC_FRONTEND_ONNX_FUNCTION_INLINING_H_
#define MODELC_FRONTEND_ONNX_FUNCTION_INLINING_H_

#include <cstdint>

#include "absl/status/status.h"
#include "onnx/onnx_pb.h"

namespace modelc {

// Replaces every call of a model-local function, in the graph and in the graphs nested
// in its nodes, by the function's body (recursively), then drops the functions.
// `opset` is the model's default-domain opset; a function importing another is refused.
absl::Status InlineLocalFunctions(onnx::ModelProto* model, int64_t opset);

}  // namespace modelc

#endif  // MODELC_FRONTEND_ONNX_FUNCTION_INLINING_H_
