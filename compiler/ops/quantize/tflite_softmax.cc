#include "compiler/ops/quantize/tflite_softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "compiler/ops/quantize/fixed_point_multiplier.h"

namespace modelc {
namespace {

constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();

// x * 2^exponent, saturated to int32 (gemmlowp's SaturatingRoundingMultiplyByPOT with a
// positive exponent).
int32_t SaturatingShiftLeft(int32_t x, int exponent) {
  const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  if (x > threshold) return kInt32Max;
  if (x < -threshold) return kInt32Min;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// (a + b) / 2 rounded to nearest, halves away from zero (gemmlowp's RoundingHalfSum).
int32_t RoundingHalfSum(int32_t a, int32_t b) {
  const int64_t sum = int64_t{a} + b;
  return static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// gemmlowp's exp on [-1/4, 0) of a Q0.31: a Taylor expansion around -1/8.
int32_t ExpOnIntervalBetweenNegativeOneQuarterAndZero(int32_t a) {
  constexpr int32_t kConstantTerm = 1895147668;  // exp(-1/8)
  constexpr int32_t kOneThird = 715827883;
  const int32_t x = a + (1 << 28);  // a + 1/8
  const int32_t x2 = SaturatingRoundingDoublingHighMul(x, x);
  const int32_t x3 = SaturatingRoundingDoublingHighMul(x2, x);
  const int32_t x4 = SaturatingRoundingDoublingHighMul(x2, x2);
  const int32_t x4_over_4 = RoundingDivideByPowerOfTwo(x4, 2);
  const int32_t polynomial =
      RoundingDivideByPowerOfTwo(SaturatingRoundingDoublingHighMul(x4_over_4 + x3, kOneThird) + x2, 1);
  return kConstantTerm + SaturatingRoundingDoublingHighMul(kConstantTerm, x + polynomial);
}

// gemmlowp's exp_on_negative_values of a Q5.26 a <= 0, as a Q0.31: the part of a
// modulo 1/4 by the expansion, then a factor exp(-2^k) for each bit of the rest.
int32_t ExpOnNegativeValues(int32_t a) {
  constexpr int kFractionalBits = 31 - TfliteSoftmax::kScaledDiffIntegerBits;  // 26
  constexpr int32_t kOneQuarter = 1 << (kFractionalBits - 2);
  const int32_t a_mod_quarter_minus_one_quarter = (a & (kOneQuarter - 1)) - kOneQuarter;
  int32_t result = ExpOnIntervalBetweenNegativeOneQuarterAndZero(
      SaturatingShiftLeft(a_mod_quarter_minus_one_quarter, TfliteSoftmax::kScaledDiffIntegerBits));
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  constexpr struct {
    int exponent;
    int32_t multiplier;  // exp(-2^exponent) as a Q0.31
  } kBarrel[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
                 {2, 39332535},    {3, 720401},      {4, 242}};
  for (const auto& step : kBarrel) {
    if (remainder & (1 << (kFractionalBits + step.exponent))) {
      result = SaturatingRoundingDoublingHighMul(result, step.multiplier);
    }
  }
  return a == 0 ? kInt32Max : result;
}

// gemmlowp's one_over_one_plus_x_for_x_in_0_1 of a Q0.31: 1 / (1 + a) as a Q0.31, by
// three Newton-Raphson steps on the half denominator, in Q2.29.
int32_t OneOverOnePlusX(int32_t a) {
  const int32_t half_denominator = RoundingHalfSum(a, kInt32Max);
  constexpr int32_t k48Over17 = 1515870810, kMinus32Over17 = -1010580540, kOne = 1 << 29;
  int32_t x = k48Over17 + SaturatingRoundingDoublingHighMul(half_denominator, kMinus32Over17);
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = SaturatingRoundingDoublingHighMul(half_denominator, x);
    x = x + SaturatingShiftLeft(SaturatingRoundingDoublingHighMul(x, kOne - half_denominator_times_x), 2);
  }
  return SaturatingShiftLeft(x, 1);
}

}  // namespace

TfliteSoftmax MakeTfliteSoftmax(double beta, double input_scale) {
  TfliteSoftmax softmax;
  // PreprocessSoftmaxScaling: beta x input_scale in Q(31 - 5), at most 2^31 - 1, as a
  // multiplier of at least one (a left shift).
  const double real = std::min(beta * input_scale * static_cast<double>(1 << (31 - TfliteSoftmax::kScaledDiffIntegerBits)),
                               static_cast<double>((int64_t{1} << 31) - 1));
  const FixedPointMultiplier m = QuantizeMultiplier(real);
  softmax.input_multiplier = m.multiplier;
  softmax.input_left_shift = m.shift;
  // CalculateInputRadius(5, left shift): the largest difference whose rescaling stays
  // within the Q5.26 range, floored.
  const double radius = 1.0 * ((1 << TfliteSoftmax::kScaledDiffIntegerBits) - 1) *
                        static_cast<double>(int64_t{1} << (31 - TfliteSoftmax::kScaledDiffIntegerBits)) /
                        static_cast<double>(int64_t{1} << softmax.input_left_shift);
  softmax.diff_min = -static_cast<int32_t>(std::floor(radius));
  softmax.exponentials.resize(256);
  for (int d = -255; d <= 0; ++d) {
    int32_t value = 0;
    if (d >= softmax.diff_min) {
      // MultiplyByQuantizedMultiplierGreaterThanOne: d shifted left, then the rounding
      // doubling high multiply.
      const int32_t rescaled = SaturatingRoundingDoublingHighMul(d * (1 << softmax.input_left_shift), softmax.input_multiplier);
      value = ExpOnNegativeValues(rescaled);
    }
    softmax.exponentials[d + 255] = value;
  }
  return softmax;
}

int32_t TfliteReciprocal(int32_t sum, int* bits_over_unit) {
  const int headroom_plus_one = sum == 0 ? 32 : __builtin_clz(static_cast<uint32_t>(sum));
  *bits_over_unit = TfliteSoftmax::kAccumulationIntegerBits - headroom_plus_one;
  const int32_t shifted_sum_minus_one =
      static_cast<int32_t>((static_cast<uint32_t>(sum) << headroom_plus_one) - (uint32_t{1} << 31));
  return OneOverOnePlusX(shifted_sum_minus_one);
}

void TfliteSoftmaxRow(const TfliteSoftmax& softmax, const int32_t* x, int64_t length, int64_t stride, int32_t* y) {
  int32_t largest = kInt32Min;
  for (int64_t i = 0; i < length; ++i) largest = std::max(largest, x[i * stride]);
  auto exponential = [&](int64_t i) { return softmax.exponentials[x[i * stride] - largest + 255]; };
  int32_t sum = 0;  // Q12.19: each exponential divided by 2^12, rounded
  for (int64_t i = 0; i < length; ++i) sum += RoundingDivideByPowerOfTwo(exponential(i), 12);
  int bits_over_unit = 0;
  const int32_t reciprocal = TfliteReciprocal(sum, &bits_over_unit);
  for (int64_t i = 0; i < length; ++i) {
    const int32_t unsaturated = RoundingDivideByPowerOfTwo(SaturatingRoundingDoublingHighMul(reciprocal, exponential(i)),
                                                           bits_over_unit + 31 - 8);
    y[i * stride] = std::clamp(unsaturated - 128, -128, 127);
  }
}

}  // namespace modelc
