// Fixed-point requantisation: a quantised product's int32 sum scaled to its int8/uint8
// output with integer arithmetic only. The real multiplier
// input_scale x weight_scale / output_scale (each widened to double, then two double
// operations) becomes a Q31 mantissa in [2^30, 2^31) and a power-of-two exponent, as
// TensorFlow Lite's QuantizeMultiplier makes them; the sum times the mantissa (a 64-bit
// product) is shifted right by 31 - exponent with one rounding, halves up (TFLite's
// TFLITE_SINGLE_ROUNDING form, CMSIS-NN's arm_nn_requantize with
// CMSIS_NN_USE_SINGLE_ROUNDING), offset by the zero point and clamped.
//
// One rounding keeps it within 2^-31 (relative) of the exact product, so it agrees
// with ONNX Runtime's float form (quantization.h) except where a product lies within
// that of a half (and at exact halves, which ORT rounds to even). gemmlowp's two
// roundings (TFLite's default build: SaturatingRoundingDoublingHighMul, then
// RoundingDivideByPOT) round first to 2^-(right shift) and so move values up to that
// far from a half: 0.6% of the outputs of random layers, which then spread through a
// network. That form is TFLite's semantics: the TFLite frontend asks for it on the
// products it makes, so that they give the TFLite reference kernels' integers.
//
// A node computes this way when it carries kFixedPointRequantization: 1 (one rounding;
// set by the requantize-fixed-point pass: `--requantize fixed-point`, the default on
// cores without an FPU, where the float form costs a libgcc call per operation) or 2
// (TFLite's two roundings; set by the TFLite frontend, whatever the target).
#ifndef MODELC_OPS_QUANTIZE_FIXED_POINT_MULTIPLIER_H_
#define MODELC_OPS_QUANTIZE_FIXED_POINT_MULTIPLIER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace modelc {

// The node attribute (int: FixedPointRounding's value) that makes a QLinearConv or
// QLinearMatMul requantise in fixed point, rounding as it says (and QLinearAdd,
// QLinearSoftmax, QLinearAveragePool compute as TFLite's ADD, SOFTMAX, MEAN with 2). Set
// by passes and the TFLite frontend; the ONNX importer refuses it in a model file.
inline constexpr char kFixedPointRequantization[] = "fixed_point_requantization";
enum class FixedPointRounding : int64_t {
  kSingle = 1,  // the 64-bit product shifted right once, halves up
  kDouble = 2,  // TFLite's default: SaturatingRoundingDoublingHighMul, RoundingDivideByPOT
};
bool RequantizesInFixedPoint(const Node& node);
// The node's rounding (kSingle for a node that does not requantise in fixed point).
FixedPointRounding FixedPointRoundingOf(const Node& node);
// "fixed-point", "fixed-point-tflite" (two roundings) or "float" for a QLinearConv /
// QLinearMatMul (the report and the plan say which), nullptr for other ops.
const char* RequantizationName(const Node& node);
// Whether `node` (QLinearConv, QLinearMatMul) can: its input, weight and output scales
// constants, the input's and output's per tensor. Otherwise the message says why.
absl::Status CheckFixedPointRequantizable(const Graph& graph, const Node& node);

// A real multiplier as mantissa x 2^(shift - 31): multiplier in [2^30, 2^31) (0, with
// shift -31, for zero or a multiplier below 2^-32), shift in [-31, 30].
struct FixedPointMultiplier {
  int32_t multiplier = 0;
  int32_t shift = 0;
};
FixedPointMultiplier QuantizeMultiplier(double real_multiplier);
// input_scale x weight_scale / output_scale, as TFLite forms it, quantised.
FixedPointMultiplier ProductFixedPointMultiplier(float input_scale, float weight_scale, float output_scale);
// One per weight scale of a QLinearConv / QLinearMatMul whose scales are constants
// (inputs 1, 4 and 6 of both ops): what the kernel reads, as its prepared constant
// "requantization" (int32: RequantizationTableIndex).
std::vector<FixedPointMultiplier> ProductFixedPointMultipliers(const Graph& graph, const Node& node);
// Where channel `channel` of `channels` keeps its multiplier (or, `shift`, its shift) in
// "requantization": (multiplier, shift) pairs, or with `planes`
// (NodePlan::requantization_planes) every multiplier, then every shift.
inline int64_t RequantizationTableIndex(int64_t channels, int64_t channel, bool shift, bool planes) {
  return planes ? (shift ? channels : 0) + channel : 2 * channel + (shift ? 1 : 0);
}

// The float form's multipliers of the same node (quantization.h's
// RequantizationMultiplier, one per weight scale): a kernel that would otherwise compute
// them per output reads them as its prepared constant "multipliers".
std::vector<float> ProductFloatMultipliers(const Graph& graph, const Node& node);

