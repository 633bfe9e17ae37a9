// ConvInteger and QLinearConv: 1-D and 2-D grouped convolutions of int8/uint8 images and
// weights, products accumulated in int32. Padding reads the input's zero point, so it
// adds nothing.
//   ConvInteger: y = conv(x - x_zero_point, w - w_zero_point), int32
//   QLinearConv: the same accumulator plus the int32 bias B, requantised to int8/uint8
//                with the multiplier x_scale * w_scale[m] / y_scale (quantization.h's
//                rounding rule; TFLite's fixed-point form, fixed_point_multiplier.h,
//                when the node carries kFixedPointRequantization)
// The input's parameters are per tensor; the weights' per tensor or per output channel.
// A QLinearConv may carry a fused QLinearAdd (inputs 9-13, op_geometry.h): each output
// element, requantised, is then added to the addend's element at the same position by
// the QLinearAdd's arithmetic (quantized_sum.h's form the node records: ONNX Runtime's,
// the float chain's, or TFLite's ADD's, TfliteAdd), read just before the sum is written
// there;
// and it may quantise a float32 input as it reads it (kFusedQuantizeInput, by
// QuantizeLinear's rule with the x pair), so the model input's int8 copy never exists.
// It may read its input channels-last (kFusedChannelsLastInput) and write its output
// channels-last (kFusedChannelsLastOutput): the arithmetic is the NCHW one, only the
// addresses change.
// Both ops live here: shape rule, reference and kernel (the hooks of own_op_hooks.h).
#include <array>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/IntrinsicsARM.h"
#include "llvm/IR/IntrinsicsX86.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/conv_lowering.h"
#include "compiler/lowering/quantized_product_lowering.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/byte_quads.h"
#include "compiler/ops/quantize/dsp_pairs.h"
#include "compiler/ops/quantize/helium_byte_dots.h"
#include "compiler/ops/quantize/product_requantizer.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/ops/quantize/quantized_sum.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct QuantizedConvGeometry {
  ConvGeometry conv;
  int x_input = 0, w_input = 1, bias_input = -1;
  DataType x_type = DataType::kUInt8, w_type = DataType::kUInt8;  // x's: its quantised type
  bool quantizes_input = false;  // x is float32, quantised on reading (kFusedQuantizeInput)
  bool channels_last_input = false;  // x is stored [N, H, W, C] (kFusedChannelsLastInput)
  bool channels_last_output = false;  // y is stored [N, H, W, C] (kFusedChannelsLastOutput)
  QuantizationParameters x, w;              // per tensor; per tensor or per output channel
  std::optional<QuantizationParameters> y;  // QLinearConv's output; none: int32 out
  // A fused QLinearAdd: the addend (input 9) and the sum's pair; the output is the sum.
  std::optional<QuantizationParameters> addend, sum;
  DataType addend_type = DataType::kInt8;
  SumForm sum_form;
  // Where the fused sum adds as TFLite's ADD (kFusedTfliteSum): its parameters.
  std::optional<FixedPointAdd> tflite_sum;
  DataType OutType() const { return sum ? sum->type : y ? y->type : DataType::kInt32; }
};

Shape OutputShape(const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  Shape out = {s.batch, g.conv.out_channels};
  if (s.spatial_rank == 2) out.push_back(s.out_h);
  out.push_back(s.out_w);
  return out;
}

// The output as stored: OutputShape, or [N, H, W, C] channels-last.
Shape StoredOutputShape(const QuantizedConvGeometry& g) {
  const Shape out = OutputShape(g);
  return g.channels_last_output ? Shape{out[0], out[2], out[3], out[1]} : out;
}

absl::StatusOr<QuantizedConvGeometry> ResolveQuantizedConv(const Graph& graph, const Node& node) {
  const bool qlinear = node.op == OpKind::kQLinearConv;
  QuantizedConvGeometry g;
  g.w_input = qlinear ? 3 : 1;
  g.w_type = graph.InputType(node, g.w_input).element_type;
  ASSIGN_OR_RETURN(int64_t channels_last, node.attributes.GetInt(kFusedChannelsLastInput, 0));
  g.channels_last_input = channels_last != 0;
  if (g.channels_last_input && (!qlinear || graph.InputType(node, g.x_input).Rank() != 4)) {
    return absl::InvalidArgumentError("only a 2-D QLinearConv reads a channels-last input");
  }
  ASSIGN_OR_RETURN(int64_t channels_last_output, node.attributes.GetInt(kFusedChannelsLastOutput, 0));
  g.channels_last_output = channels_last_output != 0;
  ASSIGN_OR_RETURN(g.conv, ResolveConvShapes(node, ChannelsFirstDataShape(graph, node), graph.InputType(node, g.w_input).shape));
  if (g.channels_last_output && (!qlinear || g.conv.window.spatial_rank != 2 ||
                                 graph.HasInput(node, kQLinearConvAddendInput))) {
    return absl::InvalidArgumentError("only a 2-D QLinearConv without a fused sum writes a channels-last output");
  }
  ASSIGN_OR_RETURN(const ProductInput x, ResolveProductInput(graph, node, qlinear, std::nullopt, "x"));
  g.x = x.q;
  g.x_type = x.type;
  g.quantizes_input = x.quantized_on_reading;
  ASSIGN_OR_RETURN(g.w, ResolveQuantizedOperand(graph, node, g.w_input, qlinear ? 4 : -1, qlinear ? 5 : 3, 0, "w"));
  if (!qlinear) return g;
  ASSIGN_OR_RETURN(g.y, ResolveQuantization(graph, node, 6, 7, OutputShape(g), std::nullopt, "y"));
  if (RequantizesInFixedPoint(node)) RETURN_IF_ERROR(CheckFixedPointRequantizable(graph, node));
  if (graph.HasInput(node, 8)) {
    g.bias_input = 8;
    const TensorType& bias = graph.InputType(node, 8);
    if (bias.element_type != DataType::kInt32 || bias.shape != Shape{g.conv.out_channels}) {
      return absl::InvalidArgumentError(absl::StrCat("the bias B must be int32 of shape [", g.conv.out_channels,
                                                     "], got ", DataTypeName(bias.element_type), " of rank ",
                                                     bias.shape.size()));
    }
  }
  if (graph.HasInput(node, kQLinearConvAddendInput)) {
    const int a = kQLinearConvAddendInput;
    if (graph.InputType(node, a).shape != OutputShape(g)) {
      return absl::InvalidArgumentError("the fused sum's addend must have the output's shape");
    }
    g.addend_type = graph.InputType(node, a).element_type;
    ASSIGN_OR_RETURN(g.addend, ResolveQuantizedOperand(graph, node, a, a + 1, a + 2, std::nullopt, "addend"));
    ASSIGN_OR_RETURN(g.sum, ResolveQuantization(graph, node, a + 3, a + 4, OutputShape(g), std::nullopt, "sum"));
    ASSIGN_OR_RETURN(g.sum_form, SumFormOf(graph, node));
    if (g.sum_form.arithmetic == SumArithmetic::kTflite) {
      ASSIGN_OR_RETURN(g.tflite_sum, TfliteAddOfConstantScales(graph, node, 6, a + 1, a + 3, /*subtracts=*/false));
    }
  }
  return g;
}

// Helium's gather of bytes (8 bits) from `base` at `offsets` (unscaled: shift 0),
// zero-extended (or, `signed_bytes`, sign-extended) into `type`'s lanes: every lane, or
// with `predicate` (a vector of i1, a lane each) the lanes it holds, the others zero.
llvm::Value* EmitByteGather(llvm::IRBuilder<>& b, llvm::FixedVectorType* type, llvm::Value* base, llvm::Value* offsets,
                            llvm::Value* predicate = nullptr, bool signed_bytes = false) {
  std::vector<llvm::Value*> operands = {base, offsets, b.getInt32(8), b.getInt32(0), b.getInt32(signed_bytes ? 0 : 1)};
  if (predicate == nullptr) {
    return b.CreateIntrinsic(llvm::Intrinsic::arm_mve_vldr_gather_offset, {type, base->getType(), offsets->getType()},
                             operands);
  }
  operands.push_back(predicate);
  return b.CreateIntrinsic(llvm::Intrinsic::arm_mve_vldr_gather_offset_predicated,
                           {type, base->getType(), offsets->getType(), predicate->getType()}, operands);
}

// Two gathers of 8 halfword lanes as 16 bytes: the second's codes shifted into the high
// bytes (VSLI.16 #8), so byte lane 2j holds the first's lane j, 2j + 1 the second's.
llvm::Value* JoinHalfwordGathers(llvm::IRBuilder<>& b, llvm::Value* first, llvm::Value* second) {
  auto* halves = llvm::cast<llvm::FixedVectorType>(first->getType());
  return b.CreateBitCast(b.CreateIntrinsic(llvm::Intrinsic::arm_mve_vsli, {halves}, {first, second, b.getInt32(8)}),
                         llvm::FixedVectorType::get(b.getInt8Ty(), 2 * halves->getNumElements()));
}

}  // namespace

absl::Status UpgradeConvInteger(Node& node, int64_t opset) { return absl::OkStatus(); }  // opset 10
absl::Status UpgradeQLinearConv(Node& node, int64_t opset) { return absl::OkStatus(); }  // opset 10

absl::StatusOr<std::vector<TensorType>> InferConvInteger(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(QuantizedConvGeometry g, ResolveQuantizedConv(graph, node));
  return std::vector<TensorType>{TensorType{g.OutType(), StoredOutputShape(g)}};
}
absl::StatusOr<std::vector<TensorType>> InferQLinearConv(const Graph& graph, const Node& node, DataType) {
  return InferConvInteger(graph, node, DataType::kInt32);
}

absl::StatusOr<std::vector<TensorData>> EvaluateConvInteger(const Graph& graph, const Node& node,
                                                            const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(QuantizedConvGeometry g, ResolveQuantizedConv(graph, node));
  const WindowGeometry& s = g.conv.window;
  const QuantizationValues qx = ReadQuantization(g.x, inputs), qw = ReadQuantization(g.w, inputs);
  // The reference reads x as NCHW, a channels-last input permuted so first.
  const TensorData planar = g.channels_last_input ? PermuteTensorData(*inputs[g.x_input], {0, 3, 1, 2}) : TensorData();
  const TensorData& x_data = g.channels_last_input ? planar : *inputs[g.x_input];
  std::vector<int32_t> x;
  if (g.quantizes_input) {
    for (float value : x_data.Floats()) x.push_back(Quantize(value, qx.scale[0], qx.zero_point[0], g.x_type, HalfRoundingOf(node)));
  } else {
    x = ElementsAsInt32(x_data);
  }
  const std::vector<int32_t> w = ElementsAsInt32(*inputs[g.w_input]);
  std::optional<QuantizationValues> qy;
  if (g.y) qy = ReadQuantization(*g.y, inputs);
  const std::vector<int32_t> bias = g.bias_input >= 0 ? ElementsAsInt32(*inputs[g.bias_input]) : std::vector<int32_t>();
  const int64_t channels = g.conv.InChannelsPerGroup(), per_group = g.conv.OutChannelsPerGroup();
  const bool fixed_point = RequantizesInFixedPoint(node);
  std::vector<int32_t> out;
  out.reserve(s.batch * g.conv.out_channels * s.out_h * s.out_w);
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t m = 0; m < g.conv.out_channels; ++m) {
      const int64_t pw = g.w.PerTensor() ? 0 : m;
      for (int64_t oh = 0; oh < s.out_h; ++oh)
        for (int64_t ow = 0; ow < s.out_w; ++ow) {
          int64_t sum = 0;
          for (int64_t c = 0; c < channels; ++c) {
            const int64_t plane = (n * s.channels + (m / per_group) * channels + c) * s.in_h * s.in_w;
            for (int64_t kh = 0; kh < s.kernel_h; ++kh)
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
                const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
                if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;  // the zero point: adds 0
                const int64_t tap = ((m * channels + c) * s.kernel_h + kh) * s.kernel_w + kw;
                sum += static_cast<int64_t>(x[plane + ih * s.in_w + iw] - qx.zero_point[0]) *
                       (w[tap] - qw.zero_point[pw]);
              }
          }
          int32_t accumulator = static_cast<int32_t>(static_cast<uint32_t>(sum));  // int32 wraps, as the kernel's
          if (!qy) {
            out.push_back(accumulator);
            continue;
          }
          if (!bias.empty()) accumulator = static_cast<int32_t>(static_cast<uint32_t>(accumulator) + bias[m]);
          if (fixed_point) {
            out.push_back(RequantizeFixedPoint(accumulator,
                                               ProductFixedPointMultiplier(qx.scale[0], qw.scale[pw], qy->scale[0]),
                                               qy->zero_point[0], g.y->type, FixedPointRoundingOf(node)));
          } else {
            const float multiplier = RequantizationMultiplier(qx.scale[0], qw.scale[pw], qy->scale[0]);
            out.push_back(Requantize(accumulator, multiplier, qy->zero_point[0], g.y->type));
          }
        }
    }
  if (g.sum) {
    const std::vector<int32_t> addend = ElementsAsInt32(*inputs[kQLinearConvAddendInput]);
    const QuantizationValues qa = ReadQuantization(*g.addend, inputs), qs = ReadQuantization(*g.sum, inputs);
    for (size_t e = 0; e < out.size(); ++e) {
      if (g.tflite_sum) {
        out[e] = TfliteAdd(*g.tflite_sum, out[e], qy->zero_point[0], addend[e], qa.zero_point[0], qs.zero_point[0],
                           g.sum->type);
        continue;
      }
      out[e] = QuantizedSumAs(g.sum_form, {out[e], qy->scale[0], qy->zero_point[0]}, g.y->type,
                              {addend[e], qa.scale[0], qa.zero_point[0]}, g.addend_type, qs.scale[0],
                              qs.zero_point[0], g.sum->type);
    }
  }
  const TensorData planar_out = TensorFromInt32(TensorType{g.OutType(), OutputShape(g)}, out);
  if (g.channels_last_output) return std::vector<TensorData>{PermuteTensorData(planar_out, {0, 2, 3, 1})};
  return std::vector<TensorData>{planar_out};
}
absl::StatusOr<std::vector<TensorData>> EvaluateQLinearConv(const Graph& graph, const Node& node,
                                                            const std::vector<const TensorData*>& inputs) {
  return EvaluateConvInteger(graph, node, inputs);
}

namespace {

// What an output channel's int32 sum becomes: itself (ConvInteger), or plus the bias
// and requantised (QLinearConv), then with a fused QLinearAdd added to the addend's
// element at the output's position (as TFLite's ADD adds, kFusedTfliteSum); the
// channel's parameters loaded once.
class ChannelOutput {
 public:
  ChannelOutput(KernelContext& k, const QuantizedConvGeometry& g) : k_(k), g_(g) {
    if (!g.y) return;
    requantizer_.emplace(k, g.w, *g.y);
    x_scale_ = EmitLoadScale(k, g.x, k.Int(0));
    y_scale_ = EmitLoadScale(k, *g.y, k.Int(0));
    y_zero_point_ = EmitLoadZeroPoint(k, *g.y, k.Int(0));
    if (!g.sum) return;
    addend_zero_point_ = EmitLoadZeroPoint(k, *g.addend, k.Int(0));
    sum_zero_point_ = EmitLoadZeroPoint(k, *g.sum, k.Int(0));
    if (g.tflite_sum) return;  // its multipliers are constants
    sum_.emplace(k, g.sum_form, EmittedQuantizationPair{y_scale_, y_zero_point_}, g.y->type,
                 EmittedQuantizationPair{EmitLoadScale(k, *g.addend, k.Int(0)), addend_zero_point_}, g.addend_type,
                 EmittedQuantizationPair{EmitLoadScale(k, *g.sum, k.Int(0)), sum_zero_point_}, g.sum->type);
  }
  DataType Type() const { return g_.OutType(); }
  // The int32 biases to add in place of the node's own: a kernel's prepared ones (also
  // where the node has none, as ConvInteger, whose sums are its output).
  void UseBiases(llvm::Value* biases) { biases_ = biases; }
  // Loads channel m's bias and multiplier (float, or fixed point), for Finish.
  void Channel(llvm::Value* m) {
    bias_ = LoadBias(m);
    if (!g_.y) return;
    channel_ = requantizer_->Load(x_scale_, m);
  }
  // Channel m's bias alone (0 where the node has none), as Channel loads it: for sums
  // that start at it, loaded before their products (a multiplier loaded with it would be
  // kept in a register across them).
  llvm::Value* LoadBias(llvm::Value* m) const {
    if (biases_) return k_.LoadAs(DataType::kInt32, biases_, m);
    if (g_.y && g_.bias_input >= 0) return k_.LoadAs(DataType::kInt32, k_.in[g_.bias_input], m);
    return k_.b.getInt32(0);
  }
  // Whether FinishLanes can finish a vector of one channel's sums: a QLinearConv
  // without a fused sum (whose addend is read per element).
  bool FinishesLanes() const { return g_.y && !g_.sum; }
  // Those sums plus the channel's bias (`bias_in_sums`: already in them), requantised:
  // a vector of the output type.
  llvm::Value* FinishLanes(llvm::Value* sums, bool bias_in_sums = false) {
    if (!bias_in_sums) sums = k_.b.CreateAdd(sums, SplatLike(k_.b, sums, bias_));
    return requantizer_->Apply(channel_, sums, y_zero_point_, g_.y->type);
  }
  // The values to store for a vector of the sums of `lanes` channels from `first` of
  // image n at pixel `pixel` (the prepared biases added): a vector of the output type,
  // with a fused sum's addends read from the channels' positions (LoadChannels); none
  // where they are finished one at a time (float multipliers not prepared).
  std::optional<llvm::Value*> FinishChannels(llvm::Value* sums, llvm::Value* n, llvm::Value* first,
                                             llvm::Value* pixel, int64_t lanes) {
    llvm::IRBuilder<>& b = k_.b;
    if (biases_) {
      sums = b.CreateAdd(sums, b.CreateAlignedLoad(sums->getType(), b.CreateInBoundsGEP(b.getInt32Ty(), biases_, first),
                                                   llvm::Align(4)));
    }
    if (!g_.y) return sums;
    if (!biases_) return std::nullopt;
    const std::optional<ProductRequantizer::Channel> channels = requantizer_->LoadLanes(first, lanes);
    if (!channels) return std::nullopt;
    llvm::Value* y = requantizer_->Apply(*channels, sums, y_zero_point_, g_.y->type);
    if (!g_.sum) return y;
    return Sum(y, LoadChannels(n, first, pixel, lanes));
  }
  // The addends (8-bit, as i32) at the positions of `lanes` output channels from `first`
  // of image n at pixel `pixel` (a fused sum's output is planar): the channels' planes
  // apart, on Helium one gather load (VLDRB.S32 or .U32 with a vector of offsets),
  // elsewhere lane by lane.
  llvm::Value* LoadChannels(llvm::Value* n, llvm::Value* first, llvm::Value* pixel, int64_t lanes) {
    llvm::IRBuilder<>& b = k_.b;
    llvm::Type* element = k_.Elem(g_.addend_type);
    auto* words_type = llvm::FixedVectorType::get(b.getInt32Ty(), lanes);
    llvm::Value* at = b.CreateInBoundsGEP(element, k_.in[kQLinearConvAddendInput], Position(n, first, pixel));
    const int64_t plane = g_.conv.window.out_h * g_.conv.window.out_w;
    if (k_.target.helium && lanes == 4) {
      // Extended as the addend's type.
      return EmitByteGather(b, words_type, at, PlaneOffsets(lanes, 1), /*predicate=*/nullptr,
                            IsSignedInteger(g_.addend_type));
    }
    llvm::Value* addends = llvm::PoisonValue::get(words_type);
    for (int64_t lane = 0; lane < lanes; ++lane) {
      llvm::Value* addend = b.CreateLoad(element, b.CreateInBoundsGEP(element, at, k_.Int(lane * plane)));
      addends = b.CreateInsertElement(addends, EmitWidenToInt32(k_, addend, g_.addend_type), lane);
    }
    return addends;
  }
  // A vector of one channel's sums for `valid` consecutive output elements from `at` (an
  // Index() integer), finished as Finish finishes each: a vector of the output type. A
  // QLinearConv's only (y given). With `lane_mask`, the lanes it sets are those;
  // `bias_in_sums`: the sums started at the bias.
  llvm::Value* FinishConsecutiveLanes(llvm::Value* sums, llvm::Value* at, int64_t valid,
                                      llvm::Value* lane_mask = nullptr, bool bias_in_sums = false) {
    llvm::IRBuilder<>& b = k_.b;
    llvm::Value* y = FinishLanes(sums, bias_in_sums);
    if (!g_.sum) return y;
    const int64_t lanes = llvm::cast<llvm::FixedVectorType>(sums->getType())->getNumElements();
    auto* addend_type = llvm::FixedVectorType::get(k_.Elem(g_.addend_type), lanes);
    llvm::Value* from = b.CreateInBoundsGEP(k_.Elem(g_.addend_type), k_.in[kQLinearConvAddendInput], at);
    llvm::Value* addend =
        lane_mask ? b.CreateMaskedLoad(addend_type, from, llvm::Align(1), lane_mask, llvm::Constant::getNullValue(addend_type))
                  : k_.LoadLanes(addend_type, from, valid, lanes, llvm::Align(1));
    return Sum(y, EmitWidenToInt32(k_, addend, g_.addend_type));
  }
  // Where output channel m of image n at pixel `pixel` (oh * out_w + ow) is stored: the
  // NCHW position, or the NHWC one (kFusedChannelsLastOutput).
  llvm::Value* Position(llvm::Value* n, llvm::Value* m, llvm::Value* pixel) {
    llvm::IRBuilder<>& b = k_.b;
    const int64_t plane = g_.conv.window.out_h * g_.conv.window.out_w, channels = g_.conv.out_channels;
    if (g_.channels_last_output) {
      return b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(n, k_.Int(plane)), pixel), k_.Int(channels)), m);
    }
    return b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(n, k_.Int(channels)), m), k_.Int(plane)), pixel);
  }
  // Stores a vector of values of output channels first, first + 1, ... of image n at
  // pixel `pixel`: one vector store where the output is channels-last, else the
  // channels' planes apart: on Helium one scatter store (VSTRB.32 with a vector of
  // offsets, each lane's low bits), elsewhere lane by lane.
  void StoreChannels(llvm::Value* values, llvm::Value* n, llvm::Value* first, llvm::Value* pixel) {
    llvm::IRBuilder<>& b = k_.b;
    llvm::Type* element = k_.Elem(Type());
    llvm::Value* at = b.CreateInBoundsGEP(element, k_.out[0], Position(n, first, pixel));
    if (g_.channels_last_output) {
      b.CreateAlignedStore(values, at, llvm::Align(1));
      return;
    }
    auto* type = llvm::cast<llvm::FixedVectorType>(values->getType());
    const int64_t lanes = type->getNumElements(), plane = g_.conv.window.out_h * g_.conv.window.out_w;
    const unsigned bits = type->getScalarSizeInBits();
    if (k_.target.helium && lanes == 4) {
      // The words the values were narrowed from (not a fixed-point requantisation's
      // 64-bit lanes), else the values widened: the store takes each lane's low bits.
      auto* words_type = llvm::FixedVectorType::get(b.getInt32Ty(), lanes);
      llvm::Value* words = bits == 32 ? values : nullptr;
      if (auto* narrowed = llvm::dyn_cast<llvm::TruncInst>(values);
          narrowed && bits != 32 && narrowed->getOperand(0)->getType() == words_type) {
        words = narrowed->getOperand(0);
      }
      if (!words) words = b.CreateSExt(values, words_type);
      llvm::Value* offset_vector = PlaneOffsets(lanes, bits / 8);
      b.CreateIntrinsic(llvm::Intrinsic::arm_mve_vstr_scatter_offset,
                        {at->getType(), offset_vector->getType(), words->getType()},
                        {at, offset_vector, words, b.getInt32(bits), b.getInt32(0)});
      return;
    }
    for (int64_t lane = 0; lane < lanes; ++lane) {
      b.CreateStore(b.CreateExtractElement(values, lane),
                    b.CreateInBoundsGEP(element, at, k_.Int(lane * plane)));
    }
  }
  // The byte offsets of `lanes` output channels' elements at one position, elements of
  // `bytes`: a constant vector of i32, one plane apart.
  llvm::Value* PlaneOffsets(int64_t lanes, int64_t bytes) {
    const int64_t plane = g_.conv.window.out_h * g_.conv.window.out_w;
    std::vector<llvm::Constant*> offsets;
    for (int64_t lane = 0; lane < lanes; ++lane) {
      offsets.push_back(k_.b.getInt32(static_cast<int32_t>(lane * plane * bytes)));
    }
    return llvm::ConstantVector::get(offsets);
  }
  // The channel's bias (Channel's), which Finish adds: a kernel may start its sums at it
  // instead.
  llvm::Value* Bias() const { return bias_ ? bias_ : k_.b.getInt32(0); }
  // The value to store at output element `at` (an Index() integer); `bias_in_sum`: the
  // sum started at Bias() (or LoadBias).
  llvm::Value* Finish(llvm::Value* sum, llvm::Value* at, bool bias_in_sum = false) {
    if (!bias_in_sum && bias_) sum = k_.b.CreateAdd(sum, bias_);
    if (!g_.y) return sum;
    llvm::Value* y = requantizer_->Apply(channel_, sum, y_zero_point_, g_.y->type);
    if (!g_.sum) return y;
    llvm::Value* addend =
        EmitWidenToInt32(k_, k_.LoadAs(g_.addend_type, k_.in[kQLinearConvAddendInput], at), g_.addend_type);
    return Sum(y, addend);
  }

 private:
  // The fused sum of requantised outputs y (of the output pair's type) and the addends
  // at their positions (i32 values, or vectors of them), as QLinearAdd or TFLite's ADD
  // adds them.
  llvm::Value* Sum(llvm::Value* y, llvm::Value* addend) {
    y = EmitWidenToInt32(k_, y, g_.y->type);
    if (g_.tflite_sum) {
      return EmitTfliteAdd(k_, *g_.tflite_sum, y, y_zero_point_, addend, addend_zero_point_, sum_zero_point_,
                           g_.sum->type);
    }
    return sum_->Sum(y, addend);
  }

  KernelContext& k_;
  const QuantizedConvGeometry& g_;
  llvm::Value* x_scale_ = nullptr;
  llvm::Value* y_scale_ = nullptr;
  llvm::Value* y_zero_point_ = nullptr;
  std::optional<ProductRequantizer> requantizer_;
  llvm::Value* biases_ = nullptr;
  llvm::Value* bias_ = nullptr;
  ProductRequantizer::Channel channel_;
  llvm::Value* addend_zero_point_ = nullptr;
  llvm::Value* sum_zero_point_ = nullptr;
  std::optional<QuantizedSumEmitter> sum_;  // the sum's arithmetic but TFLite's
};

