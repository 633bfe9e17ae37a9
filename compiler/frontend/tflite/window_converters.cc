// Convolutions, pools and fully connected layers: TFLite's NHWC tensors and filters
// into the IR's NCHW Conv, pools and Gemm.
#include "compiler/frontend/tflite/window_converters.h"

#include <algorithm>
#include <cmath>

#include "compiler/frontend/tflite/converter_support.h"
#include "compiler/frontend/tflite/tflite_padding.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/quantize/half_rounding.h"
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

// The operands of an int8 product (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
// TRANSPOSE_CONV) in QLinearConv's and QLinearMatMul's order: x (quantised as the
// operator's input `x_input`), its scale and zero point, the weights (`weights`, already a
// graph constant in the op's layout), theirs (one pair per output channel, along
// `weights_axis` of TFLite's filter, or one), the output's, then the bias (the
// operator's input `bias_input`) when there is one (int32, added to the sums as they are). The products
// requantise as TFLite's reference kernels do: fixed point, two roundings.
absl::StatusOr<std::vector<ValueId>> QuantizedProductInputs(SubgraphImporter& s, ValueId x, ValueId weights,
                                                            int64_t weights_axis, int64_t output_channels,
                                                            int x_input, int bias_input) {
  ASSIGN_OR_RETURN(TfliteQuantization qx, RequiredQuantization(s.InputQuantization(x_input), "the input", true));
  ASSIGN_OR_RETURN(TfliteQuantization qw, RequiredQuantization(s.InputQuantization(1), "the filter", false));
  ASSIGN_OR_RETURN(TfliteQuantization qy, RequiredQuantization(s.OutputQuantization(0), "the output", true));
  // TFLite's int8 kernels take symmetric weights (their Prepare checks zero points of 0).
  for (int64_t zero_point : qw.zero_points) {
    if (zero_point != 0) return absl::UnimplementedError(absl::StrCat("the filter has zero point ", zero_point, ", not 0"));
  }
  if (!qw.PerTensor() && (qw.axis != weights_axis || static_cast<int64_t>(qw.scales.size()) != output_channels)) {
    return Invalid(absl::StrCat("the filter's ", qw.scales.size(), " scales along axis ", qw.axis,
                                " are not one per output channel (", output_channels, " along axis ", weights_axis, ")"));
  }
  const QuantizationValues x_pair = AddQuantization(s, qx, "x"), w_pair = AddQuantization(s, qw, "w"),
                           y_pair = AddQuantization(s, qy, "y");
  std::vector<ValueId> inputs = {x, x_pair.scale, x_pair.zero_point, weights, w_pair.scale, w_pair.zero_point,
                                 y_pair.scale, y_pair.zero_point};
  if (s.HasInput(bias_input)) {
    ASSIGN_OR_RETURN(TensorData bias, s.ConstantInput(bias_input, "the bias"));
    if (bias.type() != TensorType{DataType::kInt32, {output_channels}}) {
      return Invalid(absl::StrCat("the bias is ", bias.type().ToString(), ", not int32 [", output_channels, "]"));
    }
    ASSIGN_OR_RETURN(ValueId bias_value, s.Input(bias_input));
    inputs.push_back(bias_value);
  }
  return inputs;
}

