// Tensor type helpers and constant tensor construction.
#include "compiler/ir/tensor.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace modelc {

int64_t ElementCount(const Shape& shape) {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

bool IsSaneShape(const Shape& shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0 || dim > kMaxTensorElements) return false;
    if (dim != 0 && count > kMaxTensorElements / dim) return false;
    count *= dim;
  }
  return true;
}

absl::Status CheckShapeSize(const Shape& shape, const std::string& what) {
  if (IsSaneShape(shape)) return absl::OkStatus();
  for (int64_t dim : shape) {
    if (dim < 0) return absl::InvalidArgumentError(absl::StrCat(what, " ", ShapeToString(shape), " has a negative dimension"));
  }
  return absl::InvalidArgumentError(absl::StrCat(what, " ", ShapeToString(shape), " is absurdly large: more than ",
                                                 kMaxTensorElements, " elements or a dimension longer (the limit)"));
}

std::string ShapeToString(const Shape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

std::string TensorType::ToString() const {
  return absl::StrCat(DataTypeName(element_type), ShapeToString(shape));
}

namespace {
template <typename T>
TensorData MakeTensor(DataType element_type, Shape shape, std::span<const T> values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return TensorData(TensorType{element_type, std::move(shape)}, std::move(bytes));
}
}  // namespace

TensorData TensorData::FromFloats(Shape shape, std::span<const float> values) {
  return MakeTensor(DataType::kFloat32, std::move(shape), values);
}

TensorData TensorData::FromInt64s(Shape shape, std::span<const int64_t> values) {
  return MakeTensor(DataType::kInt64, std::move(shape), values);
}

}  // namespace modelc
