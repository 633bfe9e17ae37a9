// Quantised convolution kernel selection.
#include "compiler/lowering/quantized_product_lowering.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <numeric>
#include <vector>

#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/conv_lowering.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/quantize/stored_tap.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// An int8 or uint8 constant's elements.
std::vector<int32_t> IntegerElements(const TensorData& tensor) {
  std::vector<int32_t> values;
  if (tensor.type().element_type == DataType::kInt8) {
    for (int8_t v : tensor.Elements<int8_t>()) values.push_back(v);
  } else {
    for (uint8_t v : tensor.Elements<uint8_t>()) values.push_back(v);
  }
  return values;
}

// The weights' zero point is absent or a constant of zeros.
bool ZeroWeightZeroPoint(const Graph& graph, const Node& node, int zero_point_input) {
  if (!graph.HasInput(node, zero_point_input)) return true;
  const ValueId zero_point = node.inputs[zero_point_input];
  if (!graph.IsConstant(zero_point)) return false;
  for (uint8_t byte : graph.value(zero_point).constant->bytes()) {
    if (byte != 0) return false;
  }
  return true;
}

// How many elements ahead of its input the output of a depthwise convolution computed
// one pixel at a time (row by row, channel after channel, each window read just before
// its pixel is written) must start so that no pixel lands on an input element a later
// pixel of its channel reads: the most by which a pixel's position passes the lowest
// element any later window reads. Channel 0's; a later channel has more room when an
// output plane is no larger than an input plane. Two pixels at a time (the direct
// kernel's pairs, DirectKernelPairsPixels), both windows read before either pixel is
// written and no byte outside them kept (at the borders, DirectKernelPairsAtBorders,
// bytes beside them are read and dropped), need no more: the first pixel is only written
// later.
// Nor do four (the row lanes on Helium, DirectKernelRowLanes): a vector's pixels are
// written only after all four windows are read, and what it may read outside them
// (stride 2's byte after the last lane's tap; across rows, a neighbouring row's code in
// place of a tap outside a lane's row) is dropped whatever it holds.
int64_t DepthwisePixelOverrun(const WindowGeometry& w) {
  const int64_t pixels = w.out_h * w.out_w;
  std::vector<int64_t> lowest_read_from(pixels + 1, w.in_h * w.in_w);  // by any pixel from this one on
  for (int64_t q = pixels - 1; q >= 0; --q) {
    const int64_t row = std::clamp<int64_t>(q / w.out_w * w.stride_h - w.pad_top, 0, w.in_h - 1);
    const int64_t column = std::clamp<int64_t>(q % w.out_w * w.stride_w - w.pad_left, 0, w.in_w - 1);
    lowest_read_from[q] = std::min(lowest_read_from[q + 1], row * w.in_w + column);
  }
  int64_t overrun = 0;
  for (int64_t q = 0; q < pixels; ++q) overrun = std::max(overrun, q + 1 - lowest_read_from[q + 1]);
  return overrun;
}

// --optimize memory: whether the kernel chosen can write over its input
// (NodePlan::writes_over_consumed_input) and how far ahead: the window-pairs kernel of a
// pointwise convolution (1x1, stride 1, unpadded, one group) copies each pixel's
// channels before writing that pixel's outputs, and so does the direct kernel where it
// runs one (NodePlan::pixel_inputs_copied; without it, output channels outer, a
// Cortex-M3's pointwise layers kept their outputs beside their inputs: DS-CNN int8 16,032
// bytes of scratch against 8,554 on a Cortex-M4); the direct kernel of a depthwise one
// reads each window (or pair of windows) just before writing its pixel (or pair)
// (DepthwisePixelOverrun ahead); plane rows copy each channel's plane before writing
// its output plane, no larger. One
// image, planar input and output (an NHWC one, kFusedChannelsLastInput or
// kFusedChannelsLastOutput, puts a pixel's outputs where later pixels' inputs are
// still unread), outputs as wide as inputs (QLinearConv's int8/uint8), an input no
// other node reads.
void PlanWritingOverInput(const Graph& graph, const Node& node, const ConvGeometry& g, int64_t output_bytes,
                          bool workspace_free, NodePlan& plan) {
  const WindowGeometry& w = g.window;
  if (w.batch != 1 || w.spatial_rank != 2 || !InputBufferIsFreeToTake(graph, node) ||
      ByteSize(graph.InputType(node, 0).element_type) != output_bytes ||
      node.attributes.Has(kFusedChannelsLastInput) || node.attributes.Has(kFusedChannelsLastOutput)) {
    return;
  }
  const bool pointwise = IsUnitPointwise(w) && g.groups == 1;
  const bool depthwise = IsDepthwise(g);
  const QuantizedProductKernel kernel = std::get<QuantizedProductKernel>(plan.kernel);
  // (Window-dot reads each pixel's window, copied or gathered, before it writes there;
  // by channel runs it reads the window again for each block of output channels.)
  const bool window_read_first = kernel == QuantizedProductKernel::kWindowDot && !plan.window_channel_runs;
  if (pointwise && (kernel == QuantizedProductKernel::kDspPairs || window_read_first ||
                    kernel == QuantizedProductKernel::kChannelLanes || kernel == QuantizedProductKernel::kPixelLanes)) {
    plan.writes_over_consumed_input = true;
  } else if (pointwise && kernel == QuantizedProductKernel::kDirect && plan.tiles.lanes == 0 && !workspace_free) {
    // The direct kernel copies each pixel's input codes first (NodePlan::pixel_inputs_copied).
    plan.writes_over_consumed_input = true;
    plan.pixel_inputs_copied = true;
    plan.workspace.push_back({"pixel_codes", plan.WorkspaceBytes(), w.channels * output_bytes});
  } else if (depthwise && (kernel == QuantizedProductKernel::kDirect || kernel == QuantizedProductKernel::kPlaneRows) &&
             w.out_h * w.out_w <= w.in_h * w.in_w) {
    plan.writes_over_consumed_input = true;
    // Plane rows and window dots copy each channel's plane before writing its output: no lead.
    if (kernel == QuantizedProductKernel::kDirect && !plan.window_dots) {
      plan.output_lead_bytes = DepthwisePixelOverrun(w) * output_bytes;
    }
  }
}

// The direct kernel's output channels at a time (of one group): 4, else 2, else 1,
// whichever divides the group's; 1 under --optimize size (the least code). Each input
// element is loaded once for them all; more sums than 4 would not stay in a Cortex-M4's
// registers beside the pointers.
int64_t DirectChannelBlock(int64_t per_group, const LoweringTarget& target) {
  if (target.code_size_first) return 1;
  return per_group % 4 == 0 ? 4 : per_group % 2 == 0 ? 2 : 1;
}

// QLinearConv and QLinearMatMul: weights (B) at input 3, a bias at input 8 (a quantised
// Gemm's, passes/qdq_fusion.cc), requantised outputs; ConvInteger's weights are input 1.
bool IsQLinearProduct(const Node& node) { return node.op == OpKind::kQLinearConv || node.op == OpKind::kQLinearMatMul; }

// The lanes (16, else 8; 0: neither) whose whole vectors `count` output channels or
// columns fill with VPDPBUSD.
int64_t WholeByteQuadVectors(int64_t count, const LoweringTarget& target) {
  if (target.byte_quad_lanes >= 16 && count % 16 == 0) return 16;
  return target.byte_quad_lanes >= 8 && count % 8 == 0 ? 8 : 0;
}

// The code offset of VPDPBUSD's kernels, whose windows hold uint8 codes: an int8
// input's codes plus 128 (NodePlan::window_code_offset).
int32_t UnsignedCodeOffset(DataType x_type) { return x_type == DataType::kInt8 ? -128 : 0; }

// The code offset of Helium's kernels, whose windows hold int8 codes (VMLADAVA.S8
// multiplies signed bytes): a uint8 input's codes less 128.
int32_t SignedCodeOffset(DataType x_type) { return x_type == DataType::kUInt8 ? 128 : 0; }

// QLinearConv's and ConvInteger's input zero point (QLinearMatMul's A's); QLinearConv's
// bias (a quantised Gemm's QLinearMatMul's, passes/qdq_fusion.cc).
constexpr int kXZeroPointInput = 2;
constexpr int kQLinearBiasInput = 8;

}  // namespace

