// The normalisation layers at inference: BatchNormalization with its moving
// statistics, the Normalization preprocessing layer, LayerNormalization. Per-channel
// constants are computed at import, shaped to broadcast along the layer's axis.
#include "compiler/frontend/keras/keras_normalization_layers.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/util/status_macros.h"

namespace modelc::keras_layers {
namespace {

using Outputs = absl::StatusOr<std::vector<ValueId>>;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

}  // namespace

// Inference: x * gamma / sqrt(variance + epsilon) + (beta - mean * that scale),
// folded into one scale and one shift per channel.
absl::StatusOr<std::vector<ValueId>> ConvertBatchNormalization(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  const int64_t rank = static_cast<int64_t>(b.InputShape(0).size());
  ASSIGN_OR_RETURN(int64_t axis, ConfigAxis(b, -1));
  ASSIGN_OR_RETURN(double epsilon, ConfigNumber(b.config(), "epsilon", 1e-3));
  ASSIGN_OR_RETURN(bool center, ConfigBool(b.config(), "center", true));
  ASSIGN_OR_RETURN(bool scale, ConfigBool(b.config(), "scale", true));
  const int64_t channels = b.InputShape(0)[axis];
  RETURN_IF_ERROR(b.ExpectWeights(2 + (center ? 1 : 0) + (scale ? 1 : 0)));
  size_t next = 0;
  std::vector<float> gamma(channels, 1.0f), beta(channels, 0.0f);
  if (scale) {
    ASSIGN_OR_RETURN(TensorData data, b.Weight(next++, {channels}, "gamma"));
    gamma = data.Floats();
  }
  if (center) {
    ASSIGN_OR_RETURN(TensorData data, b.Weight(next++, {channels}, "beta"));
    beta = data.Floats();
  }
  ASSIGN_OR_RETURN(TensorData mean, b.Weight(next++, {channels}, "moving_mean"));
  ASSIGN_OR_RETURN(TensorData variance, b.Weight(next++, {channels}, "moving_variance"));
  const std::vector<float> means = mean.Floats(), variances = variance.Floats();
  std::vector<float> multiplier(channels), shift(channels);
  for (int64_t c = 0; c < channels; ++c) {
    if (!(variances[c] + epsilon > 0)) return Invalid("a moving variance plus epsilon is not positive");
    multiplier[c] = static_cast<float>(gamma[c] / std::sqrt(static_cast<double>(variances[c]) + epsilon));
    shift[c] = static_cast<float>(beta[c] - static_cast<double>(means[c]) * multiplier[c]);
  }
  ASSIGN_OR_RETURN(ValueId y, b.AddNode(OpKind::kMul, "scale", {b.Input(0), b.AddConstant("multiplier", AlongAxis(multiplier, axis, rank))}));
  return One(b.AddNode(OpKind::kAdd, "shift", {y, b.AddConstant("shift", AlongAxis(shift, axis, rank))}));
}

// The preprocessing layer: (x - mean) / max(sqrt(variance), 1e-7) along one axis, or
// its inverse; mean and variance from the config or, adapted, from the weights (mean,
// variance, count).
absl::StatusOr<std::vector<ValueId>> ConvertNormalization(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  const int64_t rank = static_cast<int64_t>(b.InputShape(0).size());
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, ConfigInts(b.config(), "axis", 0, {-1}));
  if (b.config().contains("axis") && b.config()["axis"].is_number_integer()) axes = {b.config()["axis"].get<int64_t>()};
  if (axes.size() != 1) return absl::UnimplementedError("normalising along other than one axis is not supported");
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axes[0], rank));
  const int64_t channels = b.InputShape(0)[axis];
  ASSIGN_OR_RETURN(bool invert, ConfigBool(b.config(), "invert", false));
  auto from_config = [&](const char* key, std::vector<float>& values) -> absl::StatusOr<bool> {
    const auto it = b.config().find(key);
    if (it == b.config().end() || it->is_null()) return false;
    if (it->is_number()) {
      values.assign(channels, it->get<float>());
      return true;
    }
    if (!it->is_array()) return Invalid(absl::StrCat("'", key, "' must be a number or a list"));
    for (const auto& item : *it) {
      if (!item.is_number()) return Invalid(absl::StrCat("'", key, "' must hold numbers"));
      values.push_back(item.get<float>());
    }
    return true;
  };
  std::vector<float> mean, variance;
  ASSIGN_OR_RETURN(bool given_mean, from_config("mean", mean));
  ASSIGN_OR_RETURN(bool given_variance, from_config("variance", variance));
  if (given_mean != given_variance) return Invalid("it gives a mean without a variance or the reverse");
  if (!given_mean) {
    if (b.WeightCount() < 2) return Invalid("it was never adapted: no mean and variance in its config or weights");
    mean = b.Weights()[0].Floats();
    variance = b.Weights()[1].Floats();
  }
  if (mean.size() == 1) mean.assign(channels, mean[0]);
  if (variance.size() == 1) variance.assign(channels, variance[0]);
  if (static_cast<int64_t>(mean.size()) != channels || static_cast<int64_t>(variance.size()) != channels) {
    return Invalid(absl::StrCat("its mean and variance must hold ", channels, " values (the input's axis ", axis, ")"));
  }
  std::vector<float> deviation(channels);
  for (int64_t c = 0; c < channels; ++c) {
    if (!(variance[c] >= 0.0f)) return Invalid("a variance is negative");
    deviation[c] = std::max(std::sqrt(variance[c]), 1e-7f);
  }
  const ValueId mean_value = b.AddConstant("mean", AlongAxis(mean, axis, rank));
  const ValueId deviation_value = b.AddConstant("deviation", AlongAxis(deviation, axis, rank));
  if (invert) {
    ASSIGN_OR_RETURN(ValueId y, b.AddNode(OpKind::kMul, "scale", {b.Input(0), deviation_value}));
    return One(b.AddNode(OpKind::kAdd, "shift", {y, mean_value}));
  }
  ASSIGN_OR_RETURN(ValueId y, b.AddNode(OpKind::kSub, "center", {b.Input(0), mean_value}));
  return One(b.AddNode(OpKind::kDiv, "scale", {y, deviation_value}));
}

