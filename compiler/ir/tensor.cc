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

TensorData PermuteTensorData(const TensorData& data, const std::vector<int64_t>& perm) {
  const Shape& in = data.type().shape;
  Shape out(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) out[d] = in[perm[d]];
  std::vector<int64_t> in_strides(in.size(), 1);
  for (int64_t d = static_cast<int64_t>(in.size()) - 2; d >= 0; --d) in_strides[d] = in_strides[d + 1] * in[d + 1];
  const int64_t element = ByteSize(data.type().element_type), count = ElementCount(out);
  std::vector<uint8_t> bytes(data.bytes().size());
  std::vector<int64_t> index(out.size(), 0);
  for (int64_t o = 0; o < count; ++o) {
    int64_t source = 0;
    for (size_t d = 0; d < out.size(); ++d) source += index[d] * in_strides[perm[d]];
    std::memcpy(&bytes[o * element], &data.bytes()[source * element], element);
    for (int64_t d = static_cast<int64_t>(out.size()) - 1; d >= 0 && ++index[d] == out[d]; --d) index[d] = 0;
  }
  return TensorData(TensorType{data.type().element_type, out}, std::move(bytes));
}

}  // namespace modelc
