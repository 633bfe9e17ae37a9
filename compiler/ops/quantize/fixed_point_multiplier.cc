#include "compiler/ops/quantize/fixed_point_multiplier.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The inputs holding a quantised product's scales (QLinearConv's x, w, y; QLinearMatMul's
// a, b, y: the same positions).
constexpr int kInputScale = 1, kWeightScale = 4, kOutputScale = 6;

}  // namespace

bool RequantizesInFixedPoint(const Node& node) {
  const absl::StatusOr<int64_t> value = node.attributes.GetInt(kFixedPointRequantization, 0);
  return value.ok() && *value != 0;
}

FixedPointRounding FixedPointRoundingOf(const Node& node) {
  const absl::StatusOr<int64_t> value = node.attributes.GetInt(kFixedPointRequantization, 0);
  return value.ok() && *value == static_cast<int64_t>(FixedPointRounding::kDouble) ? FixedPointRounding::kDouble
                                                                                   : FixedPointRounding::kSingle;
}

const char* RequantizationName(const Node& node) {
  if (node.op != OpKind::kQLinearConv && node.op != OpKind::kQLinearMatMul) return nullptr;
  if (!RequantizesInFixedPoint(node)) return "float";
  return FixedPointRoundingOf(node) == FixedPointRounding::kDouble ? "fixed-point-tflite" : "fixed-point";
}

absl::Status CheckFixedPointRequantizable(const Graph& graph, const Node& node) {
  if (node.op != OpKind::kQLinearConv && node.op != OpKind::kQLinearMatMul) {
    return absl::InvalidArgumentError(absl::StrCat(kFixedPointRequantization, " applies to QLinearConv and "
                                                   "QLinearMatMul, not ", OpName(node.op)));
  }
  const struct {
    int input;
    const char* what;
    bool per_tensor;
  } scales[] = {{kInputScale, "input", true}, {kWeightScale, "weight", false}, {kOutputScale, "output", true}};
  for (const auto& scale : scales) {
    if (!graph.HasInput(node, scale.input) || !graph.IsConstant(node.inputs[scale.input])) {
      return absl::InvalidArgumentError(absl::StrCat("fixed-point requantisation needs a constant ", scale.what,
                                                     " scale"));
    }
    if (scale.per_tensor && graph.InputType(node, scale.input).ElementCount() != 1) {
      return absl::InvalidArgumentError(absl::StrCat("fixed-point requantisation needs one ", scale.what,
                                                     " scale for the whole tensor"));
    }
  }
  return absl::OkStatus();
}

FixedPointMultiplier QuantizeMultiplier(double real_multiplier) {
  // Zero, or below 2^-32 (every int32 sum scales to 0): mantissa 0, with a shift below
  // -1 like every int8 layer's, so the node keeps the kernels' 32-bit path.
  constexpr FixedPointMultiplier kZero = {0, -31};
  if (!(real_multiplier > 0.0)) return kZero;
  if (!std::isfinite(real_multiplier)) return {INT32_MAX, 30};  // an overflowing quotient of scales
  int exponent = 0;
  const double mantissa = std::frexp(real_multiplier, &exponent);  // in [0.5, 1)
  int64_t fixed = std::llround(mantissa * 2147483648.0);            // halves away from zero
  if (fixed == (int64_t{1} << 31)) {
    fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) return kZero;
  if (exponent > 30) return {INT32_MAX, 30};  // a multiplier of 2^30 or more saturates anyway
  return {static_cast<int32_t>(fixed), exponent};
}

FixedPointMultiplier ProductFixedPointMultiplier(float input_scale, float weight_scale, float output_scale) {
  return QuantizeMultiplier(static_cast<double>(input_scale) * static_cast<double>(weight_scale) /
                            static_cast<double>(output_scale));
}

namespace {

// make(input scale, weight scale, output scale) for each weight scale of a quantised
// product whose scales are constants.
template <typename Multiplier>
std::vector<Multiplier> PerWeightScale(const Graph& graph, const Node& node, Multiplier (*make)(float, float, float)) {
  auto floats = [&](int input) { return graph.value(node.inputs[input]).constant->Floats(); };
  const float input_scale = floats(kInputScale)[0], output_scale = floats(kOutputScale)[0];
  std::vector<Multiplier> multipliers;
  for (float weight_scale : floats(kWeightScale)) multipliers.push_back(make(input_scale, weight_scale, output_scale));
  return multipliers;
}

}  // namespace

std::vector<FixedPointMultiplier> ProductFixedPointMultipliers(const Graph& graph, const Node& node) {
  return PerWeightScale(graph, node, &ProductFixedPointMultiplier);
}

std::vector<float> ProductFloatMultipliers(const Graph& graph, const Node& node) {
  return PerWeightScale(graph, node, &RequantizationMultiplier);
}

int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t product = int64_t{a} * b;
  const int64_t nudge = product >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
  return static_cast<int32_t>((product + nudge) / (int64_t{1} << 31));  // truncates toward zero
}

int32_t RoundingDivideByPowerOfTwo(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t MultiplyByFixedPoint(int32_t x, FixedPointMultiplier m) {
  // A left shift (a multiplier of 1 or more) wraps as int32, as TFLite's does.
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << std::max(m.shift, 0));
  return RoundingDivideByPowerOfTwo(SaturatingRoundingDoublingHighMul(shifted, m.multiplier), std::max(-m.shift, 0));
}

