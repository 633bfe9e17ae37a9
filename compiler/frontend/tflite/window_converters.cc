// Convolutions, pools and fully connected layers: TFLite's NHWC tensors and filters
// into the IR's NCHW Conv, pools and Gemm.
#include "compiler/frontend/tflite/window_converters.h"

#include "compiler/frontend/tflite/converter_support.h"
#include "compiler/frontend/tflite/tflite_padding.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc::tflite_converters {
namespace {

absl::StatusOr<TflitePaddingKind> PaddingKind(tfl::Padding padding) {
  switch (padding) {
    case tfl::Padding::SAME: return TflitePaddingKind::kSame;
    case tfl::Padding::VALID: return TflitePaddingKind::kValid;
  }
  return Invalid(absl::StrCat("unknown padding kind ", static_cast<int>(padding)));
}

// A 2-D window's attributes (ONNX's names) from TFLite's padding arithmetic.
struct Window {
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
};

absl::StatusOr<AttributeMap> WindowAttributes(const Shape& nhwc, const Window& w, tfl::Padding padding) {
  ASSIGN_OR_RETURN(TflitePaddingKind kind, PaddingKind(padding));
  absl::StatusOr<TflitePadding> rows = ComputeTflitePadding(kind, nhwc[1], w.kernel_h, w.stride_h, w.dilation_h);
  if (!rows.ok()) return Invalid(absl::StrCat("height: ", rows.status().message()));
  absl::StatusOr<TflitePadding> columns = ComputeTflitePadding(kind, nhwc[2], w.kernel_w, w.stride_w, w.dilation_w);
  if (!columns.ok()) return Invalid(absl::StrCat("width: ", columns.status().message()));
  AttributeMap attributes;
  attributes.Set("kernel_shape", std::vector<int64_t>{w.kernel_h, w.kernel_w});
  attributes.Set("strides", std::vector<int64_t>{w.stride_h, w.stride_w});
  attributes.Set("pads", std::vector<int64_t>{rows->before, columns->before, rows->after, columns->after});
  return attributes;
}

// Conv in NCHW between two transposes: input NHWC, weights permuted to OIHW.
absl::Status ConvolutionThroughNchw(SubgraphImporter& s, const std::vector<int64_t>& weights_to_oihw, int64_t groups,
                                    AttributeMap attributes, tfl::ActivationFunctionType activation) {
  ASSIGN_OR_RETURN(TensorData filter, s.ConstantInput(1, "the filter"));
  const ValueId weights = s.AddConstant("weights_oihw", PermuteTensorData(filter, weights_to_oihw));
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  ASSIGN_OR_RETURN(ValueId nchw, Transposed(s, input, kToChannelsFirst, "to_nchw"));
  std::vector<ValueId> inputs = {nchw, weights};
  if (s.HasInput(2)) {
    ASSIGN_OR_RETURN(ValueId bias, s.Input(2));
    inputs.push_back(bias);
  }
  attributes.Set("group", groups);
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kConv, "conv", std::move(inputs), std::move(attributes)));
  ASSIGN_OR_RETURN(y, ApplyActivation(s, activation, y));
  ASSIGN_OR_RETURN(y, Transposed(s, y, kToChannelsLast, "to_nhwc"));
  return s.DefineOutput(0, y);
}

absl::Status ConvertPool(SubgraphImporter& s, OpKind pool) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, 1));
  ASSIGN_OR_RETURN(const tfl::Pool2DOptions* options, Required(s.op().builtin_options_as_Pool2DOptions(), "Pool2DOptions"));
  const Shape x = s.InputShape(0);
  RETURN_IF_ERROR(ExpectRank(x, 4, "the input"));
  const Window window{options->filter_height(), options->filter_width(), options->stride_h(), options->stride_w()};
  // TFLite's average counts only the window's elements inside the input: ONNX's
  // count_include_pad = 0, the default.
  ASSIGN_OR_RETURN(AttributeMap attributes, WindowAttributes(x, window, options->padding()));
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  ASSIGN_OR_RETURN(ValueId nchw, Transposed(s, input, kToChannelsFirst, "to_nchw"));
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(pool, "pool", {nchw}, std::move(attributes)));
  ASSIGN_OR_RETURN(y, ApplyActivation(s, options->fused_activation_function(), y));
  ASSIGN_OR_RETURN(y, Transposed(s, y, kToChannelsLast, "to_nhwc"));
  return s.DefineOutput(0, y);
}

}  // namespace