int64_t PaddedPlaneElements(const WindowGeometry& w) {
  // Position f reads up to s * f + (kernel_h - 1) * dilation_h * columns + (kernel_w - 1)
  // * dilation_w; the last vector's positions run to out_h * columns + lanes - 1, and
  // s * (out_h - 1) + (kernel_h - 1) * dilation_h < rows: (rows + s) rows and a
  // vector's s * lanes more cover every read of a real output position's lane.
  const int64_t rows = w.in_h + w.pad_top + w.pad_bottom, columns = w.in_w + w.pad_left + w.pad_right;
  return (rows + w.stride_w) * columns;
}

int64_t PaddedPlanesBytes(const WindowGeometry& w, int64_t planes) {
  return (planes * PaddedPlaneElements(w) + kWindowDotLanes * w.stride_w) * 2;
}

int64_t PlaneOutputsBytes(const WindowGeometry& w) {
  const int64_t columns = w.in_w + w.pad_left + w.pad_right;
  return (w.out_h * columns + kWindowDotLanes - 1) / kWindowDotLanes * kWindowDotLanes;
}

int64_t PaddedCodesBytes(const WindowGeometry& w, int64_t lanes) {
  // The last chunk of a row loads stride * lanes bytes from at most the last plane's
  // last byte: that many more cover it.
  return w.channels * (w.in_h + w.pad_top + w.pad_bottom) * (w.in_w + w.pad_left + w.pad_right) + w.stride_w * lanes;
}

int64_t WindowDotTaps(int64_t taps) { return (taps + kWindowDotLanes - 1) / kWindowDotLanes * kWindowDotLanes; }

int64_t WindowTapOffset(const WindowGeometry& w, bool channels_last_input, int64_t tap) {
  const int64_t plane_taps = w.kernel_h * w.kernel_w, c = tap / plane_taps;
  const int64_t in_plane = tap % plane_taps / w.kernel_w * w.dilation_h * w.in_w + tap % w.kernel_w * w.dilation_w;
  return channels_last_input ? in_plane * w.channels + c : c * w.in_h * w.in_w + in_plane;
}

WindowGeometry QuantizedBandWindow(const WindowGeometry& window) {
  WindowGeometry band = window;
  band.batch = 1;
  band.in_h = (window.kernel_h - 1) * window.dilation_h + 1;
  band.in_w = window.pad_left + window.in_w + window.pad_right;
  band.out_h = 1;
  band.pad_top = band.pad_left = band.pad_bottom = band.pad_right = 0;
  return band;
}

int64_t QuantizedBandBytes(const WindowGeometry& window) {
  const WindowGeometry band = QuantizedBandWindow(window);
  return band.channels * band.in_h * band.in_w;
}

int64_t ChannelRunLaneChannel(int64_t lane) { return lane % 2 * (kChannelRunLanes / 2) + lane / 2; }

namespace {

// The block of a group's output channels that channel `in_group` is summed in, where
// blocks of counts[0] channels come first, then of counts[1], .., the last count 1.
ChannelBlock BlockOf(int64_t per_group, int64_t in_group, std::initializer_list<int64_t> counts) {
  int64_t first = in_group / *counts.begin() * *counts.begin();
  for (int64_t count : counts) {
    first = first + (in_group - first) / count * count;
    if (first + count <= per_group) return {first, count};
  }
  return {in_group, 1};  // (not reached: a block of one always fits)
}

// Where output channel m's 16 weights of step `step` begin in "weights_int8" laid out by
// blocks of output channels (each step's rows side by side).
int64_t BlockedStepIndex(const ConvGeometry& conv, const ChannelBlock& block, int64_t m, int64_t step) {
  static_assert(kChannelRunLanes == kWindowDotLanes, "a run's codes are one step of the dot products");
  const int64_t per_group = conv.OutChannelsPerGroup(), in_group = m % per_group;
  const WindowGeometry& w = conv.window;
  const int64_t padded = WindowDotTaps(conv.InChannelsPerGroup() * w.kernel_h * w.kernel_w);
  return (m - in_group + block.first) * padded + (step * block.count + in_group - block.first) * kWindowDotLanes;
}

}  // namespace

ChannelBlock ChannelRunBlock(int64_t per_group, int64_t in_group) {
  return BlockOf(per_group, in_group, {kChannelRunBlock, kWindowDotChannels, 1});
}

ChannelBlock WindowDotBlock(int64_t per_group, int64_t in_group) {
  return BlockOf(per_group, in_group, {kWindowDotChannels, 1});
}

int64_t ChannelRunWeightIndex(const ConvGeometry& conv, int64_t m, int64_t tap) {
  const WindowGeometry& w = conv.window;
  const int64_t plane_taps = w.kernel_h * w.kernel_w, c = tap / plane_taps;
  const int64_t runs = conv.InChannelsPerGroup() / kChannelRunLanes, kh = tap % plane_taps / w.kernel_w;
  const int64_t step = (kh * runs + c / kChannelRunLanes) * w.kernel_w + tap % w.kernel_w;
  int64_t lane = 0;
  while (ChannelRunLaneChannel(lane) != c % kChannelRunLanes) ++lane;
  const ChannelBlock block = ChannelRunBlock(conv.OutChannelsPerGroup(), m % conv.OutChannelsPerGroup());
  return BlockedStepIndex(conv, block, m, step) + lane;
}

int64_t WindowDotWeightIndex(const ConvGeometry& conv, int64_t m, int64_t tap) {
  const ChannelBlock block = WindowDotBlock(conv.OutChannelsPerGroup(), m % conv.OutChannelsPerGroup());
  return BlockedStepIndex(conv, block, m, tap / kWindowDotLanes) + tap % kWindowDotLanes;
}

bool WindowDotTilesPixels(const ConvGeometry& g, const NodePlan& plan) {
  return plan.window_copy_gathers && IsUnitPointwise(g.window) && g.window.out_h * g.window.out_w >= 2;
}

namespace {

// Window-dot's weights, w - w_zero_point, one row of WindowDotTaps(taps) per output
// channel (zeros past the last tap).
struct CentredWeights {
  std::vector<int16_t> values;
  int64_t out_channels = 0;
  int64_t padded = 0;
  bool FitInt8() const {
    return std::all_of(values.begin(), values.end(), [](int16_t v) { return v >= -128 && v <= 127; });
  }
};

CentredWeights CentreWindowDotWeights(const Graph& graph, const Node& node) {
  const bool qlinear = IsQLinearProduct(node);  // weights: input 3
  const TensorData& weights = *graph.value(node.inputs[qlinear ? 3 : 1]).constant;
  const int zero_point_input = qlinear ? 5 : 3;
  const std::vector<int32_t> zero_points =
      graph.HasInput(node, zero_point_input) ? IntegerElements(*graph.value(node.inputs[zero_point_input]).constant)
                                             : std::vector<int32_t>{0};
  const std::vector<int32_t> w = IntegerElements(weights);
  CentredWeights centred;
  centred.out_channels = weights.type().shape[0];
  const int64_t taps = static_cast<int64_t>(w.size()) / centred.out_channels;
  centred.padded = WindowDotTaps(taps);
  centred.values.assign(centred.out_channels * centred.padded, 0);
  for (int64_t m = 0; m < centred.out_channels; ++m) {
    const int32_t zero_point = zero_points[zero_points.size() == 1 ? 0 : m];
    for (int64_t t = 0; t < taps; ++t) {
      centred.values[m * centred.padded + t] = static_cast<int16_t>(w[m * taps + t] - zero_point);
    }
  }
  return centred;
}

// "bias_folded": the bias less the input zero point's share of each row's sum,
// (x_zero_point - NodePlan::window_code_offset) times the row's centred weights summed.
void AddFoldedBiases(Graph& graph, const Node& node, const CentredWeights& weights, NodePlan& plan) {
  const std::vector<int32_t> x_zero_point = graph.HasInput(node, kXZeroPointInput)
                                                ? IntegerElements(*graph.value(node.inputs[kXZeroPointInput]).constant)
                                                : std::vector<int32_t>{0};
  const int32_t zero_point_code = x_zero_point[0] - plan.window_code_offset;
  std::vector<int64_t> folded(weights.out_channels, 0);
  if (IsQLinearProduct(node) && graph.HasInput(node, kQLinearBiasInput)) {
    const auto bias = graph.value(node.inputs[kQLinearBiasInput]).constant->Elements<int32_t>();
    folded.assign(bias.begin(), bias.end());
  }
  for (size_t i = 0; i < weights.values.size(); ++i) {
    folded[i / weights.padded] -= int64_t{zero_point_code} * weights.values[i];
  }
  // Wrapped to int32 as the kernel's int32 sums wrap.
  std::vector<int32_t> biases;
  for (int64_t v : folded) biases.push_back(static_cast<int32_t>(static_cast<uint32_t>(v)));
  std::vector<uint8_t> bytes(biases.size() * sizeof(int32_t));
  std::memcpy(bytes.data(), biases.data(), bytes.size());
  AddPreparedConstant(graph, node, "bias_folded",
                      TensorData(TensorType{DataType::kInt32, {weights.out_channels}}, std::move(bytes)), plan);
}

// "multipliers": a QLinearConv's or QLinearMatMul's float multipliers, made once here
// where its scales are constants (its kernels load them per output pixel or row).
void AddFloatMultipliers(Graph& graph, const Node& node, NodePlan& plan) {
  if (IsQLinearProduct(node) && !RequantizesInFixedPoint(node) && CheckFixedPointRequantizable(graph, node).ok()) {
    AddPreparedConstant(graph, node, "multipliers", ProductFloatMultipliers(graph, node), plan);
  }
}

// The byte-quad kernels' centred weights, `ordered` as the kernel reads them: as int16
// "weight_pairs" with NodePlan::byte_quad_weight_pairs, else as int8 named `int8_name`.
void AddByteQuadWeights(Graph& graph, const Node& node, const std::vector<int16_t>& ordered, const char* int8_name,
                        NodePlan& plan) {
  const int64_t count = static_cast<int64_t>(ordered.size());
  std::vector<uint8_t> bytes;
  if (plan.byte_quad_weight_pairs) {
    bytes.resize(ordered.size() * sizeof(int16_t));
    std::memcpy(bytes.data(), ordered.data(), bytes.size());
    AddPreparedConstant(graph, node, "weight_pairs", TensorData(TensorType{DataType::kInt16, {count}}, std::move(bytes)),
                        plan);
    return;
  }
  for (int16_t v : ordered) bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(v)));
  AddPreparedConstant(graph, node, int8_name, TensorData(TensorType{DataType::kInt8, {count}}, std::move(bytes)), plan);
}

