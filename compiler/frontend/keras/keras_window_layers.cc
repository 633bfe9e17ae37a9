// Keras's convolution and pooling layers (1-D and 2-D) into the IR's channels-first
// Conv and pools. A channels_last layer becomes Transpose -> op -> Transpose, and the
// sink-transposes pass cancels the pairs between layers; a channels_first layer needs
// none. Keras kernels (spatial..., in, out) are permuted to OI(spatial) at import.
// SAME padding is TensorFlow's (the odd element after), as TFLite's (tflite_padding.h).
#include "compiler/frontend/keras/keras_window_layers.h"

#include <numeric>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/tflite/tflite_padding.h"
#include "compiler/util/status_macros.h"

namespace modelc::keras_layers {
namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// The spatial rank a layer class works on: 1 for ...1D, 2 for ...2D.
int64_t SpatialRankOf(const std::string& class_name) { return class_name.find("1D") != std::string::npos ? 1 : 2; }

struct Layout {
  bool channels_last = true;
  int64_t spatial_rank = 2;
  int64_t rank() const { return spatial_rank + 2; }
  // Transpose permutations between the layer's layout and channels-first.
  std::vector<int64_t> ToChannelsFirst() const {
    std::vector<int64_t> perm = {0, rank() - 1};
    for (int64_t d = 1; d <= spatial_rank; ++d) perm.push_back(d);
    return perm;
  }
  std::vector<int64_t> ToChannelsLast() const {
    std::vector<int64_t> perm = {0};
    for (int64_t d = 2; d < rank(); ++d) perm.push_back(d);
    perm.push_back(1);
    return perm;
  }
  int64_t ChannelAxis() const { return channels_last ? rank() - 1 : 1; }
  int64_t SpatialAxis(int64_t d) const { return channels_last ? 1 + d : 2 + d; }
};

absl::StatusOr<Layout> LayoutOf(LayerBuilder& b) {
  Layout layout;
  layout.spatial_rank = SpatialRankOf(b.layer().class_name);
  ASSIGN_OR_RETURN(std::string format, ConfigString(b.config(), "data_format", "channels_last"));
  if (format != "channels_last" && format != "channels_first") {
    return Invalid(absl::StrCat("unknown data_format '", format, "'"));
  }
  layout.channels_last = format == "channels_last";
  RETURN_IF_ERROR(b.ExpectInputs(1));
  if (static_cast<int64_t>(b.InputShape(0).size()) != layout.rank()) {
    return Invalid(absl::StrCat("the input must have rank ", layout.rank(), ", not ", ShapeToString(b.InputShape(0))));
  }
  return layout;
}

// kernel_shape, strides, dilations and pads from the config's window fields.
absl::StatusOr<AttributeMap> WindowAttributes(LayerBuilder& b, const Layout& layout, const std::vector<int64_t>& kernel,
                                              const char* strides_key, const std::vector<int64_t>& default_strides,
                                              bool dilated) {
  const size_t r = layout.spatial_rank;
  ASSIGN_OR_RETURN(std::vector<int64_t> strides, ConfigInts(b.config(), strides_key, r, default_strides));
  ASSIGN_OR_RETURN(std::vector<int64_t> dilations,
                   dilated ? ConfigInts(b.config(), "dilation_rate", r, std::vector<int64_t>(r, 1))
                           : absl::StatusOr<std::vector<int64_t>>(std::vector<int64_t>(r, 1)));
  ASSIGN_OR_RETURN(std::string padding, ConfigString(b.config(), "padding", "valid"));
  std::vector<int64_t> before(r), after(r);
  for (size_t d = 0; d < r; ++d) {
    if (kernel[d] < 1 || strides[d] < 1 || dilations[d] < 1 || kernel[d] > (1 << 20) || dilations[d] > (1 << 20)) {
      return Invalid("kernel sizes, strides and dilations must be positive (and not absurd)");
    }
    const int64_t input = b.InputShape(0)[layout.SpatialAxis(d)];
    if (padding == "causal") {
      if (r != 1) return Invalid("causal padding is for 1-D layers only");
      before[d] = (kernel[d] - 1) * dilations[d];
      continue;
    }
    if (padding != "same" && padding != "valid") return Invalid(absl::StrCat("unknown padding '", padding, "'"));
    absl::StatusOr<TflitePadding> pads = ComputeTflitePadding(
        padding == "same" ? TflitePaddingKind::kSame : TflitePaddingKind::kValid, input, kernel[d], strides[d], dilations[d]);
    if (!pads.ok()) return Invalid(absl::StrCat("spatial dimension ", d, ": ", pads.status().message()));
    before[d] = pads->before;
    after[d] = pads->after;
  }
  std::vector<int64_t> pads = before;
  pads.insert(pads.end(), after.begin(), after.end());
  AttributeMap attributes;
  attributes.Set("kernel_shape", kernel);
  attributes.Set("strides", strides);
  attributes.Set("pads", pads);
  if (dilated) attributes.Set("dilations", dilations);
  return attributes;
}

// Output = op(input in channels-first) back in the layer's layout; `op` appends the
// channels-first nodes. Activations run before the transpose back (so they fuse into
// the Conv), except softmax, which runs over the layer's own last axis.
template <typename Op>
absl::StatusOr<std::vector<ValueId>> ThroughChannelsFirst(LayerBuilder& b, const Layout& layout, Op op) {
  ValueId x = b.Input(0);
  if (layout.channels_last) {
    ASSIGN_OR_RETURN(x, b.Transposed(x, layout.ToChannelsFirst(), "to_channels_first"));
  }
  ASSIGN_OR_RETURN(ValueId y, op(x));
  const auto activation = b.config().find("activation");
  const bool last_axis_activation = activation != b.config().end() && activation->is_string() &&
                                    (*activation == "softmax" || *activation == "log_softmax");
  if (!last_axis_activation) {
    ASSIGN_OR_RETURN(y, b.ConfiguredActivation(y));
  }
  if (layout.channels_last) {
    ASSIGN_OR_RETURN(y, b.Transposed(y, layout.ToChannelsLast(), "to_channels_last"));
  }
  if (last_axis_activation) {
    ASSIGN_OR_RETURN(y, b.ConfiguredActivation(y));
  }
  return std::vector<ValueId>{y};
}

// A Keras kernel (spatial..., in, out) as OI(spatial...).
TensorData KernelToOihw(const TensorData& kernel, int64_t spatial_rank) {
  std::vector<int64_t> perm = {spatial_rank + 1, spatial_rank};
  for (int64_t d = 0; d < spatial_rank; ++d) perm.push_back(d);
  return PermuteTensorData(kernel, perm);
}

// The grouped Conv of a depthwise kernel (spatial..., C, M): output channel c * M + m
// reads input channel c, in Keras and in a Conv with C groups.
TensorData DepthwiseKernelToOihw(const TensorData& kernel, int64_t spatial_rank) {
  Shape flat(kernel.type().shape.begin(), kernel.type().shape.begin() + spatial_rank);
  flat.push_back(1);
  flat.push_back(kernel.type().shape[spatial_rank] * kernel.type().shape[spatial_rank + 1]);
  return KernelToOihw(TensorData(TensorType{DataType::kFloat32, flat}, kernel.bytes()), spatial_rank);
}

absl::StatusOr<size_t> BiasWeights(LayerBuilder& b, size_t kernels) {
  ASSIGN_OR_RETURN(bool use_bias, ConfigBool(b.config(), "use_bias", true));
  RETURN_IF_ERROR(b.ExpectWeights(kernels + (use_bias ? 1 : 0)));
  return use_bias ? kernels : SIZE_MAX;
}

}  // namespace