// An element of the input x as an i32 in its quantised type: loaded, or, when the
// convolution quantises its input (kFusedQuantizeInput), a float32 loaded and quantised.
// Index(plane, offset) finds the element of plane n * C + c at offset ih * in_w + iw in
// it wherever x stores it: planar, or channels-last (kFusedChannelsLastInput: pixel
// n * H * W + offset, channel c); the next column's element is ColumnStride() further.
class InputReader {
 public:
  InputReader(KernelContext& k, const QuantizedConvGeometry& g)
      : k_(k), g_(g), codes_(k, g.x_type, g.quantizes_input ? &g.x : nullptr) {}
  // The codes of a quantised band at `band` (NodePlan::quantized_band), `g` the band's
  // geometry (QuantizedBandWindow, planar, its codes already quantised).
  InputReader(KernelContext& k, const QuantizedConvGeometry& g, llvm::Value* band)
      : k_(k), g_(g), codes_(k, g.x_type, nullptr), band_(band) {}
  llvm::Value* Index(llvm::Value* plane, llvm::Value* offset) {
    llvm::IRBuilder<>& b = k_.b;
    const WindowGeometry& s = g_.conv.window;
    const int64_t plane_size = s.in_h * s.in_w, channels = s.channels;
    if (!g_.channels_last_input) return b.CreateAdd(b.CreateMul(plane, k_.Int(plane_size)), offset);
    llvm::Value* n = s.batch == 1 ? k_.Int(0) : b.CreateUDiv(plane, k_.Int(channels));
    llvm::Value* c = s.batch == 1 ? plane : b.CreateURem(plane, k_.Int(channels));
    llvm::Value* pixel = b.CreateAdd(b.CreateMul(n, k_.Int(plane_size)), offset);
    return b.CreateAdd(b.CreateMul(pixel, k_.Int(channels)), c);
  }
  int64_t ColumnStride() const { return g_.channels_last_input ? g_.conv.window.channels : 1; }
  llvm::Value* Load(llvm::Value* index) const {
    return band_ ? EmitWidenToInt32(k_, k_.LoadAs(g_.x_type, band_, index), g_.x_type) : codes_.Load(index);
  }

  KernelContext& k_;
  const QuantizedConvGeometry& g_;
  const InputCodeReader codes_;
  llvm::Value* band_ = nullptr;
};

// How a window stores its taps: x - `subtracted` as `element` (x - x_zero_point as int16,
// or the codes themselves as int8), `padding` where a tap is padding (both i32 values).
struct WindowForm {
  llvm::Type* element;
  llvm::Value* subtracted;
  llvm::Value* padding;
};

// The int16 form: x - x_zero_point, 0 where a tap is padding.
WindowForm CentredInt16(KernelContext& k, llvm::Value* x_zero_point) {
  return {k.b.getInt16Ty(), x_zero_point, k.b.getInt32(0)};
}

// The codes form (NodePlan::int8_window_codes, kChannelLanes, kPixelLanes): x - offset as a byte
// (NodePlan::window_code_offset: a uint8 input's codes made int8, x - 128, or an int8
// input's made uint8, x + 128), the zero point's code where a tap is padding. The zero
// point's share of each sum, (x_zero_point - offset) times the row's weight sum, comes
// off with the bias ("bias_folded"): the sum over taps of (x - zp) * w' either way.
WindowForm InputCodes(KernelContext& k, llvm::Value* x_zero_point) {
  llvm::Value* offset = k.b.getInt32(k.plan.window_code_offset);
  return {k.b.getInt8Ty(), offset, k.b.CreateSub(x_zero_point, offset)};
}

// Windows of at most this many taps (or one tap a plane) are copied with their channels
// unrolled.
constexpr int64_t kWindowUnrolledTaps = 64;

// Whether the window whose top left corner is (h_base, w_base) lies wholly inside the image.
llvm::Value* WindowInside(KernelContext& k, const QuantizedConvGeometry& g, llvm::Value* h_base, llvm::Value* w_base) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  return b.CreateAnd(
      b.CreateAnd(b.CreateICmpSGE(h_base, k.Int(0)),
                  b.CreateICmpSLT(b.CreateAdd(h_base, k.Int((s.kernel_h - 1) * s.dilation_h)), k.Int(s.in_h))),
      b.CreateAnd(b.CreateICmpSGE(w_base, k.Int(0)),
                  b.CreateICmpSLT(b.CreateAdd(w_base, k.Int((s.kernel_w - 1) * s.dilation_w)), k.Int(s.in_w))));
}

// body(true) where the window whose top left corner is (h_base, w_base) lies wholly
// inside the image (WindowInside), else body(false): two branches, each its own code.
void ForInsideOrBorder(KernelContext& k, const QuantizedConvGeometry& g, llvm::Value* h_base, llvm::Value* w_base,
                       const std::function<void(bool inside)>& body) {
  llvm::Value* interior = WindowInside(k, g, h_base, w_base);
  k.When(interior, [&] { body(true); });
  k.When(k.b.CreateNot(interior), [&] { body(false); });
}

// Whether input position (ih, iw) lies inside the image (i32 values; negative ones
// compare as large unsigned ones).
llvm::Value* PositionInside(KernelContext& k, const WindowGeometry& s, llvm::Value* ih, llvm::Value* iw) {
  return k.b.CreateAnd(k.b.CreateICmpULT(ih, k.Int(s.in_h)), k.b.CreateICmpULT(iw, k.Int(s.in_w)));
}

// One output pixel's window in `form`, tap t = (c * kernel_h + kh) * kernel_w + kw (the
// weights' order) stored at slot(t) of `window`. `first_plane` is the group's first input
// plane, (h_base, w_base) the window's top left corner. With `plain_inside`, a window
// wholly inside the image is copied without the padding checks (faster, twice the code).
// With `channel_quads`, where the channels stay a loop and come in fours, four of them a
// step, unrolled: for a slot whose quads of taps stay together (slot(4q + u) = 4q +
// slot(u), as StoredTap's), each tap's slot is then a constant offset from the step's.
// With `inside_only`, every window lies inside the image (a quantised band's): copied
// without the checks, and without the border's code.
void EmitWindow(KernelContext& k, const QuantizedConvGeometry& g, InputReader& input, llvm::Value* window,
                llvm::Value* first_plane, llvm::Value* h_base, llvm::Value* w_base, const WindowForm& form,
                const std::function<llvm::Value*(llvm::Value*)>& slot, bool plain_inside, bool channel_quads = false,
                bool inside_only = false) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  // Past kWindowUnrolledTaps taps the channels of a window of several taps a plane stay
  // a loop (unrolled whole, such a window spilled its hoisted addresses to the stack:
  // Cortex-M55 resnet8_int8's code 36% larger), each one's kernel_h x kernel_w taps
  // unrolled; a pointwise window's, one tap a channel, LLVM unrolls as it sees fit.
  const int64_t plane_taps = s.kernel_h * s.kernel_w;
  const bool unrolled = plane_taps == 1 || g.conv.InChannelsPerGroup() * plane_taps <= kWindowUnrolledTaps;
  const int64_t quad = channel_quads && !unrolled && g.conv.InChannelsPerGroup() % 4 == 0 ? 4 : 1;
  auto for_each_tap = [&](const std::function<void(llvm::Value*, llvm::Value*, llvm::Value*, llvm::Value*)>& body) {
    k.Loop(g.conv.InChannelsPerGroup() / quad, [&](llvm::Value* q) {
      for (int64_t j = 0; j < quad; ++j) {
        llvm::Value* c = quad == 1 ? q : b.CreateAdd(b.CreateMul(q, k.Int(quad)), k.Int(j));
        k.LoopNest({s.kernel_h, s.kernel_w}, {{1, 0}, {0, 1}}, [&](llvm::Value* tap, const std::vector<llvm::Value*>& at) {
          body(b.CreateAdd(b.CreateMul(c, k.Int(plane_taps)), tap), c, at[0], at[1]);
        });
      }
    }, /*allow_unrolling=*/unrolled);
  };
  auto fill = [&](bool checked) {
    for_each_tap([&](llvm::Value* t, llvm::Value* c, llvm::Value* kh, llvm::Value* kw) {
      llvm::Value* ih = b.CreateAdd(h_base, b.CreateMul(kh, k.Int(s.dilation_h)));
      llvm::Value* iw = b.CreateAdd(w_base, b.CreateMul(kw, k.Int(s.dilation_w)));
      llvm::Value* offset = b.CreateAdd(b.CreateMul(ih, k.Int(s.in_w)), iw);
      llvm::Value* inside = nullptr;
      if (checked) {  // read a valid element (the plane's first) where the tap is padding
        inside = PositionInside(k, s, ih, iw);
        offset = b.CreateSelect(inside, offset, k.Int(0));
      }
      llvm::Value* value = b.CreateSub(input.Load(input.Index(b.CreateAdd(first_plane, c), offset)), form.subtracted);
      if (checked) value = b.CreateSelect(inside, value, form.padding);
      b.CreateStore(b.CreateTrunc(value, form.element), b.CreateInBoundsGEP(form.element, window, slot(t)));
    });
  };
  if (inside_only || !plain_inside) {
    fill(/*checked=*/!inside_only);
    return;
  }
  ForInsideOrBorder(k, g, h_base, w_base, [&](bool inside) { fill(/*checked=*/!inside); });
}

// Where an output pixel's window lies: the group's first input plane (n * C + group *
// Cg) and the window's top left corner; the group, the image and the pixel (oh * out_w
// + ow, and oh and ow).
struct PixelWindow {
  llvm::Value* first_plane;
  llvm::Value* h_base;
  llvm::Value* w_base;
  llvm::Value* group;
  llvm::Value* n;
  llvm::Value* out_pixel;
  llvm::Value* oh;
  llvm::Value* ow;
};

// For each image, group and output pixel: per_pixel(where its window lies); the pixels'
// loops unrolled where LLVM finds it worth it and `allow_unrolling`.
void ForEachPixel(KernelContext& k, const QuantizedConvGeometry& g,
                  const std::function<void(const PixelWindow&)>& per_pixel, bool allow_unrolling = true) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  k.Loop(s.batch * g.conv.groups, [&](llvm::Value* image_group) {
    llvm::Value* first_plane = b.CreateMul(image_group, k.Int(g.conv.InChannelsPerGroup()));  // n * C + group * Cg
    llvm::Value* group = b.CreateSRem(image_group, k.Int(g.conv.groups));
    llvm::Value* n = b.CreateSDiv(image_group, k.Int(g.conv.groups));
    k.Loop(s.out_h, [&](llvm::Value* oh) {
      llvm::Value* h_base = b.CreateSub(b.CreateMul(oh, k.Int(s.stride_h)), k.Int(s.pad_top));
      k.Loop(s.out_w, [&](llvm::Value* ow) {
        llvm::Value* w_base = b.CreateSub(b.CreateMul(ow, k.Int(s.stride_w)), k.Int(s.pad_left));
        per_pixel({first_plane, h_base, w_base, group, n, b.CreateAdd(b.CreateMul(oh, k.Int(s.out_w)), ow), oh, ow});
      }, allow_unrolling);
    }, allow_unrolling);
  });
}

// For each image and group of a unit pointwise convolution (IsUnitPointwise: its output
// plane is its input's), per_tile(the windows of `pixels` consecutive pixels of the
// plane), the last pixels a smaller tile where they do not divide the plane. The plane
// is taken as one row (the convolution on a 1 x (H * W) plane is the same): pixel p's
// window corner and output position row 0, column p, every window inside (Cortex-M55,
// MobileNet's 64-channel layers 112,062 -> 108,822 instructions against the row and
// column divided out).
void ForEachPixelTile(KernelContext& k, const QuantizedConvGeometry& g, int64_t pixels,
                      const std::function<void(const std::vector<PixelWindow>&)>& per_tile) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  const int64_t plane = s.out_h * s.out_w;
  k.Loop(s.batch * g.conv.groups, [&](llvm::Value* image_group) {
    llvm::Value* first_plane = b.CreateMul(image_group, k.Int(g.conv.InChannelsPerGroup()));  // n * C + group * Cg
    llvm::Value* group = b.CreateSRem(image_group, k.Int(g.conv.groups));
    llvm::Value* n = b.CreateSDiv(image_group, k.Int(g.conv.groups));
    auto tile_from = [&](llvm::Value* first_pixel, int64_t count) {
      std::vector<PixelWindow> tile;
      for (int64_t p = 0; p < count; ++p) {
        llvm::Value* pixel = b.CreateAdd(first_pixel, k.Int(p));
        tile.push_back({first_plane, k.Int(0), pixel, group, n, pixel, k.Int(0), pixel});
      }
      per_tile(tile);
    };
    k.Loop(plane / pixels, [&](llvm::Value* t) { tile_from(b.CreateMul(t, k.Int(pixels)), pixels); },
           /*allow_unrolling=*/false);
    if (plane % pixels != 0) tile_from(k.Int(plane / pixels * pixels), plane % pixels);
  }, /*allow_unrolling=*/false);
}

// For each image, group and output pixel: the pixel's window into `window`
// (EmitWindow), then per_pixel(group, n, out_pixel), out_pixel = oh * out_w + ow.
void ForEachPixelWindow(KernelContext& k, const QuantizedConvGeometry& g, InputReader& input, llvm::Value* window,
                        const WindowForm& form, const std::function<llvm::Value*(llvm::Value*)>& slot,
                        bool plain_inside,
                        const std::function<void(llvm::Value*, llvm::Value*, llvm::Value*)>& per_pixel,
                        bool allow_unrolling = true) {
  ForEachPixel(k, g, [&](const PixelWindow& at) {
    EmitWindow(k, g, input, window, at.first_plane, at.h_base, at.w_base, form, slot, plain_inside);
    per_pixel(at.group, at.n, at.out_pixel);
  }, allow_unrolling);
}

// Where window-dot gathers a window of codes from: the input in place
// (NodePlan::reads_input_in_place), or the quantised band (NodePlan::quantized_band);
// the geometry and layout its taps' offsets follow (WindowTapOffset), and the window's
// top left tap.
struct GatherSource {
  const WindowGeometry& window;
  bool channels_last;
  llvm::Value* corner;  // bytes; not inbounds: the corner of a window in the border lies outside the image
};

GatherSource InPlaceSource(KernelContext& k, const QuantizedConvGeometry& g, InputReader& input,
                           const PixelWindow& at) {
  const WindowGeometry& s = g.conv.window;
  llvm::Value* corner = input.Index(at.first_plane, k.b.CreateAdd(k.b.CreateMul(at.h_base, k.Int(s.in_w)), at.w_base));
  return {s, g.channels_last_input, k.b.CreateGEP(k.Elem(g.x_type), k.in[g.x_input], corner)};
}

// Window-dot's gathered window (NodePlan::reads_input_in_place or quantized_band on
// Helium's int8 codes, lowering/quantized_product_lowering.h): the window at `at` in
// `form`, 16 taps a vector of int8 codes (tap t in lane t % 16 of vector t / 16, the
// weights' order), each vector one predicated gather of bytes at constant offsets from
// the window's corner in `from` (two of halfword offsets, the even and the odd taps,
// joined, where the plan says window_gather_halfwords), on the lanes of both the output
// row's and the output column's masks ("gather_masks"); the other lanes (padding, past
// the last tap) take the zero point's code. A window `inside` the image (WindowInside;
// every window of the band) is gathered on every lane, without masks or selects: its
// lanes past the last tap read the corner, and their weights are zeros.
std::vector<llvm::Value*> GatherWindowCodes(KernelContext& k, const QuantizedConvGeometry& g, const GatherSource& from,
                                            const PixelWindow& at, const WindowForm& form, bool inside) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i16 = b.getInt16Ty();
  const int64_t lanes = kHeliumByteDotLanes;
  const int64_t taps = g.conv.InChannelsPerGroup() * s.kernel_h * s.kernel_w, vectors = WindowDotTaps(taps) / lanes;
  auto* vector = llvm::FixedVectorType::get(i8, lanes);
  auto* predicate = llvm::FixedVectorType::get(b.getInt1Ty(), lanes);
  llvm::Value* base = from.corner;
  llvm::Value* row_masks = nullptr;  // a window in the border's
  llvm::Value* column_masks = nullptr;
  if (!inside) {
    llvm::Value* masks = k.PreparedConstant("gather_masks");
    row_masks = b.CreateInBoundsGEP(i16, masks, b.CreateMul(at.oh, k.Int(vectors)));
    column_masks = b.CreateInBoundsGEP(i16, masks, b.CreateMul(b.CreateAdd(at.ow, k.Int(s.out_h)), k.Int(vectors)));
  }
  llvm::Value* offset = b.CreateVectorSplat(lanes, b.getInt8(static_cast<uint8_t>(k.plan.window_code_offset)));
  auto tap_offset = [&](int64_t t) { return t < taps ? WindowTapOffset(from.window, from.channels_last, t) : 0; };
  // Bytes into `type`'s lanes: every lane inside, else those of `mask` (a bit a lane) only.
  auto gather = [&](llvm::FixedVectorType* type, llvm::Value* offsets, llvm::Value* mask) {
    if (inside) return EmitByteGather(b, type, base, offsets);
    auto* lane_predicate = llvm::FixedVectorType::get(b.getInt1Ty(), type->getNumElements());
    return EmitByteGather(b, type, base, offsets,
                          b.CreateIntrinsic(llvm::Intrinsic::arm_mve_pred_i2v, {lane_predicate}, {mask}));
  };
  std::vector<llvm::Value*> codes;
  for (int64_t v = 0; v < vectors; ++v) {
    llvm::Value* mask =
        inside ? b.getInt32(0xffff)
               : b.CreateZExt(b.CreateAnd(b.CreateLoad(i16, b.CreateInBoundsGEP(i16, row_masks, k.Int(v))),
                                          b.CreateLoad(i16, b.CreateInBoundsGEP(i16, column_masks, k.Int(v)))),
                              b.getInt32Ty());
    llvm::Value* gathered;
    if (k.plan.window_gather_halfwords) {
      // Halfword lane j of the first gather the vector's tap 2j, of the second 2j + 1,
      // each lane's predicate bits both its tap's (mask bit 2j or 2j + 1, spread over two
      // bits by * 3); the second's codes into the high bytes (VSLI.16 #8): byte lane 2j
      // the first's, 2j + 1 the second's, the taps' order.
      auto* halves = llvm::FixedVectorType::get(i16, lanes / 2);
      std::vector<llvm::Value*> parts;
      for (int64_t part = 0; part < 2; ++part) {
        std::vector<llvm::Constant*> offsets;
        for (int64_t j = 0; j < lanes / 2; ++j) {
          offsets.push_back(b.getInt16(static_cast<uint16_t>(tap_offset(v * lanes + 2 * j + part))));
        }
        llvm::Value* part_mask = b.CreateMul(b.CreateAnd(b.CreateLShr(mask, part), b.getInt32(0x5555)), b.getInt32(3));
        parts.push_back(gather(halves, llvm::ConstantVector::get(offsets), part_mask));
      }
      gathered = JoinHalfwordGathers(b, parts[0], parts[1]);
    } else {
      std::vector<llvm::Constant*> offsets;
      for (int64_t t = v * lanes; t < (v + 1) * lanes; ++t) {
        offsets.push_back(b.getInt8(static_cast<uint8_t>(tap_offset(t))));
      }
      gathered = gather(vector, llvm::ConstantVector::get(offsets), mask);
    }
    if (inside) {
      codes.push_back(b.CreateSub(gathered, offset));
      continue;
    }
    llvm::Value* lanes_inside = b.CreateIntrinsic(llvm::Intrinsic::arm_mve_pred_i2v, {predicate}, {mask});
    llvm::Value* padding = b.CreateVectorSplat(lanes, b.CreateTrunc(form.padding, i8));
    codes.push_back(b.CreateSelect(lanes_inside, b.CreateSub(gathered, offset), padding));
  }
  return codes;
}