// The output: the accumulator times the multiplier, rounded once (halves up) or twice
// (each time halves away from zero, as TFLite's MultiplyByQuantizedMultiplier), plus
// `zero_point`, clamped to `type`'s range.
int32_t RequantizeFixedPoint(int32_t accumulator, FixedPointMultiplier m, int32_t zero_point, DataType type,
                             FixedPointRounding rounding = FixedPointRounding::kSingle);

// gemmlowp's primitives on int32, as TFLite's reference kernels use them:
// a x b x 2 / 2^32 rounded to nearest (a nudge of 2^30, or 1 - 2^30 below zero, then
// truncation toward zero); INT32_MIN x INT32_MIN saturates to INT32_MAX ...
int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b);
// ... and x / 2^exponent (exponent in [0, 31]) rounded to nearest, halves away from zero.
int32_t RoundingDivideByPowerOfTwo(int32_t x, int exponent);

// x times the multiplier with TFLite's two roundings (its MultiplyByQuantizedMultiplier):
// an int32, neither offset nor clamped.
int32_t MultiplyByFixedPoint(int32_t x, FixedPointMultiplier m);

// x + y in int32 as TFLite's kernels add (their overflow is undefined in C++; the
// hardware wraps), without signed overflow here.
inline int32_t WrappingAdd(int32_t x, int32_t y) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) + static_cast<uint32_t>(y));
}

// TFLite's int8 ADD (reference_integer_ops::Add, with its Prepare's parameters): each
// operand less its zero point, shifted left by 20, scaled by its scale over twice the
// larger input scale; the two summed; the sum scaled by twice the larger input scale
// over 2^20 x the output's; every scaling MultiplyByFixedPoint; then the output's zero
// point and the clamp. QLinearAdd computes this when it carries
// kFixedPointRequantization = 2 (the TFLite frontend's ADD).
struct FixedPointAdd {
  static constexpr int kLeftShift = 20;
  FixedPointMultiplier a, b, sum;
};
FixedPointAdd TfliteAddMultipliers(float a_scale, float b_scale, float c_scale);
// TFLite's int8 SUB: its ADD with the second input's multiplier negated (sub.cc's
// PrepareGeneralSubOp, op_sign -1).
FixedPointAdd TfliteSubMultipliers(float a_scale, float b_scale, float c_scale);
// TFLite's int8 MUL (reference_integer_ops::Mul): (a - a_zero_point)(b - b_zero_point)
// scaled by the multiplier of a_scale * b_scale / c_scale, that quotient computed in
// float as mul.cc's Prepare computes it (then QuantizeMultiplier), plus c_zero_point,
// saturated.
FixedPointMultiplier TfliteMulMultiplier(float a_scale, float b_scale, float c_scale);
// TFLite's int8 PRELU where x >= its zero point: the multiplier of x_scale / y_scale,
// that quotient in float as activations.cc's PreluPrepare computes it. (Where x is below,
// the product with alpha's multiplier is TfliteMulMultiplier's.)
FixedPointMultiplier TflitePreluPositiveMultiplier(float x_scale, float y_scale);
int32_t TfliteAdd(const FixedPointAdd& add, int32_t a, int32_t a_zero_point, int32_t b, int32_t b_zero_point,
                  int32_t c_zero_point, DataType type);
// The parameters of `node`'s sum as TFLite's ADD (SUB with `subtracts`) computes it,
// from its constant scales at inputs a_scale, b_scale and c_scale (QLinearAdd's 1, 4, 6;
// a QLinearConv's fused sum's 6, 10, 12): refused, saying why, where a scale is not one
// constant or TFLite's Prepare would (a multiplier of one or more).
absl::StatusOr<FixedPointAdd> TfliteAddOfConstantScales(const Graph& graph, const Node& node, int a_scale,
                                                        int b_scale, int c_scale, bool subtracts);
// Those of a QLinearAdd carrying kFixedPointRequantization (the TFLite frontend's ADD,
// or SUB with kFusedSubtract): refused, saying why, unless it rounds twice as TFLite's
// does and TfliteAddOfConstantScales accepts its scales (inputs 1, 4, 6).
absl::StatusOr<FixedPointAdd> TfliteSumOf(const Graph& graph, const Node& add);

// TFLite's int8 MEAN (reference_ops::QuantizedMeanOrSum): the multiplier of
// input_scale / output_scale (QuantizeMultiplier) with 1 / count folded in: shifted left
// by s = min(floor(log2 count), 32, 31 + its shift), divided by count (int64, truncated),
// its shift less s. The mean of codes x is then
// MultiplyByFixedPoint(sum(x - x_zero_point), that) + y_zero_point, saturated.
FixedPointMultiplier TfliteMeanMultiplier(float input_scale, float output_scale, int64_t count);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_FIXED_POINT_MULTIPLIER_H_