FixedPointAdd TfliteAddMultipliers(float a_scale, float b_scale, float c_scale) {
  FixedPointAdd add;
  const double twice_max_input_scale = 2.0 * static_cast<double>(std::max(a_scale, b_scale));
  add.a = QuantizeMultiplier(static_cast<double>(a_scale) / twice_max_input_scale);
  add.b = QuantizeMultiplier(static_cast<double>(b_scale) / twice_max_input_scale);
  add.sum = QuantizeMultiplier(twice_max_input_scale /
                               static_cast<double>(static_cast<float>(1 << FixedPointAdd::kLeftShift) * c_scale));
  return add;
}

FixedPointAdd TfliteSubMultipliers(float a_scale, float b_scale, float c_scale) {
  FixedPointAdd sub = TfliteAddMultipliers(a_scale, b_scale, c_scale);
  sub.b.multiplier = -sub.b.multiplier;  // in [2^30, 2^31): its negation fits
  return sub;
}

FixedPointMultiplier TfliteMulMultiplier(float a_scale, float b_scale, float c_scale) {
  const float quotient = a_scale * b_scale / c_scale;  // float, as TFLite's Prepare
  return QuantizeMultiplier(static_cast<double>(quotient));
}

FixedPointMultiplier TflitePreluPositiveMultiplier(float x_scale, float y_scale) {
  const float quotient = x_scale / y_scale;  // float, as TFLite's Prepare
  return QuantizeMultiplier(static_cast<double>(quotient));
}

int32_t TfliteAdd(const FixedPointAdd& add, int32_t a, int32_t a_zero_point, int32_t b, int32_t b_zero_point,
                  int32_t c_zero_point, DataType type) {
  const int32_t scaled_a = MultiplyByFixedPoint((a - a_zero_point) * (1 << FixedPointAdd::kLeftShift), add.a);
  const int32_t scaled_b = MultiplyByFixedPoint((b - b_zero_point) * (1 << FixedPointAdd::kLeftShift), add.b);
  const int64_t value = int64_t{MultiplyByFixedPoint(scaled_a + scaled_b, add.sum)} + c_zero_point;
  return static_cast<int32_t>(std::clamp<int64_t>(value, QuantizedMin(type), QuantizedMax(type)));
}

absl::StatusOr<FixedPointAdd> TfliteAddOfConstantScales(const Graph& graph, const Node& node, int a_scale,
                                                        int b_scale, int c_scale, bool subtracts) {
  float scales[3];
  const int inputs[3] = {a_scale, b_scale, c_scale};
  for (int i = 0; i < 3; ++i) {
    if (!graph.HasInput(node, inputs[i]) || !graph.IsConstant(node.inputs[inputs[i]]) ||
        graph.InputType(node, inputs[i]).ElementCount() != 1) {
      return absl::InvalidArgumentError("TFLite's integer sum needs constant scales, one per tensor");
    }
    scales[i] = graph.value(node.inputs[inputs[i]]).constant->Floats()[0];
  }
  // TFLite's Prepare wants every multiplier below one (QuantizeMultiplierSmallerThanOneExp):
  // the output's scale more than twice the larger input's over 2^20.
  const FixedPointAdd add = subtracts ? TfliteSubMultipliers(scales[0], scales[1], scales[2])
                                      : TfliteAddMultipliers(scales[0], scales[1], scales[2]);
  if (add.sum.shift > 0) {
    return absl::InvalidArgumentError("TFLite's integer sum needs an output scale above the inputs' / 2^19");
  }
  return add;
}

absl::StatusOr<FixedPointAdd> TfliteSumOf(const Graph& graph, const Node& add) {
  if (FixedPointRoundingOf(add) != FixedPointRounding::kDouble) {
    return absl::InvalidArgumentError("QLinearAdd sums in fixed point only as TFLite's ADD (two roundings)");
  }
  ASSIGN_OR_RETURN(int64_t subtracts, add.attributes.GetInt(kFusedSubtract, 0));
  return TfliteAddOfConstantScales(graph, add, 1, 4, 6, subtracts != 0);
}

int32_t RequantizeFixedPoint(int32_t accumulator, FixedPointMultiplier m, int32_t zero_point, DataType type,
                             FixedPointRounding rounding) {
  if (rounding == FixedPointRounding::kDouble) {
    const int64_t value = int64_t{MultiplyByFixedPoint(accumulator, m)} + zero_point;
    return static_cast<int32_t>(std::clamp<int64_t>(value, QuantizedMin(type), QuantizedMax(type)));
  }
  const int total_shift = 31 - m.shift;  // in [1, 62]
  const int64_t product = static_cast<int64_t>(accumulator) * m.multiplier;  // below 2^62 in magnitude
  const int64_t value = ((product + (int64_t{1} << (total_shift - 1))) >> total_shift) + zero_point;
  return static_cast<int32_t>(std::clamp<int64_t>(value, QuantizedMin(type), QuantizedMax(type)));
}

FixedPointMultiplier TfliteMeanMultiplier(float input_scale, float output_scale, int64_t count) {
  FixedPointMultiplier m = QuantizeMultiplier(static_cast<double>(input_scale) / static_cast<double>(output_scale));
  int shift = 63 - __builtin_clzll(static_cast<uint64_t>(count));
  shift = std::min({shift, 32, 31 + m.shift});
  m.multiplier = static_cast<int32_t>((static_cast<int64_t>(m.multiplier) << shift) / count);
  m.shift -= shift;
  return m;
}

}  // namespace modelc