// Conv in NCHW between two transposes: input NHWC, weights permuted to OIHW; an int8
// operator becomes a QLinearConv.
absl::Status ConvolutionThroughNchw(SubgraphImporter& s, const std::vector<int64_t>& weights_to_oihw, int64_t groups,
                                    AttributeMap attributes, tfl::ActivationFunctionType activation) {
  ASSIGN_OR_RETURN(TensorData filter, s.ConstantInput(1, "the filter"));
  const TensorData oihw = PermuteTensorData(filter, weights_to_oihw);
  const int64_t output_channels = oihw.type().shape[0];
  const ValueId weights = s.AddConstant("weights_oihw", oihw);
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  ASSIGN_OR_RETURN(ValueId nchw, Transposed(s, input, kToChannelsFirst, "to_nchw"));
  attributes.Set("group", groups);
  ValueId y = kNoValue;
  if (s.IsQuantizedOperator()) {
    // The filter's output-channel axis: the one that becomes OIHW's first.
    const int64_t weights_axis = weights_to_oihw[0];
    ASSIGN_OR_RETURN(std::vector<ValueId> inputs, QuantizedProductInputs(s, nchw, weights, weights_axis, output_channels,
                                                                                  /*x_input=*/0, /*bias_input=*/2));
    SetTfliteArithmetic(attributes);
    ASSIGN_OR_RETURN(y, s.AddNode(OpKind::kQLinearConv, "conv", std::move(inputs), std::move(attributes)));
    ASSIGN_OR_RETURN(y, ApplyQuantizedActivation(s, activation, y, *s.OutputQuantization(0)));
  } else {
    std::vector<ValueId> inputs = {nchw, weights};
    if (s.HasInput(2)) {
      ASSIGN_OR_RETURN(ValueId bias, s.Input(2));
      inputs.push_back(bias);
    }
    ASSIGN_OR_RETURN(y, s.AddNode(OpKind::kConv, "conv", std::move(inputs), std::move(attributes)));
    ASSIGN_OR_RETURN(y, ApplyActivation(s, activation, y));
  }
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
  ValueId y = kNoValue;
  if (s.IsQuantizedOperator()) {
    // TFLite's int8 pools keep their input's quantisation. The max is the int8 max; the
    // average is TFLite's integer one (the window's sum over its element count,
    // halves away from zero), QLinearAveragePool marked to compute so.
    RETURN_IF_ERROR(ExpectSameQuantization(s));
    ASSIGN_OR_RETURN(TfliteQuantization q, RequiredQuantization(s.InputQuantization(0), "the input", true));
    if (pool == OpKind::kMaxPool) {
      ASSIGN_OR_RETURN(y, s.AddNode(pool, "pool", {nchw}, std::move(attributes)));
    } else {
      const QuantizationValues x_pair = AddQuantization(s, q, "x"), y_pair = AddQuantization(s, q, "y");
      attributes.Set(kRoundHalfAwayFromZero, int64_t{1});
      ASSIGN_OR_RETURN(y, s.AddNode(OpKind::kQLinearAveragePool, "pool",
                                    {nchw, x_pair.scale, x_pair.zero_point, y_pair.scale, y_pair.zero_point},
                                    std::move(attributes)));
    }
    ASSIGN_OR_RETURN(y, ApplyQuantizedActivation(s, options->fused_activation_function(), y, q));
  } else {
    ASSIGN_OR_RETURN(y, s.AddNode(pool, "pool", {nchw}, std::move(attributes)));
    ASSIGN_OR_RETURN(y, ApplyActivation(s, options->fused_activation_function(), y));
  }
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
  if (filter[3] < 1 || x[3] < filter[3] || x[3] % filter[3] != 0 || filter[0] % (x[3] / filter[3]) != 0) {
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
  const tfl::ActivationFunctionType activation =
      options ? options->fused_activation_function() : tfl::ActivationFunctionType::NONE;
  AttributeMap attributes;
  attributes.Set("transB", int64_t{1});
  ValueId y = kNoValue;
  if (s.IsQuantizedOperator()) {
    // QLinearMatMul of the rows and the weights [units, depth] (transB), with its bias.
    ASSIGN_OR_RETURN(std::vector<ValueId> inputs,
                     QuantizedProductInputs(s, input, w, 0, units, /*x_input=*/0, /*bias_input=*/2));
    SetTfliteArithmetic(attributes);
    ASSIGN_OR_RETURN(y, s.AddNode(OpKind::kQLinearMatMul, "matmul", std::move(inputs), std::move(attributes)));
    ASSIGN_OR_RETURN(y, ApplyQuantizedActivation(s, activation, y, *s.OutputQuantization(0)));
  } else {
    std::vector<ValueId> inputs = {input, w};
    if (s.HasInput(2)) {
      ASSIGN_OR_RETURN(ValueId bias, s.Input(2));
      inputs.push_back(bias);
    }
    ASSIGN_OR_RETURN(y, s.AddNode(OpKind::kGemm, "gemm", std::move(inputs), std::move(attributes)));
    ASSIGN_OR_RETURN(y, ApplyActivation(s, activation, y));
  }
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

namespace {

// int8 TRANSPOSE_CONV (reference_integer_ops::TransposeConv: each output the int32 sum
// of (x - x_zero_point) * w over the inputs that reach it, plus the bias, requantised per
// output channel as CONV_2D's) as the convolution that sums the same products: x with
// stride - 1 zero-point rows and columns stuffed between its own (codes that add 0), padded
// with the zero point by kernel - 1 - `before` (TFLite's padding) and cut or padded at the
// end to the output's size, convolved at stride 1 by the filter turned half a turn. The
// sums are TFLite's, exactly (int32, every term equal), so are the outputs. The price: the
// stuffed copy of the input (channels x stride_h x stride_w times its size) and stride_h x
// stride_w times the multiply-accumulates of TFLite's scatter.
absl::Status QuantizedTransposeConv(SubgraphImporter& s, const Shape& filter, const Shape& x, const int64_t out[2],
                                    const int64_t strides[2], const int64_t before[2],
                                    tfl::ActivationFunctionType activation) {
  ASSIGN_OR_RETURN(TfliteQuantization qx, RequiredQuantization(s.InputQuantization(2), "the input", true));
  const int64_t n = x[0], rows = x[1], columns = x[2], channels = x[3];
  const int64_t out_channels = filter[0], kh = filter[1], kw = filter[2];
  const int64_t in_sizes[2] = {rows, columns}, kernel[2] = {kh, kw};
  std::vector<int64_t> border(8, 0);
  // The stuffed plane holds stride - 1 zero rows (and columns) after the last input row,
  // which the border's negative end cuts again: refused where that waste dwarfs the rows
  // used (a tiny input at a huge stride), not in real layers.
  // (Each side is at most 2^20 x 2^31 here: int64 holds it, and a side past 2^30 is
  // refused before the two are multiplied.)
  const int64_t stuffed_rows = rows * strides[0], stuffed_columns = columns * strides[1];
  const int64_t used_rows = (rows - 1) * strides[0] + 1, used_columns = (columns - 1) * strides[1] + 1;
  if (stuffed_rows > (int64_t{1} << 30) || stuffed_columns > (int64_t{1} << 30) ||
      stuffed_rows * stuffed_columns > 4 * used_rows * used_columns + 4096) {
    return absl::UnimplementedError(absl::StrCat("an int8 TRANSPOSE_CONV at strides ", strides[0], " x ", strides[1],
                                                 " of so small an input (", rows, " x ", columns, ") is not supported"));
  }
  for (int d = 0; d < 2; ++d) {
    border[2 + d] = kernel[d] - 1 - before[d];  // TFLite's padding is at most kernel - 1
    border[6 + d] = out[d] + kernel[d] - 1 - border[2 + d] - in_sizes[d] * strides[d];  // negative: cut
  }
  // The filter [O, KH, KW, I] as OIHW turned half a turn: w'[o][i][a][b] = w[o][KH-1-a][KW-1-b][i].
  ASSIGN_OR_RETURN(TensorData weights, s.ConstantInput(1, "the filter"));
  if (weights.type().element_type != DataType::kInt8) return Invalid("the filter is not int8");
  std::vector<uint8_t> turned(weights.bytes().size());
  for (int64_t o = 0; o < out_channels; ++o)
    for (int64_t i = 0; i < channels; ++i)
      for (int64_t a = 0; a < kh; ++a)
        for (int64_t b = 0; b < kw; ++b) {
          turned[((o * channels + i) * kh + a) * kw + b] =
              weights.bytes()[((o * kh + (kh - 1 - a)) * kw + (kw - 1 - b)) * channels + i];
        }
  const ValueId w = s.AddConstant("weights_turned", TensorData(TensorType{DataType::kInt8, {out_channels, channels, kh, kw}},
                                                               std::move(turned)));
  ASSIGN_OR_RETURN(ValueId input, s.Input(2));
  ASSIGN_OR_RETURN(ValueId stuffed, Transposed(s, input, kToChannelsFirst, "to_nchw"));
  const ValueId zero = AddInt8Scalar(s, "zero_point", static_cast<int8_t>(qx.zero_points[0]));
  if (strides[0] > 1 || strides[1] > 1) {
    ASSIGN_OR_RETURN(stuffed, Reshaped(s, stuffed, Shape{n, channels, rows, 1, columns, 1}, "rows_apart"));
    const std::vector<int64_t> gaps = {0, 0, 0, 0, 0, 0, 0, 0, 0, strides[0] - 1, 0, strides[1] - 1};
    ASSIGN_OR_RETURN(stuffed, s.AddNode(OpKind::kPad, "stuff",
                                        {stuffed, s.AddConstant("stuff_pads", TensorData::FromInt64s({12}, gaps)), zero}));
    ASSIGN_OR_RETURN(stuffed, Reshaped(s, stuffed, Shape{n, channels, rows * strides[0], columns * strides[1]}, "stuffed"));
  }
  ASSIGN_OR_RETURN(stuffed, s.AddNode(OpKind::kPad, "border",
                                      {stuffed, s.AddConstant("border_pads", TensorData::FromInt64s({8}, border)), zero}));
  ASSIGN_OR_RETURN(std::vector<ValueId> inputs,
                   QuantizedProductInputs(s, stuffed, w, 0, out_channels, /*x_input=*/2, /*bias_input=*/3));
  AttributeMap attributes;
  attributes.Set("kernel_shape", std::vector<int64_t>{kh, kw});
  SetTfliteArithmetic(attributes);
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kQLinearConv, "conv", std::move(inputs), std::move(attributes)));
  ASSIGN_OR_RETURN(y, ApplyQuantizedActivation(s, activation, y, *s.OutputQuantization(0)));
  ASSIGN_OR_RETURN(y, Transposed(s, y, kToChannelsLast, "to_nhwc"));
  return s.DefineOutput(0, y);
}

}  // namespace

