// gemmlowp's fixed-point logistic and tanh on 16-bit values (fixedpoint.h's
// FixedPoint<int16_t, N>), as TFLite's integer LSTM applies them to its gates and its
// cell state (portable_tensor_utils' ApplySigmoid, ApplyTanh<N>): bit for bit,
// including where int16 arithmetic wraps.
//
// Written once over an arithmetic `A`, so the reference evaluator (plain integers) and
// the kernel (LLVM IR) compute the same steps. `A` provides, on 32-bit values V holding
// int16 results and conditions C:
//   V Const(int32_t); V Add(V, V); V Sub(V, V); V Mul(V, V); V And(V, V);
//   V Shl(V, int); V AShr(V, int) (arithmetic); V Wrap16(V) (the low 16 bits, sign
//   extended: a cast to int16_t); C Lt(V, V); C Gt(V, V); C Eq(V, V); C Both(C, C);
//   V Select(C, V, V).
// A value of "integer bits n" is a Q(n).(15 - n) number: raw / 2^(15 - n).
#ifndef MODELC_OPS_QUANTIZE_GEMMLOWP_INT16_H_
#define MODELC_OPS_QUANTIZE_GEMMLOWP_INT16_H_

#include <cstdint>

#include "compiler/ops/quantize/fixed_point_multiplier.h"

namespace modelc {

template <class A>
class GemmlowpInt16 {
 public:
  using V = typename A::V;
  explicit GemmlowpInt16(A& a) : a_(a) {}

  // logistic(x) in Q0.15 of x with `integer_bits` (TFLite's gates: 3).
  V Logistic(V x, int integer_bits) {
    auto positive = a_.Gt(x, C(0));
    V magnitude = a_.Select(positive, x, Neg(x));
    V if_positive = OneOverOnePlusX(ExpOnNegativeValues(Neg(magnitude), integer_bits));
    V if_negative = Sub(C(kOne), if_positive);
    V value = a_.Select(positive, if_positive, if_negative);
    return a_.Select(a_.Eq(x, C(0)), C(Constant(1 << 30)), value);
  }

  // tanh(x) in Q0.15 of x with `integer_bits` (0 .. 6 in TFLite's use).
  V Tanh(V x, int integer_bits) {
    auto negative = a_.Lt(x, C(0));
    V non_positive = a_.Select(negative, x, Neg(x));
    // -tanh of a non-positive n: (1 - e^(2n)) / (1 + e^(2n)), 2n being n's raw value
    // with one more integer bit.
    V t = OneMinusXOverOnePlusX(ExpOnNegativeValues(non_positive, integer_bits + 1));
    return a_.Select(a_.Eq(x, C(0)), C(0), a_.Select(negative, Neg(t), t));
  }

 private:
  static constexpr int32_t kOne = 32767;  // One() of Q0.15

  V C(int32_t v) { return a_.Const(v); }
  // A 32-bit fixed-point constant of gemmlowp's, in 16 bits (RescaleConstantInitializer).
  static int32_t Constant(int32_t raw32) { return RoundingDivideByPowerOfTwo(raw32, 16); }
  V Add(V x, V y) { return a_.Wrap16(a_.Add(x, y)); }
  V Sub(V x, V y) { return a_.Wrap16(a_.Sub(x, y)); }
  V Neg(V x) { return a_.Wrap16(a_.Sub(C(0), x)); }

