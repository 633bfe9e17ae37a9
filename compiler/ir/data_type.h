// Element types the IR knows about, with their sizes and names. Only the types that
// generated code and constant folding can handle appear here. The numeric codes are
// ONNX's TensorProto codes, which the generated ABI reuses (MODELC_FLOAT32 = 1, ...).
#ifndef MODELC_IR_DATA_TYPE_H_
#define MODELC_IR_DATA_TYPE_H_

#include <cstdint>
#include <cmath>
#include <limits>
#include <optional>
#include <type_traits>

namespace modelc {

enum class DataType : uint8_t {
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
};

int64_t ByteSize(DataType type);
// The type with this ONNX TensorProto code, if the IR supports it.
std::optional<DataType> DataTypeFromCode(int64_t code);
const char* DataTypeName(DataType type);  // "float32", "int64", ...
const char* CTypeName(DataType type);     // "float", "int64_t", ... ("uint8_t" for bool)
// float32 only: the type of the float kernels (convolutions, pools, normalisations, ...).
// float64 reaches only the ops whose Types column (ops.def) admits it.
bool IsFloat(DataType type);
bool IsFloat64(DataType type);
inline bool IsFloatingPoint(DataType type) { return IsFloat(type) || IsFloat64(type); }
bool IsBool(DataType type);
bool IsSignedInteger(DataType type);
bool IsUnsignedInteger(DataType type);  // not bool
inline bool IsInteger(DataType type) { return IsSignedInteger(type) || IsUnsignedInteger(type); }

// Calls fn(T{}) with T the C++ type holding one element (uint8_t for bool).
template <typename Fn>
decltype(auto) VisitDataType(DataType type, Fn&& fn) {
  switch (type) {
    case DataType::kFloat32: return fn(float{});
    case DataType::kUInt8: return fn(uint8_t{});
    case DataType::kInt8: return fn(int8_t{});
    case DataType::kUInt16: return fn(uint16_t{});
    case DataType::kInt16: return fn(int16_t{});
    case DataType::kInt32: return fn(int32_t{});
    case DataType::kInt64: return fn(int64_t{});
    case DataType::kBool: return fn(uint8_t{});
    case DataType::kFloat64: return fn(double{});
    case DataType::kUInt32: return fn(uint32_t{});
    case DataType::kUInt64: return fn(uint64_t{});
  }
  return fn(float{});
}

// value converted to T, saturating at T's range (NaN gives 0 for integers): how the
// compiler turns a double parameter (Clip bound, Pad value) into an element.
template <typename T>
T SaturatingCast(double value) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(value);
  } else {
    if (std::isnan(value)) return T{0};
    if (value <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (value >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(value);
  }
}

}  // namespace modelc

#endif  // MODELC_IR_DATA_TYPE_H_