// kChannelLanes' constants: "weights_quads", the centred int8 weights of each block of
// `lanes` output channels as VPDPBUSD reads them, [M / lanes][padded taps / 4][lanes][4]
// (zeros past the last tap), or with NodePlan::byte_quad_weight_pairs "weight_pairs", as
// int16 [M / lanes][padded taps / 4][2][lanes][2]: each quad's even taps (0 and 2) in
// every lane, then its odd ones (1 and 3); "bias_folded".
void PrepareChannelLanesConstants(Graph& graph, const Node& node, NodePlan& plan) {
  const CentredWeights weights = CentreWindowDotWeights(graph, node);
  const int64_t lanes = plan.tiles.channel_block, quads = weights.padded / 4;
  std::vector<int16_t> ordered(weights.values.size());
  for (int64_t m = 0; m < weights.out_channels; ++m) {
    for (int64_t t = 0; t < weights.padded; ++t) {
      const int64_t quad = m / lanes * quads + t / 4, lane = m % lanes;
      // VPDPBUSD's order: a lane's 4 taps side by side; the pairs': a vector of each
      // lane's even taps, then one of its odd taps.
      const int64_t at = plan.byte_quad_weight_pairs ? ((quad * 2 + t % 2) * lanes + lane) * 2 + t % 4 / 2
                                                     : (quad * lanes + lane) * 4 + t % 4;
      ordered[at] = weights.values[m * weights.padded + t];
    }
  }
  AddByteQuadWeights(graph, node, ordered, "weights_quads", plan);
  AddFoldedBiases(graph, node, weights, plan);
}

// kPixelLanes' constants: "weights_int8", the centred weights as int8 rows of
// WindowDotTaps(taps) (zeros past the last), or with NodePlan::byte_quad_weight_pairs
// "weight_pairs", the same rows as int16, each quad's taps in the order 0, 2, 1, 3
// (StoredTap, as the DSP pairs' windows); "bias_folded".
void PreparePixelLanesConstants(Graph& graph, const Node& node, NodePlan& plan) {
  const CentredWeights weights = CentreWindowDotWeights(graph, node);
  std::vector<int16_t> ordered = weights.values;
  if (plan.byte_quad_weight_pairs) {
    for (size_t i = 0; i < ordered.size(); ++i) ordered[StoredTap(static_cast<int64_t>(i))] = weights.values[i];
  }
  AddByteQuadWeights(graph, node, ordered, "weights_int8", plan);
  AddFoldedBiases(graph, node, weights, plan);
}

}  // namespace

namespace {

// Whether every accumulator of a QLinearConv or QLinearMatMul is below 2^30 in
// magnitude whatever its input codes: products per output times the largest
// |w - w_zero_point| times the largest |x - x_zero_point|, plus the largest |bias| (int32),
// from its constants (weights, zero points and bias must be constants).
bool AccumulatorsBelow2To30(const Graph& graph, const Node& node) {
  const int w_input = 3, w_zero_point_input = 5;
  for (int input : {w_input, w_zero_point_input, kXZeroPointInput}) {
    if (!graph.HasInput(node, input) || !graph.IsConstant(node.inputs[input])) return false;
  }
  if (graph.HasInput(node, kQLinearBiasInput) && !graph.IsConstant(node.inputs[kQLinearBiasInput])) return false;
  const DataType x_type = graph.InputType(node, kXZeroPointInput).element_type;
  const std::vector<int32_t> weights = IntegerElements(*graph.value(node.inputs[w_input]).constant);
  if (weights.empty() || (x_type != DataType::kInt8 && x_type != DataType::kUInt8)) return false;
  auto largest_difference = [](const std::vector<int32_t>& values, const std::vector<int32_t>& zero_points) {
    int64_t largest = 0;
    for (int32_t zero_point : zero_points) {
      for (int32_t v : values) largest = std::max<int64_t>(largest, std::abs(int64_t{v} - zero_point));
    }
    return largest;
  };
  const int64_t largest_w = largest_difference(
      {*std::min_element(weights.begin(), weights.end()), *std::max_element(weights.begin(), weights.end())},
      IntegerElements(*graph.value(node.inputs[w_zero_point_input]).constant));
  const std::vector<int32_t> x_codes = x_type == DataType::kInt8 ? std::vector<int32_t>{-128, 127}
                                                                  : std::vector<int32_t>{0, 255};
  const int64_t largest_x =
      largest_difference(x_codes, IntegerElements(*graph.value(node.inputs[kXZeroPointInput]).constant));
  const Shape& w_shape = graph.InputType(node, w_input).shape;
  int64_t products = 0;  // per output: a window's taps, or a matrix product's K (A may be stored transposed)
  if (node.op == OpKind::kQLinearConv) {
    products = w_shape.empty() || w_shape[0] == 0 ? 0 : ElementCount(w_shape) / w_shape[0];
  } else {
    const absl::StatusOr<MatMulGeometry> product = ResolveMatMulOperands(node, graph.InputType(node, 0).shape, w_shape);
    if (!product.ok()) return false;
    products = product->k;
  }
  int64_t largest_bias = 0;
  if (graph.HasInput(node, kQLinearBiasInput)) {
    const TensorData& bias = *graph.value(node.inputs[kQLinearBiasInput]).constant;
    if (bias.type().element_type != DataType::kInt32) return false;
    largest_bias = largest_difference(bias.Elements<int32_t>(), {0});
  }
  if (products > (int64_t{1} << 30)) return false;  // the product below cannot overflow
  return products * largest_w * largest_x + largest_bias < (int64_t{1} << 30);
}

// A quantised convolution's geometry: its data input's shape (NCHW, also where it reads
// NHWC) and its weights' (QLinearConv's input 3, ConvInteger's 1).
absl::StatusOr<ConvGeometry> QuantizedConvShapes(const Graph& graph, const Node& node) {
  const int weights = node.op == OpKind::kQLinearConv ? 3 : 1;
  return ResolveConvShapes(node, ChannelsFirstDataShape(graph, node), graph.InputType(node, weights).shape);
}

// A gathered window's lane masks (NodePlan::reads_input_in_place on window-dot):
// "gather_masks", int16 [(out_h + out_w) * vectors], 16 lanes a vector: per output row
// the lanes whose tap row lies inside the image (and whose tap is a real one), then per
// output column those whose tap column does; a pixel's vector gathers the lanes of
// both.
absl::Status AddGatheredWindowMasks(Graph& graph, const Node& node, NodePlan& plan) {
  ASSIGN_OR_RETURN(ConvGeometry g, QuantizedConvShapes(graph, node));
  const WindowGeometry& w = g.window;
  const int64_t taps = g.InChannelsPerGroup() * w.kernel_h * w.kernel_w;
  const int64_t vectors = WindowDotTaps(taps) / kWindowDotLanes;
  std::vector<uint16_t> masks;
  auto add_masks = [&](int64_t count, int64_t stride, int64_t pad, int64_t size, bool rows) {
    for (int64_t out = 0; out < count; ++out) {
      for (int64_t v = 0; v < vectors; ++v) {
        uint16_t mask = 0;
        for (int64_t lane = 0; lane < kWindowDotLanes; ++lane) {
          const int64_t t = v * kWindowDotLanes + lane, plane_tap = t % (w.kernel_h * w.kernel_w);
          const int64_t at = out * stride - pad + (rows ? plane_tap / w.kernel_w * w.dilation_h
                                                        : plane_tap % w.kernel_w * w.dilation_w);
          if (t < taps && at >= 0 && at < size) mask |= static_cast<uint16_t>(1u << lane);
        }
        masks.push_back(mask);
      }
    }
  };
  add_masks(w.out_h, w.stride_h, w.pad_top, w.in_h, /*rows=*/true);
  add_masks(w.out_w, w.stride_w, w.pad_left, w.in_w, /*rows=*/false);
  std::vector<uint8_t> bytes(masks.size() * sizeof(uint16_t));
  std::memcpy(bytes.data(), masks.data(), bytes.size());
  const TensorType type{DataType::kInt16, {static_cast<int64_t>(masks.size())}};
  AddPreparedConstant(graph, node, "gather_masks", TensorData(type, std::move(bytes)), plan);
  return absl::OkStatus();
}

}  // namespace

