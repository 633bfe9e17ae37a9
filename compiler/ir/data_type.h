// Element types the IR knows about, with their sizes and names. Only the types that
// generated code or constant folding can handle appear here.
#ifndef MODELC_IR_DATA_TYPE_H_
#define MODELC_IR_DATA_TYPE_H_

#include <cstdint>


namespace modelc {

enum class DataType : uint8_t {
  kFloat32,
  kInt64,
  kInt32,
  kBool,
};

int64_t ByteSize(DataType type);
const char* DataTypeName(DataType type);  // "float32", "int64", ...

}  // namespace modelc

#endif  // MODELC_IR_DATA_TYPE_H_
