#include "compiler/ops/quantize/quantization.h"

#include <cmath>
#include <cstring>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/IntrinsicsARM.h"

namespace modelc {
namespace {

std::string ShapeText(const Shape& shape) {
  std::string text = "[";
  for (size_t d = 0; d < shape.size(); ++d) absl::StrAppend(&text, d ? ", " : "", shape[d]);
  return text + "]";
}

}  // namespace

llvm::Type* LanesOf(llvm::Value* like, llvm::Type* element) {
  if (auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(like->getType())) {
    return llvm::FixedVectorType::get(element, vector->getNumElements());
  }
  return element;
}

llvm::Value* SplatLike(llvm::IRBuilder<>& b, llvm::Value* like, llvm::Value* scalar) {
  if (scalar->getType()->isVectorTy()) return scalar;  // one value a lane already
  if (auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(like->getType())) {
    return b.CreateVectorSplat(vector->getNumElements(), scalar);
  }
  return scalar;
}

bool IsQuantizedType(DataType type, QuantizedTypes accepted) {
  const bool eight_bit = type == DataType::kInt8 || type == DataType::kUInt8;
  const bool sixteen_bit = type == DataType::kInt16 || type == DataType::kUInt16;
  switch (accepted) {
    case QuantizedTypes::kEightBit: return eight_bit;
    case QuantizedTypes::kLinear: return eight_bit || sixteen_bit;
    case QuantizedTypes::kLinearAndInt32: return eight_bit || sixteen_bit || type == DataType::kInt32;
  }
  return false;
}

const char* QuantizedTypesText(QuantizedTypes accepted) {
  switch (accepted) {
    case QuantizedTypes::kEightBit: return "int8 or uint8";
    case QuantizedTypes::kLinear: return "int8, uint8, int16 or uint16";
    case QuantizedTypes::kLinearAndInt32: return "int8, uint8, int16, uint16 or int32";
  }
  return "";
}

int32_t QuantizedMin(DataType type) {
  switch (type) {
    case DataType::kInt8: return -128;
    case DataType::kUInt8: return 0;
    case DataType::kInt16: return -32768;
    case DataType::kUInt16: return 0;
    default: return INT32_MIN;
  }
}

int32_t QuantizedMax(DataType type) {
  switch (type) {
    case DataType::kInt8: return 127;
    case DataType::kUInt8: return 255;
    case DataType::kInt16: return 32767;
    case DataType::kUInt16: return 65535;
    default: return INT32_MAX;
  }
}

absl::StatusOr<QuantizationParameters> ResolveQuantization(const Graph& graph, const Node& node, int scale_input,
                                                           int zero_point_input, const Shape& data,
                                                           std::optional<int64_t> axis, absl::string_view what,
                                                           DataType type_without_zero_point, QuantizedTypes accepted) {
  QuantizationParameters q;
  q.scale_input = scale_input;
  q.type = type_without_zero_point;
  // The parameters' shape: the scale's, which the zero point must share; the zero
  // point's when there is no scale (MatMulInteger, ConvInteger).
  const TensorType* parameters = nullptr;
  if (scale_input >= 0) {
    parameters = &graph.InputType(node, scale_input);
    if (parameters->element_type != DataType::kFloat32) {
      return absl::InvalidArgumentError(absl::StrCat(what, "_scale has element type ",
                                                     DataTypeName(parameters->element_type), "; it must be float32"));
    }
  }
  if (zero_point_input >= 0 && graph.HasInput(node, zero_point_input)) {
    q.zero_point_input = zero_point_input;
    const TensorType& zero_point = graph.InputType(node, zero_point_input);
    if (!IsQuantizedType(zero_point.element_type, accepted)) {
      return absl::InvalidArgumentError(absl::StrCat(what, "_zero_point has element type ",
                                                     DataTypeName(zero_point.element_type), "; it must be ",
                                                     QuantizedTypesText(accepted)));
    }
    // A scalar and a one-element vector are both per tensor (exporters mix them).
    auto per_tensor = [](const Shape& shape) { return ElementCount(shape) == 1 && shape.size() <= 1; };
    if (parameters == nullptr) {
      parameters = &zero_point;
    } else if (zero_point.shape != parameters->shape && !(per_tensor(zero_point.shape) && per_tensor(parameters->shape))) {
      return absl::InvalidArgumentError(absl::StrCat(what, "_zero_point has shape ", ShapeText(zero_point.shape),
                                                     " but ", what, "_scale has ", ShapeText(parameters->shape)));
    }
    q.type = zero_point.element_type;
  }
  if (parameters == nullptr) return q;  // neither: zero point 0, per tensor
  const TensorType& scale = *parameters;
  const absl::string_view name = scale_input >= 0 ? "_scale" : "_zero_point";
  const int64_t elements = ElementCount(scale.shape);
  const bool per_tensor = elements == 1 && scale.shape.size() <= 1;
  if (!per_tensor) {
    if (!axis) {
      return absl::InvalidArgumentError(absl::StrCat(what, name, " has shape ", ShapeText(scale.shape),
                                                     "; it must be a scalar (per-tensor quantisation)"));
    }
    if (scale.shape.size() != 1 || scale.shape[0] != data[*axis]) {
      return absl::InvalidArgumentError(absl::StrCat(what, name, " has shape ", ShapeText(scale.shape),
                                                     "; it must be a scalar or [", data[*axis], "] (", what,
                                                     "'s dimension ", *axis, ")"));
    }
    q.count = data[*axis];
    for (size_t d = static_cast<size_t>(*axis) + 1; d < data.size(); ++d) q.inner *= data[d];
  }
  if (scale_input >= 0) RETURN_IF_ERROR(CheckConstantScale(graph, node, scale_input, what));
  if (q.zero_point_input >= 0 && q.type == DataType::kInt32) {
    if (const std::optional<TensorData>& constant = graph.value(node.inputs[q.zero_point_input]).constant) {
      for (int32_t v : ElementsAsInt32(*constant)) {
        if (v != 0) return absl::InvalidArgumentError(absl::StrCat(what, "_zero_point of an int32 tensor must be 0"));
      }
    }
  }
  return q;
}

absl::Status CheckConstantScale(const Graph& graph, const Node& node, int scale_input, absl::string_view what) {
  const std::optional<TensorData>& constant = graph.value(node.inputs[scale_input]).constant;
  if (!constant) return absl::OkStatus();
  const std::vector<float> values = constant->Floats();
  for (size_t i = 0; i < values.size(); ++i) {
    if (!(values[i] > 0.0f) || !std::isfinite(values[i])) {
      return absl::InvalidArgumentError(absl::StrCat(what, "_scale must be positive and finite; element ", i,
                                                     " is ", values[i]));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<QuantizationParameters> ResolveQuantizedOperand(const Graph& graph, const Node& node, int data_input,
                                                               int scale_input, int zero_point_input,
                                                               std::optional<int64_t> axis, absl::string_view what) {
  const TensorType& data = graph.InputType(node, data_input);
  if (!IsQuantizedType(data.element_type, QuantizedTypes::kEightBit)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " has element type ", DataTypeName(data.element_type),
                                                   "; it must be int8 or uint8"));
  }
  ASSIGN_OR_RETURN(QuantizationParameters q, ResolveQuantization(graph, node, scale_input, zero_point_input, data.shape,
                                                                 axis, what, data.element_type));
  if (q.type != data.element_type) {
    return absl::InvalidArgumentError(absl::StrCat(what, "_zero_point has element type ", DataTypeName(q.type), " but ",
                                                   what, " has ", DataTypeName(data.element_type)));
  }
  return q;
}

absl::StatusOr<ProductInput> ResolveProductInput(const Graph& graph, const Node& node, bool qlinear,
                                                 std::optional<int64_t> axis, absl::string_view what) {
  ProductInput input;
  ASSIGN_OR_RETURN(int64_t quantizes, node.attributes.GetInt(kFusedQuantizeInput, 0));
  input.quantized_on_reading = qlinear && quantizes != 0;
  if (!input.quantized_on_reading) {
    ASSIGN_OR_RETURN(input.q, ResolveQuantizedOperand(graph, node, 0, qlinear ? 1 : -1, 2, axis, what));
    input.type = graph.InputType(node, 0).element_type;
    return input;
  }
  if (graph.InputType(node, 0).element_type != DataType::kFloat32 || !graph.HasInput(node, 2)) {
    return absl::InvalidArgumentError(
        absl::StrCat("an input quantised on reading (", what, ") must be float32, with its zero point given"));
  }
  ASSIGN_OR_RETURN(input.q, ResolveQuantization(graph, node, 1, 2, graph.InputType(node, 0).shape, std::nullopt, what));
  input.type = input.q.type;
  return input;
}

absl::StatusOr<QuantizedBinaryOperands> ResolveQuantizedBinaryOperands(const Graph& graph, const Node& node) {
  QuantizedBinaryOperands g;
  const Shape& a = graph.InputType(node, 0).shape;
  const Shape& b = graph.InputType(node, 3).shape;
  ASSIGN_OR_RETURN(g.a, ResolveQuantizedOperand(graph, node, 0, 1, 2, std::nullopt, "a"));
  ASSIGN_OR_RETURN(g.b, ResolveQuantizedOperand(graph, node, 3, 4, 5, std::nullopt, "b"));
  ASSIGN_OR_RETURN(g.out_shape, BroadcastShapes(a, b));
  ASSIGN_OR_RETURN(g.c, ResolveQuantization(graph, node, 6, 7, g.out_shape, std::nullopt, "c"));
  g.a_type = graph.InputType(node, 0).element_type;
  g.b_type = graph.InputType(node, 3).element_type;
  g.a_strides = BroadcastStrides(a, g.out_shape);
  g.b_strides = BroadcastStrides(b, g.out_shape);
  return g;
}

namespace {

// The constant per-tensor pair at inputs (scale, zero_point) of `node`, if there is one.
std::optional<TensorQuantization> ConstantPair(const Graph& graph, const Node& node, int scale, int zero_point) {
  if (!graph.HasInput(node, scale) || !graph.IsConstant(node.inputs[scale])) return std::nullopt;
  const TensorData& s = *graph.value(node.inputs[scale]).constant;
  if (s.type().element_type != DataType::kFloat32 || s.type().ElementCount() != 1) return std::nullopt;
  TensorQuantization q;
  q.scale = s.Floats()[0];
  if (graph.HasInput(node, zero_point)) {
    if (!graph.IsConstant(node.inputs[zero_point])) return std::nullopt;
    q.zero_point = ElementsAsInt32(*graph.value(node.inputs[zero_point]).constant)[0];
  }
  return q;
}

// Which inputs hold the pair describing input `i` of a quantised op, or {-1, -1}.
std::pair<int, int> PairOfInput(OpKind op, int i) {
  const bool qlinear = op == OpKind::kQLinearConv || op == OpKind::kQLinearMatMul || op == OpKind::kQLinearAdd ||
                       op == OpKind::kQLinearMul || op == OpKind::kQLinearAveragePool || op == OpKind::kQLinearSoftmax || op == OpKind::kRequantize ||
                       op == OpKind::kQuantizedLstm;
  if ((op == OpKind::kDequantizeLinear || qlinear) && i == 0) return {1, 2};
  if ((op == OpKind::kQLinearConv || op == OpKind::kQLinearMatMul || op == OpKind::kQLinearAdd ||
       op == OpKind::kQLinearMul) &&
      i == 3) {
    return {4, 5};
  }
  if (op == OpKind::kQLinearConv && i == kQLinearConvAddendInput) return {i + 1, i + 2};
  return {-1, -1};
}

// What the search found for a value, by the direction it was asked in and the depth it
// was reached at (each searched once: Concats of Concats branch out, 2^n paths through n
// of them; the depth, because the search stops at a limit).
using QuantizationSearches = std::map<std::tuple<ValueId, bool, int>, std::optional<TensorQuantization>>;

std::optional<TensorQuantization> QuantizationOfValue(const Graph& graph, ValueId value, int depth,
                                                      bool from_producer, QuantizationSearches& found);

// `from_producer`: the value's producer may say (false once the search has gone down to
// a reader's output, so that it never walks back up to where it came from).
std::optional<TensorQuantization> SearchQuantizationOfValue(const Graph& graph, ValueId value, int depth,
                                                            bool from_producer, QuantizationSearches& found) {
  const DataType type = graph.value(value).type.element_type;
  if ((type != DataType::kInt8 && type != DataType::kUInt8) || depth > 64) return std::nullopt;
  if (const int producer = graph.value(value).producer; from_producer && producer >= 0) {
    const Node& node = graph.nodes()[producer];
    if (node.op == OpKind::kQuantizeLinear) return ConstantPair(graph, node, 1, 2);
    if (node.op == OpKind::kQLinearConv && graph.HasInput(node, kQLinearConvAddendInput)) {  // the fused sum's
      return ConstantPair(graph, node, kQLinearConvAddendInput + 3, kQLinearConvAddendInput + 4);
    }
    if (node.op == OpKind::kQLinearConv || node.op == OpKind::kQLinearMatMul || node.op == OpKind::kQLinearAdd ||
        node.op == OpKind::kQLinearMul || node.op == OpKind::kQuantizedLstm) {
      return ConstantPair(graph, node, 6, 7);
    }
    if (node.op == OpKind::kTableLookup) return ConstantPair(graph, node, 2, 3);
    if (node.op == OpKind::kQLinearAveragePool || node.op == OpKind::kQLinearSoftmax || node.op == OpKind::kRequantize) {
      return ConstantPair(graph, node, 3, 4);
    }
    // Each output element one of the input's (or, for an index map such as a Slice or a
    // Pad, a fill code of its type): the input's quantisation.
    if (GetOpInfo(node.op).Has(op_traits::kPassesValuesThrough) || GetOpInfo(node.op).family == OpFamily::kIndexMap) {
      return QuantizationOfValue(graph, node.inputs[0], depth + 1, /*from_producer=*/true, found);
    }
    // Each output element one of the inputs' (a Concat): their quantisation where they
    // share one; else its readers'.
    if (node.op == OpKind::kConcat) {
      std::optional<TensorQuantization> shared;
      for (ValueId input : node.inputs) {
        const std::optional<TensorQuantization> q =
            QuantizationOfValue(graph, input, depth + 1, /*from_producer=*/true, found);
        if (!q || (shared && (q->scale != shared->scale || q->zero_point != shared->zero_point))) {
          shared.reset();
          break;
        }
        shared = q;
      }
      if (shared) return shared;
    }
  }
  for (const Node& node : graph.nodes()) {
    for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
      if (node.inputs[i] != value) continue;
      const auto [scale, zero_point] = PairOfInput(node.op, i);
      if (scale >= 0) {
        if (auto q = ConstantPair(graph, node, scale, zero_point)) return q;
      } else if ((i == 0 && GetOpInfo(node.op).Has(op_traits::kPassesValuesThrough)) || node.op == OpKind::kConcat) {
        // Its values read as the output's (a Concat's: every input's).
        if (auto q = QuantizationOfValue(graph, node.outputs[0], depth + 1, /*from_producer=*/false, found)) return q;
      }
    }
  }
  return std::nullopt;
}

std::optional<TensorQuantization> QuantizationOfValue(const Graph& graph, ValueId value, int depth,
                                                      bool from_producer, QuantizationSearches& found) {
  const std::tuple<ValueId, bool, int> key{value, from_producer, depth};
  if (const auto known = found.find(key); known != found.end()) return known->second;
  const std::optional<TensorQuantization> q = SearchQuantizationOfValue(graph, value, depth, from_producer, found);
  found[key] = q;
  return q;
}

}  // namespace

std::optional<TensorQuantization> QuantizationOfValue(const Graph& graph, ValueId value) {
  QuantizationSearches found;
  return QuantizationOfValue(graph, value, 0, /*from_producer=*/true, found);
}

std::vector<int32_t> ElementsAsInt32(const TensorData& tensor) {
  return VisitDataType(tensor.type().element_type, [&](auto element) {
    using T = decltype(element);
    std::vector<int32_t> out;
    for (T v : tensor.Elements<T>()) out.push_back(static_cast<int32_t>(v));
    return out;
  });
}

TensorData TensorFromInt32(const TensorType& type, const std::vector<int32_t>& values) {
  return VisitDataType(type.element_type, [&](auto element) {
    using T = decltype(element);
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    for (size_t i = 0; i < values.size(); ++i) {
      const T v = static_cast<T>(values[i]);
      std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
    }
    return TensorData(type, std::move(bytes));
  });
}

QuantizationValues ReadQuantization(const QuantizationParameters& q, const std::vector<const TensorData*>& inputs) {
  QuantizationValues values;
  values.inner = q.inner;
  if (q.scale_input >= 0) {
    values.scale = inputs[q.scale_input]->Floats();
  } else {
    values.scale.assign(q.count, 1.0f);
  }
  if (q.zero_point_input >= 0 && inputs[q.zero_point_input] != nullptr) {
    values.zero_point = ElementsAsInt32(*inputs[q.zero_point_input]);
  } else {
    values.zero_point.assign(q.count, 0);
  }
  return values;
}

int32_t RoundToQuantized(float scaled, int32_t zero_point, DataType type, HalfRounding halves) {
  const float low = static_cast<float>(QuantizedMin(type) - zero_point);
  const float high = static_cast<float>(QuantizedMax(type) - zero_point);
  if (!(scaled > low)) scaled = low;
  if (!(scaled < high)) scaled = high;
  const float rounded = halves == HalfRounding::kAwayFromZero ? std::round(scaled) : std::nearbyint(scaled);
  return static_cast<int32_t>(rounded) + zero_point;
}

float RequantizationMultiplier(float input_scale, float weight_scale, float output_scale) {
  return input_scale * weight_scale / output_scale;
}

int32_t Requantize(int32_t accumulator, float multiplier, int32_t zero_point, DataType type) {
  return RoundToQuantized(static_cast<float>(accumulator) * multiplier, zero_point, type);
}

// 2^31 as a float: x86's float-to-int32 conversion gives INT32_MIN from there up.
constexpr float kTwoToThe31 = 2147483648.0f;

int32_t RequantizeOffsetFirst(int32_t accumulator, float multiplier, int32_t zero_point, DataType type) {
  return RoundOffsetToQuantized(static_cast<float>(accumulator) * multiplier + static_cast<float>(zero_point), type);
}

int32_t RoundOffsetToQuantized(float offset, DataType type) {
  if (!(offset < kTwoToThe31)) return QuantizedMin(type);
  return RoundToQuantized(offset, 0, type);
}

int32_t Quantize(float x, float scale, int32_t zero_point, DataType type, HalfRounding halves) {
  return RoundToQuantized(x / scale, zero_point, type, halves);
}

float Dequantize(int32_t value, float scale, int32_t zero_point) {
  return static_cast<float>(value - zero_point) * scale;
}

int32_t QuantizedSum(QuantizedTerm a, QuantizedTerm b, float c_scale, int32_t c_zero_point, DataType c_type) {
  const float sum = Dequantize(a.value, a.scale, a.zero_point) + Dequantize(b.value, b.scale, b.zero_point);
  return RoundToQuantized(sum / c_scale, c_zero_point, c_type);
}

llvm::Value* EmitRequantizationMultiplier(KernelContext& k, llvm::Value* input_scale, llvm::Value* weight_scale,
                                          llvm::Value* output_scale) {
  llvm::IRBuilderBase::FastMathFlagGuard exact(k.b);
  k.b.clearFastMathFlags();
  return k.b.CreateFDiv(k.b.CreateFMul(input_scale, weight_scale), output_scale);
}

namespace {

// Where the rounding rule (halves to even) of one float may take Arm's saturating form
// (EmitSaturatingRoundToQuantized): a scalar, an 8- or 16-bit type, a core with an FPU
// and the DSP extension but no Helium (LoweringTarget's arm_saturating_round).
bool SaturatingRoundApplies(const KernelContext& k, llvm::Value* scaled, DataType type) {
  const bool saturable = type == DataType::kInt8 || type == DataType::kUInt8 || type == DataType::kInt16 ||
                         type == DataType::kUInt16;
  return k.target.arm_saturating_round && !scaled->getType()->isVectorTy() && saturable;
}

// Rounded (halves to even) and saturated by VCVTR, the zero point added by QADD, the
// type's range by SSAT/USAT: the same integer as clamping first (the bounds are
// integers) in 4 instructions where the float compares take 10 on a Cortex-M4. Only a
// NaN differs: the zero point here, the type's minimum there.
llvm::Value* EmitSaturatingRoundToQuantized(KernelContext& k, llvm::Value* scaled, llvm::Value* zero_point,
                                            DataType type) {
  llvm::IRBuilder<>& b = k.b;
  const int bits = static_cast<int>(ByteSize(type)) * 8;
  llvm::Value* rounded = b.CreateBitCast(b.CreateIntrinsic(llvm::Intrinsic::arm_vcvtr, {k.F32()}, {scaled}),
                                         b.getInt32Ty());
  llvm::Value* shifted = b.CreateIntrinsic(llvm::Intrinsic::arm_qadd, {}, {rounded, zero_point});
  const llvm::Intrinsic::ID saturate = IsSignedInteger(type) ? llvm::Intrinsic::arm_ssat : llvm::Intrinsic::arm_usat;
  llvm::Value* saturated = b.CreateIntrinsic(saturate, {}, {shifted, b.getInt32(bits)});
  return b.CreateTrunc(saturated, k.Elem(type));
}

// `scaled` clamped to [qmin - zero_point, qmax - zero_point] (NaN gives the lower
// bound). In [-65535, 65535] (16-bit types with their zero point; [-383, 383] for 8-bit
// ones), adding kRoundingBias = 1.5 * 2^23 rounds it to an integer, halves to even,
// which the sum's low mantissa bits then hold: its bits minus those of kRoundingBias are
// the integer, with no float-to-integer conversion (cheaper on every core, and QEMU 7.2
// cannot translate RVV's vfcvt.rtz); the sum less kRoundingBias is it as a float.
constexpr float kRoundingBias = 12582912.0f;
llvm::Value* EmitClampToQuantized(KernelContext& k, llvm::Value* scaled, llvm::Value* zero_point, DataType type) {
  llvm::IRBuilder<>& b = k.b;
  auto splat = [&](llvm::Value* scalar) { return SplatLike(b, scaled, scalar); };
  llvm::Value* low = splat(b.CreateSIToFP(b.CreateSub(b.getInt32(QuantizedMin(type)), zero_point), k.F32()));
  llvm::Value* high = splat(b.CreateSIToFP(b.CreateSub(b.getInt32(QuantizedMax(type)), zero_point), k.F32()));
  llvm::Value* v = b.CreateSelect(b.CreateFCmpOGT(scaled, low), scaled, low);
  return b.CreateSelect(b.CreateFCmpOLT(v, high), v, high);
}

// A requantisation's value before rounding: the accumulator times its multiplier, one
// float32 product (the caller clears the fast-math flags).
llvm::Value* EmitScaledAccumulator(KernelContext& k, llvm::Value* accumulator, llvm::Value* multiplier) {
  return k.b.CreateFMul(k.b.CreateSIToFP(accumulator, LanesOf(accumulator, k.F32())),
                        SplatLike(k.b, accumulator, multiplier));
}

}  // namespace

llvm::Value* EmitRequantize(KernelContext& k, llvm::Value* accumulator, llvm::Value* multiplier,
                            llvm::Value* zero_point, DataType type) {
  llvm::IRBuilderBase::FastMathFlagGuard exact(k.b);
  k.b.clearFastMathFlags();
  llvm::Value* scaled = EmitScaledAccumulator(k, accumulator, multiplier);
  // An integer times the multiplier is a NaN only where the multiplier is not finite
  // (broken scales, or a quotient of scales that overflows): the zero point here.
  if (SaturatingRoundApplies(k, scaled, type)) return EmitSaturatingRoundToQuantized(k, scaled, zero_point, type);
  return EmitRoundToQuantized(k, scaled, zero_point, type);
}

llvm::Value* EmitRequantizeOffsetFirst(KernelContext& k, llvm::Value* accumulator, llvm::Value* multiplier,
                                       llvm::Value* zero_point, DataType type) {
  llvm::IRBuilder<>& b = k.b;
  llvm::IRBuilderBase::FastMathFlagGuard exact(b);
  b.clearFastMathFlags();
  llvm::Value* scaled = EmitScaledAccumulator(k, accumulator, multiplier);
  return EmitRoundOffsetToQuantized(k, b.CreateFAdd(scaled, SplatLike(b, scaled, b.CreateSIToFP(zero_point, k.F32()))),
                                    type);
}

llvm::Value* EmitRoundOffsetToQuantized(KernelContext& k, llvm::Value* offset, DataType type) {
  llvm::IRBuilder<>& b = k.b;
  llvm::IRBuilderBase::FastMathFlagGuard exact(b);
  b.clearFastMathFlags();
  llvm::Value* minimum = SplatLike(b, offset, k.Float(static_cast<float>(QuantizedMin(type))));
  offset = b.CreateSelect(b.CreateFCmpOLT(offset, SplatLike(b, offset, k.Float(kTwoToThe31))), offset, minimum);
  return EmitRoundToQuantized(k, offset, b.getInt32(0), type);
}

llvm::Value* EmitRequantizeDequantized(KernelContext& k, llvm::Value* accumulator, llvm::Value* multiplier,
                                       llvm::Value* zero_point, llvm::Value* scale, DataType type) {
  llvm::IRBuilder<>& b = k.b;
  llvm::IRBuilderBase::FastMathFlagGuard exact(b);
  b.clearFastMathFlags();
  llvm::Value* scaled = EmitScaledAccumulator(k, accumulator, multiplier);
  if (SaturatingRoundApplies(k, scaled, type)) {  // its integer, so that a NaN gives the same
    llvm::Value* code = EmitWidenToInt32(k, EmitSaturatingRoundToQuantized(k, scaled, zero_point, type), type);
    return EmitDequantize(k, code, scale, zero_point);
  }
  llvm::Value* bias = SplatLike(b, scaled, k.Float(kRoundingBias));
  llvm::Value* steps = b.CreateFSub(b.CreateFAdd(EmitClampToQuantized(k, scaled, zero_point, type), bias), bias);
  return b.CreateFMul(steps, SplatLike(b, steps, scale));
}

llvm::Value* EmitRoundToQuantized(KernelContext& k, llvm::Value* scaled, llvm::Value* zero_point, DataType type,
                                  HalfRounding halves) {
  llvm::IRBuilder<>& b = k.b;
  llvm::IRBuilderBase::FastMathFlagGuard exact(b);
  b.clearFastMathFlags();
  auto splat = [&](llvm::Value* scalar) { return SplatLike(b, scaled, scalar); };
  llvm::Value* v = EmitClampToQuantized(k, scaled, zero_point, type);
  llvm::Value* biased = b.CreateBitCast(b.CreateFAdd(v, splat(k.Float(kRoundingBias))), LanesOf(scaled, b.getInt32Ty()));
  llvm::Value* integer = b.CreateSub(biased, splat(b.getInt32(0x4B400000)));
  if (halves == HalfRounding::kAwayFromZero) {
    // A half rounded to even went toward zero when the value minus its rounding
    // (exact: both small) is +1/2 for a positive value or -1/2 for a negative one:
    // one step further away then.
    llvm::Value* remainder = b.CreateFSub(v, b.CreateSIToFP(integer, LanesOf(scaled, k.F32())));
    llvm::Value* zero = splat(k.Float(0.0f));
    llvm::Value* up = b.CreateAnd(b.CreateFCmpOEQ(remainder, splat(k.Float(0.5f))), b.CreateFCmpOGT(v, zero));
    llvm::Value* down = b.CreateAnd(b.CreateFCmpOEQ(remainder, splat(k.Float(-0.5f))), b.CreateFCmpOLT(v, zero));
    integer = b.CreateAdd(integer, b.CreateSub(b.CreateZExt(up, integer->getType()), b.CreateZExt(down, integer->getType())));
  }
  integer = b.CreateAdd(integer, splat(zero_point));
  return b.CreateTrunc(integer, LanesOf(scaled, k.Elem(type)));
}

llvm::Value* EmitLoadScale(KernelContext& k, const QuantizationParameters& q, llvm::Value* index) {
  return k.Load(k.in[q.scale_input], q.PerTensor() ? k.Int(0) : index);
}

llvm::Value* EmitLoadZeroPoint(KernelContext& k, const QuantizationParameters& q, llvm::Value* index) {
  if (q.zero_point_input < 0) return k.b.getInt32(0);
  llvm::Value* value = k.LoadAs(q.type, k.in[q.zero_point_input], q.PerTensor() ? k.Int(0) : index);
  return EmitWidenToInt32(k, value, q.type);
}

llvm::Value* EmitWidenToInt32(KernelContext& k, llvm::Value* value, DataType type) {
  llvm::Type* i32 = LanesOf(value, k.b.getInt32Ty());
  return IsSignedInteger(type) ? k.b.CreateSExtOrTrunc(value, i32) : k.b.CreateZExtOrTrunc(value, i32);
}

llvm::Value* EmitQuantize(KernelContext& k, llvm::Value* x, llvm::Value* scale, llvm::Value* zero_point, DataType type,
                          HalfRounding halves) {
  llvm::IRBuilderBase::FastMathFlagGuard exact(k.b);
  k.b.clearFastMathFlags();
  llvm::Value* scaled = k.b.CreateFDiv(x, scale);
  if (halves != HalfRounding::kToEven || !SaturatingRoundApplies(k, scaled, type)) {
    return EmitRoundToQuantized(k, scaled, zero_point, type, halves);
  }
  // A NaN input gives the type's minimum, as the clamping form does.
  llvm::Value* minimum = llvm::ConstantInt::get(k.Elem(type), QuantizedMin(type), /*IsSigned=*/true);
  return k.b.CreateSelect(k.b.CreateFCmpUNO(scaled, scaled), minimum,
                          EmitSaturatingRoundToQuantized(k, scaled, zero_point, type));
}

InputCodeReader::InputCodeReader(KernelContext& k, DataType type, const QuantizationParameters* on_reading)
    : k_(k), type_(type), quantizes_(on_reading != nullptr) {
  if (!on_reading) return;
  scale_ = EmitLoadScale(k, *on_reading, k.Int(0));
  zero_point_ = EmitLoadZeroPoint(k, *on_reading, k.Int(0));
}

llvm::Value* InputCodeReader::Load(llvm::Value* index) const {
  if (!quantizes_) return EmitWidenToInt32(k_, k_.LoadAs(type_, k_.in[0], index), type_);
  llvm::Value* x = k_.LoadAs(DataType::kFloat32, k_.in[0], index);
  return EmitWidenToInt32(k_, EmitQuantize(k_, x, scale_, zero_point_, type_, HalfRoundingOf(k_.node)), type_);
}

llvm::Value* EmitDequantize(KernelContext& k, llvm::Value* value, llvm::Value* scale, llvm::Value* zero_point) {
  llvm::IRBuilderBase::FastMathFlagGuard exact(k.b);
  k.b.clearFastMathFlags();
  return k.b.CreateFMul(k.b.CreateSIToFP(k.b.CreateSub(value, SplatLike(k.b, value, zero_point)), LanesOf(value, k.F32())),
                        SplatLike(k.b, value, scale));
}

llvm::Value* EmitQuantizedSum(KernelContext& k, EmittedQuantizedTerm a, EmittedQuantizedTerm b, llvm::Value* c_scale,
                              llvm::Value* c_zero_point, DataType c_type) {
  llvm::IRBuilderBase::FastMathFlagGuard exact(k.b);
  k.b.clearFastMathFlags();
  llvm::Value* sum = k.b.CreateFAdd(EmitDequantize(k, a.value, a.scale, a.zero_point),
                                    EmitDequantize(k, b.value, b.scale, b.zero_point));
  return EmitRoundToQuantized(k, k.b.CreateFDiv(sum, SplatLike(k.b, sum, c_scale)), c_zero_point, c_type);
}

}  // namespace modelc
