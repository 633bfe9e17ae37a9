// The converters' shared checks and node sequences.
#include "compiler/frontend/tflite/converter_support.h"

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

}  // namespace modelc::tflite_converters