// TRANSPOSE_CONV (output_shape, filter [O, KH, KW, I], x, bias): the IR's ConvTranspose
// in NCHW between two transposes, the filter permuted to [I, O, KH, KW]. TFLite pads as
// the forward convolution from the declared output to the input would
// (ComputePaddingHeightWidth on the output's size): the output starts `before` rows
// into the full transposed convolution and ends where the declared size does, which in
// ONNX's terms is pads (before, full - before - size) or, when that end is negative,
// an output_padding of that many rows instead. int8: QuantizedTransposeConv.
absl::Status ConvertTransposeConv(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 3, 4, 1));
  ASSIGN_OR_RETURN(const tfl::TransposeConvOptions* options,
                   Required(s.op().builtin_options_as_TransposeConvOptions(), "TransposeConvOptions"));
  ASSIGN_OR_RETURN(std::vector<int64_t> output_shape, s.ConstantInputInts(0, "the output shape"));
  const Shape filter = s.InputShape(1), x = s.InputShape(2);  // [O,KH,KW,I], [N,H,W,I]
  RETURN_IF_ERROR(ExpectRank(x, 4, "the input"));
  RETURN_IF_ERROR(ExpectRank(filter, 4, "the filter"));
  if (output_shape != s.OutputShape(0) || output_shape.size() != 4 || output_shape[0] != x[0] ||
      output_shape[3] != filter[0] || filter[3] != x[3]) {
    return Invalid(absl::StrCat("a filter ", ShapeToString(filter), " does not take an input ", ShapeToString(x),
                                " to the output shape ", ShapeToString(output_shape)));
  }
  ASSIGN_OR_RETURN(TflitePaddingKind kind, PaddingKind(options->padding()));
  const int64_t strides[2] = {options->stride_h(), options->stride_w()};
  std::vector<int64_t> pads(4), output_padding(2);
  for (int d = 0; d < 2; ++d) {
    const int64_t in = x[1 + d], out = output_shape[1 + d], k = filter[1 + d];
    absl::StatusOr<TflitePadding> forward = ComputeTflitePadding(kind, out, k, strides[d], 1);
    if (!forward.ok()) return Invalid(absl::StrCat(d == 0 ? "height: " : "width: ", forward.status().message()));
    if (forward->output != in) {
      return Invalid(absl::StrCat("an output of ", out, (d == 0 ? " rows" : " columns"), " is not what an input of ", in,
                                  " gives with stride ", strides[d]));
    }
    const int64_t full = strides[d] * (in - 1) + k, after = full - forward->before - out;
    pads[d] = forward->before;
    pads[2 + d] = std::max<int64_t>(after, 0);
    output_padding[d] = std::max<int64_t>(-after, 0);
  }
  if (s.IsQuantizedOperator()) {
    const int64_t out[2] = {output_shape[1], output_shape[2]}, before[2] = {pads[0], pads[1]};
    return QuantizedTransposeConv(s, filter, x, out, strides, before, options->fused_activation_function());
  }
  AttributeMap attributes;
  attributes.Set("kernel_shape", std::vector<int64_t>{filter[1], filter[2]});
  attributes.Set("strides", std::vector<int64_t>{strides[0], strides[1]});
  attributes.Set("pads", pads);
  attributes.Set("output_padding", output_padding);
  ASSIGN_OR_RETURN(TensorData weights, s.ConstantInput(1, "the filter"));
  std::vector<ValueId> inputs;
  ASSIGN_OR_RETURN(ValueId input, s.Input(2));
  ASSIGN_OR_RETURN(ValueId nchw, Transposed(s, input, kToChannelsFirst, "to_nchw"));
  inputs = {nchw, s.AddConstant("weights_iohw", PermuteTensorData(weights, {3, 0, 1, 2}))};
  if (s.HasInput(3)) {
    ASSIGN_OR_RETURN(ValueId bias, s.Input(3));
    inputs.push_back(bias);
  }
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kConvTranspose, "conv_transpose", std::move(inputs),
                                        std::move(attributes)));
  ASSIGN_OR_RETURN(y, ApplyActivation(s, options->fused_activation_function(), y));
  ASSIGN_OR_RETURN(y, Transposed(s, y, kToChannelsLast, "to_nhwc"));
  return s.DefineOutput(0, y);
}

