// Sizes and names of the IR's element types.
#include "compiler/ir/data_type.h"

namespace modelc {

int64_t ByteSize(DataType type) {
  return VisitDataType(type, [](auto element) { return static_cast<int64_t>(sizeof(element)); });
}

std::optional<DataType> DataTypeFromCode(int64_t code) {
  switch (code) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 9: case 11: case 12: case 13:
      return static_cast<DataType>(code);
    default:
      return std::nullopt;
  }
}

const char* DataTypeName(DataType type) {
  switch (type) {
    case DataType::kFloat32: return "float32";
    case DataType::kUInt8: return "uint8";
    case DataType::kInt8: return "int8";
    case DataType::kUInt16: return "uint16";
    case DataType::kInt16: return "int16";
    case DataType::kInt32: return "int32";
    case DataType::kInt64: return "int64";
    case DataType::kBool: return "bool";
    case DataType::kFloat64: return "float64";
    case DataType::kUInt32: return "uint32";
    case DataType::kUInt64: return "uint64";
  }
  return "?";
}

const char* CTypeName(DataType type) {
  switch (type) {
    case DataType::kFloat32: return "float";
    case DataType::kUInt8: return "uint8_t";
    case DataType::kInt8: return "int8_t";
    case DataType::kUInt16: return "uint16_t";
    case DataType::kInt16: return "int16_t";
    case DataType::kInt32: return "int32_t";
    case DataType::kInt64: return "int64_t";
    case DataType::kBool: return "uint8_t";
    case DataType::kFloat64: return "double";
    case DataType::kUInt32: return "uint32_t";
    case DataType::kUInt64: return "uint64_t";
  }
  return "void";
}

bool IsFloat(DataType type) { return type == DataType::kFloat32; }
bool IsFloat64(DataType type) { return type == DataType::kFloat64; }
bool IsBool(DataType type) { return type == DataType::kBool; }

bool IsSignedInteger(DataType type) {
  return type == DataType::kInt8 || type == DataType::kInt16 || type == DataType::kInt32 ||
         type == DataType::kInt64;
}

bool IsUnsignedInteger(DataType type) {
  return type == DataType::kUInt8 || type == DataType::kUInt16 || type == DataType::kUInt32 ||
         type == DataType::kUInt64;
}

}  // namespace modelc