absl::Status PrepareQuantizedProductConstants(Graph& graph, const Node& node, NodePlan& plan) {
  const auto* kernel = std::get_if<QuantizedProductKernel>(&plan.kernel);
  if (kernel && *kernel == QuantizedProductKernel::kChannelLanes) PrepareChannelLanesConstants(graph, node, plan);
  if (kernel && (*kernel == QuantizedProductKernel::kRowDot ||
                 (*kernel == QuantizedProductKernel::kDspPairsInRegisters && plan.zero_point_in_bias))) {
    AddFoldedBiases(graph, node, CentreWindowDotWeights(graph, node), plan);
  }
  if (kernel && *kernel == QuantizedProductKernel::kPixelLanes) PreparePixelLanesConstants(graph, node, plan);
  if (kernel && *kernel == QuantizedProductKernel::kDspPairs && plan.int8_window_codes) {
    AddFoldedBiases(graph, node, CentreWindowDotWeights(graph, node), plan);
  }
  if (kernel && *kernel == QuantizedProductKernel::kWindowDot) {
    const CentredWeights weights = CentreWindowDotWeights(graph, node);
    const std::vector<int16_t>& centred = weights.values;
    // int8 where the plan keeps them so and every centred weight fits (as many bytes as the
    // model's weights), else int16.
    const bool fits_int8 = plan.int8_window_weights && weights.FitInt8();
    const int64_t count = static_cast<int64_t>(centred.size());
    std::vector<uint8_t> bytes;
    if (plan.int8_window_codes) AddFoldedBiases(graph, node, weights, plan);
    if (plan.reads_input_in_place && !plan.window_channel_runs) {
      RETURN_IF_ERROR(AddGatheredWindowMasks(graph, node, plan));
    }
    if (fits_int8) {
      bytes.resize(centred.size());
      ASSIGN_OR_RETURN(ConvGeometry g, QuantizedConvShapes(graph, node));
      for (int64_t i = 0; i < count; ++i) {
        const int64_t m = i / weights.padded, tap = i % weights.padded;
        const int64_t at = plan.window_channel_runs ? ChannelRunWeightIndex(g, m, tap)
                           : plan.int8_window_codes ? WindowDotWeightIndex(g, m, tap)
                                                    : i;
        bytes[at] = static_cast<uint8_t>(static_cast<int8_t>(centred[i]));
      }
      AddPreparedConstant(graph, node, "weights_int8", TensorData(TensorType{DataType::kInt8, {count}}, std::move(bytes)),
                          plan);
    } else {
      bytes.resize(centred.size() * sizeof(int16_t));
      std::memcpy(bytes.data(), centred.data(), bytes.size());
      AddPreparedConstant(graph, node, "weights_int16", TensorData(TensorType{DataType::kInt16, {count}}, std::move(bytes)),
                          plan);
    }
  }
  // Every kernel reads its float multipliers from the table where the scales allow one:
  // no division per output (14 cycles on a Cortex-M4), and the weights' scales it
  // replaces are not placed.
  AddFloatMultipliers(graph, node, plan);
  if (!RequantizesInFixedPoint(node)) return absl::OkStatus();
  RETURN_IF_ERROR(CheckFixedPointRequantizable(graph, node));
  const std::vector<FixedPointMultiplier> multipliers = ProductFixedPointMultipliers(graph, node);
  const int64_t channels = static_cast<int64_t>(multipliers.size());
  std::vector<int32_t> table(2 * channels);
  for (int64_t c = 0; c < channels; ++c) {
    table[RequantizationTableIndex(channels, c, /*shift=*/false, plan.requantization_planes)] = multipliers[c].multiplier;
    table[RequantizationTableIndex(channels, c, /*shift=*/true, plan.requantization_planes)] = multipliers[c].shift;
  }
  std::vector<uint8_t> bytes(table.size() * sizeof(int32_t));
  std::memcpy(bytes.data(), table.data(), bytes.size());
  const TensorType type{DataType::kInt32, {static_cast<int64_t>(table.size())}};
  AddPreparedConstant(graph, node, "requantization", TensorData(type, std::move(bytes)), plan);
  plan.accumulators_below_2_30 =
      FixedPointRoundingOf(node) == FixedPointRounding::kDouble && AccumulatorsBelow2To30(graph, node);
  return absl::OkStatus();
}

namespace {

// x86 with VPDPBUSD: the lanes (16, else 8) of a QLinearMatMul that runs as
// kChannelLanes, else 0: one matrix A [M, K] of 8-bit codes with its one scale and zero
// point constants, a constant B given as [N, K] (transB) whose centred weights fit int8,
// N a whole number of vectors, constant scales and bias.
int64_t ByteQuadColumnLanes(const Graph& graph, const Node& node, const LoweringTarget& target) {
  if (node.op != OpKind::kQLinearMatMul || target.byte_quad_lanes == 0) return 0;
  const absl::StatusOr<int64_t> trans_b = node.attributes.GetInt("transB", 0);
  const Shape& a = graph.InputType(node, 0).shape;
  const Shape& b = graph.InputType(node, 3).shape;
  const DataType a_type = graph.InputType(node, 0).element_type;
  const absl::StatusOr<int64_t> trans_a = node.attributes.GetInt("transA", 0);
  if (!trans_b.ok() || *trans_b == 0 || !trans_a.ok() || *trans_a != 0 || a.size() != 2 || b.size() != 2 || a[1] < 4 ||
      (a_type != DataType::kInt8 && a_type != DataType::kUInt8) || !graph.IsConstant(node.inputs[3]) ||
      !CheckFixedPointRequantizable(graph, node).ok()) {
    return 0;
  }
  for (int input : {kXZeroPointInput, 5, kQLinearBiasInput}) {
    if (graph.HasInput(node, input) && !graph.IsConstant(node.inputs[input])) return 0;
  }
  if (graph.HasInput(node, kXZeroPointInput) && graph.InputType(node, kXZeroPointInput).ElementCount() != 1) return 0;
  if (!CentreWindowDotWeights(graph, node).FitInt8()) return 0;
  return WholeByteQuadVectors(b[0], target);
}

// Whether a QLinearMatMul's A has one constant zero point (or none) and its bias is a
// constant (or absent): its share of the sums can come off the bias while compiling
// ("bias_folded").
bool OneConstantZeroPointAndBias(const Graph& graph, const Node& node) {
  for (int input : {kXZeroPointInput, kQLinearBiasInput}) {
    if (graph.HasInput(node, input) && !graph.IsConstant(node.inputs[input])) return false;
  }
  return !graph.HasInput(node, kXZeroPointInput) || graph.InputType(node, kXZeroPointInput).ElementCount() == 1;
}

// Helium (int8 VMLADAVA): a QLinearMatMul of one int8 matrix A [M, K], K >= 16, whose
// zero point (if any) is one constant, and a constant int8 B given as [N, K] (transB)
// with zero point 0, a constant bias or none: kRowDot.
bool HeliumRowDot(const Graph& graph, const Node& node, const LoweringTarget& target) {
  if (node.op != OpKind::kQLinearMatMul || !target.int8_vector_dot) return false;
  const absl::StatusOr<int64_t> trans_a = node.attributes.GetInt("transA", 0);
  const absl::StatusOr<int64_t> trans_b = node.attributes.GetInt("transB", 0);
  const Shape& a = graph.InputType(node, 0).shape;
  const Shape& b = graph.InputType(node, 3).shape;
  if (!trans_a.ok() || *trans_a != 0 || !trans_b.ok() || *trans_b == 0 || a.size() != 2 || b.size() != 2 ||
      a[1] < kWindowDotLanes || graph.InputType(node, 0).element_type != DataType::kInt8 ||
      !graph.IsConstant(node.inputs[3]) || graph.InputType(node, 3).element_type != DataType::kInt8 ||
      !ZeroWeightZeroPoint(graph, node, 5)) {
    return false;
  }
  return OneConstantZeroPointAndBias(graph, node);
}

}  // namespace

