// Operators whose results are known while importing, because shapes are static:
// Shape, Size, ConstantOfShape and Range never reach the IR; the importer turns them
// into constants (their inputs must be constant or, for Shape and Size, just typed).
#ifndef MODELC_FRONTEND_ONNX_COMPILE_TIME_OPS_H_
#define MODELC_FRONTEND_ONNX_COMPILE_TIME_OPS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/tensor.h"
#include "onnx/onnx_pb.h"

namespace modelc {

bool IsCompileTimeOp(const std::string& op_type);

// One node input as the importer knows it: its type, and its value when constant.
struct KnownInput {
  std::string name;
  TensorType type;
  const TensorData* constant = nullptr;  // nullptr when only known at run time
  std::string freeze_hint;  // when not constant: which graph input to freeze (op_geometry.h's FreezeHint)
};

// The node's single output as a constant.
absl::StatusOr<TensorData> EvaluateCompileTimeOp(const onnx::NodeProto& node,
                                                 const std::vector<std::optional<KnownInput>>& inputs);

}  // namespace modelc

#endif  // MODELC_FRONTEND_ONNX_COMPILE_TIME_OPS_H_