// NodePlan::quantized_band (lowering/quantized_product_lowering.h): for each image n and
// output row oh, the band "quantized_band" made ready, then per_row(n, oh, the band).
// The band holds channel c's band row r at (c * rows + r) * width (QuantizedBandWindow:
// rows and width), input row oh * stride_h - pad_top + r at output row oh, its codes
// from column pad_left: output column ow's window has its corner at column ow *
// stride_w of the group's first channel's rows. The zero point's code fills it once an
// image (the side padding, which nothing writes again); then per output row the rows
// that it shares with the previous one (rows - stride_h of them, where positive) move
// up, and the others are quantised, those outside the image the zero point's code.
void ForEachBandRow(KernelContext& k, const QuantizedConvGeometry& g, InputReader& input, llvm::Value* x_zero_point,
                    const std::function<void(llvm::Value*, llvm::Value*, llvm::Value*)>& per_row) {
  const WindowGeometry& s = g.conv.window;
  const WindowGeometry band = QuantizedBandWindow(s);
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  const int64_t rows = band.in_h, width = band.in_w, kept = std::max<int64_t>(rows - s.stride_h, 0);
  llvm::Value* codes = k.Workspace("quantized_band", QuantizedBandBytes(s));
  llvm::Value* zero_point_code = b.CreateTrunc(x_zero_point, i8);
  auto band_row = [&](llvm::Value* c, llvm::Value* r) {  // its first code's place
    return b.CreateInBoundsGEP(i8, codes, b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(c, k.Int(rows)), r),
                                                                  k.Int(width)), k.Int(s.pad_left)));
  };
  k.Loop(s.batch, [&](llvm::Value* n) {
    b.CreateMemSet(codes, zero_point_code, QuantizedBandBytes(s), llvm::Align(1));
    k.Loop(s.out_h, [&](llvm::Value* oh) {
      llvm::Value* h_base = b.CreateSub(b.CreateMul(oh, k.Int(s.stride_h)), k.Int(s.pad_top));
      llvm::Value* first_row = k.Int(0);  // the first band row quantised
      if (kept > 0) {
        llvm::Value* later = b.CreateICmpSGT(oh, k.Int(0));
        k.When(later, [&] {
          k.Loop(s.channels, [&](llvm::Value* c) {
            llvm::Value* to = band_row(c, k.Int(0));
            llvm::Value* from = band_row(c, k.Int(s.stride_h));
            k.Loop(kept * width - s.pad_left - s.pad_right, [&](llvm::Value* j) {  // forward: `to` lies before `from`
              b.CreateStore(b.CreateLoad(i8, b.CreateInBoundsGEP(i8, from, j)), b.CreateInBoundsGEP(i8, to, j));
            });
          });
        });
        first_row = b.CreateSelect(later, k.Int(kept), k.Int(0));
      }
      k.Loop(first_row, k.Int(rows), [&](llvm::Value* r) {
        llvm::Value* ih = b.CreateAdd(h_base, r);
        llvm::Value* inside = b.CreateICmpULT(ih, k.Int(s.in_h));  // (a negative one compares large)
        k.Loop(s.channels, [&](llvm::Value* c) {
          llvm::Value* to = band_row(c, r);
          k.When(inside, [&] {
            llvm::Value* plane = b.CreateAdd(b.CreateMul(n, k.Int(s.channels)), c);
            llvm::Value* row_start = b.CreateMul(ih, k.Int(s.in_w));
            k.IndependentLoop(s.in_w, [&](llvm::Value* iw) {
              llvm::Value* code = input.Load(input.Index(plane, b.CreateAdd(row_start, iw)));
              b.CreateStore(b.CreateTrunc(code, i8), b.CreateInBoundsGEP(i8, to, iw));
            });
          });
          k.When(b.CreateNot(inside), [&] { b.CreateMemSet(to, zero_point_code, s.in_w, llvm::Align(1)); });
        });
      }, /*allow_unrolling=*/false);
      per_row(n, oh, codes);
    }, /*allow_unrolling=*/false);
  }, /*allow_unrolling=*/false);
}

// Where in ForEachBandRow's band (`band_codes`) the window lies whose group's first
// channel is first_plane and whose corner is band column w_base (ow * stride_w).
llvm::Value* BandCorner(KernelContext& k, const WindowGeometry& s, llvm::Value* band_codes, llvm::Value* first_plane,
                        llvm::Value* w_base) {
  const WindowGeometry band = QuantizedBandWindow(s);
  llvm::IRBuilder<>& b = k.b;
  return b.CreateInBoundsGEP(b.getInt8Ty(), band_codes,
                             b.CreateAdd(b.CreateMul(first_plane, k.Int(band.in_h * band.in_w)), w_base));
}

// A quantised band's geometry as a convolution's (NodePlan::quantized_band): its input
// the band's codes, planar (QuantizedBandWindow), the rest g's.
QuantizedConvGeometry BandGeometry(const QuantizedConvGeometry& g) {
  QuantizedConvGeometry band = g;
  band.conv.window = QuantizedBandWindow(g.conv.window);
  band.quantizes_input = false;
  band.channels_last_input = false;
  return band;
}

// What GatherChannelRun adds to a run's gathered codes (bytes of `form`): less the
// offset, or the padding's code where a position lies outside the image.
struct ChannelRunAddends {
  llvm::Value* less_offset;
  llvm::Value* padding;
};

ChannelRunAddends ChannelRunAddendsOf(llvm::IRBuilder<>& b, const WindowForm& form) {
  return {b.CreateNeg(b.CreateTrunc(form.subtracted, b.getInt8Ty())), b.CreateTrunc(form.padding, b.getInt8Ty())};
}

// The window's codes of kChannelRunLanes input channels at one kernel position, the
// first channel's element at `base` (lane l channel ChannelRunLaneChannel(l)): two
// VLDRB.U16 gathers of 8 codes a plane apart, the second's shifted into the high bytes
// by VSLI, plus addends.less_offset. Where `position_inside` is given, the gathers are
// predicated on it and addends.padding is added where it is false (the gathers' lanes
// zero). (The codes replaced by a select, LLVM branched on each position and repeated
// the dot products on either side.)
llvm::Value* GatherChannelRun(llvm::IRBuilder<>& b, const WindowGeometry& s, llvm::Value* base,
                              const ChannelRunAddends& addends, llvm::Value* position_inside) {
  const int64_t lanes = kChannelRunLanes, half = lanes / 2;
  std::vector<llvm::Value*> parts;
  for (int64_t part = 0; part < 2; ++part) {
    std::vector<llvm::Constant*> offsets;
    for (int64_t j = 0; j < half; ++j) {
      offsets.push_back(b.getInt16(static_cast<uint16_t>(ChannelRunLaneChannel(2 * j + part) * s.in_h * s.in_w)));
    }
    parts.push_back(EmitByteGather(b, llvm::FixedVectorType::get(b.getInt16Ty(), half), base,
                                   llvm::ConstantVector::get(offsets),
                                   position_inside ? b.CreateVectorSplat(half, position_inside) : nullptr));
  }
  llvm::Value* codes = JoinHalfwordGathers(b, parts[0], parts[1]);
  llvm::Value* added =
      position_inside ? b.CreateSelect(position_inside, addends.less_offset, addends.padding) : addends.less_offset;
  return b.CreateAdd(codes, b.CreateVectorSplat(lanes, added));
}

// Window-dot's window copied by gathers (NodePlan::window_copy_gathers, Helium's int8
// codes of a planar input, lowering/quantized_product_lowering.h): the window at `at`
// into `window` in `form`, tap t = c * plane_taps + position (the weights' order),
// kChannelRunLanes input channels at a kernel position at a time (GatherChannelRun),
// stored by one VSTRB.8 scatter at their slots. A window `inside` the image runs the
// runs of channels in a loop, the positions unrolled in it; one in the border runs the
// positions in a loop, each one's gathers predicated on its lying inside the image, the
// runs in a loop in it (Cortex-M55, resnet8_int8's 32- and 64-channel 3x3 layers: 1.44
// and 6.1 instructions a code for the copy code by code, inside and in the border).
void EmitWindowByChannelGathers(KernelContext& k, const QuantizedConvGeometry& g, InputReader& input,
                                llvm::Value* window, const PixelWindow& at, const WindowForm& form, bool inside) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  const int64_t lanes = kChannelRunLanes, plane_taps = s.kernel_h * s.kernel_w;
  std::vector<llvm::Constant*> slot_offsets;
  for (int64_t lane = 0; lane < lanes; ++lane) {
    slot_offsets.push_back(b.getInt8(static_cast<uint8_t>(ChannelRunLaneChannel(lane) * plane_taps)));
  }
  llvm::Value* slots = llvm::ConstantVector::get(slot_offsets);
  const ChannelRunAddends addends = ChannelRunAddendsOf(b, form);
  // Run `run`'s codes at element `offset` of their planes, each stored at slot `tap` of
  // its channel's taps.
  auto copy_run = [&](llvm::Value* run, llvm::Value* offset, llvm::Value* tap, llvm::Value* position_inside) {
    llvm::Value* run_plane = b.CreateAdd(at.first_plane, b.CreateMul(run, k.Int(lanes)));
    llvm::Value* base = b.CreateGEP(k.Elem(g.x_type), k.in[g.x_input], input.Index(run_plane, offset));
    llvm::Value* run_slots = b.CreateGEP(i8, window, b.CreateAdd(b.CreateMul(run, k.Int(lanes * plane_taps)), tap));
    llvm::Value* codes = GatherChannelRun(b, s, base, addends, position_inside);
    b.CreateIntrinsic(llvm::Intrinsic::arm_mve_vstr_scatter_offset,
                      {window->getType(), slots->getType(), codes->getType()},
                      {run_slots, slots, codes, b.getInt32(8), b.getInt32(0)});
  };
  const int64_t runs = g.conv.InChannelsPerGroup() / lanes;
  auto offset_of = [&](llvm::Value* ih, llvm::Value* iw) { return b.CreateAdd(b.CreateMul(ih, k.Int(s.in_w)), iw); };
  if (inside) {
    k.Loop(runs, [&](llvm::Value* run) {
      for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
        for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
          copy_run(run,
                   offset_of(b.CreateAdd(at.h_base, k.Int(kh * s.dilation_h)),
                             b.CreateAdd(at.w_base, k.Int(kw * s.dilation_w))),
                   k.Int(kh * s.kernel_w + kw), nullptr);
        }
      }
    }, /*allow_unrolling=*/false);
    return;
  }
  const Shape positions = {s.kernel_h, s.kernel_w};
  k.LoopNest(positions, {{1, 0}, {0, 1}}, [&](llvm::Value* tap, const std::vector<llvm::Value*>& position) {
    llvm::Value* ih = b.CreateAdd(at.h_base, b.CreateMul(position[0], k.Int(s.dilation_h)));
    llvm::Value* iw = b.CreateAdd(at.w_base, b.CreateMul(position[1], k.Int(s.dilation_w)));
    llvm::Value* position_inside = PositionInside(k, s, ih, iw);
    llvm::Value* offset = offset_of(ih, iw);
    k.Loop(runs, [&](llvm::Value* run) { copy_run(run, offset, tap, position_inside); }, /*allow_unrolling=*/false);
  });
}

// Window-dot's channel runs (NodePlan::window_channel_runs on Helium's int8 codes,
// lowering/quantized_product_lowering.h): sums[c] += the window at `at` in `form` dotted
// with rows[c], kernel row by kernel row and in each run by run of kChannelRunLanes
// input channels (one loop), each row's positions unrolled: per position the run's
// codes (GatherChannelRun), its 16 weights of each row at the step's offset (the
// block's rows side by side, ChannelRunWeightIndex).
// Unless the window lies `inside` the image, the gathers are predicated on the
// position's lying inside and the zero point's code added where it does not, each
// kernel row's positions written out (Cortex-M55, TFLite ResNet-8: 3.46 -> 3.43 M
// instructions for 848 bytes of code).
// Called once per block of output channels: the input's address passes through an
// empty inline assembly statement first, so that LLVM gathers the window again for
// each block instead of hoisting the gathers out of the blocks' loop and keeping the
// window on the stack (Cortex-M55, TFLite ResNet-8: 1,136 bytes of stack).
void EmitChannelRunDots(KernelContext& k, const QuantizedConvGeometry& g, InputReader& input, const PixelWindow& at,
                        bool inside, const WindowForm& form, const std::vector<llvm::Value*>& rows,
                        const std::vector<llvm::Value*>& sums) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  static_assert(kChannelRunLanes == kHeliumByteDotLanes, "a run's codes are one step of the dot products");
  const int64_t lanes = kChannelRunLanes;
  const ChannelRunAddends addends = ChannelRunAddendsOf(b, form);
  llvm::Value* x = OpaqueToOptimizer(b, k.in[g.x_input]);
  // Kernel rows and runs in one loop (nested, LLVM kept a pointer per row of weights and
  // kernel column, and spilled them: Cortex-M55, TFLite ResNet-8's 32-channel layer 1.13 M
  // instructions, against 0.84 M so, 2026-12-05), the runs inner: a power of two of them
  // splits the count by a shift and a mask, where the kernel's 3 rows took compares and
  // spills (that layer 662,126 -> 642,564 instructions, 2026-12-06).
  const int64_t runs = g.conv.InChannelsPerGroup() / lanes;
  k.Loop(runs * s.kernel_h, [&](llvm::Value* row_run) {
    // With LE, LLVM moved one of 8 sums in and out of a spare register, 4 MOVs a kernel
    // position (Cortex-M55, TFLite ResNet-8: 3.70 -> 3.46 M instructions).
    KeepLoopOrdinaryForSums(k, sums.size());
    llvm::Value* run = b.CreateURem(row_run, k.Int(runs));
    llvm::Value* kh = b.CreateUDiv(row_run, k.Int(runs));
    llvm::Value* first = input.Index(b.CreateAdd(at.first_plane, b.CreateMul(run, k.Int(lanes))), k.Int(0));
    llvm::Value* ih = b.CreateAdd(at.h_base, b.CreateMul(kh, k.Int(s.dilation_h)));
    llvm::Value* row = b.CreateAdd(first, b.CreateMul(ih, k.Int(s.in_w)));
    auto position_at = [&](llvm::Value* kw) {
      llvm::Value* iw = b.CreateAdd(at.w_base, b.CreateMul(kw, k.Int(s.dilation_w)));
      llvm::Value* base = b.CreateGEP(k.Elem(g.x_type), x, b.CreateAdd(row, iw));
      llvm::Value* position_inside = inside ? nullptr : PositionInside(k, s, ih, iw);
      llvm::Value* codes = GatherChannelRun(b, s, base, addends, position_inside);
      llvm::Value* position = b.CreateAdd(b.CreateMul(row_run, k.Int(s.kernel_w)), kw);
      EmitHeliumByteDotStep(k, {codes}, b.CreateMul(position, k.Int(lanes * static_cast<int64_t>(rows.size()))), rows,
                            sums);
    };
    // The positions of a window that leaves the image written out: as a loop, LLVM made
    // it a low-overhead one whose count took r14 from the sums (kept an ordinary loop,
    // TFLite ResNet-8 3.46 M instructions, as before).
    if (inside) {
      k.Loop(s.kernel_w, position_at);
    } else {
      for (int64_t kw = 0; kw < s.kernel_w; ++kw) position_at(k.Int(kw));
    }
  }, /*allow_unrolling=*/false);
}

// QuantizedProductKernel::kDspPairs (lowering/quantized_product_lowering.h): per
// NodePlan::tiles.pixels consecutive output pixels (an odd last one alone), each one's
// window (x - x_zero_point as int16, 0 outside the image) into "window_pairs", one after
// the other (NodePlan::int8_window_codes: the input's codes, the zero point's where a tap
// is padding, into "window_codes"); then two output channels at a time, their sums
// started at their biases, each 4 taps as two SMLADs a pixel of 32-bit window loads
// (unpacked where they hold codes) and SXTB16 of 4 int8 weights, unpacked once for all
// the pixels; the taps past the last whole 4 one at a time.
void EmitDspPairsConv(KernelContext& k, const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i32 = b.getInt32Ty();
  const int64_t channels = g.conv.InChannelsPerGroup(), per_group = g.conv.OutChannelsPerGroup();
  // NodePlan::int8_window_codes: each window the input's codes, in the bytes of half an
  // int16 window; the zero point's share off the prepared biases.
  const bool codes = k.plan.int8_window_codes;
  const int64_t taps = channels * s.kernel_h * s.kernel_w, window_bytes = WindowPairsBytes(taps) / (codes ? 2 : 1);
  const int64_t pixels = std::max<int64_t>(k.plan.tiles.pixels, 1), out_pixels = s.out_h * s.out_w;
  llvm::Value* workspace = k.Workspace(codes ? "window_codes" : "window_pairs", pixels * window_bytes);
  std::vector<llvm::Value*> windows, sums;
  for (int64_t p = 0; p < pixels; ++p) {
    windows.push_back(b.CreateInBoundsGEP(b.getInt8Ty(), workspace, k.Int(p * window_bytes)));
    if (!codes) EmitZeroWindowTail(k, windows.back(), taps);
    for (int i = 0; i < 2; ++i) sums.push_back(k.EntryAlloca(i32));
  }
  llvm::Value* x_zero_point = EmitLoadZeroPoint(k, g.x, k.Int(0));
  const WindowForm form = codes ? InputCodes(k, x_zero_point) : CentredInt16(k, x_zero_point);
  const PairsWindow pairs_window = !codes                          ? PairsWindow::kCentredInt16
                                   : g.x_type == DataType::kUInt8 ? PairsWindow::kUInt8Codes
                                                                  : PairsWindow::kInt8Codes;
  InputReader input(k, g);
  ChannelOutput output(k, g);
  if (codes) output.UseBiases(k.PreparedConstant("bias_folded"));
  auto slot = [&](llvm::Value* t) { return codes ? t : EmitStoredTap(b, t); };
  // Output pixels first .. first + count - 1 (oh * out_w + ow) of image n and `group`:
  // their windows (copy_window(pixel, window)), then every output channel of the group
  // at them.
  auto pixels_from = [&](llvm::Value* n, llvm::Value* group, llvm::Value* first, int64_t count,
                         const std::function<void(llvm::Value*, llvm::Value*)>& copy_window) {
    std::vector<llvm::Value*> pixel;
    for (int64_t p = 0; p < count; ++p) {
      pixel.push_back(b.CreateAdd(first, k.Int(p)));
      copy_window(pixel[p], windows[p]);
    }
    // Output channels `count_channels` (1 or 2) from group * per_group + first_channel;
    // the sum of pixel p and channel i in tile_sums[p * count_channels + i].
    auto channels_from = [&](llvm::Value* first_channel, int count_channels) {
      std::vector<llvm::Value*> m, tile_sums;
      for (int i = 0; i < count_channels; ++i) {
        m.push_back(b.CreateAdd(b.CreateMul(group, k.Int(per_group)), b.CreateAdd(first_channel, k.Int(i))));
      }
      // Each channel's sums start at its bias (Finish's bias_in_sum).
      std::vector<llvm::Value*> biases;
      for (int i = 0; i < count_channels; ++i) biases.push_back(output.LoadBias(m[i]));
      for (int64_t p = 0; p < count; ++p) {
        for (int i = 0; i < count_channels; ++i) {
          tile_sums.push_back(sums[p * 2 + i]);
          b.CreateStore(biases[i], tile_sums.back());
        }
      }
      EmitPairsDotProducts(k, {windows[0], count, window_bytes}, k.in[g.w_input], {m[0], count_channels, taps}, taps,
                           tile_sums, pairs_window);
      for (int i = 0; i < count_channels; ++i) {
        output.Channel(m[i]);
        for (int64_t p = 0; p < count; ++p) {
          llvm::Value* at = output.Position(n, m[i], pixel[p]);
          llvm::Value* sum = b.CreateLoad(i32, tile_sums[p * count_channels + i]);
          k.StoreAs(output.Type(), output.Finish(sum, at, /*bias_in_sum=*/true), k.out[0], at);
        }
      }
    };
    k.Loop(per_group / 2, [&](llvm::Value* pair) { channels_from(b.CreateMul(pair, k.Int(2)), 2); },
           /*allow_unrolling=*/false);
    if (per_group % 2 != 0) channels_from(k.Int(per_group - 1), 1);
  };
  // The tiles of `pixels` from `first` through `count` pixels, the last one smaller.
  auto tiles_of = [&](llvm::Value* n, llvm::Value* group, llvm::Value* first, int64_t count,
                      const std::function<void(llvm::Value*, llvm::Value*)>& copy_window) {
    k.Loop(count / pixels, [&](llvm::Value* tile) {
      pixels_from(n, group, b.CreateAdd(first, b.CreateMul(tile, k.Int(pixels))), pixels, copy_window);
    }, /*allow_unrolling=*/false);
    if (count % pixels != 0) {
      pixels_from(n, group, b.CreateAdd(first, k.Int(count - count % pixels)), count % pixels, copy_window);
    }
  };
  if (k.plan.quantized_band) {
    // Each output row's tiles from the band (its windows all inside it, its tiles within
    // the row).
    const QuantizedConvGeometry band = BandGeometry(g);
    // Each window's corner passes through OpaqueToOptimizer, its taps then read at
    // constant offsets from it (else LLVM kept an address per tap across the loop and
    // spilled them: Cortex-M4, MobileNet's first layer 80 bytes of stack).
    ForEachBandRow(k, g, input, x_zero_point, [&](llvm::Value* n, llvm::Value* oh, llvm::Value* band_codes) {
      llvm::Value* row_first = b.CreateMul(oh, k.Int(s.out_w));
      k.Loop(g.conv.groups, [&](llvm::Value* group) {
        llvm::Value* first_plane = b.CreateMul(group, k.Int(channels));
        tiles_of(n, group, row_first, s.out_w, [&](llvm::Value* pixel, llvm::Value* window) {
          llvm::Value* w_base = b.CreateMul(b.CreateSub(pixel, row_first), k.Int(s.stride_w));
          llvm::Value* corner = OpaqueToOptimizer(b, BandCorner(k, s, band_codes, first_plane, w_base));
          InputReader window_input(k, band, corner);
          EmitWindow(k, band, window_input, window, k.Int(0), k.Int(0), k.Int(0), form, slot,
                     /*plain_inside=*/true, /*channel_quads=*/k.plan.window_copy_unrolled, /*inside_only=*/true);
        });
      }, /*allow_unrolling=*/false);
    });
    return;
  }
  k.Loop(s.batch * g.conv.groups, [&](llvm::Value* image_group) {
    llvm::Value* first_plane = b.CreateMul(image_group, k.Int(channels));  // n * C + group * Cg
    llvm::Value* group = b.CreateSRem(image_group, k.Int(g.conv.groups));
    llvm::Value* n = b.CreateSDiv(image_group, k.Int(g.conv.groups));
    tiles_of(n, group, k.Int(0), out_pixels, [&](llvm::Value* pixel, llvm::Value* window) {
      llvm::Value* oh = b.CreateUDiv(pixel, k.Int(s.out_w));
      llvm::Value* ow = b.CreateURem(pixel, k.Int(s.out_w));
      llvm::Value* h_base = b.CreateSub(b.CreateMul(oh, k.Int(s.stride_h)), k.Int(s.pad_top));
      llvm::Value* w_base = b.CreateSub(b.CreateMul(ow, k.Int(s.stride_w)), k.Int(s.pad_left));
      EmitWindow(k, g, input, window, first_plane, h_base, w_base, form, slot,
                 /*plain_inside=*/k.plan.window_copy_unrolled, /*channel_quads=*/k.plan.window_copy_unrolled);
    });
  });
}