int64_t WindowPairsBytes(int64_t taps) { return (taps + 3) / 4 * 4 * 2; }

namespace {

// Whether the tensor a quantised product reads holds its input's codes (8-bit
// elements), which a kernel may then read in place, by bytes: not a float input it
// quantises as it reads it (kFusedQuantizeInput), whose codes only the kernels that
// copy a window make (InputReader). The one answer for the direct kernel's uncentred
// forms, window-dot's gathers and channel runs, and the pixel lanes.
bool InputHoldsCodes(const Graph& graph, const Node& node) {
  const DataType x = graph.InputType(node, 0).element_type;
  return !node.attributes.Has(kFusedQuantizeInput) && (x == DataType::kInt8 || x == DataType::kUInt8);
}

// The direct kernel's uncentred forms (pixel pairs, row lanes, word rows): an input
// holding its codes read planar (channels-last where `one_channel_channels_last` allows
// it and it has one channel, stored as planar) and constant int8 weights whose zero
// point is 0 (QLinearConv's at input 3, ConvInteger's at 1).
bool DirectKernelReadsCodes(const Graph& graph, const Node& node, bool one_channel_channels_last = false) {
  const int weights = node.op == OpKind::kQLinearConv ? 3 : 1;
  const int weight_zero_point = node.op == OpKind::kQLinearConv ? 5 : 3;
  const TensorType& x = graph.InputType(node, 0);
  const bool planar = !node.attributes.Has(kFusedChannelsLastInput) ||
                      (one_channel_channels_last && x.Rank() == 4 && x.shape[3] == 1);
  return InputHoldsCodes(graph, node) && planar && graph.IsConstant(node.inputs[weights]) &&
         graph.InputType(node, weights).element_type == DataType::kInt8 &&
         ZeroWeightZeroPoint(graph, node, weight_zero_point);
}

// How far past its corner the farthest tap of a window that Helium's window-dot on int8
// codes may gather straight into vector registers lies (the header's kWindowDot
// paragraph: by byte offsets up to 255, else by halfword offsets up to 65,535; the last
// tap is the farthest); -1 where it gathers none (too many taps, not 2-D, an input not
// holding its codes).
int64_t WindowDotGatherReach(const Graph& graph, const Node& node, const ConvGeometry& g) {
  const WindowGeometry& w = g.window;
  const int64_t taps = g.InChannelsPerGroup() * w.kernel_h * w.kernel_w;
  if (w.spatial_rank != 2 || WindowDotTaps(taps) > kGatheredWindowTaps || !InputHoldsCodes(graph, node)) {
    return -1;
  }
  return WindowTapOffset(w, node.attributes.Has(kFusedChannelsLastInput), taps - 1);
}

// How far past its corner the farthest tap of a window in the quantised band lies
// (NodePlan::quantized_band; for the DSP pairs, which copy their windows, a bound of the
// band's bytes), or -1 where there is no band: an input holding its codes, not 2-D, a
// band row, its rows or that tap too far for halfword offsets (65,535 bytes), or a band
// that would quantise at least as many elements as the windows' copies do (without
// padding, a stride as wide as the kernel or wider: whole rows quantised, columns that
// no window reads among them; 1x1 at stride 2 on rows of 300, Cortex-M55: 11% more
// instructions than the copies').
int64_t QuantizedBandReach(const Node& node, const ConvGeometry& g) {
  const WindowGeometry& w = g.window;
  const int64_t taps = g.InChannelsPerGroup() * w.kernel_h * w.kernel_w;
  if (w.spatial_rank != 2 || !node.attributes.Has(kFusedQuantizeInput)) return -1;
  const WindowGeometry band = QuantizedBandWindow(w);
  if (band.in_h > 65535 || band.in_w > 65535 || band.channels > 65535) return -1;
  // Elements per image, as doubles (a huge kernel over a huge output would overflow).
  const double band_rows = static_cast<double>(band.in_h) +
                           static_cast<double>(w.out_h - 1) * static_cast<double>(std::min(w.stride_h, band.in_h));
  const double copied = static_cast<double>(g.groups * taps) * static_cast<double>(w.out_h) * static_cast<double>(w.out_w);
  if (static_cast<double>(w.channels) * static_cast<double>(w.in_w) * band_rows >= copied) return -1;
  const int64_t reach = WindowTapOffset(band, /*channels_last_input=*/false, taps - 1);
  return reach <= 65535 ? reach : -1;
}

// Window-dot reads its windows by channel runs in every mode only with at most this
// many output channels per group (PlanQuantizedConv).
constexpr int64_t kRunsFasterChannels = 32;

// Whether window-dot on int8 codes can read its input in place by runs of input
// channels (the header's kWindowDot paragraph): a planar input holding its codes, whole
// runs of channels a group, each run's last plane at most 65,535 bytes past its first.
bool WindowDotGathersChannelRuns(const Graph& graph, const Node& node, const ConvGeometry& g) {
  const WindowGeometry& w = g.window;
  return w.spatial_rank == 2 && g.InChannelsPerGroup() % kChannelRunLanes == 0 && InputHoldsCodes(graph, node) &&
         !node.attributes.Has(kFusedChannelsLastInput) &&
         (kChannelRunLanes - 1) * w.in_h * w.in_w <= 65535;
}

}  // namespace

bool DirectKernelPairsPixels(const Graph& graph, const Node& node, const ConvGeometry& g,
                             const LoweringTarget& target) {
  const WindowGeometry& w = g.window;
  // kernel_h >= 2: the last kernel row's weights are read as the word ending with them
  // (from the byte before), which lies inside the output channel's weights only then.
  return target.dsp_pairs && target.vector_lanes == 1 && !target.code_size_first && w.spatial_rank == 2 &&
         w.kernel_w == 3 && w.kernel_h >= 2 && w.dilation_w == 1 && (w.stride_w == 1 || w.stride_w == 2) &&
         w.out_w >= 2 && DirectKernelReadsCodes(graph, node);
}

bool DirectKernelPairsAtBorders(const WindowGeometry& w) {
  if (w.stride_w != 1 || w.in_w < 4) return false;
  for (int64_t ow = 0; ow < w.out_w; ow += 2) {
    const int64_t w_base = ow - w.pad_left;
    const int64_t shift = std::clamp<int64_t>(w_base, 0, w.in_w - 4) - w_base;  // bytes, up or down
    if (shift < -3 || shift > 3) return false;
  }
  return true;
}

bool DirectKernelWordRows(const Graph& graph, const Node& node, const ConvGeometry& g, const LoweringTarget& target) {
  const WindowGeometry& w = g.window;
  if (!target.dsp_pairs || target.vector_lanes != 1 || target.code_size_first || w.spatial_rank != 2 ||
      w.kernel_w != 4 || w.dilation_w != 1 || w.in_w < 4) {
    return false;
  }
  // A channels-last input of one channel as a planar one (TFLite's DS-CNN).
  return DirectKernelReadsCodes(graph, node, /*one_channel_channels_last=*/true);
}

