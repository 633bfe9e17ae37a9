// TimeDistributed (the wrapped layer on every time step: batch and time merged into one
// batch dimension, then split again) and Bidirectional (a forward and a backward
// recurrent layer, the backward one's sequence put back in time order, merged as
// merge_mode says). The wrapped layers are converted by their own converters.
#include "compiler/frontend/keras/keras_wrapper_layers.h"

#include "absl/strings/str_cat.h"
#include "compiler/util/status_macros.h"

namespace modelc::keras_layers {
namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

absl::StatusOr<KerasLayer> WrappedLayer(LayerBuilder& b, const char* key) {
  const auto it = b.config().find(key);
  if (it == b.config().end() || !it->is_object()) return Invalid(absl::StrCat("it has no '", key, "' to wrap"));
  const auto class_name = it->find("class_name");
  const auto config = it->find("config");
  if (class_name == it->end() || !class_name->is_string() || config == it->end() || !config->is_object()) {
    return Invalid(absl::StrCat("its '", key, "' has no class_name and config"));
  }
  KerasLayer inner;
  inner.class_name = class_name->get<std::string>();
  inner.name = b.layer().name;
  inner.config = *config;
  return inner;
}

}  // namespace

absl::StatusOr<std::vector<ValueId>> ConvertTimeDistributed(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  const Shape x = b.InputShape(0);
  if (x.size() < 3) return Invalid(absl::StrCat("the input must be (batch, time, ...), not ", ShapeToString(x)));
  ASSIGN_OR_RETURN(KerasLayer inner, WrappedLayer(b, "layer"));
  Shape merged = {x[0] * x[1]};
  merged.insert(merged.end(), x.begin() + 2, x.end());
  ASSIGN_OR_RETURN(ValueId steps, b.Reshaped(b.Input(0), merged, "merge_time"));
  ASSIGN_OR_RETURN(std::vector<ValueId> outputs, b.CallInner(inner, {steps}, b.Weights()));
  for (ValueId& output : outputs) {
    const Shape y = b.graph().value(output).type.shape;
    Shape split = {x[0], x[1]};
    split.insert(split.end(), y.begin() + 1, y.end());
    ASSIGN_OR_RETURN(output, b.Reshaped(output, split, "split_time"));
  }
  return outputs;
}

absl::StatusOr<std::vector<ValueId>> ConvertBidirectional(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  ASSIGN_OR_RETURN(KerasLayer forward, WrappedLayer(b, "layer"));
  KerasLayer backward = forward;
  if (b.config().contains("backward_layer") && !b.config()["backward_layer"].is_null()) {
    ASSIGN_OR_RETURN(backward, WrappedLayer(b, "backward_layer"));
  } else {
    ASSIGN_OR_RETURN(bool go_backwards, ConfigBool(forward.config, "go_backwards", false));
    backward.config["go_backwards"] = !go_backwards;
  }
  if (b.WeightCount() % 2 != 0) return Invalid("its weights do not split into a forward and a backward half");
  const size_t half = b.WeightCount() / 2;
  std::vector<TensorData> forward_weights(b.Weights().begin(), b.Weights().begin() + half);
  std::vector<TensorData> backward_weights(b.Weights().begin() + half, b.Weights().end());
  ASSIGN_OR_RETURN(std::vector<ValueId> f, b.CallInner(forward, {b.Input(0)}, std::move(forward_weights)));
  ASSIGN_OR_RETURN(std::vector<ValueId> g, b.CallInner(backward, {b.Input(0)}, std::move(backward_weights)));
  if (f.size() != g.size()) return Invalid("its forward and backward layers return different outputs");
  ASSIGN_OR_RETURN(bool sequences, ConfigBool(forward.config, "return_sequences", false));
  if (sequences) {
    ASSIGN_OR_RETURN(g[0], b.Reversed(g[0], 1, "backward_in_time_order"));
  }
  ASSIGN_OR_RETURN(std::string mode, ConfigString(b.config(), "merge_mode", "__none__"));
  std::vector<ValueId> outputs;
  if (mode == "__none__") {
    outputs = {f[0], g[0]};
  } else if (mode == "concat") {
    AttributeMap attributes;
    attributes.Set("axis", static_cast<int64_t>(b.graph().value(f[0]).type.shape.size()) - 1);
    ASSIGN_OR_RETURN(ValueId y, b.AddNode(OpKind::kConcat, "concat", {f[0], g[0]}, std::move(attributes)));
    outputs = {y};
  } else if (mode == "sum" || mode == "mul" || mode == "ave") {
    const OpKind op = mode == "sum" ? OpKind::kAdd : mode == "mul" ? OpKind::kMul : OpKind::kMean;
    ASSIGN_OR_RETURN(ValueId y, b.AddNode(op, mode, {f[0], g[0]}));
    outputs = {y};
  } else {
    return Invalid(absl::StrCat("unknown merge_mode '", mode, "'"));
  }
  outputs.insert(outputs.end(), f.begin() + 1, f.end());  // return_state: forward's states, then backward's
  outputs.insert(outputs.end(), g.begin() + 1, g.end());
  return outputs;
}

}  // namespace modelc::keras_layers