// How window-dot's products of kWindowDotLanes taps join the sums, by what the target
// does best: x86 with AVX2 sums them in pairs as it makes them (VPMADDWD: each pair's
// sum, at most 2 * 255 * 255, fits its int32 lane), into 8 int32 lanes;
// Helium sums each 8 int16 products (VMLADAVA.S16 on 8 taps loaded as such), or 16 int8
// ones (VMLADAVA.S8, NodePlan::int8_window_codes), into one scalar; elsewhere 16 int32
// lanes. The lanes are summed once, after the last step.
enum class WindowDotSums { kLanes, kPairedLanes, kScalar };

// Helium's window-dot steps stay a loop past this many taps: unrolled further, its
// loads spill registers (lenet_int8's 160-tap layer: 600 bytes of stack).
constexpr int64_t kHeliumUnrolledTaps = 64;

WindowDotSums WindowDotSumsFor(const TargetDescription& target) {
  if (target.x86_int16_pairs) return WindowDotSums::kPairedLanes;
  return target.helium ? WindowDotSums::kScalar : WindowDotSums::kLanes;
}

// QuantizedProductKernel::kWindowDot (lowering/quantized_product_lowering.h): per output
// pixel, its window into the workspace (x - x_zero_point as int16 in "window_int16", 0
// outside the image and past the last tap; or, NodePlan::int8_window_codes, the codes as
// int8 in "window_codes", or gathered into vector registers where the plan reads the
// input in place or quantises a band of its rows, GatherWindowCodes), then per output
// channel of its group the dot product with its row of "weights_int8" or
// "weights_int16" (w - w_zero_point, whichever the plan prepared), kWindowDotLanes
// products a step (WindowDotSums). By
// channel runs (NodePlan::window_channel_runs) each block of output channels gathers
// the window as it goes instead (EmitChannelRunDots). With NodePlan::tiles.pixels (a
// unit pointwise layer copying by channel runs, WindowDotTilesPixels) consecutive
// pixels of the plane a tile (ForEachPixelTile), their windows side by side, each
// block's weights loaded once for them (EmitHeliumByteDotTile where one statement
// holds the block, else EmitHeliumByteDots over the tile's windows).
void EmitWindowDotConv(KernelContext& k, const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i32 = b.getInt32Ty();
  const int64_t channels = g.conv.InChannelsPerGroup(), per_group = g.conv.OutChannelsPerGroup();
  const int64_t taps = channels * s.kernel_h * s.kernel_w, padded = WindowDotTaps(taps);
  const bool codes = k.plan.int8_window_codes;
  const bool int8_weights = k.plan.FindConstant("weights_int8") != nullptr;
  // Helium's int8 codes: kWindowDotChannels output channels at a time (kChannelRunBlock
  // by channel runs), the group's last ones in smaller blocks (ChannelRunBlock,
  // WindowDotBlock), each 16 taps of the window loaded once for them
  // (EmitHeliumByteDots), each block's rows of weights side by side. The window
  // gathered into registers where the plan reads the input in place (planned on int8
  // codes and weights only), else in the workspace.
  const bool channel_blocks = codes && int8_weights;
  const bool gathered = (k.plan.reads_input_in_place || k.plan.quantized_band) && channel_blocks;
  const bool channel_runs = gathered && k.plan.window_channel_runs;
  const int64_t most_channels = channel_runs ? kChannelRunBlock : kWindowDotChannels;  // a block's
  llvm::Value* x_zero_point = EmitLoadZeroPoint(k, g.x, k.Int(0));
  const WindowForm form = codes ? InputCodes(k, x_zero_point) : CentredInt16(k, x_zero_point);
  // NodePlan::tiles.pixels windows side by side, each block's weights loaded once for all.
  const int64_t pixels = std::max<int64_t>(k.plan.tiles.pixels, 1);
  llvm::Value* window =
      gathered ? nullptr : k.Workspace(codes ? "window_codes" : "window_int16", pixels * padded * (codes ? 1 : 2));
  llvm::Type* weight = int8_weights ? b.getInt8Ty() : b.getInt16Ty();
  llvm::Value* weights = k.PreparedConstant(int8_weights ? "weights_int8" : "weights_int16");
  // Pixel p's window of a tile (p 0: the window).
  auto window_of = [&](int64_t p) {
    return p == 0 ? window : b.CreateInBoundsGEP(form.element, window, k.Int(p * padded));
  };
  for (int64_t p = 0; window && p < pixels; ++p) {
    for (int64_t t = p * padded + taps; t < (p + 1) * padded; ++t) {
      b.CreateStore(llvm::Constant::getNullValue(form.element), b.CreateInBoundsGEP(form.element, window, k.Int(t)));
    }
  }
  InputReader input(k, g);
  ChannelOutput output(k, g);
  if (codes) output.UseBiases(k.PreparedConstant("bias_folded"));
  // The codes form is planned for Helium's int8 VMLADAVA only (int8_vector_dot).
  const WindowDotSums sums_form = codes ? WindowDotSums::kScalar : WindowDotSumsFor(k.target);
  // Taps loaded at a time, and the sums' type.
  const int64_t loaded = sums_form == WindowDotSums::kScalar && !codes ? 8 : kWindowDotLanes;
  llvm::Type* sums_type = sums_form == WindowDotSums::kScalar        ? i32
                          : sums_form == WindowDotSums::kPairedLanes ? llvm::FixedVectorType::get(i32, loaded / 2)
                                                                     : llvm::FixedVectorType::get(i32, loaded);
  auto* x_vector = llvm::FixedVectorType::get(form.element, loaded);
  auto* w_vector = llvm::FixedVectorType::get(weight, loaded);
  auto* products_vector = llvm::FixedVectorType::get(i32, loaded);
  llvm::Value* sums = k.EntryAlloca(sums_type, llvm::Align(16));
  std::vector<llvm::Value*> block_sums;
  for (int64_t c = 0; channel_blocks && c < pixels * most_channels; ++c) block_sums.push_back(k.EntryAlloca(i32));
  std::vector<llvm::Value*> window_vectors;  // the gathered window's
  const PixelWindow* pixel_window = nullptr;  // the channel runs' pixel, and whether its window lies inside
  bool window_inside = false;
  // A block's `count` output channels from `first` at each of the output pixels (one, or
  // a tile's: their windows side by side in `window`).
  auto channels_from = [&](llvm::Value* n, const std::vector<llvm::Value*>& out_pixels, llvm::Value* first,
                           int64_t count) {
    std::vector<llvm::Value*> rows, sums_of_block;  // sums_of_block[p * count + c]: pixel p's channel c
    // A tile's block addresses its weights from one pointer: the inline assembly's
    // (EmitHeliumByteDotTile), else one opaque to LLVM's loop strength reduction (which
    // kept a pointer a row and spilled them).
    const int64_t tile_pixels = static_cast<int64_t>(out_pixels.size()), steps = padded / kWindowDotLanes;
    const bool tile = tile_pixels > 1;
    const bool tile_statement = tile && HeliumByteDotTileFits(padded, tile_pixels, count, steps);
    llvm::Value* block_weights = weights;
    llvm::Value* block_first = first;
    if (tile) {
      block_weights = b.CreateInBoundsGEP(weight, weights, b.CreateMul(first, k.Int(padded)));
      if (!tile_statement) block_weights = OpaqueToOptimizer(b, block_weights);
      block_first = k.Int(0);
    }
    for (int64_t c = 0; c < count; ++c) {
      // A block keeps each step's rows side by side (ChannelRunWeightIndex, WindowDotWeightIndex).
      llvm::Value* row = b.CreateAdd(b.CreateMul(block_first, k.Int(padded)), k.Int(c * kWindowDotLanes));
      rows.push_back(b.CreateInBoundsGEP(weight, block_weights, row));
    }
    for (size_t p = 0; p < out_pixels.size(); ++p) {
      for (int64_t c = 0; c < count; ++c) {
        sums_of_block.push_back(block_sums[p * most_channels + c]);
        b.CreateStore(b.getInt32(0), sums_of_block.back());
      }
    }
    if (channel_runs) {
      EmitChannelRunDots(k, g, input, *pixel_window, window_inside, form, rows, sums_of_block);
    } else if (gathered) {
      EmitHeliumByteDots(k, window_vectors, rows, count * kWindowDotLanes, sums_of_block);
    } else if (tile_statement) {
      const std::vector<llvm::Value*> sums =
          EmitHeliumByteDotTile(k, window, padded, tile_pixels, block_weights, count, steps);
      for (size_t s = 0; s < sums.size(); ++s) b.CreateStore(sums[s], sums_of_block[s]);
    } else {
      std::vector<llvm::Value*> windows;
      for (int64_t p = 0; p < tile_pixels; ++p) windows.push_back(window_of(p));
      EmitHeliumByteDots(k, windows, rows, count * kWindowDotLanes, steps, sums_of_block,
                         /*allow_unrolling=*/padded <= kHeliumUnrolledTaps);
    }
    for (size_t p = 0; p < out_pixels.size(); ++p) {
      llvm::Value* out_pixel = out_pixels[p];
      auto sum_of = [&](int64_t c) { return b.CreateLoad(i32, sums_of_block[p * count + c]); };
      // A whole block's sums finished together where the output allows (a vector of
      // requantisation per 4 channels, VQRDMULH for TFLite's), then stored by one scatter
      // store each (ChannelOutput::StoreChannels).
      if (count % kWindowDotChannels == 0) {
        std::vector<std::pair<llvm::Value*, llvm::Value*>> finished;  // each 4 channels' first and values
        for (int64_t part = 0; part < count; part += kWindowDotChannels) {
          llvm::Value* block = llvm::PoisonValue::get(llvm::FixedVectorType::get(i32, kWindowDotChannels));
          for (int64_t c = 0; c < kWindowDotChannels; ++c) block = b.CreateInsertElement(block, sum_of(part + c), c);
          llvm::Value* part_first = part == 0 ? first : b.CreateAdd(first, k.Int(part));
          const std::optional<llvm::Value*> values =
              output.FinishChannels(block, n, part_first, out_pixel, kWindowDotChannels);
          if (!values) break;  // (the output allows all or none)
          finished.emplace_back(part_first, *values);
        }
        if (static_cast<int64_t>(finished.size()) * kWindowDotChannels == count) {
          for (const auto& [part_first, values] : finished) output.StoreChannels(values, n, part_first, out_pixel);
          continue;
        }
      }
      for (int64_t c = 0; c < count; ++c) {
        llvm::Value* m = b.CreateAdd(first, k.Int(c));
        output.Channel(m);
        llvm::Value* at = output.Position(n, m, out_pixel);
        k.StoreAs(output.Type(), output.Finish(sum_of(c), at), k.out[0], at);
      }
    }
  };
  auto per_tile = [&](llvm::Value* group, llvm::Value* n, const std::vector<llvm::Value*>& out_pixels) {
    if (channel_blocks) {
      llvm::Value* group_first = b.CreateMul(group, k.Int(per_group));
      k.Loop(per_group / most_channels, [&](llvm::Value* block) {
        channels_from(n, out_pixels, b.CreateAdd(group_first, b.CreateMul(block, k.Int(most_channels))),
                      most_channels);
      }, /*allow_unrolling=*/false);
      // The last ones in the smaller blocks their weights are laid out in.
      for (int64_t c = per_group / most_channels * most_channels; c < per_group;) {
        const ChannelBlock block = channel_runs ? ChannelRunBlock(per_group, c) : WindowDotBlock(per_group, c);
        channels_from(n, out_pixels, b.CreateAdd(group_first, k.Int(block.first)), block.count);
        c += block.count;
      }
      return;
    }
    llvm::Value* out_pixel = out_pixels.front();  // (tiles of one pixel)
    k.Loop(per_group, [&](llvm::Value* in_group) {
      llvm::Value* m = b.CreateAdd(b.CreateMul(group, k.Int(per_group)), in_group);
      llvm::Value* row = b.CreateInBoundsGEP(weight, weights, b.CreateMul(m, k.Int(padded)));
      b.CreateAlignedStore(llvm::Constant::getNullValue(sums_type), sums, llvm::Align(16));
      k.Loop(padded / kWindowDotLanes, [&](llvm::Value* q) {
        llvm::Value* step_taps = b.CreateMul(q, k.Int(kWindowDotLanes));
        llvm::Value* x_taps = b.CreateInBoundsGEP(form.element, window, step_taps);
        llvm::Value* w_taps = b.CreateInBoundsGEP(weight, row, step_taps);
        for (int64_t first = 0; first < kWindowDotLanes; first += loaded) {
          llvm::Value* x = b.CreateAlignedLoad(x_vector, b.CreateInBoundsGEP(form.element, x_taps, k.Int(first)),
                                               llvm::Align(codes ? 1 : 2));
          llvm::Value* w = b.CreateAlignedLoad(w_vector, b.CreateInBoundsGEP(weight, w_taps, k.Int(first)),
                                               llvm::Align(int8_weights ? 1 : 2));
          llvm::Value* step =
              sums_form == WindowDotSums::kPairedLanes
                  ? b.CreateIntrinsic(llvm::Intrinsic::x86_avx2_pmadd_wd, {}, {x, b.CreateSExt(w, x_vector)})
                  : b.CreateMul(b.CreateSExt(x, products_vector), b.CreateSExt(w, products_vector));
          if (sums_form == WindowDotSums::kScalar) step = b.CreateAddReduce(step);
          b.CreateAlignedStore(b.CreateAdd(b.CreateAlignedLoad(sums_type, sums, llvm::Align(16)), step), sums,
                               llvm::Align(16));
        }
      }, /*allow_unrolling=*/sums_form != WindowDotSums::kScalar || padded <= kHeliumUnrolledTaps);
      llvm::Value* sum = b.CreateAlignedLoad(sums_type, sums, llvm::Align(16));
      if (sums_form != WindowDotSums::kScalar) sum = b.CreateAddReduce(sum);
      output.Channel(m);
      llvm::Value* at = output.Position(n, m, out_pixel);
      k.StoreAs(output.Type(), output.Finish(sum, at), k.out[0], at);
    }, /*allow_unrolling=*/false);
  };
  auto per_pixel = [&](llvm::Value* group, llvm::Value* n, llvm::Value* out_pixel) {
    per_tile(group, n, {out_pixel});
  };
  if (gathered && k.plan.quantized_band) {
    const WindowGeometry band = QuantizedBandWindow(s);
    ForEachBandRow(k, g, input, x_zero_point, [&](llvm::Value* n, llvm::Value* oh, llvm::Value* band_codes) {
      k.Loop(g.conv.groups, [&](llvm::Value* group) {
        llvm::Value* first_plane = b.CreateMul(group, k.Int(channels));
        k.Loop(s.out_w, [&](llvm::Value* ow) {
          llvm::Value* w_base = b.CreateMul(ow, k.Int(s.stride_w));  // in the band (its padding included)
          const PixelWindow at{first_plane, k.Int(0), w_base, group, n,
                               b.CreateAdd(b.CreateMul(oh, k.Int(s.out_w)), ow), oh, ow};
          window_vectors = GatherWindowCodes(k, g, {band, /*channels_last=*/false,
                                                    BandCorner(k, s, band_codes, first_plane, w_base)},
                                             at, form, /*inside=*/true);
          per_pixel(at.group, at.n, at.out_pixel);
        }, /*allow_unrolling=*/false);
      }, /*allow_unrolling=*/false);
    });
    return;
  }
  if (gathered) {
    ForEachPixel(k, g, [&](const PixelWindow& at) {
      if (channel_runs) {
        // Windows inside the image (most of them) gathered without predicates or
        // selects; the others' positions each tested.
        pixel_window = &at;
        ForInsideOrBorder(k, g, at.h_base, at.w_base, [&](bool inside) {
          window_inside = inside;
          per_pixel(at.group, at.n, at.out_pixel);
        });
        return;
      }
      // Windows inside the image (most of them) gathered without masks, the others with
      // them, and one copy of the blocks' code after (Cortex-M55, TFLite MobileNet's
      // first layer 293,603 -> 236,689 instructions).
      window_vectors = k.Either(
          WindowInside(k, g, at.h_base, at.w_base),
          [&] { return GatherWindowCodes(k, g, InPlaceSource(k, g, input, at), at, form, /*inside=*/true); },
          [&] { return GatherWindowCodes(k, g, InPlaceSource(k, g, input, at), at, form, /*inside=*/false); });
      per_pixel(at.group, at.n, at.out_pixel);
    });
    return;
  }
  if (pixels > 1) {
    // NodePlan::tiles.pixels (WindowDotTilesPixels: a unit pointwise layer copying by
    // channel runs): each tile's windows copied side by side, then its blocks.
    ForEachPixelTile(k, g, pixels, [&](const std::vector<PixelWindow>& tile) {
      std::vector<llvm::Value*> out_pixels;
      for (size_t p = 0; p < tile.size(); ++p) {
        EmitWindowByChannelGathers(k, g, input, window_of(static_cast<int64_t>(p)), tile[p], form, /*inside=*/true);
        out_pixels.push_back(tile[p].out_pixel);
      }
      per_tile(tile.front().group, tile.front().n, out_pixels);
    });
    return;
  }
  if (k.plan.window_copy_gathers) {
    ForEachPixel(k, g, [&](const PixelWindow& at) {
      ForInsideOrBorder(k, g, at.h_base, at.w_base,
                        [&](bool inside) { EmitWindowByChannelGathers(k, g, input, window, at, form, inside); });
      per_pixel(at.group, at.n, at.out_pixel);
    }, /*allow_unrolling=*/false);
    return;
  }
  // Helium's channel blocks keep the pixels' loops rolled (unrolled, MobileNet's 3x3
  // planes took 864 bytes more code a layer and ran 1-2% slower).
  ForEachPixelWindow(k, g, input, window, form, [](llvm::Value* t) { return t; }, /*plain_inside=*/true, per_pixel,
                     /*allow_unrolling=*/!channel_blocks);
}

// QuantizedProductKernel::kChannelLanes (lowering/quantized_product_lowering.h): per
// output pixel, its window of the input's codes as uint8 into "window_codes" (InputCodes),
// then per block of NodePlan::tiles.channel_block output channels of its group their
// sums in the int32 lanes of a vector (EmitQuadRowSums: each 4 taps one VPDPBUSD, the
// window's 4 bytes in every lane times each channel's 4 weights, ChannelLanesWeights). The
// block is finished as a vector where the output allows (ChannelOutput::FinishChannels),
// else lane by lane, and each lane stored at its channel's position (one vector store
// where the output is channels-last).
void EmitChannelLanesConv(KernelContext& k, const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  const int64_t lanes = k.plan.tiles.channel_block, per_group = g.conv.OutChannelsPerGroup();
  const int64_t taps = g.conv.InChannelsPerGroup() * s.kernel_h * s.kernel_w, padded = WindowDotTaps(taps);
  auto* words = llvm::FixedVectorType::get(i32, lanes);
  llvm::Value* x_zero_point = EmitLoadZeroPoint(k, g.x, k.Int(0));
  const WindowForm form = InputCodes(k, x_zero_point);
  llvm::Value* window = k.Workspace("window_codes", padded);
  for (int64_t t = taps; t < padded; ++t) b.CreateStore(b.getInt8(0), b.CreateInBoundsGEP(i8, window, k.Int(t)));
  llvm::Value* weights = ChannelLanesWeights(k);
  InputReader input(k, g);
  ChannelOutput output(k, g);
  output.UseBiases(k.PreparedConstant("bias_folded"));
  llvm::Value* totals = k.EntryAlloca(words, llvm::Align(16));
  ForEachPixelWindow(k, g, input, window, form, [](llvm::Value* t) { return t; }, /*plain_inside=*/true,
                     [&](llvm::Value* group, llvm::Value* n, llvm::Value* out_pixel) {
    k.Loop(per_group / lanes, [&](llvm::Value* block) {
      llvm::Value* first = b.CreateAdd(b.CreateMul(group, k.Int(per_group)), b.CreateMul(block, k.Int(lanes)));
      llvm::Value* total = EmitQuadRowSums(k, window, weights, first, padded, lanes);
      const std::optional<llvm::Value*> finished = output.FinishChannels(total, n, first, out_pixel, lanes);
      if (finished) {
        output.StoreChannels(*finished, n, first, out_pixel);
      } else {
        b.CreateAlignedStore(total, totals, llvm::Align(16));
        k.Loop(lanes, [&](llvm::Value* lane) {
          llvm::Value* m = b.CreateAdd(first, lane);
          output.Channel(m);
          llvm::Value* at = output.Position(n, m, out_pixel);
          llvm::Value* sum = b.CreateLoad(i32, b.CreateInBoundsGEP(i32, totals, lane));
          k.StoreAs(output.Type(), output.Finish(sum, at), k.out[0], at);
        }, /*allow_unrolling=*/false);
      }
    }, /*allow_unrolling=*/false);
  });
}

