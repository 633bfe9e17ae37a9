// Function bodies for operators newer than the system's ONNX library (which has no
// schema for them), written from the operator specifications and ONNX's reference
// implementation: for one call, with its attributes and its inputs' declared types, the
// nodes of older operators that compute it. Attention (opset 23 and later) and Gelu
// (opset 20). ExpandSchemaFunctions (schema_functions.h) expands them like the
// library's own function bodies.
#ifndef MODELC_FRONTEND_ONNX_NEWER_OP_BODIES_H_
#define MODELC_FRONTEND_ONNX_NEWER_OP_BODIES_H_

#include <vector>

#include "onnx/onnx_pb.h"

namespace modelc {

// Builds the body of `node` (inputs and outputs named as the operator's formal
// parameters, every optional one listed) into `body`; false when the operator is not
// one of these, or the call is one the body does not cover (an input's shape not
// declared, a type other than float, an attribute of a later version in use): the
// node is then left for the importer to refuse.
bool BuildNewerOpBody(const onnx::NodeProto& node, const std::vector<onnx::TypeProto>& input_types,
                      onnx::FunctionProto* body);

}  // namespace modelc

#endif  // MODELC_FRONTEND_ONNX_NEWER_OP_BODIES_H_
