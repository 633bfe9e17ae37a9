// Small typed tensors written inline in tests: F({2}, {1, 2}), D (float64), I64({3}, {...}), ...
#ifndef MODELC_TESTS_TENSOR_LITERALS_H_
#define MODELC_TESTS_TENSOR_LITERALS_H_

#include <cstring>
#include <vector>

#include "compiler/ir/tensor.h"

namespace modelc::testing {

template <typename T>
TensorData Tensor(DataType type, Shape shape, std::vector<T> values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return TensorData(TensorType{type, std::move(shape)}, std::move(bytes));
}
inline TensorData F(Shape shape, std::vector<float> v) { return Tensor(DataType::kFloat32, std::move(shape), std::move(v)); }
inline TensorData D(Shape shape, std::vector<double> v) { return Tensor(DataType::kFloat64, std::move(shape), std::move(v)); }
inline TensorData I64(Shape shape, std::vector<int64_t> v) { return Tensor(DataType::kInt64, std::move(shape), std::move(v)); }
inline TensorData I32(Shape shape, std::vector<int32_t> v) { return Tensor(DataType::kInt32, std::move(shape), std::move(v)); }
inline TensorData I16(Shape shape, std::vector<int16_t> v) { return Tensor(DataType::kInt16, std::move(shape), std::move(v)); }
inline TensorData U16(Shape shape, std::vector<uint16_t> v) { return Tensor(DataType::kUInt16, std::move(shape), std::move(v)); }
inline TensorData I8(Shape shape, std::vector<int8_t> v) { return Tensor(DataType::kInt8, std::move(shape), std::move(v)); }
inline TensorData U8(Shape shape, std::vector<uint8_t> v) { return Tensor(DataType::kUInt8, std::move(shape), std::move(v)); }
inline TensorData B(Shape shape, std::vector<uint8_t> v) { return Tensor(DataType::kBool, std::move(shape), std::move(v)); }

}  // namespace modelc::testing

#endif  // MODELC_TESTS_TENSOR_LITERALS_H_