// QuantizedProductKernel::kPixelLanes (lowering/quantized_product_lowering.h): a 2-D
// convolution of planar tensors (one group) with NodePlan::tiles.lanes output pixels in
// the lanes. A pointwise one (1x1, stride 1, unpadded) takes them through each image's
// plane, reading its input in place; any other along each output row, from
// "padded_codes": the image's input codes (InputCodes) inside the border's zero-point
// codes, made once an image. Per chunk of pixels: each tap's codes for the chunk's
// pixels as uint8, one vector a tap ("pixel_taps"), then each 4 taps side by side in a
// lane ("pixel_quads": [taps / 4][lanes][4], zeros past the last tap), then per block of
// NodePlan::tiles.channel_block output channels one sum a channel in the int32 lanes:
// each quad one VPDPBUSD of the chunk's quads times the channel's 4 weights in every
// lane ("weights_int8" rows; on AVX2 two VPMADDWDs of "weight_pairs", NodePlan::
// byte_quad_weight_pairs), the block's channels taking turns so that the
// instructions overlap. Each channel's lanes are requantised together (a fused sum's
// addends read as a vector too) and stored as one vector (masked to the chunk's pixels).
void EmitPixelLanesConv(KernelContext& k, const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  const int64_t lanes = k.plan.tiles.lanes, block = k.plan.tiles.channel_block;
  const int64_t channels = s.channels, out_channels = g.conv.out_channels, pixels = s.out_h * s.out_w;
  const int64_t taps = channels * s.kernel_h * s.kernel_w, quads = (taps + 3) / 4, row = WindowDotTaps(taps);
  const int64_t rows = s.in_h + s.pad_top + s.pad_bottom, columns = s.in_w + s.pad_left + s.pad_right;
  auto* words = llvm::FixedVectorType::get(i32, lanes);
  auto* codes_type = llvm::FixedVectorType::get(i8, lanes);
  const WindowForm form = InputCodes(k, EmitLoadZeroPoint(k, g.x, k.Int(0)));
  llvm::Value* offset = b.CreateVectorSplat(lanes, b.CreateTrunc(form.subtracted, i8));
  llvm::Value* tap_codes = k.Workspace("pixel_taps", quads * 4 * lanes);
  llvm::Value* chunk_quads = k.Workspace("pixel_quads", quads * 4 * lanes);
  // A pointwise convolution reads its input in place (NodePlan::reads_input_in_place),
  // any other gathers its taps from the padded copy.
  llvm::Value* padded = k.plan.reads_input_in_place
                            ? nullptr
                            : k.Workspace("padded_codes", k.plan.FindWorkspace("padded_codes")->bytes);
  const bool weight_pairs = k.plan.byte_quad_weight_pairs;
  llvm::Value* weights = PixelLanesWeights(k);
  ChannelOutput output(k, g);
  output.UseBiases(k.PreparedConstant("bias_folded"));
  llvm::Type* element = k.Elem(output.Type());
  std::vector<llvm::Value*> sums(block);
  for (llvm::Value*& sum : sums) sum = k.EntryAlloca(words, llvm::Align(16));
  for (int64_t t = taps; t < quads * 4; ++t) {  // past the last tap (whose weights are zeros)
    b.CreateAlignedStore(llvm::Constant::getNullValue(codes_type),
                         b.CreateInBoundsGEP(i8, tap_codes, k.Int(t * lanes)), llvm::Align(1));
  }
  // Lane l of four vectors a, b, c, d side by side: a[l], b[l], c[l], d[l].
  std::vector<int> halves, quad_order, every_stride;
  for (int i = 0; i < 2 * lanes; ++i) halves.push_back(i);
  for (int l = 0; l < lanes; ++l) {
    for (int j = 0; j < 4; ++j) quad_order.push_back(static_cast<int>(j * lanes + l));
    every_stride.push_back(static_cast<int>(l * s.stride_w));
  }
  // Image n's codes into "padded_codes": plane c, row r at (c * rows + r) * columns.
  auto fill_padded = [&](llvm::Value* n) {
    llvm::Value* zero_point_code = b.CreateTrunc(form.padding, i8);
    k.Loop(channels, [&](llvm::Value* c) {
      llvm::Value* image_plane = b.CreateMul(b.CreateAdd(b.CreateMul(n, k.Int(channels)), c), k.Int(s.in_h * s.in_w));
      k.Loop(rows, [&](llvm::Value* r) {
        llvm::Value* ih = b.CreateSub(r, k.Int(s.pad_top));
        llvm::Value* row_start = b.CreateMul(b.CreateAdd(b.CreateMul(c, k.Int(rows)), r), k.Int(columns));
        auto border = [&](llvm::Value* from, int64_t count) {
          if (count == 0) return;
          k.Loop(count, [&](llvm::Value* q) {
            b.CreateStore(zero_point_code, b.CreateInBoundsGEP(i8, padded, b.CreateAdd(from, q)));
          });
        };
        llvm::Value* image_row = b.CreateICmpULT(ih, k.Int(s.in_h));
        k.When(image_row, [&] {
          border(row_start, s.pad_left);
          llvm::Value* first = b.CreateAdd(row_start, k.Int(s.pad_left));
          llvm::Value* source = b.CreateAdd(image_plane, b.CreateMul(ih, k.Int(s.in_w)));
          k.Loop(s.in_w, [&](llvm::Value* iw) {
            llvm::Value* x = b.CreateLoad(i8, b.CreateInBoundsGEP(i8, k.in[g.x_input], b.CreateAdd(source, iw)));
            b.CreateStore(b.CreateSub(x, b.CreateTrunc(form.subtracted, i8)),
                          b.CreateInBoundsGEP(i8, padded, b.CreateAdd(first, iw)));
          });
          border(b.CreateAdd(first, k.Int(s.in_w)), s.pad_right);
        });
        k.When(b.CreateNot(image_row), [&] { border(row_start, columns); });
      });
    });
  };
  // The chunk of `valid` pixels of image n from output pixel `first` (oh * out_w + ow).
  auto chunk = [&](llvm::Value* n, llvm::Value* first, llvm::Value* oh, llvm::Value* ow, int64_t valid) {
    if (padded) {
      llvm::Value* origin = b.CreateAdd(b.CreateMul(b.CreateMul(oh, k.Int(s.stride_h)), k.Int(columns)),
                                        b.CreateMul(ow, k.Int(s.stride_w)));
      auto* loaded = llvm::FixedVectorType::get(i8, lanes * s.stride_w);
      k.LoopNest({channels, s.kernel_h, s.kernel_w}, {{rows * columns, s.dilation_h * columns, s.dilation_w}},
                 [&](llvm::Value* t, const std::vector<llvm::Value*>& at) {
        llvm::Value* codes = b.CreateAlignedLoad(loaded, b.CreateInBoundsGEP(i8, padded, b.CreateAdd(origin, at[0])),
                                                 llvm::Align(1));
        if (s.stride_w > 1) codes = b.CreateShuffleVector(codes, every_stride);
        b.CreateAlignedStore(codes, b.CreateInBoundsGEP(i8, tap_codes, b.CreateMul(t, k.Int(lanes))), llvm::Align(1));
      });
    } else {
      k.Loop(channels, [&](llvm::Value* c) {
        llvm::Value* at = b.CreateInBoundsGEP(
            i8, k.in[g.x_input],
            b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(n, k.Int(channels)), c), k.Int(pixels)), first));
        llvm::Value* x = k.LoadLanes(codes_type, at, valid, lanes, llvm::Align(1));
        b.CreateAlignedStore(b.CreateSub(x, offset), b.CreateInBoundsGEP(i8, tap_codes, b.CreateMul(c, k.Int(lanes))),
                             llvm::Align(1));
      });
    }
    k.Loop(quads, [&](llvm::Value* q) {
      std::vector<llvm::Value*> codes;
      for (int64_t j = 0; j < 4; ++j) {
        llvm::Value* t = b.CreateAdd(b.CreateMul(q, k.Int(4)), k.Int(j));
        codes.push_back(b.CreateAlignedLoad(codes_type, b.CreateInBoundsGEP(i8, tap_codes, b.CreateMul(t, k.Int(lanes))),
                                            llvm::Align(1)));
      }
      llvm::Value* interleaved = b.CreateShuffleVector(b.CreateShuffleVector(codes[0], codes[1], halves),
                                                       b.CreateShuffleVector(codes[2], codes[3], halves), quad_order);
      b.CreateAlignedStore(interleaved, b.CreateInBoundsGEP(i8, chunk_quads, b.CreateMul(q, k.Int(lanes * 4))),
                           llvm::Align(1));
    });
    k.Loop(out_channels / block, [&](llvm::Value* channel_block) {
      llvm::Value* first_channel = b.CreateMul(channel_block, k.Int(block));
      for (llvm::Value* sum : sums) b.CreateAlignedStore(llvm::Constant::getNullValue(words), sum, llvm::Align(16));
      k.Loop(quads, [&](llvm::Value* q) {
        llvm::Value* x = b.CreateAlignedLoad(words, b.CreateInBoundsGEP(i8, chunk_quads, b.CreateMul(q, k.Int(lanes * 4))),
                                             llvm::Align(1));
        for (int64_t j = 0; j < block; ++j) {
          llvm::Value* m = b.CreateAdd(first_channel, k.Int(j));
          llvm::Value* tap = b.CreateAdd(b.CreateMul(m, k.Int(row)), b.CreateMul(q, k.Int(4)));
          llvm::Value* sum = b.CreateAlignedLoad(words, sums[j], llvm::Align(16));
          if (weight_pairs) {
            // Taps 0 and 2 of the quad as int16, then 1 and 3.
            llvm::Value* at = b.CreateInBoundsGEP(b.getInt16Ty(), weights, tap);
            llvm::Value* even = b.CreateAlignedLoad(i32, at, llvm::Align(4));
            llvm::Value* odd = b.CreateAlignedLoad(i32, b.CreateInBoundsGEP(b.getInt16Ty(), at, k.Int(2)), llvm::Align(4));
            sum = EmitByteQuadPairsDot(b, sum, x, b.CreateVectorSplat(lanes, even), b.CreateVectorSplat(lanes, odd));
          } else {
            llvm::Value* w = b.CreateAlignedLoad(i32, b.CreateInBoundsGEP(i8, weights, tap), llvm::Align(1));
            sum = EmitByteQuadDot(b, sum, x, b.CreateVectorSplat(lanes, w));
          }
          b.CreateAlignedStore(sum, sums[j], llvm::Align(16));
        }
      });
      for (int64_t j = 0; j < block; ++j) {
        llvm::Value* m = b.CreateAdd(first_channel, k.Int(j));
        output.Channel(m);
        llvm::Value* position = output.Position(n, m, first);
        llvm::Value* y =
            output.FinishConsecutiveLanes(b.CreateAlignedLoad(words, sums[j], llvm::Align(16)), position, valid);
        k.StoreLanes(y, b.CreateInBoundsGEP(element, k.out[0], position), valid, lanes, llvm::Align(1));
      }
    }, /*allow_unrolling=*/false);
  };
  k.Loop(s.batch, [&](llvm::Value* n) {
    if (!padded) {
      k.Loop(pixels / lanes, [&](llvm::Value* index) {
        chunk(n, b.CreateMul(index, k.Int(lanes)), nullptr, nullptr, lanes);
      }, /*allow_unrolling=*/false);
      if (pixels % lanes != 0) chunk(n, k.Int(pixels - pixels % lanes), nullptr, nullptr, pixels % lanes);
      return;
    }
    fill_padded(n);
    k.Loop(s.out_h, [&](llvm::Value* oh) {
      auto at = [&](llvm::Value* ow, int64_t valid) {
        chunk(n, b.CreateAdd(b.CreateMul(oh, k.Int(s.out_w)), ow), oh, ow, valid);
      };
      k.Loop(s.out_w / lanes, [&](llvm::Value* index) { at(b.CreateMul(index, k.Int(lanes)), lanes); },
             /*allow_unrolling=*/false);
      if (s.out_w % lanes != 0) at(k.Int(s.out_w - s.out_w % lanes), s.out_w % lanes);
    }, /*allow_unrolling=*/false);
  });
}

// QuantizedProductKernel::kPlaneRows: per image and group, the group's input channels
// (x - x_zero_point as int16, zeros in the border) into "padded_planes", `columns`
// elements a row; then per output channel of the group kWindowDotLanes output positions
// at a time, counted through the rows at the padded width (f = oh * columns + ow, so
// narrow rows fill the lanes too): with the stride s of both axes, input channel c's tap
// (kh, kw) of position f is element s * f + kh * dilation_h * columns + kw * dilation_w
// of plane c, one vector load (every s-th element) times the weight (w - w_zero_point,
// splatted), summed in int32 lanes. The lanes are requantised together (one channel's
// multiplier) unless a fused sum needs them one at a time; those at a real output
// position (ow < out_w, oh < out_h) are stored, the others (which read past rows and
// into the next plane or the buffer's slack) dropped.
void EmitPlaneRowsConv(KernelContext& k, const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i16 = b.getInt16Ty();
  llvm::Type* i32 = b.getInt32Ty();
  const int64_t lanes = kWindowDotLanes, stride = s.stride_w;
  auto* words = llvm::FixedVectorType::get(i32, lanes);
  auto* loaded = llvm::FixedVectorType::get(i16, lanes * stride);
  std::vector<int> every_stride;
  for (int64_t i = 0; i < lanes; ++i) every_stride.push_back(static_cast<int>(i * stride));
  const int64_t channels = g.conv.InChannelsPerGroup(), per_group = g.conv.OutChannelsPerGroup();
  const int64_t rows = s.in_h + s.pad_top + s.pad_bottom, columns = s.in_w + s.pad_left + s.pad_right;
  const int64_t plane_elements = PaddedPlaneElements(s);
  const int64_t taps = s.kernel_h * s.kernel_w, chunks = (s.out_h * columns + lanes - 1) / lanes;
  llvm::Value* planes = k.Workspace("padded_planes", PaddedPlanesBytes(s, channels));
  llvm::Value* x_zero_point = EmitLoadZeroPoint(k, g.x, k.Int(0));
  InputReader input(k, g);
  ChannelOutput output(k, g);
  const bool lanes_finished = output.FinishesLanes();
  // Where the plan gave the finished lanes a buffer, the positions of one output channel.
  const WorkspaceBuffer* staged = k.plan.FindWorkspace("plane_outputs");
  llvm::Value* plane_outputs = staged && lanes_finished ? k.Workspace("plane_outputs", staged->bytes) : nullptr;
  llvm::Value* sums = k.EntryAlloca(words, llvm::Align(16));
  llvm::Value* lane_results = k.EntryAlloca(words, llvm::Align(16));  // the finished lanes (narrower), or the sums
  k.Loop(s.batch * g.conv.groups, [&](llvm::Value* image_group) {
    llvm::Value* first_plane = b.CreateMul(image_group, k.Int(channels));  // n * C + group * Cg
    llvm::Value* group = b.CreateSRem(image_group, k.Int(g.conv.groups));
    llvm::Value* n = b.CreateSDiv(image_group, k.Int(g.conv.groups));
    k.Loop(channels, [&](llvm::Value* c) {
      llvm::Value* in_plane = b.CreateAdd(first_plane, c);
      llvm::Value* padded = b.CreateMul(c, k.Int(plane_elements));
      // Each row: the border's zeros, and an image row's elements centred (a loop LLVM
      // vectorises where the input is planar).
      k.Loop(rows, [&](llvm::Value* r) {
        llvm::Value* ih = b.CreateSub(r, k.Int(s.pad_top));
        llvm::Value* row = b.CreateAdd(padded, b.CreateMul(r, k.Int(columns)));
        auto zeros = [&](llvm::Value* from, int64_t count) {
          if (count == 0) return;
          k.Loop(count, [&](llvm::Value* q) {
            b.CreateStore(b.getInt16(0), b.CreateInBoundsGEP(i16, planes, b.CreateAdd(from, q)));
          });
        };
        llvm::Value* image_row = b.CreateICmpULT(ih, k.Int(s.in_h));
        k.When(image_row, [&] {
          zeros(row, s.pad_left);
          llvm::Value* first = b.CreateAdd(row, k.Int(s.pad_left));
          k.Loop(s.in_w, [&](llvm::Value* iw) {
            llvm::Value* x = input.Load(input.Index(in_plane, b.CreateAdd(b.CreateMul(ih, k.Int(s.in_w)), iw)));
            b.CreateStore(b.CreateTrunc(b.CreateSub(x, x_zero_point), i16),
                          b.CreateInBoundsGEP(i16, planes, b.CreateAdd(first, iw)));
          });
          zeros(b.CreateAdd(first, k.Int(s.in_w)), s.pad_right);
        });
        k.When(b.CreateNot(image_row), [&] { zeros(row, columns); });
      });
    });
    k.Loop(per_group, [&](llvm::Value* in_group) {
      llvm::Value* m = b.CreateAdd(b.CreateMul(group, k.Int(per_group)), in_group);
      llvm::Value* w_zero_point = EmitLoadZeroPoint(k, g.w, m);
      llvm::Value* filter = b.CreateMul(m, k.Int(channels * taps));
      output.Channel(m);
      k.Loop(chunks, [&](llvm::Value* chunk) {
        llvm::Value* first = b.CreateMul(chunk, k.Int(lanes));  // the chunk's first position f
        llvm::Value* start = b.CreateMul(first, k.Int(stride));
        b.CreateAlignedStore(llvm::Constant::getNullValue(words), sums, llvm::Align(16));
        k.Loop(channels, [&](llvm::Value* c) {
          llvm::Value* plane = b.CreateAdd(b.CreateMul(c, k.Int(plane_elements)), start);
          llvm::Value* weights = b.CreateAdd(filter, b.CreateMul(c, k.Int(taps)));
          for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
            for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
              llvm::Value* w = EmitWidenToInt32(
                  k, k.LoadAs(g.w_type, k.in[g.w_input], b.CreateAdd(weights, k.Int(kh * s.kernel_w + kw))), g.w_type);
              llvm::Value* weight = b.CreateVectorSplat(lanes, b.CreateSub(w, w_zero_point));
              llvm::Value* at = b.CreateAdd(plane, k.Int(kh * s.dilation_h * columns + kw * s.dilation_w));
              llvm::Value* x = b.CreateAlignedLoad(loaded, b.CreateInBoundsGEP(i16, planes, at), llvm::Align(2));
              if (stride > 1) x = b.CreateShuffleVector(x, every_stride);
              llvm::Value* sum = b.CreateAlignedLoad(words, sums, llvm::Align(16));
              b.CreateAlignedStore(b.CreateAdd(sum, b.CreateMul(b.CreateSExt(x, words), weight)), sums,
                                   llvm::Align(16));
            }
          }
        }, /*allow_unrolling=*/false);
        // The lanes finished together where the output allows (requantised as a vector),
        // else one at a time; then each lane at a real output position stored.
        llvm::Value* totals = b.CreateAlignedLoad(words, sums, llvm::Align(16));
        if (plane_outputs) {
          b.CreateAlignedStore(output.FinishLanes(totals), b.CreateInBoundsGEP(k.Elem(output.Type()), plane_outputs, first),
                               llvm::Align(1));
          return;
        }
        if (lanes_finished) b.CreateAlignedStore(output.FinishLanes(totals), lane_results, llvm::Align(16));
        else b.CreateAlignedStore(totals, lane_results, llvm::Align(16));
        k.Loop(lanes, [&](llvm::Value* lane) {
          llvm::Value* f = b.CreateAdd(first, lane);
          llvm::Value* oh = b.CreateSDiv(f, k.Int(columns));
          llvm::Value* ow = b.CreateSRem(f, k.Int(columns));
          k.When(b.CreateAnd(b.CreateICmpSLT(ow, k.Int(s.out_w)), b.CreateICmpSLT(oh, k.Int(s.out_h))), [&] {
            llvm::Value* at = output.Position(n, m, b.CreateAdd(b.CreateMul(oh, k.Int(s.out_w)), ow));
            if (lanes_finished) {
              llvm::Type* element = k.Elem(output.Type());
              k.StoreAs(output.Type(), b.CreateLoad(element, b.CreateInBoundsGEP(element, lane_results, lane)),
                        k.out[0], at);
            } else {
              llvm::Value* sum = b.CreateLoad(i32, b.CreateInBoundsGEP(i32, lane_results, lane));
              k.StoreAs(output.Type(), output.Finish(sum, at), k.out[0], at);
            }
          });
        }, /*allow_unrolling=*/false);
      }, /*allow_unrolling=*/false);
      if (!plane_outputs) return;
      llvm::Type* element = k.Elem(output.Type());
      k.Loop(s.out_h, [&](llvm::Value* oh) {
        k.Loop(s.out_w, [&](llvm::Value* ow) {
          llvm::Value* value = b.CreateLoad(
              element, b.CreateInBoundsGEP(element, plane_outputs, b.CreateAdd(b.CreateMul(oh, k.Int(columns)), ow)));
          llvm::Value* at = output.Position(n, m, b.CreateAdd(b.CreateMul(oh, k.Int(s.out_w)), ow));
          b.CreateStore(value, b.CreateInBoundsGEP(element, k.out[0], at));
        });
      }, /*allow_unrolling=*/false);
    });
  });
  // The copies into the padded planes and out of the staged outputs vectorised where
  // the layer writes over its input too (Cortex-M55, TFLite MobileNet's 48x48
  // depthwise layer: 0.24 -> 0.16 M instructions).
  k.KeepWorkspaceApart();
}

// Whether `count` vectors of `lanes` output pixels from vector `vector` of a row are
// all real pixels whose taps' loads lie inside the input row (the direct kernel's row
// lanes, below).
bool ColumnsInside(const WindowGeometry& s, int64_t vector, int64_t count, int64_t lanes) {
  const int64_t ow = vector * lanes, w_base = ow * s.stride_w - s.pad_left;
  return w_base >= 0 && w_base + count * s.stride_w * lanes - 1 + s.kernel_w - 1 < s.in_w &&
         ow + count * lanes <= s.out_w;
}

