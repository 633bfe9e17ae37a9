// The core, activation and reshaping layers, and the table of
// every supported layer class. Tensors keep Keras's layout (batch first, channels
// last), so these layers map to IR ops on the same axes Keras names.
#include "compiler/frontend/keras/keras_layers.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/keras/keras_merge_layers.h"
#include "compiler/frontend/keras/keras_normalization_layers.h"
#include "compiler/frontend/keras/keras_recurrent_layers.h"
#include "compiler/frontend/keras/keras_shape_layers.h"
#include "compiler/frontend/keras/keras_window_layers.h"
#include "compiler/frontend/keras/keras_wrapper_layers.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace keras_layers {
namespace {

using Outputs = absl::StatusOr<std::vector<ValueId>>;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

Outputs ConvertIdentity(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  return std::vector<ValueId>{b.Input(0)};
}

Outputs ConvertActivation(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  return One(b.ConfiguredActivation(b.Input(0)));
}

// y = x W + b on the last axis: Gemm for rows, MatMul and Add for higher ranks.
Outputs ConvertDense(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  const Shape x = b.InputShape(0);
  ASSIGN_OR_RETURN(int64_t units, ConfigInt(b.config(), "units", 0));
  ASSIGN_OR_RETURN(bool use_bias, ConfigBool(b.config(), "use_bias", true));
  if (units < 1 || x.size() < 2) return Invalid("its units or input rank is bad");
  RETURN_IF_ERROR(b.ExpectWeights(use_bias ? 2 : 1));
  ASSIGN_OR_RETURN(TensorData kernel, b.Weight(0, {x.back(), units}, "kernel"));
  std::vector<ValueId> inputs = {b.Input(0), b.AddConstant("kernel", std::move(kernel))};
  ValueId bias = kNoValue;
  if (use_bias) {
    ASSIGN_OR_RETURN(TensorData bias_data, b.Weight(1, {units}, "bias"));
    bias = b.AddConstant("bias", std::move(bias_data));
  }
  ValueId y;
  if (x.size() == 2) {
    if (bias != kNoValue) inputs.push_back(bias);
    ASSIGN_OR_RETURN(y, b.AddNode(OpKind::kGemm, "gemm", std::move(inputs)));
  } else {
    ASSIGN_OR_RETURN(y, b.AddNode(OpKind::kMatMul, "matmul", std::move(inputs)));
    if (bias != kNoValue) {
      ASSIGN_OR_RETURN(y, b.AddNode(OpKind::kAdd, "bias_add", {y, bias}));
    }
  }
  return One(b.ConfiguredActivation(y));
}

Outputs ConvertReLU(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  ASSIGN_OR_RETURN(double slope, ConfigNumber(b.config(), "negative_slope", 0.0));
  ASSIGN_OR_RETURN(double threshold, ConfigNumber(b.config(), "threshold", 0.0));
  const auto max_value = b.config().find("max_value");
  const bool capped = max_value != b.config().end() && !max_value->is_null();
  if (capped && !max_value->is_number()) return Invalid("'max_value' must be a number");
  if (threshold != 0.0) return absl::UnimplementedError("a threshold other than 0 is not supported");
  if (slope != 0.0) {
    if (capped) return absl::UnimplementedError("a negative_slope with a max_value is not supported");
    AttributeMap attributes;
    attributes.Set("alpha", static_cast<float>(slope));
    return One(b.AddNode(OpKind::kLeakyRelu, "leaky_relu", {b.Input(0)}, std::move(attributes)));
  }
  if (capped) return One(b.Clipped(b.Input(0), 0.0f, max_value->get<float>(), "relu"));
  return One(b.AddNode(OpKind::kRelu, "relu", {b.Input(0)}));
}

Outputs ConvertLeakyReLU(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  ASSIGN_OR_RETURN(double keras2_alpha, ConfigNumber(b.config(), "alpha", 0.3));
  ASSIGN_OR_RETURN(double slope, ConfigNumber(b.config(), "negative_slope", keras2_alpha));
  AttributeMap attributes;
  attributes.Set("alpha", static_cast<float>(slope));
  return One(b.AddNode(OpKind::kLeakyRelu, "leaky_relu", {b.Input(0)}, std::move(attributes)));
}

Outputs ConvertELU(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  ASSIGN_OR_RETURN(double alpha, ConfigNumber(b.config(), "alpha", 1.0));
  AttributeMap attributes;
  attributes.Set("alpha", static_cast<float>(alpha));
  return One(b.AddNode(OpKind::kElu, "elu", {b.Input(0)}, std::move(attributes)));
}

Outputs ConvertPReLU(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  RETURN_IF_ERROR(b.ExpectWeights(1));
  Shape slope_shape(b.InputShape(0).begin() + 1, b.InputShape(0).end());
  ASSIGN_OR_RETURN(std::vector<int64_t> shared, ConfigInts(b.config(), "shared_axes", 0, {}));
  for (int64_t axis : shared) {
    if (axis < 1 || axis > static_cast<int64_t>(slope_shape.size())) return Invalid("a shared axis is out of range");
    slope_shape[axis - 1] = 1;
  }
  ASSIGN_OR_RETURN(TensorData alpha, b.Weight(0, slope_shape, "alpha"));
  return One(b.AddNode(OpKind::kPRelu, "prelu", {b.Input(0), b.AddConstant("alpha", std::move(alpha))}));
}

Outputs ConvertSoftmax(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  ASSIGN_OR_RETURN(int64_t axis, ConfigAxis(b, -1));
  AttributeMap attributes;
  attributes.Set("axis", axis);
  return One(b.AddNode(OpKind::kSoftmax, "softmax", {b.Input(0)}, std::move(attributes)));
}

Outputs ConvertFlatten(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  ASSIGN_OR_RETURN(std::string format, ConfigString(b.config(), "data_format", "channels_last"));
  if (format != "channels_last") return absl::UnimplementedError("a channels_first Flatten is not supported");
  const Shape x = b.InputShape(0);
  return One(b.Reshaped(b.Input(0), {x[0], ElementCount(x) / std::max<int64_t>(x[0], 1)}, "flatten"));
}

Outputs ConvertReshape(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  ASSIGN_OR_RETURN(std::vector<int64_t> target, ConfigInts(b.config(), "target_shape", 0, {}));
  const Shape x = b.InputShape(0);
  Shape shape = {x[0]};
  int64_t known = x[0], unknown_at = -1;
  for (int64_t dim : target) {
    if (dim == -1 && unknown_at < 0) {
      unknown_at = static_cast<int64_t>(shape.size());
      shape.push_back(1);
      continue;
    }
    if (dim < 0 || dim > (int64_t{1} << 31) || (dim > 0 && known > ElementCount(x) / dim + 1)) {
      return Invalid("its target_shape is bad");
    }
    known *= dim;
    shape.push_back(dim);
  }
  if (unknown_at >= 0 && known > 0 && ElementCount(x) % known == 0) shape[unknown_at] = ElementCount(x) / known;
  if (ElementCount(shape) != ElementCount(x)) {
    return Invalid(absl::StrCat("cannot reshape ", ShapeToString(x), " to ", ShapeToString(shape)));
  }
  return One(b.Reshaped(b.Input(0), shape, "reshape"));
}

// Keras's dims are 1-based and leave the batch axis out.
Outputs ConvertPermute(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  ASSIGN_OR_RETURN(std::vector<int64_t> dims, ConfigInts(b.config(), "dims", 0, {}));
  std::vector<int64_t> perm = {0};
  perm.insert(perm.end(), dims.begin(), dims.end());
  return One(b.Transposed(b.Input(0), perm, "permute"));
}

Outputs ConvertRescaling(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  const int64_t rank = static_cast<int64_t>(b.InputShape(0).size());
  auto constant = [&](const char* key, float fallback) -> absl::StatusOr<ValueId> {
    const auto it = b.config().find(key);
    if (it == b.config().end() || it->is_null()) return b.AddScalar(key, fallback);
    if (it->is_number()) return b.AddScalar(key, it->get<float>());
    std::vector<float> values;
    if (it->is_array()) {
      for (const auto& item : *it) {
        if (!item.is_number()) return Invalid(absl::StrCat("'", key, "' must hold numbers"));
        values.push_back(item.get<float>());
      }
      return b.AddConstant(key, AlongAxis(values, rank - 1, rank));
    }
    return Invalid(absl::StrCat("'", key, "' must be a number or a list of numbers"));
  };
  ASSIGN_OR_RETURN(ValueId scale, constant("scale", 1.0f));
  ASSIGN_OR_RETURN(ValueId offset, constant("offset", 0.0f));
  ASSIGN_OR_RETURN(ValueId y, b.AddNode(OpKind::kMul, "scale", {b.Input(0), scale}));
  return One(b.AddNode(OpKind::kAdd, "offset", {y, offset}));
}

// One spatial dimension's (before, after) padding: a number or a pair.
absl::Status ReadPadPair(const nlohmann::json& item, int64_t& before, int64_t& after) {
  if (item.is_number_integer()) {
    before = after = item.get<int64_t>();
  } else if (item.is_array() && item.size() == 2 && item[0].is_number_integer() && item[1].is_number_integer()) {
    before = item[0].get<int64_t>();
    after = item[1].get<int64_t>();
  } else {
    return Invalid("'padding' must be a number, a pair, or a pair per spatial dimension");
  }
  if (before < 0 || after < 0 || before > (1 << 20) || after > (1 << 20)) return Invalid("'padding' is out of range");
  return absl::OkStatus();
}

// ZeroPadding1D: p or (before, after); ZeroPadding2D: p, (pad_h, pad_w) or
// ((top, bottom), (left, right)).
Outputs ConvertZeroPadding(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1));
  const int64_t spatial = b.layer().class_name == "ZeroPadding1D" ? 1 : 2;
  const int64_t rank = static_cast<int64_t>(b.InputShape(0).size());
  ASSIGN_OR_RETURN(std::string format, ConfigString(b.config(), "data_format", "channels_last"));
  if (rank != spatial + 2) return Invalid(absl::StrCat("the input must have rank ", spatial + 2));
  const auto it = b.config().find("padding");
  const nlohmann::json padding = it == b.config().end() ? nlohmann::json(1) : *it;
  std::vector<int64_t> before(spatial), after(spatial);
  if (spatial == 1 || padding.is_number_integer()) {
    for (int64_t d = 0; d < spatial; ++d) RETURN_IF_ERROR(ReadPadPair(padding, before[d], after[d]));
  } else {
    if (!padding.is_array() || padding.size() != 2) return Invalid("'padding' must give both spatial dimensions");
    for (int64_t d = 0; d < spatial; ++d) RETURN_IF_ERROR(ReadPadPair(padding[d], before[d], after[d]));
  }
  std::vector<int64_t> pads(2 * rank, 0);
  const int64_t first_spatial = format == "channels_first" ? 2 : 1;
  for (int64_t d = 0; d < spatial; ++d) {
    pads[first_spatial + d] = before[d];
    pads[rank + first_spatial + d] = after[d];
  }
  const ValueId pads_value = b.AddConstant("pads", TensorData::FromInt64s({2 * rank}, pads));
  return One(b.AddNode(OpKind::kPad, "pad", {b.Input(0), pads_value}));
}

}  // namespace
}  // namespace keras_layers

