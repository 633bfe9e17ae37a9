// Shape, Size, ConstantOfShape and Range, evaluated while importing.
#include "compiler/frontend/onnx/compile_time_ops.h"

#include <cmath>
#include <cstring>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/onnx/tensor_conversion.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// Refuses outputs over this size: a constant this large is almost surely an error.
constexpr int64_t kMaxElements = int64_t{1} << 26;

const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

absl::StatusOr<const KnownInput*> Input(const std::vector<std::optional<KnownInput>>& inputs, size_t i,
                                        bool constant) {
  if (i >= inputs.size() || !inputs[i]) return absl::InvalidArgumentError(absl::StrCat("input ", i, " is missing"));
  if (constant && !inputs[i]->constant) {
    return absl::UnimplementedError(absl::StrCat("input ", i, " must be known at compile time", inputs[i]->freeze_hint));
  }
  return &*inputs[i];
}

absl::StatusOr<TensorData> ShapeOf(const onnx::NodeProto& node, const Shape& shape) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  const onnx::AttributeProto* start_attr = FindAttribute(node, "start");
  const onnx::AttributeProto* end_attr = FindAttribute(node, "end");
  auto clamp = [rank](int64_t v) {
    if (v < 0) v += rank;
    return std::min(std::max<int64_t>(v, 0), rank);
  };
  const int64_t start = start_attr ? clamp(start_attr->i()) : 0;
  const int64_t end = end_attr ? clamp(end_attr->i()) : rank;
  std::vector<int64_t> dims;
  for (int64_t d = start; d < end; ++d) dims.push_back(shape[d]);
  return TensorData::FromInt64s({static_cast<int64_t>(dims.size())}, dims);
}

absl::StatusOr<TensorData> ConstantOfShape(const onnx::NodeProto& node, const KnownInput& shape_input) {
  if (shape_input.type.element_type != DataType::kInt64 || shape_input.type.Rank() != 1) {
    return absl::InvalidArgumentError("ConstantOfShape's input must be a 1-D int64 tensor");
  }
  const Shape shape = shape_input.constant->Int64s();
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) return absl::InvalidArgumentError("ConstantOfShape's shape has a negative dimension");
    if (dim > kMaxElements || (dim != 0 && count > kMaxElements / dim)) {
      return absl::InvalidArgumentError(absl::StrCat("ConstantOfShape's shape ", ShapeToString(shape),
                                                     " is absurdly large: more than ", kMaxElements,
                                                     " elements or a dimension longer (the limit)"));
    }
    count *= dim;
  }
  TensorData value = TensorData::FromFloats({1}, std::vector<float>{0.0f});
  if (const onnx::AttributeProto* attribute = FindAttribute(node, "value")) {
    ASSIGN_OR_RETURN(value, TensorDataFromOnnx(attribute->t()));
    if (value.type().ElementCount() != 1) return absl::InvalidArgumentError("ConstantOfShape's value must hold one element");
  }
  std::vector<uint8_t> bytes;
  bytes.reserve(count * value.bytes().size());
  for (int64_t i = 0; i < count; ++i) bytes.insert(bytes.end(), value.bytes().begin(), value.bytes().end());
  return TensorData(TensorType{value.type().element_type, shape}, std::move(bytes));
}

