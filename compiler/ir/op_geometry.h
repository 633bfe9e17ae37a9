// Resolved, validated geometry of each operator: attributes and input shapes turned
// into the plain numbers that shape rules, the reference evaluator and the lowering
// all use, so the three cannot disagree. Every Resolve* function rejects invalid
// attributes (zero strides, negative sizes, mismatched channels) with InvalidArgument.
#ifndef MODELC_IR_OP_GEOMETRY_H_
#define MODELC_IR_OP_GEOMETRY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace modelc {

// Row-major strides of `shape` when broadcast (numpy rules) to `out_shape`: a
// broadcast dimension has stride 0. `shape` may have lower rank than `out_shape`.
std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out_shape);
// Strides (in elements) of a dense row-major tensor of this shape.
std::vector<int64_t> RowMajorStrides(const Shape& shape);
absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b);
// A possibly negative axis normalised into [0, rank) (or [0, rank] when allow_end).
absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank, bool allow_end = false);
// For an error about a value needed at compile time: "; it is (computed from) the
// graph input 'x': fix its value with --freeze x=VALUES", naming the value itself or
// the first graph input it is computed from; empty when it depends on none.
std::string FreezeHint(const Graph& graph, ValueId id);
// The values of a node's constant int64 or int32 input; `what` names it in errors,
// which suggest --freeze when the input is, or is computed from, a graph input.
absl::Status NotConstantError(const Graph& graph, const Node& node, int input, const std::string& what);
absl::StatusOr<std::vector<int64_t>> ConstantInts(const Graph& graph, const Node& node, int input,
                                                  const std::string& what);

struct GemmGeometry {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  bool has_c = false;
  int64_t c_stride_m = 0, c_stride_n = 0;  // C broadcast to [m, n]
};
absl::StatusOr<GemmGeometry> ResolveGemm(const Graph& graph, const Node& node);

// A batched matrix product out[b] = a[b] x b[b] with broadcast batch dimensions.
struct MatMulGeometry {
  Shape out_shape;
  int64_t m = 0, n = 0, k = 0;
  int64_t batch_count = 1;
  std::vector<int64_t> a_batch_offsets;  // element offset of each batch's matrix in A
  std::vector<int64_t> b_batch_offsets;
  // An operand stored transposed in its last two dimensions (the internal attributes
  // transA and transB of a MatMul or QLinearMatMul: an adjoint's Transpose absorbed, or a
  // fully connected layer's [N, K] weights): A as [..., K, M], B as [..., N, K].
  bool a_transposed = false, b_transposed = false;
  // Where a batch's element (i, t) of A and (t, j) of B lie from the batch's matrix.
  int64_t AIndex(int64_t i, int64_t t) const { return a_transposed ? t * m + i : i * k + t; }
  int64_t BIndex(int64_t t, int64_t j) const { return b_transposed ? j * k + t : t * n + j; }
};
absl::StatusOr<MatMulGeometry> ResolveMatMul(const Graph& graph, const Node& node);
// The same for operands of shapes a and b as stored (MatMulInteger, QLinearMatMul), and
// `node`'s transA and transB (operands of rank 2 or more).
absl::StatusOr<MatMulGeometry> ResolveMatMulOperands(const Node& node, Shape a, Shape b);
// The same for operands of shapes a and b, neither transposed.
absl::StatusOr<MatMulGeometry> ResolveMatMulShapes(Shape a, Shape b);

// 1-D, 2-D and 3-D windows share one geometry: a 1-D op has height 1, and only a 3-D
// window (pooling's; convolutions take 1-D and 2-D) has a depth other than 1, an outer
// dimension around the 2-D plane, so the 1-D and 2-D kernels never see it.
struct WindowGeometry {
  int spatial_rank = 2;
  int64_t batch = 0, channels = 0, in_h = 0, in_w = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t in_d = 1, out_d = 1, kernel_d = 1, stride_d = 1, dilation_d = 1, pad_front = 0, pad_back = 0;
  // Pads are never negative: or-ing them cannot overflow as a sum of huge pads can.
  bool HasPadding() const { return (pad_top | pad_left | pad_bottom | pad_right | pad_front | pad_back) != 0; }
  // The output's spatial dimensions: [w], [h, w] or [d, h, w].
  Shape OutputSpatialShape() const;
};