  // x * y * 2 / 2^16, rounded (a nudge, then division toward zero); -2^15 * -2^15
  // saturates.
  V Multiply(V x, V y) {
    auto overflow = a_.Both(a_.Eq(x, C(-32768)), a_.Eq(y, C(-32768)));
    V product = a_.Mul(x, y);
    V nudged = a_.Add(product, a_.Select(a_.Lt(product, C(0)), C(1 - (1 << 14)), C(1 << 14)));
    V quotient = a_.AShr(a_.Add(nudged, a_.Select(a_.Lt(nudged, C(0)), C((1 << 15) - 1), C(0))), 15);
    return a_.Select(overflow, C(32767), a_.Wrap16(quotient));
  }
  // x / 2^exponent, halves away from zero.
  V RoundingDivide(V x, int exponent) {
    if (exponent == 0) return x;
    const int32_t mask = (1 << exponent) - 1;
    V threshold = a_.Add(C(mask >> 1), a_.Select(a_.Lt(x, C(0)), C(1), C(0)));
    V up = a_.Select(a_.Gt(a_.And(x, C(mask)), threshold), C(1), C(0));
    return a_.Add(a_.AShr(x, exponent), up);
  }
  // x * 2^exponent, saturated to int16.
  V SaturatingShiftLeft(V x, int exponent) {
    if (exponent == 0) return x;
    const int32_t threshold = (1 << (15 - exponent)) - 1;
    V shifted = a_.Wrap16(a_.Shl(x, exponent));
    shifted = a_.Select(a_.Gt(x, C(threshold)), C(32767), shifted);
    return a_.Select(a_.Lt(x, C(-threshold)), C(-32768), shifted);
  }
  V Rescale(V x, int from_integer_bits, int to_integer_bits) {
    const int exponent = from_integer_bits - to_integer_bits;
    return exponent >= 0 ? SaturatingShiftLeft(x, exponent) : RoundingDivide(x, -exponent);
  }
  // (a + b) / 2 rounded away from zero, in 32 bits.
  V RoundingHalfSum(V x, V y) {
    V sum = a_.Add(x, y);
    V rounded = a_.Add(sum, a_.Select(a_.Lt(sum, C(0)), C(-1), C(1)));
    return a_.Wrap16(a_.AShr(a_.Add(rounded, a_.Select(a_.Lt(rounded, C(0)), C(1), C(0))), 1));
  }
  V SaturatingAdd(V x, V y) {
    V sum = a_.Add(x, y);
    sum = a_.Select(a_.Gt(sum, C(32767)), C(32767), sum);
    return a_.Select(a_.Lt(sum, C(-32768)), C(-32768), sum);
  }

  // e^a for a in [-1/4, 0), Q0.15.
  V ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(V a) {
    const V constant_term = C(Constant(1895147668));
    const V one_third = C(Constant(715827883));
    V x = Add(a, C(1 << 12));  // a + 1/8
    V x2 = Multiply(x, x);
    V x3 = Multiply(x2, x);
    V x4 = Multiply(x2, x2);
    V x4_over_4 = RoundingDivide(x4, 2);
    V terms = RoundingDivide(Add(Multiply(Add(x4_over_4, x3), one_third), x2), 1);
    return SaturatingAdd(constant_term, Multiply(constant_term, Add(x, terms)));
  }

  // e^a for a <= 0 with `integer_bits`, Q0.15.
  V ExpOnNegativeValues(V a, int integer_bits) {
    const int fractional_bits = 15 - integer_bits;
    const int32_t one_quarter = 1 << (fractional_bits - 2);
    V a_mod_quarter_minus_one_quarter = Sub(a_.And(a, C(one_quarter - 1)), C(one_quarter));
    V result = ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(Rescale(a_mod_quarter_minus_one_quarter, integer_bits, 0));
    V remainder = Sub(a_mod_quarter_minus_one_quarter, a);
    struct Step {
      int exponent;
      int32_t multiplier;  // e^(-2^exponent) in Q0.31
    };
    constexpr Step kSteps[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
                               {2, 39332535},    {3, 720401},      {4, 242}};
    for (const Step& step : kSteps) {
      if (integer_bits <= step.exponent) continue;
      auto bit_set = a_.Gt(a_.And(remainder, C(1 << (fractional_bits + step.exponent))), C(0));
      result = a_.Select(bit_set, Multiply(result, C(Constant(step.multiplier))), result);
    }
    if (integer_bits > 5) {  // below -32: zero
      result = a_.Select(a_.Lt(a, C(Constant(-(1 << (36 - integer_bits))))), C(0), result);
    }
    return a_.Select(a_.Eq(a, C(0)), C(kOne), result);
  }

  // Newton-Raphson for 1 / (1 + a), a in (0, 1), in Q2.13.
  V Reciprocal(V a) {
    V half_denominator = RoundingHalfSum(a, C(kOne));
    V x = Add(C(Constant(1515870810)), Multiply(half_denominator, C(Constant(-1010580540))));
    for (int i = 0; i < 3; ++i) {
      V one_minus_half_denominator_times_x = Sub(C(1 << 13), Multiply(half_denominator, x));
      x = Add(x, Rescale(Multiply(x, one_minus_half_denominator_times_x), 4, 2));
    }
    return x;
  }
  V OneOverOnePlusX(V a) { return Rescale(Reciprocal(a), 1, 0); }  // x / 2, as Q1.14 -> Q0.15
  V OneMinusXOverOnePlusX(V a) { return Rescale(Sub(Reciprocal(a), C(1 << 13)), 2, 0); }

  A& a_;
};

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_GEMMLOWP_INT16_H_