absl::StatusOr<TensorData> Range(const std::vector<std::optional<KnownInput>>& inputs) {
  std::vector<const KnownInput*> operands;
  for (size_t i = 0; i < 3; ++i) {
    ASSIGN_OR_RETURN(const KnownInput* input, Input(inputs, i, /*constant=*/true));
    if (input->type.ElementCount() != 1 || input->type.element_type != inputs[0]->type.element_type) {
      return absl::InvalidArgumentError("Range takes three scalars of one type");
    }
    operands.push_back(input);
  }
  const DataType type = operands[0]->type.element_type;
  if (!IsFloat(type) && type != DataType::kInt64 && type != DataType::kInt32 && type != DataType::kInt16) {
    return absl::UnimplementedError(absl::StrCat("Range of ", DataTypeName(type), " is not supported"));
  }
  return VisitDataType(type, [&](auto element) -> absl::StatusOr<TensorData> {
    using T = decltype(element);
    const T start = operands[0]->constant->Elements<T>()[0];
    const T limit = operands[1]->constant->Elements<T>()[0];
    const T delta = operands[2]->constant->Elements<T>()[0];
    if (delta == T{0}) return absl::InvalidArgumentError("Range's delta must not be 0");
    const auto too_long = [&] {
      return absl::InvalidArgumentError(absl::StrCat("Range from ", start, " to ", limit, " by ", delta,
                                                     " is absurdly long: more than ", kMaxElements,
                                                     " elements (the limit)"));
    };
    // The element count, ceil((limit - start) / delta), at least 0: exact for integers
    // (in 128 bits, where no difference of two int64s overflows), in double for floats.
    int64_t count = 0;
    if constexpr (std::is_integral_v<T>) {
      const __int128 distance = static_cast<__int128>(limit) - static_cast<__int128>(start);
      const __int128 step = delta;
      if ((distance > 0 && step > 0) || (distance < 0 && step < 0)) {
        const __int128 steps = (distance + step + (step > 0 ? -1 : 1)) / step;
        if (steps > kMaxElements) return too_long();
        count = static_cast<int64_t>(steps);
      }
    } else {
      const double steps = std::ceil((static_cast<double>(limit) - static_cast<double>(start)) / static_cast<double>(delta));
      if (std::isnan(steps)) {
        return absl::InvalidArgumentError(absl::StrCat("Range from ", start, " to ", limit, " by ", delta,
                                                       " has no defined length"));
      }
      if (steps > static_cast<double>(kMaxElements)) return too_long();
      count = steps > 0.0 ? static_cast<int64_t>(steps) : 0;
    }
    std::vector<uint8_t> bytes(count * sizeof(T));
    for (int64_t i = 0; i < count; ++i) {
      // As ONNX: start + i * delta. Every element lies between start and limit, so it
      // fits T; for integers the product alone may not, so it is formed modulo 2^64,
      // which gives the exact element.
      T v;
      if constexpr (std::is_integral_v<T>) {
        v = static_cast<T>(static_cast<uint64_t>(static_cast<int64_t>(start)) +
                           static_cast<uint64_t>(i) * static_cast<uint64_t>(static_cast<int64_t>(delta)));
      } else {
        v = static_cast<T>(start + static_cast<T>(i) * delta);
      }
      std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
    }
    return TensorData(TensorType{type, {count}}, std::move(bytes));
  });
}

}  // namespace

bool IsCompileTimeOp(const std::string& op_type) {
  return op_type == "Shape" || op_type == "Size" || op_type == "ConstantOfShape" || op_type == "Range";
}

absl::StatusOr<TensorData> EvaluateCompileTimeOp(const onnx::NodeProto& node,
                                                 const std::vector<std::optional<KnownInput>>& inputs) {
  if (node.op_type() == "Shape") {
    ASSIGN_OR_RETURN(const KnownInput* x, Input(inputs, 0, /*constant=*/false));
    return ShapeOf(node, x->type.shape);
  }
  if (node.op_type() == "Size") {
    ASSIGN_OR_RETURN(const KnownInput* x, Input(inputs, 0, /*constant=*/false));
    return TensorData::FromInt64s({}, std::vector<int64_t>{x->type.ElementCount()});
  }
  if (node.op_type() == "ConstantOfShape") {
    ASSIGN_OR_RETURN(const KnownInput* shape, Input(inputs, 0, /*constant=*/true));
    return ConstantOfShape(node, *shape);
  }
  if (node.op_type() == "Range") return Range(inputs);
  return absl::InternalError(absl::StrCat(node.op_type(), " is not evaluated at compile time"));
}

}  // namespace modelc