// NodePlan::tiles.lanes on the direct kernel (lowering/quantized_product_lowering.h,
// DirectKernelRowLanes): on Helium, `lanes` output pixels of a row at a time in int32
// lanes, NodePlan::tiles.vectors such vectors (1 if 0) for NodePlan::tiles.channel_block
// output channels of a group, each tap's weight loaded once for them. Per input channel
// of the group and kernel row that lies inside the image, each tap is one load of the
// lanes' input codes (stride 2: twice as many, the even ones taken), widened, times each
// channel's weight for the tap (one VMLA each; a depthwise layer's weights loaded once
// per channel). The codes are not centred: the sums start at -x_zero_point times the
// weights of the kernel rows taken, and a lane whose tap is in the padding (or which is past
// the row's last pixel) reads the zero point's code in its place (a masked load: no
// byte outside the image row is read), which then adds nothing. Vectors whose loads
// all lie inside the row load without masks. The lanes are requantised together and
// stored as one vector (masked past the row's end), a fused sum's addends read as one
// vector just before (at the output's positions). Every lane's window is read before
// any of its pixels is written, and a byte read outside the windows (stride 2's odd
// one after the last lane's tap) is dropped: a layer writing over its input
// (NodePlan::writes_over_consumed_input, a depthwise one: one vector a step) needs no
// more lead than one pixel at a time.
constexpr int64_t kDirectWrittenOutSteps = 3;
void EmitDirectRowLanesConv(KernelContext& k, const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  const int64_t lanes = k.plan.tiles.lanes, taps = s.kernel_h * s.kernel_w;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  // At stride 2 a tap's load takes 2 * lanes codes, of which the lanes' are the even ones
  // (VLDRB.S16 and VMOVLB.S16).
  const int64_t stride = s.stride_w, span = stride * lanes;
  auto* codes_type = llvm::FixedVectorType::get(i8, span);
  auto* words = llvm::FixedVectorType::get(i32, lanes);
  std::vector<int> every_stride;
  for (int64_t l = 0; l < lanes; ++l) every_stride.push_back(static_cast<int>(l * stride));
  const bool unsigned_codes = g.x_type == DataType::kUInt8;
  auto widen = [&](llvm::Value* v, llvm::Type* to) {
    return unsigned_codes ? b.CreateZExt(v, to) : b.CreateSExt(v, to);
  };
  llvm::Value* x_zero_point = EmitLoadZeroPoint(k, g.x, k.Int(0));
  // Byte j of a tap's load: column j further, pixel j / stride further.
  std::vector<llvm::Constant*> columns, pixels;
  for (int64_t j = 0; j < span; ++j) {
    columns.push_back(llvm::ConstantInt::get(k.Index(), j));
    pixels.push_back(llvm::ConstantInt::get(k.Index(), j / stride));
  }
  llvm::Value* byte_columns = llvm::ConstantVector::get(columns);
  llvm::Value* byte_pixels = llvm::ConstantVector::get(pixels);
  std::vector<llvm::Constant*> steps;
  for (int64_t l = 0; l < lanes; ++l) steps.push_back(llvm::ConstantInt::get(k.Index(), l));
  llvm::Value* lane_steps = llvm::ConstantVector::get(steps);
  llvm::Value* zero_point_codes = b.CreateVectorSplat(span, b.CreateTrunc(x_zero_point, i8));
  // NodePlan::tiles.channel_block output channels of one group at a time, each tap's
  // codes loaded once for them all.
  const int64_t channels = g.conv.InChannelsPerGroup(), per_group = g.conv.OutChannelsPerGroup();
  const int64_t block = std::max<int64_t>(k.plan.tiles.channel_block, 1), blocks = g.conv.out_channels / block;
  std::vector<ChannelOutput> outputs;
  // NodePlan::tiles.vectors vectors of pixels at a time: each weight loaded once for them.
  const int64_t step = std::max<int64_t>(k.plan.tiles.vectors, 1);
  std::vector<std::vector<llvm::Value*>> sums(step);  // [p][i]
  std::vector<std::vector<llvm::Value*>> row_sum_slots(block);  // [i][kh]: over the input channels
  for (int64_t i = 0; i < block; ++i) {
    outputs.emplace_back(k, g);
    for (int64_t p = 0; p < step; ++p) sums[p].push_back(k.EntryAlloca(words, llvm::Align(16)));
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) row_sum_slots[i].push_back(k.EntryAlloca(i32));
  }
  const int64_t vectors = (s.out_w + lanes - 1) / lanes;
  k.Loop(s.batch * blocks, [&](llvm::Value* image_block) {
    llvm::Value* n = s.batch == 1 ? k.Int(0) : b.CreateSDiv(image_block, k.Int(blocks));
    llvm::Value* first = b.CreateMul(s.batch == 1 ? image_block : b.CreateSRem(image_block, k.Int(blocks)), k.Int(block));
    llvm::Value* first_plane = b.CreateAdd(b.CreateMul(n, k.Int(s.channels)),
                                           b.CreateMul(b.CreateSDiv(first, k.Int(per_group)), k.Int(channels)));
    std::vector<llvm::Value*> m;
    for (int64_t i = 0; i < block; ++i) {
      m.push_back(b.CreateAdd(first, k.Int(i)));
      outputs[i].Channel(m[i]);
    }
    // Output channel m's weight for input channel c (of its group) and tap t; one
    // channel's alone (a depthwise layer's) loaded once here, as its kernel rows' sums.
    auto weight_at = [&](int64_t i, llvm::Value* c, int64_t t) {
      llvm::Value* at = b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(m[i], k.Int(channels)), c), k.Int(taps)), k.Int(t));
      return b.CreateSExt(k.LoadAs(DataType::kInt8, k.in[g.w_input], at), i32);
    };
    std::vector<llvm::Value*> single_weights;
    if (channels == 1 && block == 1) {
      for (int64_t t = 0; t < taps; ++t) single_weights.push_back(weight_at(0, k.Int(0), t));
    }
    auto weight = [&](int64_t i, llvm::Value* c, int64_t t) {
      return single_weights.empty() ? weight_at(i, c, t) : single_weights[t];
    };
    for (int64_t i = 0; i < block; ++i) {
      for (llvm::Value* slot : row_sum_slots[i]) b.CreateStore(b.getInt32(0), slot);
    }
    // Each input channel of the group (a depthwise layer's one not as a loop).
    auto for_each_channel = [&](const std::function<void(llvm::Value*)>& body) {
      if (channels == 1) body(k.Int(0));
      else k.Loop(channels, body, /*allow_unrolling=*/false);
    };
    for_each_channel([&](llvm::Value* c) {
      for (int64_t i = 0; i < block; ++i) {
        for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
          llvm::Value* row_sum = b.CreateLoad(i32, row_sum_slots[i][kh]);
          for (int64_t kw = 0; kw < s.kernel_w; ++kw) row_sum = b.CreateAdd(row_sum, weight(i, c, kh * s.kernel_w + kw));
          b.CreateStore(row_sum, row_sum_slots[i][kh]);
        }
      }
    });
    std::vector<std::vector<llvm::Value*>> row_sums(block);
    for (int64_t i = 0; i < block; ++i) {
      for (llvm::Value* slot : row_sum_slots[i]) row_sums[i].push_back(b.CreateLoad(i32, slot));
    }
    k.Loop(s.out_h, [&](llvm::Value* oh) {
      llvm::Value* h_base = b.CreateSub(b.CreateMul(oh, k.Int(s.stride_h)), k.Int(s.pad_top));
      llvm::Value* rows_inside =
          b.CreateAnd(b.CreateICmpSGE(h_base, k.Int(0)),
                      b.CreateICmpSLT(b.CreateAdd(h_base, k.Int((s.kernel_h - 1) * s.dilation_h)), k.Int(s.in_h)));
      // A row whose window's kernel rows may leave the image takes each only where it
      // lies inside (`checked`), and starts at those rows' weight sums.
      auto output_row = [&](bool checked) {
        std::vector<llvm::Value*> row_inside;
        for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
          llvm::Value* ih = b.CreateAdd(h_base, k.Int(kh * s.dilation_h));
          row_inside.push_back(checked ? b.CreateICmpULT(ih, k.Int(s.in_h)) : b.getTrue());
        }
        std::vector<llvm::Value*> starts;
        for (int64_t i = 0; i < block; ++i) {
          llvm::Value* weight_sum = b.getInt32(0);
          for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
            weight_sum = b.CreateAdd(weight_sum, checked ? b.CreateSelect(row_inside[kh], row_sums[i][kh], b.getInt32(0))
                                                         : row_sums[i][kh]);
          }
          starts.push_back(b.CreateVectorSplat(lanes, b.CreateMul(b.CreateNeg(x_zero_point), weight_sum)));
        }
        // `count` vectors of the row from vector `vector` (an Index() integer), each
        // tap's codes of one vector loaded at a time, each weight once for them all;
        // `masked` unless they lie inside the row (ColumnsInside).
        auto row_vectors = [&](llvm::Value* vector, int64_t count, bool masked) {
          llvm::Value* ow = b.CreateMul(vector, k.Int(lanes));
          llvm::Value* w_base = b.CreateSub(b.CreateMul(ow, k.Int(stride)), k.Int(s.pad_left));
          // Lane l of vector p is pixel ow + p * lanes + l; tap column kw reads input
          // column w_base + p * span + kw + l * stride, byte l * stride of the tap's load.
          std::vector<llvm::Value*> real(count);
          std::vector<std::vector<llvm::Value*>> column_masks(count);
          for (int64_t p = 0; masked && p < count; ++p) {
            llvm::Value* vector_ow = b.CreateAdd(ow, k.Int(p * lanes));
            real[p] = b.CreateICmpSLT(b.CreateAdd(b.CreateVectorSplat(lanes, vector_ow), lane_steps),
                                      b.CreateVectorSplat(lanes, k.Int(s.out_w)));
            llvm::Value* real_bytes = b.CreateICmpSLT(b.CreateAdd(b.CreateVectorSplat(span, vector_ow), byte_pixels),
                                                      b.CreateVectorSplat(span, k.Int(s.out_w)));
            for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
              llvm::Value* iw = b.CreateAdd(b.CreateVectorSplat(span, b.CreateAdd(w_base, k.Int(p * span + kw))),
                                            byte_columns);
              column_masks[p].push_back(
                  b.CreateAnd(real_bytes, b.CreateICmpULT(iw, b.CreateVectorSplat(span, k.Int(s.in_w)))));
            }
          }
          for (int64_t p = 0; p < count; ++p) {
            for (int64_t i = 0; i < block; ++i) b.CreateAlignedStore(starts[i], sums[p][i], llvm::Align(16));
          }
          auto tap = [&](llvm::Value* c, int64_t kh, int64_t kw) {
            llvm::Value* ih = b.CreateAdd(h_base, k.Int(kh * s.dilation_h));
            llvm::Value* plane = b.CreateMul(b.CreateAdd(first_plane, c), k.Int(s.in_h * s.in_w));
            llvm::Value* at =
                b.CreateAdd(plane, b.CreateAdd(b.CreateMul(ih, k.Int(s.in_w)), b.CreateAdd(w_base, k.Int(kw))));
            std::vector<llvm::Value*> w;
            for (int64_t i = 0; i < block; ++i) w.push_back(b.CreateVectorSplat(lanes, weight(i, c, kh * s.kernel_w + kw)));
            for (int64_t p = 0; p < count; ++p) {
              // Not inbounds: a masked vector's first address may lie before the input.
              llvm::Value* from = b.CreateGEP(i8, k.in[g.x_input], b.CreateAdd(at, k.Int(p * span)));
              llvm::Value* codes =
                  masked ? static_cast<llvm::Value*>(b.CreateMaskedLoad(codes_type, from, llvm::Align(1),
                                                                        column_masks[p][kw], zero_point_codes))
                         : b.CreateAlignedLoad(codes_type, from, llvm::Align(1));
              if (stride > 1) {  // widened to halfwords as loaded, then the even ones to words
                codes = b.CreateShuffleVector(widen(codes, llvm::FixedVectorType::get(b.getInt16Ty(), span)),
                                              every_stride);
              }
              llvm::Value* widened = widen(codes, words);
              for (int64_t i = 0; i < block; ++i) {
                llvm::Value* total = b.CreateAlignedLoad(words, sums[p][i], llvm::Align(16));
                b.CreateAlignedStore(b.CreateAdd(total, b.CreateMul(widened, w[i])), sums[p][i], llvm::Align(16));
              }
            }
          };
          for_each_channel([&](llvm::Value* c) {
            for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
              auto kernel_row = [&] {
                for (int64_t kw = 0; kw < s.kernel_w; ++kw) tap(c, kh, kw);
              };
              if (checked) k.When(row_inside[kh], kernel_row);  // where it lies inside the image
              else kernel_row();
            }
          });
          for (int64_t p = 0; p < count; ++p) {
            llvm::Value* pixel = b.CreateAdd(b.CreateMul(oh, k.Int(s.out_w)), b.CreateAdd(ow, k.Int(p * lanes)));
            for (int64_t i = 0; i < block; ++i) {
              // A fused sum's addends read as a vector (masked as the store) just before it.
              llvm::Value* position = outputs[i].Position(n, m[i], pixel);
              llvm::Value* y = outputs[i].FinishConsecutiveLanes(
                  b.CreateAlignedLoad(words, sums[p][i], llvm::Align(16)), position, lanes, masked ? real[p] : nullptr);
              llvm::Value* to = b.CreateInBoundsGEP(k.Elem(outputs[i].Type()), k.out[0], position);
              if (masked) b.CreateMaskedStore(y, to, llvm::Align(1), real[p]);
              else b.CreateAlignedStore(y, to, llvm::Align(1));
            }
          }
        };
        // NodePlan::tiles.vectors vectors at a time (the row's last ones fewer). Which
        // steps lie inside the row is known here: the ones inside loop unmasked, the
        // border's are written out masked (a run of more than kDirectWrittenOutSteps
        // loops), so that their masks are constants. (A step that chose its form at run
        // time had LLVM merge both forms' tails and sign-extend the loads apart from
        // them: 54 instructions a vector of MobileNet's 3x3 depthwise layers, not 29.)
        auto steps_from = [&](int64_t first, int64_t last, bool masked) {  // steps [first, last)
          if (last - first <= kDirectWrittenOutSteps) {
            for (int64_t t = first; t < last; ++t) row_vectors(k.Int(t * step), step, masked);
          } else {
            k.Loop(last - first, [&](llvm::Value* t) {
              row_vectors(b.CreateMul(b.CreateAdd(t, k.Int(first)), k.Int(step)), step, masked);
            }, /*allow_unrolling=*/false);
          }
        };
        const int64_t steps = vectors / step;
        int64_t first_inside = 0, last_inside = steps;  // the steps inside: [first_inside, last_inside)
        while (first_inside < steps && !ColumnsInside(s, first_inside * step, step, lanes)) ++first_inside;
        while (last_inside > first_inside && !ColumnsInside(s, (last_inside - 1) * step, step, lanes)) --last_inside;
        steps_from(0, first_inside, /*masked=*/true);
        steps_from(first_inside, last_inside, /*masked=*/false);
        steps_from(last_inside, steps, /*masked=*/true);
        if (vectors % step != 0) {
          const int64_t vector = steps * step, count = vectors % step;
          row_vectors(k.Int(vector), count, !ColumnsInside(s, vector, count, lanes));
        }
      };
      k.When(rows_inside, [&] { output_row(false); });
      k.When(b.CreateNot(rows_inside), [&] { output_row(true); });
    }, /*allow_unrolling=*/false);
  }, /*allow_unrolling=*/false);
}

// NodePlan::lanes_across_rows (DirectKernelLanesAcrossRows): the row lanes through a
// depthwise layer's plane across rows. Vector v holds pixels f = v * lanes + l of the
// plane (oh * W + ow, the output as wide as the input); tap (kh, kw) of them is input
// element f + (kh - pad_top) * W + (kw - pad_left), one load of the lanes' codes. A lane
// whose tap lies outside its row (column ow + kw - pad_left outside [0, W)) or above or
// below the image takes the zero point's code in its place, which adds nothing: the
// sums start at -x_zero_point times the channel's weight sum. The vectors whose every
// load lies in the plane (LanesAcrossRowsLooped; a tap inside its row is then inside the
// image) loop by rounds of W / gcd(lanes, W) vectors (DS-CNN's 5), after which the lanes'
// columns repeat: each vector's columns are constants, its loads whole, the codes of a
// tap outside a lane's row (a neighbouring row's) replaced by a select on a constant
// predicate (no columns carried, compared and wrapped at run time). The others are
// written out, their loads masked (constants): nothing read outside the lanes' windows,
// nor past the plane's last pixel, whose lanes are not stored. A vector's windows are
// all read before its pixels are written; the codes read outside them are dropped
// whatever they hold: over a consumed input the direct kernel's lead holds.
void EmitDirectLanesAcrossRowsConv(KernelContext& k, const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  const int64_t lanes = k.plan.tiles.lanes, width = s.in_w, pixels = s.in_h * s.in_w;
  const int64_t taps = s.kernel_h * s.kernel_w, vectors = (pixels + lanes - 1) / lanes;
  llvm::Type* i32 = b.getInt32Ty();
  auto* codes_type = llvm::FixedVectorType::get(b.getInt8Ty(), lanes);
  auto* words = llvm::FixedVectorType::get(i32, lanes);
  const bool unsigned_codes = g.x_type == DataType::kUInt8;
  llvm::Value* x_zero_point = EmitLoadZeroPoint(k, g.x, k.Int(0));
  llvm::Value* zero_point_codes = b.CreateVectorSplat(lanes, b.CreateTrunc(x_zero_point, b.getInt8Ty()));
  auto splat = [&](llvm::Value* v) { return b.CreateVectorSplat(lanes, v); };
  const VectorRange looped = LanesAcrossRowsLooped(s, lanes);
  const int64_t head = looped.first, tail = looped.end;
  ChannelOutput output(k, g);
  llvm::Value* n = k.Int(0);  // one image (DirectKernelRowLanes)
  k.Loop(s.channels, [&](llvm::Value* m) {
    output.Channel(m);
    llvm::Value* input_plane = b.CreateMul(m, k.Int(pixels));
    std::vector<llvm::Value*> weights;
    llvm::Value* weight_sum = b.getInt32(0);
    for (int64_t t = 0; t < taps; ++t) {
      weights.push_back(
          b.CreateSExt(k.LoadAs(DataType::kInt8, k.in[g.w_input], b.CreateAdd(b.CreateMul(m, k.Int(taps)), k.Int(t))), i32));
      weight_sum = b.CreateAdd(weight_sum, weights[t]);
    }
    llvm::Value* start = splat(b.CreateMul(b.CreateNeg(x_zero_point), weight_sum));
    // The vector of pixels from `first`: looped, its lanes' columns `ow`; or written out,
    // its first pixel `fixed_first` (its lanes' taps known when compiling).
    auto vector_at = [&](llvm::Value* first, llvm::Value* ow, std::optional<int64_t> fixed_first) {
      // Where the lanes read tap (kh, kw): nullptr for every lane.
      auto tap_mask = [&](int64_t kh, int64_t kw) -> llvm::Value* {
        const int64_t offset = kw - s.pad_left;  // ow + offset must lie in [0, W)
        if (fixed_first) {
          std::vector<llvm::Constant*> bits;
          bool all = true;
          for (int64_t l = 0; l < lanes; ++l) {
            const int64_t pixel = *fixed_first + l, ih = pixel / width + kh - s.pad_top, iw = pixel % width + offset;
            const bool on = pixel < pixels && ih >= 0 && ih < s.in_h && iw >= 0 && iw < width;
            bits.push_back(b.getInt1(on));
            all = all && on;
          }
          return all ? nullptr : llvm::ConstantVector::get(bits);
        }
        llvm::Value* mask = nullptr;
        auto also = [&](llvm::Value* condition) { mask = mask ? b.CreateAnd(mask, condition) : condition; };
        if (offset < 0) also(b.CreateICmpSGE(ow, splat(k.Int(-offset))));
        if (offset > 0) also(b.CreateICmpSLT(ow, splat(k.Int(width - offset))));
        return mask;
      };
      llvm::Value* sum = start;
      // A kernel column's loads one after the other (one mask).
      for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
        std::vector<llvm::Value*> column;
        for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
          llvm::Value* mask = tap_mask(kh, kw);
          // Not inbounds: a written-out vector's first address may lie before the input.
          llvm::Value* from = b.CreateGEP(
              b.getInt8Ty(), k.in[g.x_input],
              b.CreateAdd(input_plane, b.CreateAdd(first, k.Int((kh - s.pad_top) * width + kw - s.pad_left))));
          auto widened = [&](llvm::Value* codes) {
            return unsigned_codes ? b.CreateZExt(codes, words) : b.CreateSExt(codes, words);
          };
          if (!mask) {
            column.push_back(widened(b.CreateAlignedLoad(codes_type, from, llvm::Align(1))));
          } else if (fixed_first) {
            column.push_back(widened(b.CreateMaskedLoad(codes_type, from, llvm::Align(1), mask, zero_point_codes)));
          } else {  // selected as words (as bytes, LLVM inserts the lanes' codes one by one and widens after)
            column.push_back(b.CreateSelect(mask, widened(b.CreateAlignedLoad(codes_type, from, llvm::Align(1))),
                                            splat(x_zero_point)));
          }
        }
        for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
          sum = b.CreateAdd(sum, b.CreateMul(column[kh], splat(weights[kh * s.kernel_w + kw])));
        }
      }
      llvm::Value* real = nullptr;  // the lanes at a pixel, where not all are
      if (fixed_first && *fixed_first + lanes > pixels) {
        std::vector<llvm::Constant*> bits;
        for (int64_t l = 0; l < lanes; ++l) bits.push_back(b.getInt1(*fixed_first + l < pixels));
        real = llvm::ConstantVector::get(bits);
      }
      llvm::Value* position = output.Position(n, m, first);
      llvm::Value* y = output.FinishConsecutiveLanes(sum, position, lanes, real);
      llvm::Value* to = b.CreateInBoundsGEP(k.Elem(output.Type()), k.out[0], position);
      if (real) b.CreateMaskedStore(y, to, llvm::Align(1), real);
      else b.CreateAlignedStore(y, to, llvm::Align(1));
    };
    auto written_out = [&](int64_t v) { vector_at(k.Int(v * lanes), nullptr, v * lanes); };
    for (int64_t v = 0; v < head; ++v) written_out(v);
    // The looped vectors by rounds of `period` (their lanes' columns repeat with it), each
    // vector's columns then constants; those past the last round written out so.
    auto columns_of = [&](int64_t v) {  // vector v's lanes' columns, or those of v + period
      std::vector<llvm::Constant*> ow;
      for (int64_t l = 0; l < lanes; ++l) ow.push_back(llvm::ConstantInt::get(k.Index(), (v * lanes + l) % width));
      return llvm::ConstantVector::get(ow);
    };
    const int64_t period = width / std::gcd(lanes, width), rounds = (tail - head) / period;
    if (rounds > 0) {
      k.Loop(rounds, [&](llvm::Value* round) {
        llvm::Value* first = b.CreateAdd(k.Int(head), b.CreateMul(round, k.Int(period)));
        for (int64_t v = head; v < head + period; ++v) {
          vector_at(b.CreateMul(b.CreateAdd(first, k.Int(v - head)), k.Int(lanes)), columns_of(v), std::nullopt);
        }
      }, /*allow_unrolling=*/false);
    }
    for (int64_t v = head + rounds * period; v < tail; ++v) vector_at(k.Int(v * lanes), columns_of(v), std::nullopt);
    for (int64_t v = tail; v < vectors; ++v) written_out(v);
  }, /*allow_unrolling=*/false);
}

// NodePlan::window_dots (DirectKernelWindowDots): each channel's input plane copied
// into "plane_codes" as int8 codes (uint8 ones less 128, VEOR: VMLADAVA.S8 multiplies
// signed bytes; NodePlan::window_code_offset) between margins of the zero point's code
// (the same; WindowDotsMargins: filled once), then output pixel p's window is the
// kWindowDotsSpan codes from its corner (WindowDotsCorner) there, one load, summed by one
// VMLADAVA.S8 against the channel's weights gathered once into the same lanes (tap (kh,
// kw) at WindowDotsLane, zeros between). A tap above or below the image reads the zero
// point's code in the margins; one left or right of its row, a neighbouring row's code,
// is dropped: the pixel takes the weights of its column's taps inside alone
// (WindowDotsColumnLanes), and its sum starts at the bias less x_zero_point times those.
// Four consecutive pixels of the output plane, whatever their rows, are a vector of sums
// requantised and stored at once, by rounds of out_w / gcd(lanes, out_w) vectors after
// which the lanes' columns repeat: each vector's starts are made once a channel. The
// copy lets the output plane lie over the input's (no lead).
// Window dots' copy of a plane written out up to this many vectors of 16 codes (DS-CNN's
// 125 codes: 7 and 13 masked), looped past it (a kernel of one row on wide planes).
constexpr int64_t kWindowDotsWrittenOutCopies = 8;

