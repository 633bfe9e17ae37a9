// Sizes and names of the IR's element types.
#include "compiler/ir/data_type.h"

namespace modelc {

int64_t ByteSize(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return 4;
    case DataType::kInt64:
      return 8;
    case DataType::kInt32:
      return 4;
    case DataType::kBool:
      return 1;
  }
  return 0;
}

const char* DataTypeName(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return "float32";
    case DataType::kInt64:
      return "int64";
    case DataType::kInt32:
      return "int32";
    case DataType::kBool:
      return "bool";
  }
  return "?";
}

}  // namespace modelc