int64_t DirectKernelRowLanes(const Graph& graph, const Node& node, const ConvGeometry& g,
                             const LoweringTarget& target) {
  const WindowGeometry& w = g.window;
  const bool admitted = target.int8_vector_dot && target.vector_lanes >= 4 && !target.code_size_first &&
                        node.op == OpKind::kQLinearConv && w.batch == 1 && w.spatial_rank == 2 && w.stride_w <= 2 &&
                        w.dilation_w == 1 && w.kernel_h * w.kernel_w <= kDirectLanesTaps &&
                        !node.attributes.Has(kFusedChannelsLastOutput) && DirectKernelReadsCodes(graph, node);
  return admitted ? 4 : 0;
}

VectorRange LanesAcrossRowsLooped(const WindowGeometry& w, int64_t lanes) {
  const int64_t pixels = w.in_h * w.in_w, vectors = (pixels + lanes - 1) / lanes;
  // The lowest load is lane 0's tap (0, 0), the highest the last lane's last tap.
  const int64_t below = w.pad_top * w.in_w + w.pad_left;
  const int64_t above = (w.kernel_h - 1 - w.pad_top) * w.in_w + w.kernel_w - 1 - w.pad_left;
  VectorRange range;
  range.first = std::min(vectors, (below + lanes - 1) / lanes);
  const int64_t last_first_pixel = pixels - above - lanes;  // of a looped vector
  range.end = last_first_pixel < 0 ? range.first : std::clamp(last_first_pixel / lanes + 1, range.first, vectors);
  return range;
}

bool DirectKernelLanesAcrossRows(const ConvGeometry& g, int64_t lanes) {
  const WindowGeometry& w = g.window;
  if (lanes <= 0 || g.InChannelsPerGroup() != 1 || g.OutChannelsPerGroup() != 1 || w.stride_h != 1 ||
      w.stride_w != 1 || w.dilation_h != 1 || w.dilation_w != 1 || w.out_h != w.in_h || w.out_w != w.in_w ||
      w.out_w % lanes == 0 || w.out_w >= 2 * lanes) {
    return false;
  }
  const VectorRange looped = LanesAcrossRowsLooped(w, lanes);
  const int64_t vectors = (w.in_h * w.in_w + lanes - 1) / lanes, looped_vectors = looped.end - looped.first;
  return 4 * looped_vectors >= 3 * vectors && vectors - looped_vectors <= kLanesAcrossRowsWrittenOut;
}

int64_t WindowDotsCorner(const WindowGeometry& w, int64_t pixel) {
  return (pixel / w.out_w * w.stride_h - w.pad_top) * w.in_w + pixel % w.out_w * w.stride_w - w.pad_left;
}

int64_t WindowDotsLane(const WindowGeometry& w, int64_t kh, int64_t kw) {
  return kh * w.dilation_h * w.in_w + kw * w.dilation_w;
}

uint32_t WindowDotsColumnLanes(const WindowGeometry& w, int64_t pixel) {
  const int64_t iw = pixel % w.out_w * w.stride_w - w.pad_left;
  uint32_t lanes = 0;
  for (int64_t kh = 0; kh < w.kernel_h; ++kh) {
    for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
      const int64_t column = iw + kw * w.dilation_w;
      if (column >= 0 && column < w.in_w) lanes |= 1u << WindowDotsLane(w, kh, kw);
    }
  }
  return lanes;
}

PlaneMargins WindowDotsMargins(const WindowGeometry& w) {
  PlaneMargins margins;
  for (int64_t p = 0; p < w.out_h * w.out_w; ++p) {
    const int64_t corner = WindowDotsCorner(w, p);
    margins.before = std::max(margins.before, -corner);
    margins.after = std::max(margins.after, corner + kWindowDotsSpan - w.in_h * w.in_w);
  }
  return margins;
}

bool DirectKernelWindowDots(const ConvGeometry& g, int64_t lanes) {
  const WindowGeometry& w = g.window;
  return lanes > 0 && g.InChannelsPerGroup() == 1 && g.OutChannelsPerGroup() == 1 &&
         w.kernel_h * w.kernel_w >= kWindowDotsTaps && (w.kernel_w - 1) * w.dilation_w < w.in_w &&
         WindowDotsLane(w, w.kernel_h - 1, w.kernel_w - 1) < kWindowDotsSpan &&
         w.out_w / std::gcd(lanes, w.out_w) <= kWindowDotsRound;
}

