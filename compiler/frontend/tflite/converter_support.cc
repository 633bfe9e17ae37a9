// The converters' shared checks and node sequences.
#include "compiler/frontend/tflite/converter_support.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/util/status_macros.h"

namespace modelc::tflite_converters {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

absl::Status ExpectArity(SubgraphImporter& s, int min_inputs, int max_inputs, int outputs) {
  if (s.InputCount() < min_inputs || s.InputCount() > max_inputs) {
    return Invalid(absl::StrCat("takes ", min_inputs, min_inputs == max_inputs ? "" : absl::StrCat(" to ", max_inputs),
                                " inputs, not ", s.InputCount()));
  }
  for (int i = 0; i < min_inputs; ++i) {
    if (!s.HasInput(i)) return Invalid(absl::StrCat("input ", i, " is required"));
  }
  if (s.OutputCount() != outputs) return Invalid(absl::StrCat("has ", outputs, " outputs, not ", s.OutputCount()));
  return absl::OkStatus();
}

absl::StatusOr<ValueId> Transposed(SubgraphImporter& s, ValueId x, const std::vector<int64_t>& perm,
                                   const std::string& role) {
  AttributeMap attributes;
  attributes.Set("perm", perm);
  return s.AddNode(OpKind::kTranspose, role, {x}, std::move(attributes));
}

absl::StatusOr<ValueId> Reshaped(SubgraphImporter& s, ValueId x, const Shape& shape, const std::string& role) {
  const ValueId target = s.AddConstant(role + "_shape", TensorData::FromInt64s({static_cast<int64_t>(shape.size())}, shape));
  return s.AddNode(OpKind::kReshape, role, {x, target});
}

absl::StatusOr<ValueId> Cast(SubgraphImporter& s, ValueId x, DataType to) {
  AttributeMap attributes;
  attributes.Set("to", static_cast<int64_t>(to));  // DataType's values are ONNX's codes
  return s.AddNode(OpKind::kCast, "cast", {x}, std::move(attributes));
}

absl::StatusOr<ValueId> Clipped(SubgraphImporter& s, ValueId x, float low, float high, const std::string& role) {
  const ValueId min = s.AddConstant(role + "_min", TensorData::FromFloats({}, std::vector<float>{low}));
  const ValueId max = s.AddConstant(role + "_max", TensorData::FromFloats({}, std::vector<float>{high}));
  return s.AddNode(OpKind::kClip, role, {x, min, max});
}

absl::StatusOr<ValueId> ApplyActivation(SubgraphImporter& s, tfl::ActivationFunctionType function, ValueId x) {
  switch (function) {
    case tfl::ActivationFunctionType::NONE: return x;
    case tfl::ActivationFunctionType::RELU: return s.AddNode(OpKind::kRelu, "relu", {x});
    case tfl::ActivationFunctionType::RELU_N1_TO_1: return Clipped(s, x, -1.0f, 1.0f, "relu_n1_to_1");
    case tfl::ActivationFunctionType::RELU6: return Clipped(s, x, 0.0f, 6.0f, "relu6");
    case tfl::ActivationFunctionType::TANH: return s.AddNode(OpKind::kTanh, "tanh", {x});
    case tfl::ActivationFunctionType::SIGN_BIT:
      return absl::UnimplementedError("the fused activation SIGN_BIT is not supported");
  }
  return Invalid(absl::StrCat("unknown fused activation function ", static_cast<int>(function)));
}

absl::Status ExpectRank(const Shape& shape, size_t rank, const char* what) {
  if (shape.size() != rank) return Invalid(absl::StrCat(what, " must have rank ", rank, ", not ", ShapeToString(shape)));
  return absl::OkStatus();
}

QuantizationValues AddQuantization(SubgraphImporter& s, const TfliteQuantization& q, const std::string& role) {
  const Shape shape = q.PerTensor() ? Shape{} : Shape{static_cast<int64_t>(q.scales.size())};
  std::vector<int8_t> zero_points(q.zero_points.begin(), q.zero_points.end());  // checked to be int8 on reading
  std::vector<uint8_t> bytes(zero_points.size());
  std::memcpy(bytes.data(), zero_points.data(), bytes.size());
  QuantizationValues values;
  values.scale = s.AddConstant(role + "_scale", TensorData::FromFloats(shape, q.scales));
  values.zero_point = s.AddConstant(role + "_zero_point", TensorData(TensorType{DataType::kInt8, shape}, std::move(bytes)));
  return values;
}

ValueId AddInt8Scalar(SubgraphImporter& s, const std::string& role, int8_t value) {
  return s.AddConstant(role, TensorData(TensorType{DataType::kInt8, {}}, std::vector<uint8_t>{static_cast<uint8_t>(value)}));
}

absl::StatusOr<ValueId> TableLookup(SubgraphImporter& s, ValueId x, const Int8Table& table,
                                    const TfliteQuantization& output) {
  std::vector<uint8_t> bytes(table.size());
  for (size_t i = 0; i < table.size(); ++i) bytes[i] = static_cast<uint8_t>(table[i]);
  const ValueId table_value = s.AddConstant("table", TensorData(TensorType{DataType::kInt8, {256}}, std::move(bytes)));
  const QuantizationValues y = AddQuantization(s, output, "y");
  return s.AddNode(OpKind::kTableLookup, "table_lookup", {x, table_value, y.scale, y.zero_point});
}

void SetTfliteArithmetic(AttributeMap& attributes) {
  attributes.Set(kFixedPointRequantization, static_cast<int64_t>(FixedPointRounding::kDouble));
}

absl::StatusOr<TfliteQuantization> RequiredQuantization(const std::optional<TfliteQuantization>& q, const char* what,
                                                        bool per_tensor) {
  if (!q) return absl::UnimplementedError(absl::StrCat(what, " is not quantised, in an int8 operator"));
  if (per_tensor && !q->PerTensor()) {
    return absl::UnimplementedError(absl::StrCat(what, " is quantised per channel; modelc takes one scale for it"));
  }
  return *q;
}

absl::StatusOr<ValueId> ApplyQuantizedActivation(SubgraphImporter& s, tfl::ActivationFunctionType function, ValueId x,
                                                 const TfliteQuantization& output) {
  const float scale = output.scales[0];
  const int64_t zero_point = output.zero_points[0];
  if (!(scale > 0.0f) || !std::isfinite(scale)) {
    return Invalid(absl::StrCat("the output has scale ", scale, ", which is not positive"));
  }
  auto quantize = [&](float f) { return TfliteQuantizedBound(f, scale, zero_point); };
  int64_t low = -128, high = 127;
  switch (function) {
    case tfl::ActivationFunctionType::NONE: return x;
    case tfl::ActivationFunctionType::RELU: low = std::max(low, quantize(0.0f)); break;
    case tfl::ActivationFunctionType::RELU6:
      low = std::max(low, quantize(0.0f));
      high = std::min(high, quantize(6.0f));
      break;
    case tfl::ActivationFunctionType::RELU_N1_TO_1:
      low = std::max(low, quantize(-1.0f));
      high = std::min(high, quantize(1.0f));
      break;
    default:
      return absl::UnimplementedError(absl::StrCat("the fused activation ", tfl::EnumNameActivationFunctionType(function),
                                                   " on an int8 output is not supported"));
  }
  if (low <= -128 && high >= 127) return x;
  if (low > high) return Invalid(absl::StrCat("the fused activation's range is empty for the output's quantisation"));
  return s.AddNode(OpKind::kClip, "activation",
                   {x, AddInt8Scalar(s, "activation_min", static_cast<int8_t>(low)),
                    AddInt8Scalar(s, "activation_max", static_cast<int8_t>(high))});
}

absl::Status ExpectSameQuantization(SubgraphImporter& s) {
  const std::optional<TfliteQuantization> output = s.OutputQuantization(0);
  auto is_int8 = [](const absl::StatusOr<DataType>& type) { return type.ok() && *type == DataType::kInt8; };
  for (int i = 0; i < s.InputCount(); ++i) {
    if (s.HasInput(i) && is_int8(s.InputType(i)) && s.InputQuantization(i) != output) {
      return absl::UnimplementedError(
          absl::StrCat("its output is quantised differently from its input ", i, " (a requantisation)"));
    }
  }
  for (int o = 1; o < s.OutputCount(); ++o) {
    if (s.OutputQuantization(o) != output) {
      return absl::UnimplementedError(absl::StrCat("its output ", o, " is quantised differently from its output 0"));
    }
  }
  return absl::OkStatus();
}

}  // namespace modelc::tflite_converters