namespace {

// TFLite's GetNearestNeighbor (reference_ops::ResizeNearestNeighbor) for every output
// index along one axis, in its float arithmetic: (i + offset) * scale, floored, or rounded
// half away from zero with aligned corners, at most in - 1 (and at least 0).
std::vector<int64_t> TfliteNearestIndices(int64_t in, int64_t out, bool align_corners, bool half_pixel_centers) {
  const float scale = align_corners && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                               : static_cast<float>(in) / static_cast<float>(out);
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  std::vector<int64_t> indices(out);
  for (int64_t i = 0; i < out; ++i) {
    const float position = (static_cast<float>(i) + offset) * scale;
    int64_t index = static_cast<int64_t>(align_corners ? std::round(position) : std::floor(position));
    index = std::min(index, in - 1);
    if (half_pixel_centers) index = std::max<int64_t>(index, 0);
    indices[i] = index;
  }
  return indices;
}

// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR (x NHWC, size [2], the declared output's
// height and width). Bilinear: the IR's Resize of height and width, its coordinate rule
// TFLite's (reference_ops::ResizeBilinear): half-pixel centres, aligned corners, or
// neither (output index times input over output), which ONNX's half_pixel,
// align_corners and asymmetric modes compute (in double; the weights agree to float
// rounding). Nearest: a Gather along the height and one along the width, of the indices
// TFLite computes in float (TfliteNearestIndices), so every output is the input element
// TFLite's kernel picks, even where float and double rounding part.
absl::Status ConvertResize(SubgraphImporter& s, bool bilinear, bool align_corners, bool half_pixel_centers) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
  if (align_corners && half_pixel_centers) {
    return Invalid("align_corners and half_pixel_centers are both set (TFLite refuses that)");
  }
  const Shape x = s.InputShape(0), declared = s.OutputShape(0);
  RETURN_IF_ERROR(ExpectRank(x, 4, "the input"));
  RETURN_IF_ERROR(ExpectRank(declared, 4, "the output"));
  ASSIGN_OR_RETURN(std::vector<int64_t> size, s.ConstantInputInts(1, "the size"));
  // At most 2^20 rows and columns: the nearest indices are made while compiling.
  constexpr int64_t kLargestSide = int64_t{1} << 20;
  if (size.size() != 2 || size[0] < 1 || size[1] < 1 || size[0] > kLargestSide || size[1] > kLargestSide ||
      size[0] != declared[1] || size[1] != declared[2] || x[1] < 1 || x[2] < 1) {
    return Invalid(absl::StrCat("the size ", ShapeToString(size), " is not the declared output's height and width ",
                                ShapeToString(declared), " of an input ", ShapeToString(x)));
  }
  ASSIGN_OR_RETURN(ValueId y, s.Input(0));
  if (!bilinear) {
    for (int axis : {1, 2}) {
      const std::vector<int64_t> indices =
          TfliteNearestIndices(x[axis], size[axis - 1], align_corners, half_pixel_centers);
      const std::string role = axis == 1 ? "rows" : "columns";
      const ValueId indices_value =
          s.AddConstant(role, TensorData::FromInt64s({static_cast<int64_t>(indices.size())}, indices));
      AttributeMap attributes;
      attributes.Set("axis", int64_t{axis});
      ASSIGN_OR_RETURN(y, s.AddNode(OpKind::kGather, "gather_" + role, {y, indices_value}, std::move(attributes)));
    }
    return s.DefineOutput(0, y);
  }
  AttributeMap attributes;
  if (s.IsQuantizedOperator()) {
    // int8: TFLite's integer interpolation (modelc.ResizeBilinearInteger) on the codes,
    // the output quantised as the input.
    RETURN_IF_ERROR(ExpectSameQuantization(s));
    attributes.Set("size", size);
    attributes.Set("align_corners", int64_t{align_corners});
    attributes.Set("half_pixel_centers", int64_t{half_pixel_centers});
    ASSIGN_OR_RETURN(y, s.AddNode(OpKind::kResizeBilinearInteger, "resize", {y}, std::move(attributes)));
    return s.DefineOutput(0, y);
  }
  attributes.Set("mode", std::string("linear"));
  const char* transform = align_corners ? "align_corners" : half_pixel_centers ? "half_pixel" : "asymmetric";
  attributes.Set("coordinate_transformation_mode", std::string(transform));
  const ValueId sizes = s.AddConstant("sizes", TensorData::FromInt64s({4}, std::vector<int64_t>{x[0], size[0], size[1], x[3]}));
  ASSIGN_OR_RETURN(y, s.AddNode(OpKind::kResize, "resize", {y, kNoValue, kNoValue, sizes}, std::move(attributes)));
  return s.DefineOutput(0, y);
}

}  // namespace