absl::StatusOr<NodePlan> PlanQuantizedConv(const Graph& graph, const Node& node, const LoweringTarget& target,
                                           bool workspace_free, bool narrow_workspace) {
  const bool qlinear = node.op == OpKind::kQLinearConv;
  const int weights = qlinear ? 3 : 1, weight_zero_point = qlinear ? 5 : 3;
  ASSIGN_OR_RETURN(ConvGeometry g, QuantizedConvShapes(graph, node));
  const int64_t taps = g.InChannelsPerGroup() * g.window.kernel_h * g.window.kernel_w;
  // The vector kernels, with vector lanes, in place of Arm's DSP pairs too (Cortex-M55's
  // Helium: resnet8_int8 27.3 -> 18.5 M instructions in speed mode, docs/benchmarks.md).
  // Window-dot's workspace is one window, the pairs' two (or one): every mode takes it
  // (where memory comes first, RefineWithinTheBound gives the pairs two windows of codes
  // in the bytes of one, or one window, then replaces the kernel, wherever the workspace lifts the arena above the activation
  // bound). So do plane rows' padded copies of one plane where they take the place of
  // Helium's row lanes at stride 1 (the row lanes where they would lift it); either
  // writes over its input where memory comes first.
  const bool vectors = !workspace_free && target.vector_lanes >= 4;
  const bool constant_weights = graph.IsConstant(node.inputs[weights]) &&
                                (!graph.HasInput(node, weight_zero_point) ||
                                 graph.IsConstant(node.inputs[weight_zero_point]));
  // Windows of at least 16 taps; on Helium's int8 codes also 8 to 15 taps of at least 8
  // input channels, the window padded to 16 (MobileNet's 8-channel pointwise layer:
  // 1.18 M instructions on the DSP pairs, the model 5.40 -> 4.64 M); not a depthwise
  // layer's 9 taps (the row lanes are faster: the model 13% slower so).
  const bool window_dot = vectors && constant_weights &&
                          (taps >= 16 || (target.int8_vector_dot && g.InChannelsPerGroup() >= 8 && taps >= 8));
  // Depthwise only: with more input channels per group the window's one pass over the
  // input serves every output channel, and measured faster (x86-64, AVX2: resnet8_int8
  // 1.65 against 3.89 ms; plane rows reload every input channel's vector per output
  // channel). Where Helium's row lanes run the direct kernel (then in every mode) only at
  // stride 1: at stride 2 each vector's load takes twice the codes and drops half (TFLite
  // MobileNet's four stride-2 depthwise layers 0.72 M instructions, against 0.26 M by the
  // row lanes), at stride 1 the row lanes' masks at the rows' borders cost more (its 6x6
  // layers 0.11 against 0.07 M); nor where the row lanes run across rows (TFLite
  // DS-CNN's rows of 5, speed mode: the model 0.53 -> 0.47 M instructions, its scratch
  // 600 bytes less). Elsewhere not where memory comes first (not measured).
  const int64_t row_lanes = DirectKernelRowLanes(graph, node, g, target);
  const bool window_dots = !workspace_free && DirectKernelWindowDots(g, row_lanes);
  const bool lanes_across_rows = !window_dots && DirectKernelLanesAcrossRows(g, row_lanes);
  const bool plane_rows = vectors && g.InChannelsPerGroup() == 1 && g.OutChannelsPerGroup() == 1 && !window_dots &&
                          (row_lanes > 0 ? g.window.stride_w == 1 && !lanes_across_rows : !target.memory_first) &&
                          g.window.spatial_rank == 2 && g.window.stride_w <= 4 && g.window.stride_h == g.window.stride_w;
  // On Arm's DSP extension without vector lanes the direct kernel's pixel pairs beat the
  // DSP pairs' window copy at stride 1 with 16 input channels a group or more and at most
  // 16 output channels, few to share the copy (Cortex-M4, ResNet-8's 16-channel 3x3
  // layers: 4.72 against 5.37 M instructions). Measured the other way: 32 output
  // channels (the pairs of two windows 4.25 against 4.99 M), 3 input channels (the first
  // layer, 1.05 against 1.23 M).
  const bool direct_pixels_faster = DirectKernelPairsPixels(graph, node, g, target) && g.window.stride_w == 1 &&
                                    g.InChannelsPerGroup() >= 16 && g.OutChannelsPerGroup() <= 16;
  // Nor for a grouped convolution where Helium's row lanes run the direct kernel: they
  // load each tap's codes once for 4 pixels and both channels of a channel multiplier of
  // 2 (op model direct_row_lanes_shapes, Cortex-M55: that layer 44,039 instructions on
  // the DSP pairs, 7,332 on the row lanes; a grouped 1x4 one 30,473 against 9,510).
  const bool pairs = !window_dot && !plane_rows && !workspace_free && !direct_pixels_faster &&
                     !(g.groups > 1 && row_lanes > 0) && target.dsp_pairs &&
                     graph.IsConstant(node.inputs[weights]) &&
                     graph.InputType(node, weights).element_type == DataType::kInt8 &&
                     ZeroWeightZeroPoint(graph, node, weight_zero_point) && g.OutChannelsPerGroup() >= 2 && taps >= 4;
  // An 8-bit input with a constant zero point and a constant bias: a codes kernel's
  // window holds the input's codes, the zero point's share folded into "bias_folded". A
  // float32 input quantised as it is read has codes of its zero point's type, which the
  // kernels that copy the window quantise into it (InputReader; not those that read the
  // input's bytes, InputHoldsCodes): Cortex-M55, mobilenet_v1_025_vww_int8's first layer
  // in memory mode 1.03 -> 0.62 M instructions (int16 window: 7 VMLAV of 4 products per
  // output channel, with weights reloaded from the stack).
  const bool quantizes_input = node.attributes.Has(kFusedQuantizeInput);
  const DataType x_type = graph.InputType(node, quantizes_input ? kXZeroPointInput : 0).element_type;
  const bool codes_fold = (x_type == DataType::kInt8 || x_type == DataType::kUInt8) &&
                          (!graph.HasInput(node, kXZeroPointInput) || graph.IsConstant(node.inputs[kXZeroPointInput])) &&
                          (!qlinear || !graph.HasInput(node, kQLinearBiasInput) ||
                           graph.IsConstant(node.inputs[kQLinearBiasInput]));
  // And constant weights whose centred values fit int8: the codes kernels' (worked out
  // only on the targets that have them).
  const bool codes_ready = (target.byte_quad_lanes > 0 || target.int8_vector_dot) && constant_weights && codes_fold &&
                           CentreWindowDotWeights(graph, node).FitInt8();
  // Helium's window-dot on int8 codes reads a planar input whose channels come in whole
  // runs in place by channel runs (no window copied) where the plan may give it no
  // workspace (memory mode above the activation bound: ResNet-8's 3x3 layers, instead of
  // the direct kernel), and where that is faster: one run a group, a kernel of several
  // positions, at most kRunsFasterChannels output channels, a window too large to gather
  // whole by byte offsets (Cortex-M55, ResNet-8's 16-channel 3x3 layers: 0.66 against 0.90 M
  // instructions, 0.33 against 0.36 M at stride 2). The copy serves every block of a
  // pixel, the runs gather again for each: with more blocks or runs the copy is faster
  // (the 32- and 64-channel layers: 0.73 against 0.67 M, 0.83 against 0.54 M). Still so
  // with the copy by runs (NodePlan::window_copy_gathers, 2026-12-06): resnet8_int8 in
  // balanced mode 3.07 M instructions, 3.13 M with its 16-channel layers copying.
  const int64_t gather_reach = WindowDotGatherReach(graph, node, g);
  const bool gathers_whole = gather_reach >= 0 && gather_reach <= 255;
  // Farther taps by halfword offsets: MobileNet's first layer on its channels-last image
  // (rows 288 bytes apart) copied its window byte by byte (Cortex-M55: 0.47 M
  // instructions).
  const bool gathers_halfwords = gather_reach > 255 && gather_reach <= 65535;
  const bool runs_possible = target.vector_lanes >= 4 && target.int8_vector_dot && target.flash_first && codes_ready &&
                             WindowDotGathersChannelRuns(graph, node, g);
  const bool runs_faster = g.InChannelsPerGroup() == kChannelRunLanes && g.window.kernel_h * g.window.kernel_w > 1 &&
                           g.OutChannelsPerGroup() <= kRunsFasterChannels && !gathers_whole;
  const bool channel_runs = runs_possible && (workspace_free || (window_dot && runs_faster));
  // x86 with VPDPBUSD: output channels in the lanes, a whole number of vectors of them
  // per group (16, else 8), where every centred weight fits int8; windows of at least
  // one quad of taps (zeros pad them to whole steps of 16).
  const int64_t channel_lanes = WholeByteQuadVectors(g.OutChannelsPerGroup(), target);
  const bool byte_quads = vectors && target.byte_quad_lanes > 0 && codes_ready;
  const bool channel_block = byte_quads && !plane_rows && taps >= 4 && channel_lanes > 0;
  // Or pixels in the lanes (a QLinearConv of planar tensors, one group, 2-D): a pointwise
  // one's through each image's plane, any other's along each output row, from a padded
  // copy of its input's codes (speed first: the copy is a whole input), where they fill
  // at least 3/4 of vectors of 16, else of 8.
  const bool pointwise_plane = IsUnitPointwise(g.window);
  const int64_t span = pointwise_plane ? g.window.out_h * g.window.out_w : g.window.out_w;
  auto fills = [&](int64_t lanes) {
    return target.byte_quad_lanes >= lanes && 4 * span >= 3 * ((span + lanes - 1) / lanes * lanes);
  };
  const int64_t pixel_lanes = fills(16) ? 16 : fills(8) ? 8 : 0;
  const bool pixel_block = byte_quads && pixel_lanes > 0 && !plane_rows && qlinear && g.groups == 1 &&
                           InputHoldsCodes(graph, node) && g.window.spatial_rank == 2 && taps >= 4 &&
                           (pointwise_plane || !target.memory_first) &&
                           !node.attributes.Has(kFusedChannelsLastInput) &&
                           !node.attributes.Has(kFusedChannelsLastOutput);
  NodePlan plan;
  plan.kernel = pairs           ? QuantizedProductKernel::kDspPairs
                : plane_rows    ? QuantizedProductKernel::kPlaneRows
                : pixel_block   ? QuantizedProductKernel::kPixelLanes
                : channel_block ? QuantizedProductKernel::kChannelLanes
                : window_dot || channel_runs ? QuantizedProductKernel::kWindowDot
                                             : QuantizedProductKernel::kDirect;
  if (plane_rows) {
    const int64_t planes_bytes = PaddedPlanesBytes(g.window, g.InChannelsPerGroup());
    plan.workspace.push_back({"padded_planes", 0, planes_bytes});
    // A QLinearConv without a fused sum finishes a vector of positions at once: stored
    // whole into "plane_outputs" (the padded width's positions, one output channel),
    // whose real ones are then copied out row by row.
    if (qlinear && !graph.HasInput(node, kQLinearConvAddendInput)) {
      plan.workspace.push_back({"plane_outputs", planes_bytes, PlaneOutputsBytes(g.window)});
    }
  }
  if (pairs) {
    // Two pixels' windows at a time, each 4 weights unpacked once for both (not under
    // --optimize size: twice the requantisation code). Narrowed (their int16 windows
    // would lift the arena), two windows of the input's codes in the bytes of one where
    // the zero point's share folds into the bias, else one window.
    const bool two = !target.code_size_first && g.window.out_h * g.window.out_w >= 2;
    plan.int8_window_codes = two && narrow_workspace && codes_fold && constant_weights;
    plan.tiles.pixels = two && (!narrow_workspace || plan.int8_window_codes) ? 2 : 1;
    plan.window_copy_unrolled = !target.code_size_first;
    plan.workspace.push_back(plan.int8_window_codes
                                 ? WorkspaceBuffer{"window_codes", 0, plan.tiles.pixels * WindowPairsBytes(taps) / 2}
                                 : WorkspaceBuffer{"window_pairs", 0, plan.tiles.pixels * WindowPairsBytes(taps)});
    // A float input quantised as it is read: a band of its rows beside the windows, once
    // per element (the header's kDspPairs paragraph), unless it would lift the arena.
    const int64_t band_reach = QuantizedBandReach(node, g);
    plan.quantized_band = !narrow_workspace && band_reach >= 0;
    if (plan.quantized_band) {
      plan.workspace.push_back({"quantized_band", plan.workspace.back().bytes, QuantizedBandBytes(g.window)});
    }
  }
  if (plan.kernel == KernelVariant(QuantizedProductKernel::kWindowDot)) {
    plan.int8_window_weights = target.flash_first;
    plan.int8_window_codes = target.int8_vector_dot && plan.int8_window_weights && codes_ready;
    if (plan.int8_window_codes) plan.window_code_offset = SignedCodeOffset(x_type);
    plan.window_channel_runs = channel_runs;
    // A float input quantised as it is read: a band of its rows, once per element (the
    // header's kWindowDot paragraph), unless it would lift the arena.
    const int64_t band_reach = QuantizedBandReach(node, g);
    plan.quantized_band = plan.int8_window_codes && !narrow_workspace && WindowDotTaps(taps) <= kGatheredWindowTaps &&
                          band_reach >= 0;
    plan.window_gather_halfwords =
        !channel_runs && plan.int8_window_codes && (plan.quantized_band ? band_reach > 255 : gathers_halfwords);
    plan.reads_input_in_place = !plan.quantized_band && (channel_runs || (plan.int8_window_codes && gathers_whole) ||
                                                         plan.window_gather_halfwords);
    // A copied window of such an input's codes by runs of channels too, each run's slots
    // within 255 bytes of its first (at most 17 kernel positions).
    plan.window_copy_gathers = plan.int8_window_codes && !plan.reads_input_in_place &&
                               WindowDotGathersChannelRuns(graph, node, g) &&
                               (kChannelRunLanes - 1) * g.window.kernel_h * g.window.kernel_w <= 255;
    if (!narrow_workspace && !target.code_size_first && WindowDotTilesPixels(g, plan)) {
      plan.tiles.pixels = kWindowDotTilePixels;
    }
    const int64_t windows = std::max<int64_t>(plan.tiles.pixels, 1);
    if (plan.quantized_band) {
      plan.workspace.push_back({"quantized_band", 0, QuantizedBandBytes(g.window)});
    } else if (!plan.reads_input_in_place) {
      plan.workspace.push_back(plan.int8_window_codes
                                   ? WorkspaceBuffer{"window_codes", 0, windows * WindowDotTaps(taps)}
                                   : WorkspaceBuffer{"window_int16", 0, WindowDotTaps(taps) * 2});
    }
  }
  if (plan.kernel == KernelVariant(QuantizedProductKernel::kPixelLanes)) {
    plan.tiles.lanes = pixel_lanes;
    plan.byte_quad_weight_pairs = target.byte_quads_by_pairs;
    const int64_t out_channels = g.out_channels;
    plan.tiles.channel_block = out_channels % 8 == 0 ? 8 : out_channels % 4 == 0 ? 4 : out_channels % 2 == 0 ? 2 : 1;
    plan.window_code_offset = UnsignedCodeOffset(x_type);
    const int64_t tap_bytes = (taps + 3) / 4 * 4 * pixel_lanes;
    plan.workspace.push_back({"pixel_taps", 0, tap_bytes});
    plan.workspace.push_back({"pixel_quads", tap_bytes, tap_bytes});
    plan.reads_input_in_place = pointwise_plane;
    if (!pointwise_plane) plan.workspace.push_back({"padded_codes", 2 * tap_bytes, PaddedCodesBytes(g.window, pixel_lanes)});
  }
  if (plan.kernel == KernelVariant(QuantizedProductKernel::kChannelLanes)) {
    plan.tiles.channel_block = channel_lanes;
    plan.byte_quad_weight_pairs = target.byte_quads_by_pairs;
    plan.window_code_offset = UnsignedCodeOffset(x_type);
    plan.workspace.push_back({"window_codes", 0, WindowDotTaps(taps)});
  }
  if (plan.kernel == KernelVariant(QuantizedProductKernel::kDirect)) {
    plan.tiles.lanes = row_lanes;
    // With more than one input channel a group each weight is loaded per tap: the row
    // lanes then take 2 output channels for 3 vectors of pixels, each tap's weight
    // loaded once for 12 pixels and its codes once for both channels: 11 instructions
    // per tap and input channel for 24 products, against 9 for 16 with 4 channels of one
    // vector (the 6 sums and a vector of codes fit Helium's 8 vector registers).
    const bool row_steps = plan.tiles.lanes > 0 && g.InChannelsPerGroup() > 1 && g.OutChannelsPerGroup() % 2 == 0;
    plan.tiles.channel_block = row_steps ? 2 : DirectChannelBlock(g.OutChannelsPerGroup(), target);
    if (row_steps) plan.tiles.vectors = 3;
    if (DirectKernelPairsPixels(graph, node, g, target)) plan.tiles.pixels = 2;
    plan.pairs_at_borders = plan.tiles.pixels == 2 && DirectKernelPairsAtBorders(g.window);
    plan.word_rows = DirectKernelWordRows(graph, node, g, target);
    plan.lanes_across_rows = lanes_across_rows;
    plan.window_dots = window_dots;
    if (window_dots) {
      plan.window_code_offset = SignedCodeOffset(x_type);
      const PlaneMargins margins = WindowDotsMargins(g.window);
      plan.workspace.push_back(
          {"plane_codes", 0, margins.before + g.window.in_h * g.window.in_w + margins.after});
    }
  }
  if (target.memory_first && qlinear) {
    PlanWritingOverInput(graph, node, g, ByteSize(graph.value(node.outputs[0]).type.element_type), workspace_free,
                         plan);
  }
  plan.unrolled_interior = plan.kernel == KernelVariant(QuantizedProductKernel::kDirect) &&
                           target.vector_lanes == 1 && !target.int8_vector_dot && !target.code_size_first &&
                           !plan.word_rows && !plan.pairs_at_borders &&  // no pixel alone
                           !plan.pixel_inputs_copied &&                  // no window
                           g.window.kernel_h * g.window.kernel_w <= kDirectUnrolledTaps;
  // A fused sum reads each addend element just before writing the output there.
  if (qlinear && graph.HasInput(node, kQLinearConvAddendInput)) plan.output_over_input = kQLinearConvAddendInput;
  return plan;
}

