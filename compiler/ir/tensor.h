// Tensor types (element type + static shape) and constant tensor data. All shapes in
// the IR are static: symbolic dimensions are bound by the frontend before a graph exists.
#ifndef MODELC_IR_TENSOR_H_
#define MODELC_IR_TENSOR_H_

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "compiler/ir/data_type.h"

namespace modelc {

using Shape = std::vector<int64_t>;

int64_t ElementCount(const Shape& shape);
// Tensors above this many elements are refused as absurd before anything is allocated.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 32;
// Whether the shape's element count, and each dimension (an empty tensor has no count
// to bound them), is at most kMaxTensorElements, no dimension negative; computed
// without overflow.
bool IsSaneShape(const Shape& shape);
// IsSaneShape as a status: "WHAT [dims] has more than N elements (the limit)".
absl::Status CheckShapeSize(const Shape& shape, const std::string& what);
std::string ShapeToString(const Shape& shape);  // "[1,3,32,32]"

struct TensorType {
  DataType element_type = DataType::kFloat32;
  Shape shape;

  int64_t ElementCount() const { return modelc::ElementCount(shape); }
  int64_t ByteSize() const { return ElementCount() * modelc::ByteSize(element_type); }
  int64_t Rank() const { return static_cast<int64_t>(shape.size()); }
  std::string ToString() const;  // "float32[1,10]"
  bool operator==(const TensorType& other) const = default;
};

// The bytes of a constant tensor, little-endian, densely packed in row-major order.
class TensorData {
 public:
  TensorData() = default;
  TensorData(TensorType type, std::vector<uint8_t> bytes)
      : type_(std::move(type)), bytes_(std::move(bytes)) {}

  static TensorData FromFloats(Shape shape, std::span<const float> values);
  static TensorData FromInt64s(Shape shape, std::span<const int64_t> values);

  const TensorType& type() const { return type_; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

  // Copies of the elements; the caller must have checked the element type.
  std::vector<float> Floats() const { return Elements<float>(); }
  std::vector<int64_t> Int64s() const { return Elements<int64_t>(); }

  template <typename T>
  std::vector<T> Elements() const {
    std::vector<T> out(bytes_.size() / sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), bytes_.data(), out.size() * sizeof(T));
    return out;
  }

 private:
  TensorType type_;
  std::vector<uint8_t> bytes_;
};

// `data` with its dimensions permuted as a Transpose with `perm` permutes them: output
// dimension d is input dimension perm[d] (perm must be a permutation of the rank).
TensorData PermuteTensorData(const TensorData& data, const std::vector<int64_t>& perm);

}  // namespace modelc

#endif  // MODELC_IR_TENSOR_H_