// Where a 2-D window op's tensor keeps element (n, c, h, w): its offset is
// n * batch + c * channel + h * row + w * column.
struct PlaneStrides {
  int64_t batch = 0, channel = 0, row = 0, column = 0;
};
// The same for `channels` planes of depth x height x width, planar (NCDHW) or
// channels-last (NHWC, depth 1).
PlaneStrides WindowPlaneStrides(int64_t channels, int64_t depth, int64_t height, int64_t width, bool channels_last);

struct ConvGeometry {
  WindowGeometry window;
  int64_t out_channels = 0;
  int64_t groups = 1;
  bool has_bias = false;
  // A 2-D Conv may read its input and write its output channels-last, [N, H, W, C]
  // (kFusedChannelsLastInput, kFusedChannelsLastOutput): the arithmetic is the NCHW
  // one, only the addresses differ. The window describes the NCHW tensors. (ResolveConv
  // reads them; QLinearConv keeps its own.)
  bool channels_last_input = false, channels_last_output = false;
  int64_t InChannelsPerGroup() const { return window.channels / groups; }
  int64_t OutChannelsPerGroup() const { return out_channels / groups; }
  bool ChannelsLast() const { return channels_last_input || channels_last_output; }
  PlaneStrides InputStrides() const;
  PlaneStrides OutputStrides() const;
  Shape OutputShape() const;  // [N, C, spatial...], or [N, H, W, C] channels-last
};
absl::StatusOr<ConvGeometry> ResolveConv(const Graph& graph, const Node& node);
// The same for input x and weights w, from the node's attributes, without a bias
// (ConvInteger, QLinearConv).
absl::StatusOr<ConvGeometry> ResolveConvShapes(const Node& node, const Shape& x, const Shape& w);

// ConvTranspose, 1-D or 2-D (height 1): output (oh, ow) gathers input (ih, iw) with
// oh = ih * stride_h - pad_top + kh * dilation_h (and likewise for w); weights are
// [in_channels, out_channels / groups, kh, kw].
struct ConvTransposeGeometry {
  int spatial_rank = 2;
  int64_t batch = 0, in_channels = 0, out_channels = 0, groups = 1;
  int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;
  bool has_bias = false;
  // A 2-D ConvTranspose may read and write channels-last, as a Conv (ConvGeometry).
  bool channels_last_input = false, channels_last_output = false;
  int64_t InChannelsPerGroup() const { return in_channels / groups; }
  int64_t OutChannelsPerGroup() const { return out_channels / groups; }
  PlaneStrides InputStrides() const;
  PlaneStrides OutputStrides() const;
  Shape OutputShape() const;  // [N, C, spatial...], or [N, H, W, C] channels-last
};
absl::StatusOr<ConvTransposeGeometry> ResolveConvTranspose(const Graph& graph, const Node& node);

// InstanceNormalization: each of batch x channels planes of `inner` values normalised
// on its own, then scaled and shifted per channel.
struct InstanceNormGeometry {
  int64_t batch = 0, channels = 0, inner = 1;
  float epsilon = 1e-5f;
};
absl::StatusOr<InstanceNormGeometry> ResolveInstanceNorm(const Graph& graph, const Node& node);

// MaxPool, AveragePool, LpPool (and MaxPool's form with indices): 1-D to 3-D windows.
struct PoolGeometry {
  WindowGeometry window;
  bool count_include_pad = false;  // AveragePool only
  int64_t p = 2;                   // LpPool only: the norm's order, at least 1
  bool column_major_indices = false;  // MaxPool's indices (storage_order 1): the first spatial dimension fastest
  // A 2-D pool (one output) may read its input and write its output channels-last,
  // [N, H, W, C] (kFusedChannelsLastInput, kFusedChannelsLastOutput): the window walk
  // is the NCHW one, only the addresses differ. The window describes the NCHW tensors.
  bool channels_last_input = false, channels_last_output = false;
  // A 3-D window's (NCDHW only) depth slices are in_h * in_w (out_h * out_w) apart.
  PlaneStrides InputStrides() const;
  PlaneStrides OutputStrides() const;
  Shape OutputShape() const;  // [N, C, spatial...], or [N, H, W, C] channels-last
};
absl::StatusOr<PoolGeometry> ResolvePool(const Graph& graph, const Node& node);
// A MaxPool, AveragePool, LpPool or QLinearAveragePool that may read or write
// channels-last: a 2-D window (4-D input), one output, not under a guard.
bool PoolMayBeChannelsLast(const Graph& graph, const Node& node);
// A 2-D Conv (float), ConvTranspose or QLinearConv, not under a guard, that may read or
// write channels-last.
bool ConvMayBeChannelsLast(const Graph& graph, const Node& node);
// Whether `reader`, such a convolution or pool, reads `x` as its data input only and not
// channels-last already: it may read x's NHWC form instead (kFusedChannelsLastInput).
bool MayReadChannelsLast(const Graph& graph, const Node& reader, ValueId x);