LayerConverter FindLayerConverter(const std::string& class_name) {
  using namespace keras_layers;  // NOLINT: the table names every converter
  static const std::map<std::string, LayerConverter> kConverters = {
      {"Activation", ConvertActivation},
      {"ActivityRegularization", ConvertIdentity},
      {"Add", ConvertAdd},
      {"AlphaDropout", ConvertIdentity},
      {"Average", ConvertAverage},
      {"AveragePooling1D", ConvertAveragePooling},
      {"AveragePooling2D", ConvertAveragePooling},
      {"BatchNormalization", ConvertBatchNormalization},
      {"Bidirectional", ConvertBidirectional},
      {"Concatenate", ConvertConcatenate},
      {"Conv1D", ConvertConv},
      {"Conv1DTranspose", ConvertConvTranspose},
      {"Conv2D", ConvertConv},
      {"Conv2DTranspose", ConvertConvTranspose},
      {"Cropping1D", ConvertCropping},
      {"Cropping2D", ConvertCropping},
      {"DepthwiseConv1D", ConvertDepthwiseConv},
      {"DepthwiseConv2D", ConvertDepthwiseConv},
      {"Dense", ConvertDense},
      {"Dot", ConvertDot},
      {"Dropout", ConvertIdentity},
      {"ELU", ConvertELU},
      {"Embedding", ConvertEmbedding},
      {"Flatten", ConvertFlatten},
      {"GaussianDropout", ConvertIdentity},
      {"GaussianNoise", ConvertIdentity},
      {"GlobalAveragePooling1D", ConvertGlobalAveragePooling},
      {"GlobalAveragePooling2D", ConvertGlobalAveragePooling},
      {"GlobalMaxPooling1D", ConvertGlobalMaxPooling},
      {"GlobalMaxPooling2D", ConvertGlobalMaxPooling},
      {"GRU", ConvertRecurrent},
      {"LayerNormalization", ConvertLayerNormalization},
      {"LSTM", ConvertRecurrent},
      {"LeakyReLU", ConvertLeakyReLU},
      {"MaxPooling1D", ConvertMaxPooling},
      {"MaxPooling2D", ConvertMaxPooling},
      {"Maximum", ConvertMaximum},
      {"Minimum", ConvertMinimum},
      {"Multiply", ConvertMultiply},
      {"Normalization", ConvertNormalization},
      {"Permute", ConvertPermute},
      {"PReLU", ConvertPReLU},
      {"ReLU", ConvertReLU},
      {"Rescaling", ConvertRescaling},
      {"RepeatVector", ConvertRepeatVector},
      {"Reshape", ConvertReshape},
      {"SeparableConv1D", ConvertSeparableConv},
      {"SeparableConv2D", ConvertSeparableConv},
      {"SimpleRNN", ConvertRecurrent},
      {"Softmax", ConvertSoftmax},
      {"SpatialDropout1D", ConvertIdentity},
      {"SpatialDropout2D", ConvertIdentity},
      {"Subtract", ConvertSubtract},
      {"TimeDistributed", ConvertTimeDistributed},
      {"UpSampling1D", ConvertUpSampling},
      {"UpSampling2D", ConvertUpSampling},
      {"ZeroPadding1D", ConvertZeroPadding},
      {"ZeroPadding2D", ConvertZeroPadding},
  };
  const auto it = kConverters.find(class_name);
  return it == kConverters.end() ? nullptr : it->second;
}

}  // namespace modelc