void EmitDirectWindowDotsConv(KernelContext& k, const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  const int64_t lanes = k.plan.tiles.lanes, in_pixels = s.in_h * s.in_w, out_pixels = s.out_h * s.out_w;
  const int64_t taps = s.kernel_h * s.kernel_w, vectors = (out_pixels + lanes - 1) / lanes;
  const PlaneMargins margins = WindowDotsMargins(s);
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  auto* codes_type = llvm::FixedVectorType::get(i8, kWindowDotsSpan);
  auto* sums_type = llvm::FixedVectorType::get(i32, lanes);
  auto lane_bytes = [&](uint32_t bits) {  // all ones in the lanes of `bits`
    std::vector<llvm::Constant*> on;
    for (int64_t lane = 0; lane < kWindowDotsSpan; ++lane) on.push_back(b.getInt8((bits >> lane) & 1 ? 0xff : 0));
    return llvm::ConstantVector::get(on);
  };
  // The weights' gather: tap t = kh * kernel_w + kw into its lane, zeros between.
  std::vector<llvm::Constant*> tap_of_lane(kWindowDotsSpan, b.getInt8(0)), tap_lanes(kWindowDotsSpan, b.getInt1(false));
  for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
    for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
      const int64_t lane = WindowDotsLane(s, kh, kw);
      tap_of_lane[lane] = b.getInt8(static_cast<uint8_t>(kh * s.kernel_w + kw));
      tap_lanes[lane] = b.getInt1(true);
    }
  }
  std::set<uint32_t> column_sets;
  for (int64_t p = 0; p < out_pixels; ++p) column_sets.insert(WindowDotsColumnLanes(s, p));
  const int64_t code_offset = k.plan.window_code_offset;
  llvm::Value* x_zero_point = b.CreateSub(EmitLoadZeroPoint(k, g.x, k.Int(0)), b.getInt32(code_offset));
  llvm::Value* zero_point_codes = b.CreateVectorSplat(kWindowDotsSpan, b.CreateTrunc(x_zero_point, i8));
  llvm::Value* plane_codes = k.Workspace("plane_codes", margins.before + in_pixels + margins.after);
  llvm::Value* plane = b.CreateInBoundsGEP(i8, plane_codes, k.Int(margins.before));
  // Copies `count` codes from `from` to `to` as int8 codes, or (`from` null) stores the
  // zero point's code there: 16 at a time, the last ones masked; more than
  // kWindowDotsWrittenOutCopies vectors of them in a loop.
  auto fill = [&](llvm::Value* to, int64_t count, llvm::Value* from) {
    auto vector_of = [&](llvm::Value* at, int64_t valid) {
      llvm::Value* codes = zero_point_codes;
      if (from) {
        codes = k.LoadLanes(codes_type, b.CreateInBoundsGEP(i8, from, at), valid, kWindowDotsSpan, llvm::Align(1));
        if (code_offset != 0) {  // (a VEOR of 0x80)
          llvm::Value* offset = b.getInt8(static_cast<uint8_t>(code_offset));
          codes = b.CreateSub(codes, b.CreateVectorSplat(kWindowDotsSpan, offset));
        }
      }
      k.StoreLanes(codes, b.CreateInBoundsGEP(i8, to, at), valid, kWindowDotsSpan, llvm::Align(1));
    };
    const int64_t whole = count / kWindowDotsSpan;
    if (whole > kWindowDotsWrittenOutCopies) {
      k.Loop(whole, [&](llvm::Value* q) { vector_of(b.CreateMul(q, k.Int(kWindowDotsSpan)), kWindowDotsSpan); });
    } else {
      for (int64_t q = 0; q < whole; ++q) vector_of(k.Int(q * kWindowDotsSpan), kWindowDotsSpan);
    }
    if (count % kWindowDotsSpan != 0) vector_of(k.Int(whole * kWindowDotsSpan), count % kWindowDotsSpan);
  };
  fill(plane_codes, margins.before, nullptr);
  fill(b.CreateInBoundsGEP(i8, plane, k.Int(in_pixels)), margins.after, nullptr);
  const int64_t period = s.out_w / std::gcd(lanes, s.out_w), round_pixels = period * lanes;
  const int64_t rounds = out_pixels / round_pixels, round_codes = round_pixels / s.out_w * s.stride_h * s.in_w;
  ChannelOutput output(k, g);
  llvm::Value* n = k.Int(0);  // one image (DirectKernelRowLanes)
  k.Loop(s.channels, [&](llvm::Value* m) {
    output.Channel(m);
    fill(plane, in_pixels, b.CreateInBoundsGEP(i8, k.in[g.x_input], b.CreateMul(m, k.Int(in_pixels))));
    llvm::Value* weights =
        EmitByteGather(b, codes_type, b.CreateInBoundsGEP(i8, k.in[g.w_input], b.CreateMul(m, k.Int(taps))),
                       llvm::ConstantVector::get(tap_of_lane), llvm::ConstantVector::get(tap_lanes),
                       /*signed_bytes=*/true);
    // For each column's taps inside: the weights of those taps alone (a VAND: as a select
    // LLVM moved the bytes lane by lane) and -x_zero_point times them.
    llvm::Value* minus_zero_point = b.CreateNeg(x_zero_point);
    std::map<uint32_t, llvm::Value*> kept_weights, starts;
    for (uint32_t inside : column_sets) {
      llvm::Value* kept = b.CreateAnd(weights, lane_bytes(inside));
      kept_weights[inside] = kept;
      starts[inside] = b.CreateMul(
          minus_zero_point, b.CreateAddReduce(b.CreateSExt(kept, llvm::FixedVectorType::get(i32, kWindowDotsSpan))));
    }
    // Each round's vectors' starts, the bias in them.
    std::vector<llvm::Value*> round_starts;
    for (int64_t v = 0; v < period; ++v) {
      llvm::Value* vector = llvm::PoisonValue::get(sums_type);
      for (int64_t l = 0; l < lanes; ++l) {
        vector = b.CreateInsertElement(vector, starts[WindowDotsColumnLanes(s, v * lanes + l)], l);
      }
      round_starts.push_back(b.CreateAdd(vector, b.CreateVectorSplat(lanes, output.Bias())));
    }
    // The vector of pixels from round_pixels * round + v * lanes (pixel p of it at
    // corner(p) + round * round_codes), lanes past the plane's last pixel neither
    // computed nor stored.
    auto vector_at = [&](llvm::Value* round, int64_t v) {
      llvm::Value* sums = llvm::Constant::getNullValue(sums_type);
      const int64_t valid = std::min(lanes, out_pixels - v * lanes);
      llvm::Value* round_plane = b.CreateGEP(i8, plane, b.CreateMul(round, k.Int(round_codes)));
      for (int64_t l = 0; l < valid; ++l) {
        const int64_t p = v * lanes + l;
        // Not inbounds: a corner in the border lies before the plane.
        llvm::Value* corner = b.CreateGEP(i8, round_plane, k.Int(WindowDotsCorner(s, p)));
        llvm::Value* codes = b.CreateAlignedLoad(codes_type, corner, llvm::Align(1));
        llvm::Value* sum = EmitHeliumByteDot(k, b.getInt32(0), codes, kept_weights[WindowDotsColumnLanes(s, p)]);
        sums = b.CreateInsertElement(sums, sum, l);
      }
      sums = b.CreateAdd(sums, round_starts[v % period]);
      llvm::Value* real = valid < lanes ? k.LaneMask(lanes, valid) : nullptr;
      llvm::Value* position =
          output.Position(n, m, b.CreateAdd(b.CreateMul(round, k.Int(round_pixels)), k.Int(v * lanes)));
      llvm::Value* y = output.FinishConsecutiveLanes(sums, position, valid, real, /*bias_in_sums=*/true);
      k.StoreLanes(y, b.CreateInBoundsGEP(k.Elem(output.Type()), k.out[0], position), valid, lanes, llvm::Align(1));
    };
    if (rounds > 0) {
      k.Loop(rounds, [&](llvm::Value* round) {
        for (int64_t v = 0; v < period; ++v) vector_at(round, v);
      }, /*allow_unrolling=*/false);
    }
    // The vectors past the last round: the round's first ones' columns, at its offsets.
    for (int64_t v = rounds * period; v < vectors; ++v) vector_at(k.Int(0), v);
  }, /*allow_unrolling=*/false);
  // (Not k.KeepWorkspaceApart(): with the loads free to move past the stores, LLVM
  // scheduled them so that DS-CNN took 739,468 instructions in place of 697,468.)
}

// The direct kernel's rows of at most this many pixels are written out pair by pair.
constexpr int64_t kDirectWrittenOutColumns = 5;

// A window's 4 columns from `w_base` read as one 32-bit word inside their row (in_w >= 4,
// a column of the 4 inside): from `column`, clamp(w_base, 0, in_w - 4), then Placed
// shifts it up (left border) or down (right) so that byte j holds column w_base + j,
// the zero point's code in the bytes the shifts empty (the columns outside the row).
struct RowWord {
  llvm::Value* column;
  llvm::Value* shift;             // column - w_base (i32): -3 .. 3 bytes, 0 where all 4 lie in the row
  llvm::Value* up;                // bits
  llvm::Value* down;              // bits
  llvm::Value* fill;              // the zero point's code in the emptied bytes
  llvm::Value* zero_point_codes;  // ... in all 4

  llvm::Value* Placed(llvm::IRBuilder<>& b, llvm::Value* word) const {
    return b.CreateOr(b.CreateLShr(b.CreateShl(word, up), down), fill);
  }
};

RowWord EmitRowWord(KernelContext& k, llvm::Value* w_base, int64_t in_w, llvm::Value* zero_point) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i32 = b.getInt32Ty();
  RowWord word;
  word.column = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin,
                                        b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, w_base, k.Int(0)),
                                        k.Int(in_w - 4));
  word.shift = b.CreateSExtOrTrunc(b.CreateSub(word.column, w_base), i32);
  word.up = b.CreateMul(b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, word.shift, b.getInt32(0)), b.getInt32(8));
  word.down = b.CreateMul(b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, b.CreateNeg(word.shift), b.getInt32(0)),
                          b.getInt32(8));
  llvm::Value* kept = b.CreateLShr(b.CreateShl(b.getInt32(0xffffffff), word.up), word.down);
  word.zero_point_codes =
      b.CreateMul(b.CreateAnd(b.CreateSExtOrTrunc(zero_point, i32), b.getInt32(0xff)), b.getInt32(0x01010101));
  word.fill = b.CreateAnd(word.zero_point_codes, b.CreateNot(kept));
  return word;
}

// A kernel row's three weights unpacked for the DSP pairs: (w0, w2), and w1 in the
// bottom half.
struct UnpackedKernelRow {
  llvm::Value* outer;
  llvm::Value* middle;
};

// NodePlan::tiles.pixels == 2 on the direct kernel (lowering/quantized_product_lowering.h,
// DirectKernelPairsPixels): two output pixels side by side whose windows lie wholly
// inside the image (with NodePlan::pairs_at_borders any two, Accumulate), for a block of
// output channels. Each kernel row of an input channel
// is one 32-bit load of the input's codes (two at stride 2), unpacked into halfword
// pairs by SXTB16 (UXTB16 for uint8 codes): a pixel's taps 0 and 2 are one pair, times the row's
// weights 0 and 2 in one SMLAD; its tap 1 is a half, times weight 1 in one SMLABB or
// SMLATB. The codes are not centred: each sum starts at -x_zero_point times its
// channel's weight sum (every tap counts: one in the border holds the zero point's
// code; in a depthwise layer, plus its bias), made once per image and block of
// channels. No byte outside the two windows is
// kept (at the borders bytes beside them are read and dropped), and both windows
// are read before either pixel is written: a depthwise layer writing over its input
// (NodePlan::writes_over_consumed_input) needs no more lead than one pixel at a time.
class DirectPixelPairs {
 public:
  DirectPixelPairs(KernelContext& k, const QuantizedConvGeometry& g, int64_t block) : k_(k), g_(g), block_(block) {
    for (int64_t i = 0; i < block; ++i) {
      starts_.push_back(k.EntryAlloca(k.b.getInt32Ty()));
      for (auto& sums : sums_) sums.push_back(k.EntryAlloca(k.b.getInt32Ty()));
    }
  }

  // Output channels first .. first + block - 1 (of one group) start their sums at their
  // biases less x_zero_point times their weight sums.
  void StartBlock(llvm::Value* first, llvm::Value* x_zero_point, const std::vector<llvm::Value*>& biases) {
    llvm::IRBuilder<>& b = k_.b;
    const int64_t per_channel = WeightsPerChannel();
    for (int64_t i = 0; i < block_; ++i) {
      llvm::Value* weights = b.CreateMul(b.CreateAdd(first, k_.Int(i)), k_.Int(per_channel));
      b.CreateStore(b.getInt32(0), starts_[i]);
      k_.Loop(per_channel, [&](llvm::Value* t) {
        llvm::Value* w = b.CreateSExt(k_.LoadAs(DataType::kInt8, k_.in[g_.w_input], b.CreateAdd(weights, t)),
                                      b.getInt32Ty());
        b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt32Ty(), starts_[i]), w), starts_[i]);
      }, /*allow_unrolling=*/false);
      llvm::Value* weight_sum = b.CreateLoad(b.getInt32Ty(), starts_[i]);
      b.CreateStore(b.CreateSub(biases[i], b.CreateMul(x_zero_point, weight_sum)), starts_[i]);
    }
  }

  // The sums of the pixels whose windows' top left corners are (h_base, w_base) and
  // (h_base, w_base + stride_w), for the block from `first`; `first_plane` is the
  // group's first input plane. Without `border_zero_point` both windows lie inside the
  // image. With it (the input's zero point; NodePlan::pairs_at_borders, stride 1 across)
  // they may reach over the border: each kernel row's word is read inside its row and
  // shifted, the zero point's code filling the columns outside it and, unless
  // `rows_known_inside`, the rows outside the image (DirectKernelPairsAtBorders).
  // `unpacked`: UnpackedRows' kernel rows (one input channel a group), else each row's
  // weights loaded and unpacked here.
  void Accumulate(llvm::Value* first, llvm::Value* first_plane, llvm::Value* h_base, llvm::Value* w_base,
                  llvm::Value* border_zero_point = nullptr, bool rows_known_inside = false,
                  const std::vector<UnpackedKernelRow>* unpacked = nullptr) {
    llvm::IRBuilder<>& b = k_.b;
    llvm::Type* i32 = b.getInt32Ty();
    llvm::Type* i8 = b.getInt8Ty();
    const WindowGeometry& s = g_.conv.window;
    const int64_t channels = g_.conv.InChannelsPerGroup(), per_channel = WeightsPerChannel();
    llvm::Function* unpack = llvm::Intrinsic::getDeclaration(
        &k_.module, g_.x_type == DataType::kUInt8 ? llvm::Intrinsic::arm_uxtb16 : llvm::Intrinsic::arm_sxtb16);
    llvm::Function* smlad = llvm::Intrinsic::getDeclaration(&k_.module, llvm::Intrinsic::arm_smlad);
    llvm::Function* smlabb = llvm::Intrinsic::getDeclaration(&k_.module, llvm::Intrinsic::arm_smlabb);
    llvm::Function* smlatb = llvm::Intrinsic::getDeclaration(&k_.module, llvm::Intrinsic::arm_smlatb);
    auto rotated = [&](llvm::Value* word, int bits) {
      return b.CreateIntrinsic(llvm::Intrinsic::fshr, {i32}, {word, word, b.getInt32(bits)});
    };
    auto word_at = [&](llvm::Value* base, llvm::Value* at) {
      return b.CreateAlignedLoad(i32, b.CreateInBoundsGEP(i8, base, at), llvm::Align(1));
    };
    for (int64_t i = 0; i < block_; ++i) {
      llvm::Value* start = b.CreateLoad(i32, starts_[i]);
      for (auto& sums : sums_) b.CreateStore(start, sums[i]);
    }
    // At the border each kernel row's word is read inside its row (RowWord).
    std::optional<RowWord> border;
    if (border_zero_point) border = EmitRowWord(k_, w_base, s.in_w, border_zero_point);
    llvm::Value* column = border ? border->column : w_base;
    k_.Loop(channels, [&](llvm::Value* c) {
      llvm::Value* plane = b.CreateMul(b.CreateAdd(first_plane, c), k_.Int(s.in_h * s.in_w));
      // Output channel first's kernel for input channel c; channel first + i's is i
      // output channels' weights further.
      llvm::Value* kernel = b.CreateMul(b.CreateAdd(b.CreateMul(first, k_.Int(channels)), c), k_.Int(s.kernel_h * 3));
      for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
        llvm::Value* ih = b.CreateAdd(h_base, k_.Int(kh * s.dilation_h));
        llvm::Value* row_inside = nullptr;
        if (border && !rows_known_inside) {  // a row outside the image: row 0 read, then replaced
          row_inside = b.CreateICmpULT(ih, k_.Int(s.in_h));
          ih = b.CreateSelect(row_inside, ih, k_.Int(0));
        }
        llvm::Value* at = b.CreateAdd(plane, b.CreateAdd(b.CreateMul(ih, k_.Int(s.in_w)), column));
        // Codes c0 c1 c2 c3 from the first pixel's first tap: (c0, c2) and (c1, c3).
        llvm::Value* codes = word_at(k_.in[g_.x_input], at);
        if (border) {
          codes = border->Placed(b, codes);
          if (row_inside) codes = b.CreateSelect(row_inside, codes, border->zero_point_codes);
        }
        llvm::Value* even = b.CreateCall(unpack, {codes});
        llvm::Value* odd = b.CreateCall(unpack, {rotated(codes, 8)});
        // The second pixel's taps 0 and 2, and the halfword pair whose top is its tap 1:
        // at stride 1 (c1, c3) and (c0, c2); at stride 2 (c2, c4), from the word at c1,
        // and (c1, c3).
        llvm::Value* second_pair = odd;
        llvm::Value* second_middle = even;
        if (s.stride_w == 2) {
          second_pair = b.CreateCall(unpack, {rotated(word_at(k_.in[g_.x_input], b.CreateAdd(at, k_.Int(1))), 8)});
          second_middle = odd;
        }
        for (int64_t i = 0; i < block_; ++i) {
          const auto [outer, middle] =
              unpacked ? (*unpacked)[i * s.kernel_h + kh] : UnpackedRow(b.CreateAdd(kernel, k_.Int(i * per_channel)), kh);
          llvm::Value* first_sum = b.CreateLoad(i32, sums_[0][i]);
          first_sum = b.CreateCall(smlad, {even, outer, first_sum});
          b.CreateStore(b.CreateCall(smlabb, {odd, middle, first_sum}), sums_[0][i]);
          llvm::Value* second_sum = b.CreateLoad(i32, sums_[1][i]);
          second_sum = b.CreateCall(smlad, {second_pair, outer, second_sum});
          b.CreateStore(b.CreateCall(smlatb, {second_middle, middle, second_sum}), sums_[1][i]);
        }
      }
    }, /*allow_unrolling=*/false);
  }

  // Pixel p's (0: the first, 1: the second) sum for channel first + i.
  llvm::Value* Sum(int64_t p, int64_t i) { return k_.b.CreateLoad(k_.b.getInt32Ty(), sums_[p][i]); }

  // One input channel a group: the kernel rows of the block from `first`, unpacked for
  // Accumulate (channel i's row kh at i * kernel_h + kh).
  std::vector<UnpackedKernelRow> UnpackedRows(llvm::Value* first) {
    std::vector<UnpackedKernelRow> rows;
    for (int64_t i = 0; i < block_; ++i) {
      llvm::Value* kernel = k_.b.CreateMul(k_.b.CreateAdd(first, k_.Int(i)), k_.Int(WeightsPerChannel()));
      for (int64_t kh = 0; kh < g_.conv.window.kernel_h; ++kh) rows.push_back(UnpackedRow(kernel, kh));
    }
    return rows;
  }

 private:
  // Kernel row kh of the kernel at element `kernel` of the weights, w0 w1 w2: read as a
  // word from w0 (bytes w0 w1 w2 and the next row's first), or from the byte before for
  // the kernel's last row (which may end the weights); (w0, w2), and w1 in the bottom
  // half.
  UnpackedKernelRow UnpackedRow(llvm::Value* kernel, int64_t kh) {
    llvm::IRBuilder<>& b = k_.b;
    llvm::Type* i32 = b.getInt32Ty();
    llvm::Function* sxtb16 = llvm::Intrinsic::getDeclaration(&k_.module, llvm::Intrinsic::arm_sxtb16);
    auto rotated = [&](llvm::Value* word, int bits) {
      return b.CreateIntrinsic(llvm::Intrinsic::fshr, {i32}, {word, word, b.getInt32(bits)});
    };
    const bool last_row = kh + 1 == g_.conv.window.kernel_h;
    llvm::Value* at = b.CreateAdd(kernel, k_.Int(kh * 3 - (last_row ? 1 : 0)));
    llvm::Value* weights =
        b.CreateAlignedLoad(i32, b.CreateInBoundsGEP(b.getInt8Ty(), k_.in[g_.w_input], at), llvm::Align(1));
    return {b.CreateCall(sxtb16, {last_row ? rotated(weights, 8) : weights}),
            b.CreateCall(sxtb16, {rotated(weights, last_row ? 16 : 8)})};
  }

  // One output channel's weights: its group's input channels' kernels.
  int64_t WeightsPerChannel() const { return g_.conv.InChannelsPerGroup() * g_.conv.window.kernel_h * 3; }

  KernelContext& k_;
  const QuantizedConvGeometry& g_;
  const int64_t block_;
  std::vector<llvm::Value*> starts_;
  std::array<std::vector<llvm::Value*>, 2> sums_;
};

