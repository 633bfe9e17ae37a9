// Fixed-point requantisation (compiler/ops/quantize/fixed_point_multiplier.h): the
// multiplier's mantissa and exponent as TFLite's QuantizeMultiplier defines them, one
// rounding halves up, the clamp; and agreement with ONNX Runtime's float form
// (quantization.h's Requantize, bit-exact with ORT elsewhere) except within a rounding
// of a half.
#include <random>

#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/quantize/quantization.h"
#include "gtest/gtest.h"

namespace modelc {
namespace {

TEST(FixedPointMultiplier, MantissaAndExponentOfTheRealMultiplier) {
  auto expect = [](double real, int32_t multiplier, int32_t shift) {
    const FixedPointMultiplier m = QuantizeMultiplier(real);
    EXPECT_EQ(m.multiplier, multiplier) << real;
    EXPECT_EQ(m.shift, shift) << real;
  };
  expect(0.5, 1 << 30, 0);             // 0.5 = 2^30 / 2^31
  expect(0.25, 1 << 30, -1);
  expect(1.0, 1 << 30, 1);
  expect(0.75, 3 << 29, 0);
  expect(0.0, 0, -31);
  expect(1e-12, 0, -31);               // below 2^-32: every int32 sum scales to 0
  expect(0x1p40, INT32_MAX, 30);       // saturates
  expect(0.5 * (1.0 - 0x1p-33), 1 << 30, 0);  // the mantissa rounds up to 2^31: one more exponent
}

TEST(FixedPointMultiplier, OneRoundingHalvesUpThenTheZeroPointAndTheClamp) {
  const FixedPointMultiplier quarter = QuantizeMultiplier(0.25);
  EXPECT_EQ(RequantizeFixedPoint(6, quarter, 0, DataType::kInt8), 2);    // 1.5
  EXPECT_EQ(RequantizeFixedPoint(-6, quarter, 0, DataType::kInt8), -1);  // -1.5
  EXPECT_EQ(RequantizeFixedPoint(5, quarter, 0, DataType::kInt8), 1);    // 1.25
  EXPECT_EQ(RequantizeFixedPoint(-7, quarter, 0, DataType::kInt8), -2);  // -1.75
  EXPECT_EQ(RequantizeFixedPoint(400, quarter, 10, DataType::kInt8), 110);
  EXPECT_EQ(RequantizeFixedPoint(1000, quarter, 10, DataType::kInt8), 127);
  EXPECT_EQ(RequantizeFixedPoint(-1000, quarter, 10, DataType::kInt8), -128);
  EXPECT_EQ(RequantizeFixedPoint(1000, quarter, 10, DataType::kUInt8), 255);
  EXPECT_EQ(RequantizeFixedPoint(-1000, quarter, 10, DataType::kUInt8), 0);
  EXPECT_EQ(RequantizeFixedPoint(INT32_MAX, QuantizeMultiplier(0x1p40), 0, DataType::kInt8), 127);
  EXPECT_EQ(RequantizeFixedPoint(INT32_MIN, QuantizeMultiplier(0x1p40), 0, DataType::kInt8), -128);
  EXPECT_EQ(RequantizeFixedPoint(INT32_MAX, QuantizeMultiplier(1e-12), 7, DataType::kInt8), 7);
}

// TFLite's two roundings (gemmlowp's SaturatingRoundingDoublingHighMul, then
// RoundingDivideByPOT), worked by hand from their published definitions: x * 0.25 is
// first x / 2 rounded (a nudge of 2^30, or 1 - 2^30 below zero, then truncation), then
// that / 2 rounded with halves away from zero. 1.25 becomes 2.5 -> 3, then 1.5 -> 2 (one
// rounding: 1); -1.5 becomes -3 -> -2 (one rounding, halves up: -1).
TEST(FixedPointMultiplier, TwoRoundingsAsTflitesReferenceKernels) {
  const FixedPointMultiplier quarter = QuantizeMultiplier(0.25);
  const auto twice = [&](int32_t sum, int32_t zero_point = 0) {
    return RequantizeFixedPoint(sum, quarter, zero_point, DataType::kInt8, FixedPointRounding::kDouble);
  };
  EXPECT_EQ(twice(5), 2);
  EXPECT_EQ(RequantizeFixedPoint(5, quarter, 0, DataType::kInt8), 1);
  EXPECT_EQ(twice(-6), -2);
  EXPECT_EQ(twice(6), 2);    // 1.5: 3, then 1.5 -> 2
  EXPECT_EQ(twice(-5), -1);  // -1.25: -2.5 -> -2 (the nudge below zero), then -1
  EXPECT_EQ(twice(-7), -2);  // -1.75: -3.5 -> -3, then -1.5 -> -2
  EXPECT_EQ(twice(400, 10), 110);
  EXPECT_EQ(twice(1000, 10), 127);
  EXPECT_EQ(twice(-1000, 10), -128);
  // A multiplier of 1 or more: the sum shifted left first (3 x 2^1 x 0.75 = 4.5 -> 5).
  EXPECT_EQ(RequantizeFixedPoint(3, QuantizeMultiplier(1.5), 0, DataType::kInt8, FixedPointRounding::kDouble), 5);
  // A zero multiplier (shift -31) gives the zero point.
  EXPECT_EQ(RequantizeFixedPoint(INT32_MAX, QuantizeMultiplier(0.0), 7, DataType::kInt8, FixedPointRounding::kDouble), 7);
}

// TFLite's int8 ADD worked by hand: equal input scales and an output scale twice as
// coarse make 1 + 0 a half (0.5): the input multipliers are 1/2 ({2^30, 0}), the sum's
// 2^-20 ({2^30, -19}); 1 << 20 scales to 2^19, which the sum's multiplier takes to 2^18
// and then divides by 2^19, halves away from zero: 1 (ONNX Runtime's QLinearAdd rounds
// that half to even: 0); -1 gives -1; 3 + 0 is 1.5, which both round to 2.
TEST(FixedPointMultiplier, AddsAsTflitesReferenceKernel) {
  const FixedPointAdd add = TfliteAddMultipliers(0.1f, 0.1f, 0.2f);
  EXPECT_EQ(add.a.multiplier, 1 << 30);
  EXPECT_EQ(add.a.shift, 0);
  EXPECT_EQ(add.sum.multiplier, 1 << 30);
  EXPECT_EQ(add.sum.shift, -19);
  EXPECT_EQ(TfliteAdd(add, 1, 0, 0, 0, 0, DataType::kInt8), 1);
  EXPECT_EQ(QuantizedSum({1, 0.1f, 0}, {0, 0.1f, 0}, 0.2f, 0, DataType::kInt8), 0);
  EXPECT_EQ(TfliteAdd(add, -1, 0, 0, 0, 0, DataType::kInt8), -1);
  EXPECT_EQ(TfliteAdd(add, 3, 0, 0, 0, 0, DataType::kInt8), 2);
  EXPECT_EQ(TfliteAdd(add, 10, 3, -5, 2, 7, DataType::kInt8), 7 + 0);  // (7 - 7) / 2 = 0, plus 7
  EXPECT_EQ(TfliteAdd(add, 127, -128, 127, -128, 100, DataType::kInt8), 127);  // saturates
}

// TFLite's int8 MEAN folds 1 / count into the multiplier: input / output scale 2 is
// {2^30, 2}; 35 elements: s = floor(log2 35) = 5, 2^30 << 5 / 35 = 981706810 (truncated),
// shift 2 - 5 = -3. A sum of 35 codes 3 above the zero point, 105, is a mean of 3, which
// scales to 6: 105 x 981706810 / 2^31 = 48.0 -> 48, / 8 = 6.
TEST(FixedPointMultiplier, MeanFoldsTheCountAsTflite) {
  const FixedPointMultiplier m = TfliteMeanMultiplier(0.1f, 0.05f, 35);
  EXPECT_EQ(m.multiplier, 981706810);
  EXPECT_EQ(m.shift, -3);
  EXPECT_EQ(RequantizeFixedPoint(105, m, 0, DataType::kInt8, FixedPointRounding::kDouble), 6);
}

// Scales and sums of the sizes int8 layers have: the fixed-point form equals the float
// one on all but a few in a million (products within float32's rounding of a half).
TEST(FixedPointMultiplier, AgreesWithTheFloatFormAwayFromHalves) {
  std::mt19937 random(7);
  std::uniform_real_distribution<float> input_scale(0.001f, 0.1f), weight_scale(0.0005f, 0.02f),
      output_scale(0.01f, 0.2f);
  std::uniform_int_distribution<int32_t> accumulator(-50000, 50000), zero_point(-128, 127);
  int differ = 0, most = 0;
  constexpr int kCases = 200000;
  for (int i = 0; i < kCases; ++i) {
    const float x = input_scale(random), w = weight_scale(random), y = output_scale(random);
    const int32_t sum = accumulator(random), z = zero_point(random);
    const int32_t fixed = RequantizeFixedPoint(sum, ProductFixedPointMultiplier(x, w, y), z, DataType::kInt8);
    const int32_t floats = Requantize(sum, RequantizationMultiplier(x, w, y), z, DataType::kInt8);
    differ += fixed != floats;
    most = std::max(most, std::abs(fixed - floats));
  }
  EXPECT_LE(differ, kCases / 10000);
  EXPECT_LE(most, 1);
}

// TFLite's int8 SUB is its ADD with the second multiplier negated; its MUL's multiplier
// comes from a_scale * b_scale / c_scale computed in float (mul.cc's Prepare), so the
// Q31 mantissa keeps a float's 24 bits: its low 7 bits are 0, where the double
// quotient's are not (here: 0.1 * 0.3 / 0.7).
TEST(FixedPointMultiplier, SubtractsAndMultipliesAsTflite) {
  const FixedPointAdd add = TfliteAddMultipliers(0.02f, 0.05f, 0.1f), sub = TfliteSubMultipliers(0.02f, 0.05f, 0.1f);
  EXPECT_EQ(sub.a.multiplier, add.a.multiplier);
  EXPECT_EQ(sub.b.multiplier, -add.b.multiplier);
  EXPECT_EQ(sub.b.shift, add.b.shift);
  // a = 10 at 0.02 and b = 4 at 0.05 are both 0.2: their difference is 0 (zero point 3),
  // their sum 0.4 (4 steps of 0.1 above it).
  EXPECT_EQ(TfliteAdd(sub, 10, 0, 4, 0, 3, DataType::kInt8), 3);
  EXPECT_EQ(TfliteAdd(add, 10, 0, 4, 0, 3, DataType::kInt8), 7);
  const FixedPointMultiplier mul = TfliteMulMultiplier(0.1f, 0.3f, 0.7f);
  EXPECT_EQ(mul.multiplier % 128, 0) << mul.multiplier;
  EXPECT_NE(QuantizeMultiplier(0.1 * 0.3 / 0.7).multiplier % 128, 0);
  EXPECT_EQ(mul.shift, QuantizeMultiplier(0.1 * 0.3 / 0.7).shift);
}

}  // namespace
}  // namespace modelc
