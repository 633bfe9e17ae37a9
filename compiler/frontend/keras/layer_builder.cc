// One layer call's node building, and Keras's activations as IR nodes.
#include "compiler/frontend/keras/layer_builder.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/keras/keras_layers.h"
#include "compiler/ir/shape_inference.h"
#include "compiler/util/status_macros.h"

namespace modelc {

std::string UniqueNames::Take(const std::string& wanted) {
  std::string name = wanted;
  for (int k = 2; taken_.count(name); ++k) name = absl::StrCat(wanted, "_", k);
  taken_.insert(name);
  return name;
}

absl::Status LayerBuilder::ExpectInputs(int count, bool at_least) const {
  if (InputCount() == count || (at_least && InputCount() > count)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("takes ", at_least ? "at least " : "", count, " input", count == 1 ? "" : "s", ", not ", InputCount()));
}

absl::Status LayerBuilder::ExpectWeights(size_t count) const {
  if (weights_.size() == count) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("has ", weights_.size(), " weights in the file, not the ", count,
                                                 " its config implies (missing or extra weights)"));
}

absl::StatusOr<TensorData> LayerBuilder::Weight(size_t i, const Shape& shape, const char* what) const {
  if (i >= weights_.size()) return absl::InvalidArgumentError(absl::StrCat("its ", what, " is missing from the weights"));
  if (weights_[i].type().shape != shape) {
    return absl::InvalidArgumentError(absl::StrCat("its ", what, " has shape ", ShapeToString(weights_[i].type().shape),
                                                   ", not ", ShapeToString(shape), " as its config and input imply"));
  }
  return weights_[i];
}

absl::StatusOr<ValueId> LayerBuilder::AddNode(OpKind op, const std::string& role, std::vector<ValueId> inputs,
                                              AttributeMap attributes) {
  const std::string name = names_.Take(absl::StrCat(layer_.name, "/", role));
  Node node{op, name, std::move(inputs), {kNoValue}, std::move(attributes)};
  absl::StatusOr<std::vector<TensorType>> types = InferOutputTypes(graph_, node);
  if (!types.ok()) {
    return absl::Status(types.status().code(), absl::StrCat(OpName(op), " '", role, "': ", types.status().message()));
  }
  node.outputs[0] = graph_.AddValue(name, (*types)[0]);
  const ValueId output = node.outputs[0];
  graph_.AddNode(std::move(node));
  return output;
}

absl::StatusOr<std::vector<ValueId>> LayerBuilder::AddNodeWithOutputs(OpKind op, const std::string& role,
                                                                      std::vector<ValueId> inputs,
                                                                      AttributeMap attributes, int count) {
  const std::string name = names_.Take(absl::StrCat(layer_.name, "/", role));
  Node node{op, name, std::move(inputs), std::vector<ValueId>(count, kNoValue), std::move(attributes)};
  absl::StatusOr<std::vector<TensorType>> types = InferOutputTypes(graph_, node);
  if (!types.ok()) {
    return absl::Status(types.status().code(), absl::StrCat(OpName(op), " '", role, "': ", types.status().message()));
  }
  if (static_cast<int>(types->size()) < count) return absl::InternalError("the shape rule gave too few outputs");
  for (int o = 0; o < count; ++o) {
    node.outputs[o] = graph_.AddValue(o == 0 ? name : names_.Take(absl::StrCat(name, "_", o)), (*types)[o]);
  }
  std::vector<ValueId> outputs = node.outputs;
  graph_.AddNode(std::move(node));
  return outputs;
}

ValueId LayerBuilder::AddConstant(const std::string& role, TensorData data) {
  return graph_.AddConstant(names_.Take(absl::StrCat(layer_.name, "/", role)), std::move(data));
}

ValueId LayerBuilder::AddScalar(const std::string& role, float value) {
  return AddConstant(role, TensorData::FromFloats({}, std::vector<float>{value}));
}

absl::StatusOr<ValueId> LayerBuilder::Transposed(ValueId x, const std::vector<int64_t>& perm, const std::string& role) {
  AttributeMap attributes;
  attributes.Set("perm", perm);
  return AddNode(OpKind::kTranspose, role, {x}, std::move(attributes));
}

absl::StatusOr<ValueId> LayerBuilder::Reshaped(ValueId x, const Shape& shape, const std::string& role) {
  const ValueId target =
      AddConstant(role + "_shape", TensorData::FromInt64s({static_cast<int64_t>(shape.size())}, shape));
  return AddNode(OpKind::kReshape, role, {x, target});
}

absl::StatusOr<ValueId> LayerBuilder::Clipped(ValueId x, float low, float high, const std::string& role) {
  const ValueId min = AddScalar(role + "_min", low);
  const ValueId max = AddScalar(role + "_max", high);
  return AddNode(OpKind::kClip, role, {x, min, max});
}

absl::StatusOr<ValueId> LayerBuilder::Reversed(ValueId x, int64_t axis, const std::string& role) {
  const int64_t size = graph_.value(x).type.shape[axis];
  auto ints = [&](const std::string& what, int64_t value) {
    return AddConstant(absl::StrCat(role, "_", what), TensorData::FromInt64s({1}, std::vector<int64_t>{value}));
  };
  return AddNode(OpKind::kSlice, role,
                 {x, ints("start", size - 1), ints("end", -size - 1), ints("axis", axis), ints("step", -1)});
}

