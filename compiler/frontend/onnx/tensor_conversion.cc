// TensorProto -> TensorData.
#include "compiler/frontend/onnx/tensor_conversion.h"

#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// Refuses tensors whose declared size is absurd (over 4 GiB) before allocating.
constexpr int64_t kMaxTensorBytes = int64_t{4} << 30;

template <typename Stored, typename Element>
std::vector<uint8_t> PackRepeated(const google::protobuf::RepeatedField<Stored>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(Element));
  for (int i = 0; i < values.size(); ++i) {
    const Element element = static_cast<Element>(values.Get(i));
    std::memcpy(bytes.data() + i * sizeof(Element), &element, sizeof(Element));
  }
  return bytes;
}

}  // namespace

absl::StatusOr<DataType> DataTypeFromOnnx(int32_t onnx_type) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::BOOL:
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
      return static_cast<DataType>(onnx_type);  // the IR uses ONNX's codes
    default:
      return absl::UnimplementedError(absl::StrCat(
          "element type ", onnx::TensorProto::DataType_Name(
                               static_cast<onnx::TensorProto::DataType>(onnx_type)),
          " is not supported"));
  }
}

absl::StatusOr<TensorData> TensorDataFromOnnx(const onnx::TensorProto& tensor) {
  ASSIGN_OR_RETURN(DataType type, DataTypeFromOnnx(tensor.data_type()));
  Shape shape(tensor.dims().begin(), tensor.dims().end());
  int64_t bytes_expected = ByteSize(type);
  for (int64_t dim : shape) {
    if (dim < 0) return absl::InvalidArgumentError(absl::StrCat("tensor '", tensor.name(), "' has a negative dimension"));
    if (dim != 0 && bytes_expected > kMaxTensorBytes / dim) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", tensor.name(), "' is absurdly large"));
    }
    bytes_expected *= dim;
  }
  std::vector<uint8_t> bytes;
  if (tensor.has_raw_data()) {
    bytes.assign(tensor.raw_data().begin(), tensor.raw_data().end());
  } else {
    // ONNX keeps small integer types and bools widened in int32_data, uint32 and uint64
    // in uint64_data, doubles in double_data.
    switch (type) {
      case DataType::kFloat32: bytes = PackRepeated<float, float>(tensor.float_data()); break;
      case DataType::kInt64: bytes = PackRepeated<int64_t, int64_t>(tensor.int64_data()); break;
      case DataType::kInt32: bytes = PackRepeated<int32_t, int32_t>(tensor.int32_data()); break;
      case DataType::kInt16: bytes = PackRepeated<int32_t, int16_t>(tensor.int32_data()); break;
      case DataType::kUInt16: bytes = PackRepeated<int32_t, uint16_t>(tensor.int32_data()); break;
      case DataType::kInt8: bytes = PackRepeated<int32_t, int8_t>(tensor.int32_data()); break;
      case DataType::kUInt8: bytes = PackRepeated<int32_t, uint8_t>(tensor.int32_data()); break;
      case DataType::kBool: bytes = PackRepeated<int32_t, uint8_t>(tensor.int32_data()); break;
      case DataType::kFloat64: bytes = PackRepeated<double, double>(tensor.double_data()); break;
      case DataType::kUInt32: bytes = PackRepeated<uint64_t, uint32_t>(tensor.uint64_data()); break;
      case DataType::kUInt64: bytes = PackRepeated<uint64_t, uint64_t>(tensor.uint64_data()); break;
    }
  }
  if (type == DataType::kBool) {
    for (uint8_t& byte : bytes) byte = byte != 0;  // one representation of true
  }
  if (static_cast<int64_t>(bytes.size()) != bytes_expected) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", tensor.name(), "' holds ", bytes.size(),
                                                   " bytes but its shape ", ShapeToString(shape),
                                                   " needs ", bytes_expected));
  }
  return TensorData(TensorType{type, std::move(shape)}, std::move(bytes));
}

}  // namespace modelc