absl::Status ConvertResizeBilinear(SubgraphImporter& s) {
  const tfl::ResizeBilinearOptions* options = s.op().builtin_options_as_ResizeBilinearOptions();
  return ConvertResize(s, true, options && options->align_corners(), options && options->half_pixel_centers());
}

absl::Status ConvertResizeNearestNeighbor(SubgraphImporter& s) {
  const tfl::ResizeNearestNeighborOptions* options = s.op().builtin_options_as_ResizeNearestNeighborOptions();
  return ConvertResize(s, false, options && options->align_corners(), options && options->half_pixel_centers());
}

// BATCH_MATMUL: a MatMul (batch dimensions broadcast as numpy's), an operand whose
// adjoint flag is set first transposed in its last two dimensions.
absl::Status ConvertBatchMatMul(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
  const tfl::BatchMatMulOptions* options = s.op().builtin_options_as_BatchMatMulOptions();
  const bool adjoint[2] = {options && options->adj_x(), options && options->adj_y()};
  std::vector<ValueId> operands;
  for (int i = 0; i < 2; ++i) {
    const Shape shape = s.InputShape(i);
    if (shape.size() < 2) return Invalid(absl::StrCat("input ", i, " has rank ", shape.size(), ", not 2 or more"));
    ASSIGN_OR_RETURN(ValueId operand, s.Input(i));
    if (adjoint[i]) {
      std::vector<int64_t> perm(shape.size());
      for (size_t d = 0; d < perm.size(); ++d) perm[d] = static_cast<int64_t>(d);
      std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
      ASSIGN_OR_RETURN(operand, Transposed(s, operand, perm, absl::StrCat("adjoint", i)));
    }
    operands.push_back(operand);
  }
  if (s.IsQuantizedOperator()) {
    // int8: reference_ops::BatchMatMul, sum((a - a_zero_point)(b - b_zero_point)) in int32
    // requantised by the multiplier of a_scale * b_scale / y_scale (in double, as
    // GetQuantizedConvolutionMultipler), saturated: QLinearMatMul in TFLite's fixed point.
    ASSIGN_OR_RETURN(TfliteQuantization qa, RequiredQuantization(s.InputQuantization(0), "input 0", true));
    ASSIGN_OR_RETURN(TfliteQuantization qb, RequiredQuantization(s.InputQuantization(1), "input 1", true));
    ASSIGN_OR_RETURN(TfliteQuantization qy, RequiredQuantization(s.OutputQuantization(0), "the output", true));
    const QuantizationValues a_pair = AddQuantization(s, qa, "a"), b_pair = AddQuantization(s, qb, "b"),
                             y_pair = AddQuantization(s, qy, "y");
    AttributeMap attributes;
    SetTfliteArithmetic(attributes);
    ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kQLinearMatMul, "matmul",
                                          {operands[0], a_pair.scale, a_pair.zero_point, operands[1], b_pair.scale,
                                           b_pair.zero_point, y_pair.scale, y_pair.zero_point},
                                          std::move(attributes)));
    return s.DefineOutput(0, y);
  }
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kMatMul, "matmul", std::move(operands)));
  return s.DefineOutput(0, y);
}

}  // namespace modelc::tflite_converters
