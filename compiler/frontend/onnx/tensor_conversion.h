// Conversion of ONNX TensorProto (initializers, Constant values) into TensorData,
// checking that the stored bytes match the declared shape.
#ifndef MODELC_FRONTEND_ONNX_TENSOR_CONVERSION_H_
#define MODELC_FRONTEND_ONNX_TENSOR_CONVERSION_H_

#include "absl/status/statusor.h"
#include "compiler/ir/tensor.h"
#include "onnx/onnx_pb.h"

namespace modelc {

absl::StatusOr<DataType> DataTypeFromOnnx(int32_t onnx_type);
absl::StatusOr<TensorData> TensorDataFromOnnx(const onnx::TensorProto& tensor);

}  // namespace modelc

#endif  // MODELC_FRONTEND_ONNX_TENSOR_CONVERSION_H_