absl::StatusOr<NodePlan> PlanQuantizedMatMul(const Graph& graph, const Node& node, const LoweringTarget& target,
                                             bool workspace_free) {
  NodePlan plan;
  plan.kernel = QuantizedProductKernel::kDirect;
  if (const int64_t lanes = ByteQuadColumnLanes(graph, node, target); lanes > 0 && !workspace_free) {
    plan.kernel = QuantizedProductKernel::kChannelLanes;
    plan.tiles.channel_block = lanes;
    plan.byte_quad_weight_pairs = target.byte_quads_by_pairs;
    plan.window_code_offset = UnsignedCodeOffset(graph.InputType(node, 0).element_type);
    plan.workspace.push_back({"window_codes", 0, WindowDotTaps(graph.InputType(node, 0).shape[1])});
    return plan;
  }
  if (HeliumRowDot(graph, node, target)) {
    plan.kernel = QuantizedProductKernel::kRowDot;
    return plan;
  }
  if (!target.dsp_pairs || node.op != OpKind::kQLinearMatMul) return plan;
  ASSIGN_OR_RETURN(int64_t trans_a, node.attributes.GetInt("transA", 0));
  ASSIGN_OR_RETURN(int64_t trans_b, node.attributes.GetInt("transB", 0));
  const Shape& a = graph.InputType(node, 0).shape;
  const Shape& b = graph.InputType(node, 3).shape;
  const bool pairs = trans_a == 0 && trans_b != 0 && a.size() == 2 && b.size() == 2 && graph.IsConstant(node.inputs[3]) &&
                     graph.InputType(node, 3).element_type == DataType::kInt8 && ZeroWeightZeroPoint(graph, node, 5) &&
                     b[0] >= 2 && b[1] >= 4;
  if (!pairs) return plan;
  if (workspace_free) {
    plan.kernel = QuantizedProductKernel::kDspPairsInRegisters;
    plan.zero_point_in_bias = OneConstantZeroPointAndBias(graph, node);
    return plan;
  }
  plan.kernel = QuantizedProductKernel::kDspPairs;
  plan.workspace.push_back({"window_pairs", 0, WindowPairsBytes(b[1])});
  return plan;
}

}  // namespace modelc