// NodePlan::word_rows on the direct kernel (DirectKernelWordRows,
// lowering/quantized_product_lowering.h): adds to accumulators[i] the products of output
// channel first + i over the window at (h_base, w_base) (`first_plane` its group's first
// input plane), its kernel rows `rows` inside the image, none where no column `cols`
// is. Each kernel row of an input channel is one 32-bit load of 4 codes from column
// load = min(max(w_base, 0), in_w - 4), so that the word lies in the row: byte j holds
// tap j + d (d = load - w_base), so the word is shifted up by d bytes (a window over
// the left border) or down by -d (the right), the zero point's code filling the taps
// in the border; then unpacked into centred pairs (EmitCentredQuad), and per output
// channel its row of weights, one 32-bit load, two SMLADs (EmitQuadProducts).
void AccumulateWordRows(KernelContext& k, const QuantizedConvGeometry& g, llvm::Value* x_zero_point,
                        llvm::Value* first, llvm::Value* first_plane, llvm::Value* h_base, llvm::Value* w_base,
                        const ValidRange& rows, const ValidRange& cols, const std::vector<llvm::Value*>& accumulators) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i32 = b.getInt32Ty();
  llvm::Type* i8 = b.getInt8Ty();
  const WindowGeometry& s = g.conv.window;
  const int64_t channels = g.conv.InChannelsPerGroup(), row_taps = 4, taps = s.kernel_h * row_taps;
  auto word_at = [&](llvm::Value* base, llvm::Value* at) {
    return b.CreateAlignedLoad(i32, b.CreateInBoundsGEP(i8, base, at), llvm::Align(1));
  };
  auto to_i32 = [&](llvm::Value* v) { return b.CreateSExtOrTrunc(v, i32); };
  const RowWord word = EmitRowWord(k, w_base, s.in_w, x_zero_point);
  llvm::Value* zero_points = EmitZeroPointPair(b, to_i32(x_zero_point));
  llvm::Value* rows_end = b.CreateSelect(b.CreateICmpSLT(cols.begin, cols.end), rows.end, rows.begin);
  // A window inside across (shift 0) takes its words as they are, in a copy of the loop
  // without the shifts (fewer live registers: no spills on a Cortex-M4).
  auto accumulate = [&](bool shifted) {
    k.Loop(channels, [&](llvm::Value* c) {
      llvm::Value* plane = b.CreateMul(b.CreateAdd(first_plane, c), k.Int(s.in_h * s.in_w));
      // Output channel first's weights for input channel c; channel first + i's are i
      // output channels' weights further.
      llvm::Value* kernel = b.CreateMul(b.CreateAdd(b.CreateMul(first, k.Int(channels)), c), k.Int(taps));
      k.Loop(rows.begin, rows_end, [&](llvm::Value* kh) {
        llvm::Value* ih = b.CreateAdd(h_base, b.CreateMul(kh, k.Int(s.dilation_h)));
        llvm::Value* row = b.CreateAdd(plane, b.CreateMul(ih, k.Int(s.in_w)));
        llvm::Value* codes = word_at(k.in[g.x_input], b.CreateAdd(row, word.column));
        if (shifted) codes = word.Placed(b, codes);
        const QuadPairs quad = EmitCentredQuad(k, codes, g.x_type == DataType::kUInt8, zero_points);
        for (size_t i = 0; i < accumulators.size(); ++i) {
          llvm::Value* at = b.CreateAdd(kernel, b.CreateAdd(k.Int(static_cast<int64_t>(i) * channels * taps),
                                                            b.CreateMul(kh, k.Int(row_taps))));
          llvm::Value* weights = word_at(k.in[g.w_input], at);
          b.CreateStore(EmitQuadProducts(k, quad, weights, b.CreateLoad(i32, accumulators[i])), accumulators[i]);
        }
      }, /*allow_unrolling=*/false);
    }, /*allow_unrolling=*/false);
  };
  llvm::Value* inside = b.CreateICmpEQ(word.shift, b.getInt32(0));
  k.When(inside, [&] { accumulate(/*shifted=*/false); });
  k.When(b.CreateNot(inside), [&] { accumulate(/*shifted=*/true); });
}

// The pixel pairs of an output row (pair p: pixels 2p and 2p + 1) whose windows lie
// inside the row, [first, end), as the direct kernel's pairs test it: both windows'
// columns in the row, and both pixels in it.
struct PairRange {
  int64_t first = 0, end = 0;
};
PairRange InsidePixelPairs(const WindowGeometry& s) {
  PairRange range;
  bool found = false;
  for (int64_t pair = 0; pair < (s.out_w + 1) / 2; ++pair) {
    const int64_t w_base = 2 * pair * s.stride_w - s.pad_left;
    if (w_base < 0 || w_base + s.stride_w + s.kernel_w - 1 >= s.in_w || 2 * pair + 1 >= s.out_w) continue;
    if (!found) range.first = pair;
    found = true;
    range.end = pair + 1;
  }
  return range;
}

// NodePlan::pixel_inputs_copied on the direct kernel (lowering/quantized_product_lowering.h):
// a pointwise convolution of one image and one group, pixel by pixel: the pixel's input
// codes copied into "pixel_codes" (each quantised element read once), then
// NodePlan::tiles.channel_block output channels at a time summed from the copy, each
// copied code centred once for them, finished and stored at the pixel, over the input
// channels the copy holds.
absl::Status EmitPixelCopyPointwiseConv(KernelContext& k, const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  if (s.batch != 1 || g.conv.groups != 1 || !IsUnitPointwise(s) || g.channels_last_input || g.channels_last_output ||
      k.plan.tiles.lanes > 0) {
    return absl::InternalError("the plan copies a pixel's inputs where the convolution is not pointwise and planar");
  }
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i32 = b.getInt32Ty();
  const int64_t channels = s.channels, plane = s.in_h * s.in_w;
  const int64_t block = std::max<int64_t>(k.plan.tiles.channel_block, 1), blocks = g.conv.out_channels / block;
  llvm::Value* x_zero_point = EmitLoadZeroPoint(k, g.x, k.Int(0));
  llvm::Value* codes = k.Workspace("pixel_codes", channels * ByteSize(g.x_type));
  InputReader input(k, g);
  std::vector<ChannelOutput> outputs;
  std::vector<llvm::Value*> accumulators;
  for (int64_t i = 0; i < block; ++i) {
    outputs.emplace_back(k, g);
    accumulators.push_back(k.EntryAlloca(i32));
  }
  k.Loop(plane, [&](llvm::Value* pixel) {
    k.Loop(channels, [&](llvm::Value* c) {
      k.StoreAs(g.x_type, input.Load(input.Index(c, pixel)), codes, c);
    }, /*allow_unrolling=*/false);
    k.Loop(blocks, [&](llvm::Value* block_index) {
      llvm::Value* first = b.CreateMul(block_index, k.Int(block));
      std::vector<llvm::Value*> m, w_zero_points;
      for (int64_t i = 0; i < block; ++i) {
        m.push_back(b.CreateAdd(first, k.Int(i)));
        w_zero_points.push_back(EmitLoadZeroPoint(k, g.w, m[i]));
        b.CreateStore(b.getInt32(0), accumulators[i]);
      }
      k.Loop(channels, [&](llvm::Value* c) {
        llvm::Value* centred = b.CreateSub(EmitWidenToInt32(k, k.LoadAs(g.x_type, codes, c), g.x_type), x_zero_point);
        for (int64_t i = 0; i < block; ++i) {
          llvm::Value* w_at = b.CreateAdd(b.CreateMul(m[i], k.Int(channels)), c);
          llvm::Value* w = EmitWidenToInt32(k, k.LoadAs(g.w_type, k.in[g.w_input], w_at), g.w_type);
          llvm::Value* product = b.CreateMul(centred, b.CreateSub(w, w_zero_points[i]));
          b.CreateStore(b.CreateAdd(b.CreateLoad(i32, accumulators[i]), product), accumulators[i]);
        }
      });
      for (int64_t i = 0; i < block; ++i) {
        outputs[i].Channel(m[i]);
        llvm::Value* at = outputs[i].Position(k.Int(0), m[i], pixel);
        k.StoreAs(outputs[i].Type(), outputs[i].Finish(b.CreateLoad(i32, accumulators[i]), at), k.out[0], at);
      }
    }, /*allow_unrolling=*/false);
  }, /*allow_unrolling=*/false);
  return absl::OkStatus();
}

}  // namespace

// Direct convolution, planar: one int32 dot product per output element over the taps
// inside the image (the valid kernel rows and columns are computed per output pixel);
// with NodePlan::tiles.pixels 2, two pixels at a time where both windows lie inside, or
// everywhere with NodePlan::pairs_at_borders (DirectPixelPairs); with
// NodePlan::tiles.lanes, a row's pixels in a vector's lanes (EmitDirectRowLanesConv).
absl::Status EmitConvIntegerKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(QuantizedConvGeometry g, ResolveQuantizedConv(k.graph, k.node));
  if (std::get<QuantizedProductKernel>(k.plan.kernel) == QuantizedProductKernel::kDspPairs) {
    EmitDspPairsConv(k, g);
    return absl::OkStatus();
  }
  if (std::get<QuantizedProductKernel>(k.plan.kernel) == QuantizedProductKernel::kWindowDot) {
    if (k.plan.tiles.pixels > 1 && (!WindowDotTilesPixels(g.conv, k.plan) || !k.plan.int8_window_codes ||
                                    !k.plan.FindConstant("weights_int8"))) {
      return absl::InternalError(
          "the plan tiles pixels where window-dot does not copy a unit pointwise layer's windows");
    }
    EmitWindowDotConv(k, g);
    return absl::OkStatus();
  }
  if (std::get<QuantizedProductKernel>(k.plan.kernel) == QuantizedProductKernel::kPlaneRows) {
    EmitPlaneRowsConv(k, g);
    return absl::OkStatus();
  }
  if (std::get<QuantizedProductKernel>(k.plan.kernel) == QuantizedProductKernel::kChannelLanes) {
    EmitChannelLanesConv(k, g);
    return absl::OkStatus();
  }
  if (std::get<QuantizedProductKernel>(k.plan.kernel) == QuantizedProductKernel::kPixelLanes) {
    EmitPixelLanesConv(k, g);
    return absl::OkStatus();
  }
  if (k.plan.tiles.lanes > 0) {
    if (k.plan.window_dots) {
      if (!DirectKernelWindowDots(g.conv, k.plan.tiles.lanes)) {
        return absl::InternalError("the plan runs window dots where they do not apply");
      }
      EmitDirectWindowDotsConv(k, g);
      return absl::OkStatus();
    }
    if (!k.plan.lanes_across_rows) {
      EmitDirectRowLanesConv(k, g);
      return absl::OkStatus();
    }
    if (g.conv.window.batch != 1 || !DirectKernelLanesAcrossRows(g.conv, k.plan.tiles.lanes)) {
      return absl::InternalError("the plan runs lanes across rows where they do not apply");
    }
    EmitDirectLanesAcrossRowsConv(k, g);
    return absl::OkStatus();
  }
  if (k.plan.pixel_inputs_copied) return EmitPixelCopyPointwiseConv(k, g);
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  const int64_t channels = g.conv.InChannelsPerGroup(), per_group = g.conv.OutChannelsPerGroup();
  const int64_t taps = s.kernel_h * s.kernel_w;
  // NodePlan::tiles.channel_block output channels of one group at a time, each input
  // element loaded once for all of them.
  const int64_t block = std::max<int64_t>(k.plan.tiles.channel_block, 1);
  llvm::Value* x_zero_point = EmitLoadZeroPoint(k, g.x, k.Int(0));
  InputReader input(k, g);
  std::vector<ChannelOutput> outputs;
  std::vector<llvm::Value*> accumulators;
  for (int64_t i = 0; i < block; ++i) {
    outputs.emplace_back(k, g);
    accumulators.push_back(k.EntryAlloca(b.getInt32Ty()));
  }
  llvm::Type* i32 = b.getInt32Ty();
  const bool pairs = k.plan.tiles.pixels == 2;
  if (k.plan.pairs_at_borders && (!pairs || !DirectKernelPairsAtBorders(s))) {
    return absl::InternalError("the plan runs pixel pairs to the borders where they do not apply");
  }
  std::optional<DirectPixelPairs> pair_sums;
  if (pairs) pair_sums.emplace(k, g, block);
  // One input channel a group (a depthwise layer): the pairs start their sums at the
  // bias (one add an output fewer, one register fewer; with more input channels,
  // ResNet-8's layers on a Cortex-M4 ran 0.7% slower so), and a row inside the image
  // unpacks its kernel rows once (below).
  const bool one_input_channel = channels == 1;
  const bool bias_in_pair_sums = pairs && one_input_channel;
  const int64_t blocks = g.conv.out_channels / block;
  k.Loop(s.batch * blocks, [&](llvm::Value* image_block) {
    llvm::Value* n = b.CreateSDiv(image_block, k.Int(blocks));
    llvm::Value* first = b.CreateMul(b.CreateSRem(image_block, k.Int(blocks)), k.Int(block));
    llvm::Value* first_plane = b.CreateAdd(b.CreateMul(n, k.Int(s.channels)),
                                           b.CreateMul(b.CreateSDiv(first, k.Int(per_group)), k.Int(channels)));
    std::vector<llvm::Value*> m, w_zero_points;
    for (int64_t i = 0; i < block; ++i) {
      m.push_back(b.CreateAdd(first, k.Int(i)));
      w_zero_points.push_back(EmitLoadZeroPoint(k, g.w, m[i]));
      outputs[i].Channel(m[i]);
    }
    if (pairs) {
      std::vector<llvm::Value*> biases;
      for (ChannelOutput& output : outputs) biases.push_back(bias_in_pair_sums ? output.Bias() : b.getInt32(0));
      pair_sums->StartBlock(first, x_zero_point, biases);
    }
    k.Loop(s.out_h, [&](llvm::Value* oh) {
      llvm::Value* h_base = b.CreateSub(b.CreateMul(oh, k.Int(s.stride_h)), k.Int(s.pad_top));
      const ValidRange valid_rows = k.ValidIndices(h_base, s.dilation_h, s.in_h, s.kernel_h);
      auto pixel_at = [&](llvm::Value* ow) {
        llvm::Value* w_base = b.CreateSub(b.CreateMul(ow, k.Int(s.stride_w)), k.Int(s.pad_left));
        const ValidRange valid_cols = k.ValidIndices(w_base, s.dilation_w, s.in_w, s.kernel_w);
        for (llvm::Value* accumulator : accumulators) b.CreateStore(b.getInt32(0), accumulator);
        // NodePlan::unrolled_interior: a window wholly inside the image runs its taps in
        // loops of constant bounds, which LLVM unrolls.
        auto accumulate = [&](const ValidRange& rows, const ValidRange& cols) {
        const bool constant_bounds = llvm::isa<llvm::Constant>(cols.begin) && llvm::isa<llvm::Constant>(cols.end);
        k.Loop(channels, [&](llvm::Value* c) {
          llvm::Value* plane = b.CreateAdd(first_plane, c);
          llvm::Value* filter = b.CreateMul(b.CreateAdd(b.CreateMul(first, k.Int(channels)), c), k.Int(taps));
          k.Loop(rows.begin, rows.end, [&](llvm::Value* kh) {
            llvm::Value* ih = b.CreateAdd(h_base, b.CreateMul(kh, k.Int(s.dilation_h)));
            llvm::Value* in_row = input.Index(plane, b.CreateMul(ih, k.Int(s.in_w)));
            llvm::Value* w_row = b.CreateAdd(filter, b.CreateMul(kh, k.Int(s.kernel_w)));
            k.Loop(cols.begin, cols.end, [&](llvm::Value* kw) {
              llvm::Value* iw = b.CreateAdd(w_base, b.CreateMul(kw, k.Int(s.dilation_w)));
              llvm::Value* x = input.Load(b.CreateAdd(in_row, b.CreateMul(iw, k.Int(input.ColumnStride()))));
              llvm::Value* centred = b.CreateSub(x, x_zero_point);
              for (int64_t i = 0; i < block; ++i) {
                // Channel first + i's row of weights is i rows of channels * taps further.
                llvm::Value* w_at = b.CreateAdd(b.CreateAdd(w_row, kw), k.Int(i * channels * taps));
                llvm::Value* w = EmitWidenToInt32(k, k.LoadAs(g.w_type, k.in[g.w_input], w_at), g.w_type);
                llvm::Value* product = b.CreateMul(centred, b.CreateSub(w, w_zero_points[i]));
                b.CreateStore(b.CreateAdd(b.CreateLoad(i32, accumulators[i]), product), accumulators[i]);
              }
            }, /*allow_unrolling=*/block == 1 || constant_bounds);
          });
        });
        };
        if (k.plan.word_rows) {
          AccumulateWordRows(k, g, x_zero_point, first, first_plane, h_base, w_base, valid_rows, valid_cols,
                             accumulators);
        } else if (!k.plan.unrolled_interior) {
          accumulate(valid_rows, valid_cols);
        } else {
          llvm::Value* interior = b.CreateAnd(
              b.CreateAnd(b.CreateICmpEQ(valid_rows.begin, k.Int(0)), b.CreateICmpEQ(valid_rows.end, k.Int(s.kernel_h))),
              b.CreateAnd(b.CreateICmpEQ(valid_cols.begin, k.Int(0)), b.CreateICmpEQ(valid_cols.end, k.Int(s.kernel_w))));
          k.When(interior, [&] { accumulate({k.Int(0), k.Int(s.kernel_h)}, {k.Int(0), k.Int(s.kernel_w)}); });
          k.When(b.CreateNot(interior), [&] { accumulate(valid_rows, valid_cols); });
        }
        llvm::Value* pixel = b.CreateAdd(b.CreateMul(oh, k.Int(s.out_w)), ow);
        for (int64_t i = 0; i < block; ++i) {
          llvm::Value* at = outputs[i].Position(n, m[i], pixel);
          k.StoreAs(outputs[i].Type(), outputs[i].Finish(b.CreateLoad(i32, accumulators[i]), at), k.out[0], at);
        }
      };
      if (!pairs) {
        k.Loop(s.out_w, pixel_at);
        return;
      }
      // Two pixels at a time where both windows lie inside the image, else to the borders
      // (NodePlan::pairs_at_borders) or each alone.
      llvm::Value* rows_inside = b.CreateAnd(b.CreateICmpEQ(valid_rows.begin, k.Int(0)),
                                             b.CreateICmpEQ(valid_rows.end, k.Int(s.kernel_h)));
      const int64_t row_pairs = (s.out_w + 1) / 2;
      // What is known of the pair's windows: `known_inside`, that they lie inside the
      // image; `row_known_inside`, that the output row's windows' rows do. `unpacked`: the
      // kernel rows unpacked, or none.
      auto pair_at = [&](llvm::Value* pair, bool known_inside, bool row_known_inside,
                         const std::vector<UnpackedKernelRow>* unpacked) {
        llvm::Value* ow = b.CreateMul(pair, k.Int(2));
        llvm::Value* w_base = b.CreateSub(b.CreateMul(ow, k.Int(s.stride_w)), k.Int(s.pad_left));
        // The pair's last input column, w_base + stride_w + kernel_w - 1, in the image.
        llvm::Value* inside = b.CreateAnd(
            rows_inside, b.CreateAnd(b.CreateICmpSGE(w_base, k.Int(0)),
                                     b.CreateICmpSLT(b.CreateAdd(w_base, k.Int(s.stride_w + s.kernel_w - 1)),
                                                     k.Int(s.in_w))));
        if (s.out_w % 2 != 0) inside = b.CreateAnd(inside, b.CreateICmpSLT(ow, k.Int(s.out_w - 1)));
        // `border_zero_point`: the pair may reach over the border (beside the row, and
        // above or below the image unless `rows_known_inside`), and an odd row's last
        // pair stores only its first pixel (DirectKernelPairsAtBorders).
        auto both_pixels = [&](llvm::Value* border_zero_point, bool rows_known_inside) {
          pair_sums->Accumulate(first, first_plane, h_base, w_base, border_zero_point, rows_known_inside, unpacked);
          llvm::Value* pixel = b.CreateAdd(b.CreateMul(oh, k.Int(s.out_w)), ow);
          for (int64_t p = 0; p < 2; ++p) {
            auto store = [&] {
              llvm::Value* at_pixel = b.CreateAdd(pixel, k.Int(p));
              for (int64_t i = 0; i < block; ++i) {
                llvm::Value* at = outputs[i].Position(n, m[i], at_pixel);
                k.StoreAs(outputs[i].Type(), outputs[i].Finish(pair_sums->Sum(p, i), at, bias_in_pair_sums),
                          k.out[0], at);
              }
            };
            if (p == 1 && border_zero_point && s.out_w % 2 != 0) {
              k.When(b.CreateICmpSLT(b.CreateAdd(ow, k.Int(1)), k.Int(s.out_w)), store);
            } else {
              store();
            }
          }
        };
        if (known_inside) {
          both_pixels(nullptr, true);
          return;
        }
        k.When(inside, [&] { both_pixels(nullptr, true); });
        if (k.plan.pairs_at_borders) {
          k.When(b.CreateNot(inside), [&] {
            // With more input channels than one a group, the rows inside the image skip
            // the row tests in a copy of the pair's code (quantized_product_lowering.h).
            if (one_input_channel || row_known_inside) {
              both_pixels(x_zero_point, row_known_inside);
              return;
            }
            k.When(rows_inside, [&] { both_pixels(x_zero_point, true); });
            k.When(b.CreateNot(rows_inside), [&] { both_pixels(x_zero_point, false); });
          });
          return;
        }
        // Else each pixel alone (an odd row's last pair has one). Two copies of the
        // pixel's code: as a loop of two, mobilenet_v1_025_vww_int8 ran 9% slower on a
        // Cortex-M4 for 2.6 KB less code.
        k.When(b.CreateNot(inside), [&] {
          pixel_at(ow);
          llvm::Value* second = b.CreateAdd(ow, k.Int(1));
          if (s.out_w % 2 == 0) {
            pixel_at(second);
          } else {
            k.When(b.CreateICmpSLT(second, k.Int(s.out_w)), [&] { pixel_at(second); });
          }
        });
      };
      // Pairs [begin, end) of the row. A short row is written out pair by pair, so that
      // each one's border tests fold (ds_cnn's rows of 5 pixels: as a loop,
      // ds_cnn_kws_int8 ran 20% slower on a Cortex-M4); a longer one stays a loop
      // (mobilenet's rows of 6 written out too: 2.5% faster for 5.3 KB more code).
      auto pairs_from = [&](int64_t begin, int64_t end, bool known_inside, bool row_known_inside,
                            const std::vector<UnpackedKernelRow>* unpacked) {
        if (s.out_w <= kDirectWrittenOutColumns) {
          for (int64_t pair = begin; pair < end; ++pair) pair_at(k.Int(pair), known_inside, row_known_inside, unpacked);
          return;
        }
        k.Loop(k.Int(begin), k.Int(end),
               [&](llvm::Value* pair) { pair_at(pair, known_inside, row_known_inside, unpacked); },
               /*allow_unrolling=*/false);
      };
      // In a depthwise layer's row inside the image, the kernel rows are unpacked once
      // for all its pairs; those whose windows lie inside across run without the border's
      // tests, the others are written out (their shifts constants). The rows over the top
      // or bottom test every pair (Cortex-M4, memory mode: mobilenet_v1_025_vww_int8
      // 8.0% fewer instructions for 5.3 KB more code, ds_cnn_kws_int8 3.7% for 1.7 KB).
      const PairRange inside = InsidePixelPairs(s);
      if (!one_input_channel || inside.end == inside.first) {
        pairs_from(0, row_pairs, false, false, nullptr);
        return;
      }
      k.When(rows_inside, [&] {
        const std::vector<UnpackedKernelRow> unpacked = pair_sums->UnpackedRows(first);
        for (int64_t pair = 0; pair < inside.first; ++pair) pair_at(k.Int(pair), false, true, &unpacked);
        pairs_from(inside.first, inside.end, true, true, &unpacked);
        for (int64_t pair = inside.end; pair < row_pairs; ++pair) pair_at(k.Int(pair), false, true, &unpacked);
      });
      k.When(b.CreateNot(rows_inside), [&] { pairs_from(0, row_pairs, false, false, nullptr); });
    });
  });
  return absl::OkStatus();
}
absl::Status EmitQLinearConvKernel(KernelContext& k) { return EmitConvIntegerKernel(k); }

}  // namespace modelc