// Over the last axis (or the trailing axes listed), with gamma and beta.
absl::StatusOr<std::vector<ValueId>> ConvertLayerNormalization(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  const Shape x = b.InputShape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, ConfigInts(b.config(), "axis", 0, {-1}));
  if (b.config().contains("axis") && b.config()["axis"].is_number_integer()) {
    ASSIGN_OR_RETURN(int64_t axis, ConfigInt(b.config(), "axis", -1));
    axes = {axis};
  }
  for (int64_t& axis : axes) {
    ASSIGN_OR_RETURN(axis, NormalizeAxis(axis, rank));
  }
  std::sort(axes.begin(), axes.end());
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] != rank - static_cast<int64_t>(axes.size()) + static_cast<int64_t>(i)) {
      return absl::UnimplementedError("normalising over axes other than the trailing ones is not supported");
    }
  }
  ASSIGN_OR_RETURN(bool rms, ConfigBool(b.config(), "rms_scaling", false));
  if (rms) return absl::UnimplementedError("rms_scaling is not supported");
  ASSIGN_OR_RETURN(double epsilon, ConfigNumber(b.config(), "epsilon", 1e-3));
  ASSIGN_OR_RETURN(bool center, ConfigBool(b.config(), "center", true));
  ASSIGN_OR_RETURN(bool scale, ConfigBool(b.config(), "scale", true));
  const Shape normalized(x.end() - axes.size(), x.end());
  RETURN_IF_ERROR(b.ExpectWeights((center ? 1 : 0) + (scale ? 1 : 0)));
  size_t next = 0;
  TensorData gamma = TensorData::FromFloats(normalized, std::vector<float>(ElementCount(normalized), 1.0f));
  if (scale) {
    ASSIGN_OR_RETURN(gamma, b.Weight(next++, normalized, "gamma"));
  }
  std::vector<ValueId> inputs = {b.Input(0), b.AddConstant("gamma", std::move(gamma))};
  if (center) {
    ASSIGN_OR_RETURN(TensorData beta, b.Weight(next++, normalized, "beta"));
    inputs.push_back(b.AddConstant("beta", std::move(beta)));
  }
  AttributeMap attributes;
  attributes.Set("axis", axes.front());
  attributes.Set("epsilon", static_cast<float>(epsilon));
  return One(b.AddNode(OpKind::kLayerNormalization, "layer_norm", std::move(inputs), std::move(attributes)));
}

}  // namespace modelc::keras_layers