// Softmax over the middle dimension of [outer, axis_dim, inner].
struct SoftmaxGeometry {
  int64_t outer = 1, axis_dim = 1, inner = 1;
};
absl::StatusOr<SoftmaxGeometry> ResolveSoftmax(const Graph& graph, const Node& node);

struct BatchNormGeometry {
  int64_t batch = 0, channels = 0, inner = 1;
  float epsilon = 1e-5f;
};
absl::StatusOr<BatchNormGeometry> ResolveBatchNorm(const Graph& graph, const Node& node);
// In inference a BatchNormalization with constant statistics is y = x * scale + shift
// per channel: scale = gamma / sqrt(var + epsilon), shift = beta - mean * scale
// (computed in double precision). Its inputs 1 to 4 must be constant.
struct BatchNormScaleShift {
  std::vector<float> scale, shift;
};
BatchNormScaleShift ResolveBatchNormScaleShift(const Graph& graph, const Node& node, float epsilon);

// LayerNormalization (and RMSNormalization) over the trailing dimensions [axis, rank): `outer` groups of
// `inner` values, each normalised; scale and bias broadcast over one group.
struct LayerNormGeometry {
  int64_t outer = 1, inner = 1;
  float epsilon = 1e-5f;
  std::vector<int64_t> scale_strides, bias_strides;  // over the normalised dims
  Shape normalized_shape;
  Shape statistics_shape;  // Mean / InvStdDev: X's shape with the normalised dims set to 1
};
absl::StatusOr<LayerNormGeometry> ResolveLayerNorm(const Graph& graph, const Node& node);

// Bounds in double: exact for float32 and for the integer types up to 2^53.
struct ClipGeometry {
  double min = -3.402823466e+38;
  double max = 3.402823466e+38;
  // A bound given by a non-constant input is read at run time (inputs 1 and 2).
  bool min_from_input = false;
  bool max_from_input = false;
};
absl::StatusOr<ClipGeometry> ResolveClip(const Graph& graph, const Node& node);

// One element-wise function y = f(x): a Unary-family op with its attributes resolved
// (ONNX defaults applied), or Clip with constant bounds. kIdentity means "nothing".
// The parameters mean: Elu/Celu/LeakyRelu/ThresholdedRelu alpha; Selu alpha, gamma;
// HardSigmoid alpha, beta; Clip min = alpha, max = beta.
struct ElementwiseFunction {
  OpKind op = OpKind::kIdentity;
  float alpha = 0.0f, beta = 0.0f, gamma = 0.0f;
  bool IsIdentity() const { return op == OpKind::kIdentity; }
};
// Whether an ElementwiseFunction with this op maps float32 to float32 (all but Cast,
// Not, IsNaN and IsInf, whose types change): only those fuse into other ops.
bool IsFloatFunction(OpKind op);
// The function a standalone Unary op or a constant-bound Clip computes; kIdentity for
// any other node.
absl::StatusOr<ElementwiseFunction> ElementwiseFunctionOf(const Graph& graph, const Node& node);