absl::StatusOr<std::vector<ValueId>> ConvertConv(LayerBuilder& b) {
  ASSIGN_OR_RETURN(Layout layout, LayoutOf(b));
  const size_t r = layout.spatial_rank;
  ASSIGN_OR_RETURN(int64_t filters, ConfigInt(b.config(), "filters", 0));
  ASSIGN_OR_RETURN(int64_t groups, ConfigInt(b.config(), "groups", 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> kernel, ConfigInts(b.config(), "kernel_size", r, {}));
  const int64_t channels = b.InputShape(0)[layout.ChannelAxis()];
  if (kernel.size() != r || filters < 1 || groups < 1 || channels % groups != 0 || filters % groups != 0) {
    return Invalid("its filters, groups and kernel_size do not fit its input");
  }
  ASSIGN_OR_RETURN(size_t bias_index, BiasWeights(b, 1));
  Shape kernel_shape = kernel;
  kernel_shape.push_back(channels / groups);
  kernel_shape.push_back(filters);
  ASSIGN_OR_RETURN(TensorData weights, b.Weight(0, kernel_shape, "kernel"));
  ASSIGN_OR_RETURN(AttributeMap attributes, WindowAttributes(b, layout, kernel, "strides", std::vector<int64_t>(r, 1), true));
  attributes.Set("group", groups);
  return ThroughChannelsFirst(b, layout, [&](ValueId x) -> absl::StatusOr<ValueId> {
    std::vector<ValueId> inputs = {x, b.AddConstant("kernel", KernelToOihw(weights, layout.spatial_rank))};
    if (bias_index != SIZE_MAX) {
      ASSIGN_OR_RETURN(TensorData bias, b.Weight(bias_index, {filters}, "bias"));
      inputs.push_back(b.AddConstant("bias", std::move(bias)));
    }
    return b.AddNode(OpKind::kConv, "conv", std::move(inputs), attributes);
  });
}

// Keras's kernel (spatial..., filters, in) is ConvTranspose's (in, filters, spatial...)
// after the same permutation as a Conv's. Keras's output length (output_padding None):
// in * stride (same) or in * stride + max(k - stride, 0) (valid), k the dilated kernel;
// SAME crops what a forward SAME convolution would pad, the odd element at the end.
absl::StatusOr<std::vector<ValueId>> ConvertConvTranspose(LayerBuilder& b) {
  ASSIGN_OR_RETURN(Layout layout, LayoutOf(b));
  const size_t r = layout.spatial_rank;
  ASSIGN_OR_RETURN(int64_t filters, ConfigInt(b.config(), "filters", 0));
  ASSIGN_OR_RETURN(std::vector<int64_t> kernel, ConfigInts(b.config(), "kernel_size", r, {}));
  ASSIGN_OR_RETURN(std::vector<int64_t> strides, ConfigInts(b.config(), "strides", r, std::vector<int64_t>(r, 1)));
  ASSIGN_OR_RETURN(std::vector<int64_t> dilations, ConfigInts(b.config(), "dilation_rate", r, std::vector<int64_t>(r, 1)));
  ASSIGN_OR_RETURN(std::string padding, ConfigString(b.config(), "padding", "valid"));
  const auto output_padding = b.config().find("output_padding");
  if (output_padding != b.config().end() && !output_padding->is_null()) {
    return absl::UnimplementedError("an explicit output_padding is not supported");
  }
  if (padding != "same" && padding != "valid") return Invalid(absl::StrCat("unknown padding '", padding, "'"));
  const int64_t channels = b.InputShape(0)[layout.ChannelAxis()];
  if (kernel.size() != r || filters < 1) return Invalid("its filters or kernel_size are bad");
  std::vector<int64_t> before(r), after(r), extra(r);
  for (size_t d = 0; d < r; ++d) {
    if (kernel[d] < 1 || strides[d] < 1 || dilations[d] < 1 || kernel[d] > (1 << 20) || strides[d] > (1 << 20) ||
        dilations[d] > (1 << 20)) {
      return Invalid("kernel sizes, strides and dilations must be positive (and not absurd)");
    }
    const int64_t effective = (kernel[d] - 1) * dilations[d] + 1;
    const int64_t total = padding == "same" ? std::max<int64_t>(effective - strides[d], 0) : 0;
    before[d] = total / 2;
    after[d] = total - before[d];
    extra[d] = std::max<int64_t>(strides[d] - effective, 0);
  }
  ASSIGN_OR_RETURN(size_t bias_index, BiasWeights(b, 1));
  Shape kernel_shape = kernel;
  kernel_shape.push_back(filters);
  kernel_shape.push_back(channels);
  ASSIGN_OR_RETURN(TensorData weights, b.Weight(0, kernel_shape, "kernel"));
  std::vector<int64_t> pads = before;
  pads.insert(pads.end(), after.begin(), after.end());
  AttributeMap attributes;
  attributes.Set("kernel_shape", kernel);
  attributes.Set("strides", strides);
  attributes.Set("dilations", dilations);
  attributes.Set("pads", pads);
  attributes.Set("output_padding", extra);
  return ThroughChannelsFirst(b, layout, [&](ValueId x) -> absl::StatusOr<ValueId> {
    std::vector<ValueId> inputs = {x, b.AddConstant("kernel", KernelToOihw(weights, layout.spatial_rank))};
    if (bias_index != SIZE_MAX) {
      ASSIGN_OR_RETURN(TensorData bias, b.Weight(bias_index, {filters}, "bias"));
      inputs.push_back(b.AddConstant("bias", std::move(bias)));
    }
    return b.AddNode(OpKind::kConvTranspose, "conv_transpose", std::move(inputs), attributes);
  });
}

absl::StatusOr<std::vector<ValueId>> ConvertDepthwiseConv(LayerBuilder& b) {
  ASSIGN_OR_RETURN(Layout layout, LayoutOf(b));
  const size_t r = layout.spatial_rank;
  ASSIGN_OR_RETURN(int64_t multiplier, ConfigInt(b.config(), "depth_multiplier", 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> kernel, ConfigInts(b.config(), "kernel_size", r, {}));
  const int64_t channels = b.InputShape(0)[layout.ChannelAxis()];
  if (kernel.size() != r || multiplier < 1 || channels < 1) return Invalid("its depth_multiplier or kernel_size is bad");
  ASSIGN_OR_RETURN(size_t bias_index, BiasWeights(b, 1));
  Shape kernel_shape = kernel;
  kernel_shape.push_back(channels);
  kernel_shape.push_back(multiplier);
  ASSIGN_OR_RETURN(TensorData weights, b.Weight(0, kernel_shape, "depthwise kernel"));
  ASSIGN_OR_RETURN(AttributeMap attributes, WindowAttributes(b, layout, kernel, "strides", std::vector<int64_t>(r, 1), true));
  attributes.Set("group", channels);
  return ThroughChannelsFirst(b, layout, [&](ValueId x) -> absl::StatusOr<ValueId> {
    std::vector<ValueId> inputs = {x, b.AddConstant("kernel", DepthwiseKernelToOihw(weights, layout.spatial_rank))};
    if (bias_index != SIZE_MAX) {
      ASSIGN_OR_RETURN(TensorData bias, b.Weight(bias_index, {channels * multiplier}, "bias"));
      inputs.push_back(b.AddConstant("bias", std::move(bias)));
    }
    return b.AddNode(OpKind::kConv, "depthwise", std::move(inputs), attributes);
  });
}

// A depthwise convolution (no bias) and a pointwise one (with the bias).
absl::StatusOr<std::vector<ValueId>> ConvertSeparableConv(LayerBuilder& b) {
  ASSIGN_OR_RETURN(Layout layout, LayoutOf(b));
  const size_t r = layout.spatial_rank;
  ASSIGN_OR_RETURN(int64_t multiplier, ConfigInt(b.config(), "depth_multiplier", 1));
  ASSIGN_OR_RETURN(int64_t filters, ConfigInt(b.config(), "filters", 0));
  ASSIGN_OR_RETURN(std::vector<int64_t> kernel, ConfigInts(b.config(), "kernel_size", r, {}));
  const int64_t channels = b.InputShape(0)[layout.ChannelAxis()];
  if (kernel.size() != r || multiplier < 1 || filters < 1 || channels < 1) {
    return Invalid("its filters, depth_multiplier or kernel_size is bad");
  }
  ASSIGN_OR_RETURN(size_t bias_index, BiasWeights(b, 2));
  Shape depthwise_shape = kernel;
  depthwise_shape.push_back(channels);
  depthwise_shape.push_back(multiplier);
  Shape pointwise_shape(r, 1);
  pointwise_shape.push_back(channels * multiplier);
  pointwise_shape.push_back(filters);
  ASSIGN_OR_RETURN(TensorData depthwise, b.Weight(0, depthwise_shape, "depthwise kernel"));
  ASSIGN_OR_RETURN(TensorData pointwise, b.Weight(1, pointwise_shape, "pointwise kernel"));
  ASSIGN_OR_RETURN(AttributeMap attributes, WindowAttributes(b, layout, kernel, "strides", std::vector<int64_t>(r, 1), true));
  attributes.Set("group", channels);
  return ThroughChannelsFirst(b, layout, [&](ValueId x) -> absl::StatusOr<ValueId> {
    ASSIGN_OR_RETURN(ValueId y, b.AddNode(OpKind::kConv, "depthwise",
                                          {x, b.AddConstant("depthwise_kernel", DepthwiseKernelToOihw(depthwise, r))},
                                          attributes));
    std::vector<ValueId> inputs = {y, b.AddConstant("pointwise_kernel", KernelToOihw(pointwise, r))};
    if (bias_index != SIZE_MAX) {
      ASSIGN_OR_RETURN(TensorData bias, b.Weight(bias_index, {filters}, "bias"));
      inputs.push_back(b.AddConstant("bias", std::move(bias)));
    }
    AttributeMap pointwise_attributes;
    pointwise_attributes.Set("kernel_shape", std::vector<int64_t>(r, 1));
    return b.AddNode(OpKind::kConv, "pointwise", std::move(inputs), std::move(pointwise_attributes));
  });
}

absl::StatusOr<std::vector<ValueId>> ConvertPool(LayerBuilder& b, OpKind op) {
  ASSIGN_OR_RETURN(Layout layout, LayoutOf(b));
  const size_t r = layout.spatial_rank;
  RETURN_IF_ERROR(b.ExpectWeights(0));
  ASSIGN_OR_RETURN(std::vector<int64_t> pool, ConfigInts(b.config(), "pool_size", r, std::vector<int64_t>(r, 2)));
  // Keras's average counts only the window's elements inside the input: ONNX's
  // count_include_pad = 0, the default.
  ASSIGN_OR_RETURN(AttributeMap attributes, WindowAttributes(b, layout, pool, "strides", pool, false));
  return ThroughChannelsFirst(b, layout, [&](ValueId x) { return b.AddNode(op, "pool", {x}, attributes); });
}

absl::StatusOr<std::vector<ValueId>> ConvertMaxPooling(LayerBuilder& b) { return ConvertPool(b, OpKind::kMaxPool); }
absl::StatusOr<std::vector<ValueId>> ConvertAveragePooling(LayerBuilder& b) {
  return ConvertPool(b, OpKind::kAveragePool);
}

// A reduction over the spatial axes, where they are in the layer's layout.
absl::StatusOr<std::vector<ValueId>> ConvertGlobalPool(LayerBuilder& b, OpKind op) {
  ASSIGN_OR_RETURN(Layout layout, LayoutOf(b));
  RETURN_IF_ERROR(b.ExpectWeights(0));
  ASSIGN_OR_RETURN(bool keepdims, ConfigBool(b.config(), "keepdims", false));
  std::vector<int64_t> axes;
  for (int64_t d = 0; d < layout.spatial_rank; ++d) axes.push_back(layout.SpatialAxis(d));
  AttributeMap attributes;
  attributes.Set("keepdims", int64_t{keepdims ? 1 : 0});
  const ValueId axes_value = b.AddConstant("axes", TensorData::FromInt64s({static_cast<int64_t>(axes.size())}, axes));
  ASSIGN_OR_RETURN(ValueId y, b.AddNode(op, "pool", {b.Input(0), axes_value}, std::move(attributes)));
  return std::vector<ValueId>{y};
}

absl::StatusOr<std::vector<ValueId>> ConvertGlobalAveragePooling(LayerBuilder& b) {
  return ConvertGlobalPool(b, OpKind::kReduceMean);
}
absl::StatusOr<std::vector<ValueId>> ConvertGlobalMaxPooling(LayerBuilder& b) {
  return ConvertGlobalPool(b, OpKind::kReduceMax);
}

}  // namespace modelc::keras_layers