absl::StatusOr<std::vector<ValueId>> LayerBuilder::CallInner(const KerasLayer& inner, std::vector<ValueId> inputs,
                                                             std::vector<TensorData> weights) {
  const LayerConverter convert = FindLayerConverter(inner.class_name);
  if (!convert) return absl::UnimplementedError(absl::StrCat("it wraps an unsupported layer (", inner.class_name, ")"));
  KerasLayer named = inner;
  named.name = layer_.name;
  LayerBuilder builder(graph_, names_, named, std::move(inputs), std::move(weights));
  absl::StatusOr<std::vector<ValueId>> outputs = convert(builder);
  if (!outputs.ok()) {
    return absl::Status(outputs.status().code(), absl::StrCat("its ", inner.class_name, ": ", outputs.status().message()));
  }
  return outputs;
}

absl::StatusOr<ValueId> LayerBuilder::Activation(const std::string& name, ValueId x) {
  auto unary = [&](OpKind op) { return AddNode(op, name, {x}); };
  auto with_alpha = [&](OpKind op, float alpha) {
    AttributeMap attributes;
    attributes.Set("alpha", alpha);
    return AddNode(op, name, {x}, std::move(attributes));
  };
  if (name == "linear") return x;
  if (name == "relu") return unary(OpKind::kRelu);
  if (name == "relu6") return Clipped(x, 0.0f, 6.0f, name);
  if (name == "sigmoid") return unary(OpKind::kSigmoid);
  if (name == "tanh") return unary(OpKind::kTanh);
  if (name == "exponential") return unary(OpKind::kExp);
  if (name == "softplus") return unary(OpKind::kSoftplus);
  if (name == "softsign") return unary(OpKind::kSoftsign);
  if (name == "elu") return with_alpha(OpKind::kElu, 1.0f);
  if (name == "leaky_relu") return with_alpha(OpKind::kLeakyRelu, 0.2f);  // Keras 3's default slope
  if (name == "hard_silu" || name == "hard_swish") return unary(OpKind::kHardSwish);
  if (name == "selu") {
    AttributeMap attributes;
    attributes.Set("alpha", 1.67326324f);
    attributes.Set("gamma", 1.05070098f);
    return AddNode(OpKind::kSelu, name, {x}, std::move(attributes));
  }
  if (name == "hard_sigmoid" || name == "hard_sigmoid_keras2") {  // Keras 3: relu6(x + 3) / 6; Keras 2: 0.2 x + 0.5
    AttributeMap attributes;
    attributes.Set("alpha", name == "hard_sigmoid" ? 1.0f / 6.0f : 0.2f);
    attributes.Set("beta", 0.5f);
    return AddNode(OpKind::kHardSigmoid, "hard_sigmoid", {x}, std::move(attributes));
  }
  if (name == "softmax" || name == "log_softmax") {
    AttributeMap attributes;
    attributes.Set("axis", int64_t{-1});
    return AddNode(name == "softmax" ? OpKind::kSoftmax : OpKind::kLogSoftmax, name, {x}, std::move(attributes));
  }
  if (name == "swish" || name == "silu") {
    ASSIGN_OR_RETURN(ValueId sigmoid, AddNode(OpKind::kSigmoid, name + "_sigmoid", {x}));
    return AddNode(OpKind::kMul, name, {x, sigmoid});
  }
  if (name == "mish") {
    ASSIGN_OR_RETURN(ValueId softplus, AddNode(OpKind::kSoftplus, name + "_softplus", {x}));
    ASSIGN_OR_RETURN(ValueId tanh, AddNode(OpKind::kTanh, name + "_tanh", {softplus}));
    return AddNode(OpKind::kMul, name, {x, tanh});
  }
  if (name == "gelu") {  // Keras 3's default: exact, x / 2 * (1 + erf(x / sqrt(2)))
    ASSIGN_OR_RETURN(ValueId scaled, AddNode(OpKind::kMul, name + "_scaled", {x, AddScalar(name + "_rsqrt2", M_SQRT1_2)}));
    ASSIGN_OR_RETURN(ValueId erf, AddNode(OpKind::kErf, name + "_erf", {scaled}));
    ASSIGN_OR_RETURN(ValueId one_plus, AddNode(OpKind::kAdd, name + "_one_plus", {erf, AddScalar(name + "_one", 1.0f)}));
    ASSIGN_OR_RETURN(ValueId half, AddNode(OpKind::kMul, name + "_half", {x, AddScalar(name + "_half_value", 0.5f)}));
    return AddNode(OpKind::kMul, name, {half, one_plus});
  }
  return absl::UnimplementedError(absl::StrCat("the activation '", name, "' is not supported"));
}

absl::StatusOr<ValueId> LayerBuilder::ConfiguredActivation(ValueId x) {
  const auto it = config().find("activation");
  if (it == config().end() || it->is_null()) return x;
  if (it->is_string()) return Activation(it->get<std::string>(), x);
  return absl::UnimplementedError("its activation is not a built-in Keras activation (custom code)");
}

namespace keras_layers {

absl::StatusOr<std::vector<ValueId>> One(absl::StatusOr<ValueId> value) {
  if (!value.ok()) return value.status();
  return std::vector<ValueId>{*value};
}

absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    return absl::InvalidArgumentError(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  return axis < 0 ? axis + rank : axis;
}

absl::StatusOr<int64_t> ConfigAxis(LayerBuilder& b, int64_t fallback) {
  ASSIGN_OR_RETURN(int64_t axis, ConfigInt(b.config(), "axis", fallback));
  return NormalizeAxis(axis, static_cast<int64_t>(b.InputShape(0).size()));
}

TensorData AlongAxis(const std::vector<float>& values, int64_t axis, int64_t rank) {
  Shape shape = {static_cast<int64_t>(values.size())};
  for (int64_t d = axis + 1; d < rank; ++d) shape.push_back(1);
  return TensorData::FromFloats(std::move(shape), values);
}

}  // namespace keras_layers
}  // namespace modelc