// What a Conv, Gemm or MatMul does to each output element after computing it, set by
// the fusion passes through the attributes below (never present in ONNX models):
//   fused_residual = 1        adds the node's extra input (Conv: input 3), same shape
//   fused_activation = NAME   an element-wise function (ONNX op name), with its
//   fused_alpha, fused_beta, fused_gamma parameters
// Order: value (+ residual), then the activation.
struct Epilogue {
  ElementwiseFunction activation;
  bool residual = false;
  bool Empty() const { return activation.IsIdentity() && !residual; }
};
inline constexpr char kFusedActivation[] = "fused_activation";
inline constexpr char kFusedResidual[] = "fused_residual";
inline constexpr int kConvResidualInput = 3;
// A QLinearConv with a fused QLinearAdd (internal, passes/residual_fusion.cc): input 9
// is the addend (same shape as the output), 10 and 11 its scale and zero point, 12 and 13
// the sum's; the convolution's own output pair (6, 7) is the sum's first term's.
inline constexpr int kQLinearConvAddendInput = 9;
// Its fused sum adds as TFLite's int8 ADD (fixed_point_multiplier.h's TfliteAdd, the
// convolution's output as its first operand: the ADD is symmetric, so either operand of
// the original) instead of as ONNX Runtime's QLinearAdd: set by residual fusion on
// absorbing the TFLite frontend's ADD (kFixedPointRequantization 2).
inline constexpr char kFusedTfliteSum[] = "fused_tflite_sum";
// How a QLinearAdd, or a QLinearConv's fused sum, adds (ops/quantize/quantized_sum.h's
// SumForm; internal attributes). Without them ONNX Runtime's com.microsoft QLinearAdd as
// its x86-64 build computes it. kFusedDequantizedSum: DequantizeLinear -> Add ->
// QuantizeLinear instead, the float chain (the QDQ fusion's, where ORT does not replace
// the pattern; copied to the convolution). kOrtSumOperandsSwapped: ORT's QLinearAdd
// passes b as MLAS's first operand (a is one element over the innermost run of outputs;
// pinned by transpose sinking, which changes the shapes that say so; a convolution's:
// its addend is that operand). kFusedUint8Arithmetic (below) applies to the sum too.
inline constexpr char kFusedDequantizedSum[] = "fused_dequantized_sum";
inline constexpr char kOrtSumOperandsSwapped[] = "ort_sum_operands_swapped";
// A QLinearConv that quantises its input as it reads it (internal attribute,
// passes/input_quantize_fusion.cc): input 0 is float32, quantised by QuantizeLinear's
// rule with the x pair (inputs 1, 2), so the int8 copy of the input never exists.
inline constexpr char kFusedQuantizeInput[] = "fused_quantize_input";
// A QLinearMatMul that dequantises its output as it writes it (internal attribute,
// passes/output_dequantize_fusion.cc): the output is float32, each element its code
// (requantised as without it) dequantised by DequantizeLinear's rule with the y pair
// (inputs 6, 7), so the int8 output never exists.
inline constexpr char kFusedDequantizeOutput[] = "fused_dequantize_output";
// A 2-D convolution (Conv, ConvTranspose, QLinearConv) or pool that reads its input x
// stored channels-last, [N, H, W, C]
// (internal attribute, passes/transpose_sinking.cc): the layout Transpose to NCHW that
// a channels-last model needs before it is absorbed into the kernel's addressing. The
// op itself is as if x were the NCHW tensor.
inline constexpr char kFusedChannelsLastInput[] = "fused_channels_last_input";
// A 2-D convolution (Conv, ConvTranspose, QLinearConv) or pool that writes its output
// channels-last, [N, H, W, C]
// (internal attribute, passes/channels_last_output.cc and transpose_sinking.cc): the
// layout Transpose to NHWC that read it alone, a channels-last model's, absorbed into
// the kernel's stores. The op itself is as if y were the NCHW tensor.
inline constexpr char kFusedChannelsLastOutput[] = "fused_channels_last_output";
// A convolution's or pool's data input's shape as NCHW: x's, or x's NHWC shape
// permuted when the node carries kFusedChannelsLastInput.
Shape ChannelsFirstDataShape(const Graph& graph, const Node& node);
// A QLinearAdd that subtracts its second operand (internal attribute, the TFLite
// frontend's int8 SUB): its scale enters negated (ONNX Runtime's form), or its fixed-point
// multiplier does (TFLite's, which computes SUB with its ADD kernel that way).
inline constexpr char kFusedSubtract[] = "fused_subtract";
// An LSTM whose new cell state is clipped to [-v, v] after each step (internal attribute,
// float; the TFLite frontend's UNIDIRECTIONAL_SEQUENCE_LSTM with cell_clip v).
inline constexpr char kFusedCellClip[] = "fused_cell_clip";
// A QLinearAveragePool that computes TFLite's int8 SUM (internal attribute, with
// kFixedPointRequantization; the TFLite frontend): its windows' sums, requantised by the
// multiplier of x_scale / y_scale without MEAN's 1 / count folded in.
inline constexpr char kFusedSum[] = "fused_sum";
// A QLinearAveragePool that computes ONNX Runtime's QLinearGlobalAveragePool (internal
// attribute; the ONNX frontend's reading of that com.microsoft op, microsoft_ops.h): each
// window's sum of x - x_zero_point times one float multiplier, x_scale / (y_scale *
// count), rounded half to even, plus y_zero_point (MLAS's portable and x86 arithmetic).
inline constexpr char kFusedGlobalAverageScale[] = "fused_global_average_scale";
// A QLinearMul or QLinearAdd (or a QLinearConv's fused sum) of int8 tensors that ONNX
// Runtime's x86-64 build computes in uint8 (internal attribute; the QDQ fusion's,
// qdq_fusion.cc's OrtComputedType): its arithmetic with every int8 code and zero point
// 128 up and the result 128 down. Only the zero points, added in float before rounding,
// tell it from the int8 form.
inline constexpr char kFusedUint8Arithmetic[] = "fused_uint8_arithmetic";
// A QLinearMul that computes TFLite's int8 PRELU (internal attribute, with
// kFixedPointRequantization; the TFLite frontend): a (x) times b (alpha) where
// a - a_zero_point < 0, else a alone requantised by the multiplier of a_scale / c_scale.
inline constexpr char kFusedPrelu[] = "fused_prelu";
// A QLinearMatMul made from a quantised Gemm (passes/qdq_fusion.cc): input 8, its bias.
inline constexpr int kQLinearMatMulBiasInput = 8;
// The first input of `op` that only modelc's passes give it (the three above), or -1. A
// model file's node with that many inputs is refused: they are not ONNX's.
int FirstInternalInput(OpKind op);