absl::Status ConvertConv2D(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 3, 1));
  ASSIGN_OR_RETURN(const tfl::Conv2DOptions* options, Required(s.op().builtin_options_as_Conv2DOptions(), "Conv2DOptions"));
  const Shape x = s.InputShape(0), filter = s.InputShape(1);  // [N,H,W,C], [O,KH,KW,I]
  RETURN_IF_ERROR(ExpectRank(x, 4, "the input"));
  RETURN_IF_ERROR(ExpectRank(filter, 4, "the filter"));
  if (filter[3] < 1 || x[3] % filter[3] != 0 || filter[0] % (x[3] / filter[3]) != 0) {
    return Invalid(absl::StrCat("a filter ", ShapeToString(filter), " does not fit an input ", ShapeToString(x)));
  }
  const Window window{filter[1], filter[2], options->stride_h(), options->stride_w(), options->dilation_h_factor(),
                      options->dilation_w_factor()};
  ASSIGN_OR_RETURN(AttributeMap attributes, WindowAttributes(x, window, options->padding()));
  attributes.Set("dilations", std::vector<int64_t>{window.dilation_h, window.dilation_w});
  return ConvolutionThroughNchw(s, {0, 3, 1, 2}, x[3] / filter[3], std::move(attributes),
                                options->fused_activation_function());
}

absl::Status ConvertDepthwiseConv2D(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 3, 1));
  ASSIGN_OR_RETURN(const tfl::DepthwiseConv2DOptions* options,
                   Required(s.op().builtin_options_as_DepthwiseConv2DOptions(), "DepthwiseConv2DOptions"));
  const Shape x = s.InputShape(0), filter = s.InputShape(1);  // [N,H,W,C], [1,KH,KW,C*M]
  RETURN_IF_ERROR(ExpectRank(x, 4, "the input"));
  RETURN_IF_ERROR(ExpectRank(filter, 4, "the filter"));
  if (filter[0] != 1 || x[3] < 1 || filter[3] % x[3] != 0) {
    return Invalid(absl::StrCat("a depthwise filter ", ShapeToString(filter), " does not fit an input ",
                                ShapeToString(x)));
  }
  // Output channel c * M + m reads input channel c, in TFLite and in a grouped Conv.
  const Window window{filter[1], filter[2], options->stride_h(), options->stride_w(), options->dilation_h_factor(),
                      options->dilation_w_factor()};
  ASSIGN_OR_RETURN(AttributeMap attributes, WindowAttributes(x, window, options->padding()));
  attributes.Set("dilations", std::vector<int64_t>{window.dilation_h, window.dilation_w});
  return ConvolutionThroughNchw(s, {3, 0, 1, 2}, x[3], std::move(attributes), options->fused_activation_function());
}

absl::Status ConvertAveragePool2D(SubgraphImporter& s) { return ConvertPool(s, OpKind::kAveragePool); }
absl::Status ConvertMaxPool2D(SubgraphImporter& s) { return ConvertPool(s, OpKind::kMaxPool); }

// y = x W^T + b over rows of x's elements: TFLite flattens the input to rows of the
// weights' width, and keeps its leading dimensions when keep_num_dims is set (the
// declared output shape says which).
absl::Status ConvertFullyConnected(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 3, 1));
  const tfl::FullyConnectedOptions* options = s.op().builtin_options_as_FullyConnectedOptions();
  if (options && options->weights_format() != 0) {
    return absl::UnimplementedError("shuffled weights (weights_format SHUFFLED4x16INT8) are not supported");
  }
  const Shape x = s.InputShape(0), weights = s.InputShape(1);  // [..., K], [N, K]
  RETURN_IF_ERROR(ExpectRank(weights, 2, "the weights"));
  const int64_t units = weights[0], depth = weights[1];
  if (depth < 1 || ElementCount(x) % depth != 0) {
    return Invalid(absl::StrCat("an input ", ShapeToString(x), " does not divide into rows of ", depth));
  }
  const int64_t rows = ElementCount(x) / depth;
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  if (x != Shape{rows, depth}) {
    ASSIGN_OR_RETURN(input, Reshaped(s, input, {rows, depth}, "rows"));
  }
  ASSIGN_OR_RETURN(ValueId w, s.Input(1));
  std::vector<ValueId> inputs = {input, w};
  if (s.HasInput(2)) {
    ASSIGN_OR_RETURN(ValueId bias, s.Input(2));
    inputs.push_back(bias);
  }
  AttributeMap attributes;
  attributes.Set("transB", int64_t{1});
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kGemm, "gemm", std::move(inputs), std::move(attributes)));
  ASSIGN_OR_RETURN(y, ApplyActivation(s, options ? options->fused_activation_function() : tfl::ActivationFunctionType::NONE, y));
  const Shape declared = s.OutputShape(0);
  if (declared != Shape{rows, units}) {
    if (ElementCount(declared) != rows * units) {
      return Invalid(absl::StrCat("the output is declared ", ShapeToString(declared), " but has ", rows, " rows of ",
                                  units));
    }
    ASSIGN_OR_RETURN(y, Reshaped(s, y, declared, "output_shape"));
  }
  return s.DefineOutput(0, y);
}

}  // namespace modelc::tflite_converters