absl::StatusOr<Epilogue> ResolveEpilogue(const Graph& graph, const Node& node);
// Writes an activation into a node's fused attributes.
void SetFusedActivation(const ElementwiseFunction& activation, Node* node);
// "Conv", "Conv+Add+Relu", "Gemm+Relu": the op with what was fused into it.
std::string DescribeOp(const Node& node);

// The multiply-accumulates of a Conv, Gemm or MatMul (or their integer and quantised
// forms) per run (0 for other ops).
int64_t MultiplyAccumulates(const Graph& graph, const Node& node);

// A reduction over some axes of the input: iterate the kept dimensions (in input
// order) outside and the reduced ones inside. Strides are the input's, in elements.
struct ReduceGeometry {
  Shape out_shape;
  std::vector<int64_t> axes;  // the reduced axes, normalised and sorted
  bool keepdims = true;
  std::vector<int64_t> kept_dims, kept_strides;        // kept dimensions, input order
  std::vector<int64_t> reduced_dims, reduced_strides;  // reduced dimensions
  int64_t ReducedCount() const { return ElementCount(reduced_dims); }
};
absl::StatusOr<ReduceGeometry> ResolveReduce(const Graph& graph, const Node& node);

// Output dimension d of a Transpose reads input dimension perm[d].
struct TransposeGeometry {
  Shape out_shape;
  std::vector<int64_t> input_strides;  // per output dimension: the input stride it walks
};
absl::StatusOr<TransposeGeometry> ResolveTranspose(const Graph& graph, const Node& node);

// Concat along `axis`: [outer, axis extent, inner] blocks of each input in turn.
struct ConcatGeometry {
  Shape out_shape;
  int64_t outer = 1, inner = 1;
  std::vector<int64_t> extents;  // each input's extent along the axis
};
absl::StatusOr<ConcatGeometry> ResolveConcat(const Graph& graph, const Node& node);

// ArgMax / ArgMin: the first (or last) extreme along the middle dimension of
// [outer, axis_dim, inner].
struct ArgReduceGeometry {
  Shape out_shape;
  int64_t outer = 1, axis_dim = 1, inner = 1;
  bool select_last = false;
};
absl::StatusOr<ArgReduceGeometry> ResolveArgReduce(const Graph& graph, const Node& node);

// Cast's target type.
absl::StatusOr<DataType> ResolveCastType(const Node& node);

// The output shape of a View op (Reshape, Flatten, Identity, Dropout).
absl::StatusOr<Shape> ResolveViewShape(const Graph& graph, const Node& node);

}  // namespace modelc

#endif  // MODELC_IR_OP_GEOMETRY_H_
