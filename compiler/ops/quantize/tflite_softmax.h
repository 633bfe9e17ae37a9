// TFLite's int8 SOFTMAX, as its reference kernel computes it (reference_ops::Softmax on
// quantised data, with the parameters SoftmaxPrepare makes for that kernel), which
// TFLite Micro shares. Per row, with d = x - max(row) for each element:
//   - d * beta * input_scale as a Q5.26 (d times a Q31 multiplier after a left shift:
//     PreprocessSoftmaxScaling), its exponential by gemmlowp's exp_on_negative_values
//     (a Q0.31); differences below diff_min (CalculateInputRadius) count as 0;
//   - the exponentials summed as Q12.19 (each divided by 2^12, rounded);
//   - 1 / sum by GetReciprocal: the sum normalised by its leading zeros, then gemmlowp's
//     Newton-Raphson one_over_one_plus_x_for_x_in_0_1;
//   - each output: the reciprocal times the element's exponential (rounding doubling high
//     multiply), divided by 2^(bits over one + 23), rounded, minus 128, at most 127.
// The output is quantised with scale 1/256 and zero point -128, as TFLite requires.
// An int8 difference has 256 values, so the exponentials are a table made while
// compiling; the reciprocal and the outputs are computed at run time (the kernel in
// qlinear_softmax.cc, which QLinearSoftmax runs when the node carries
// kFixedPointRequantization = 2). LLVM-free; gemmlowp's primitives are
// fixed_point_multiplier.h's.
#ifndef MODELC_OPS_QUANTIZE_TFLITE_SOFTMAX_H_
#define MODELC_OPS_QUANTIZE_TFLITE_SOFTMAX_H_

#include <cstdint>
#include <vector>

namespace modelc {

struct TfliteSoftmax {
  static constexpr int kScaledDiffIntegerBits = 5;
  static constexpr int kAccumulationIntegerBits = 12;
  // The longest row whose sum keeps the final division's exponent below 32.
  static constexpr int64_t kLongestRow = 511;
  int32_t input_multiplier = 0;
  int input_left_shift = 0;
  int32_t diff_min = 0;
  // exp(d * beta * input_scale) as a Q0.31 for d = -255 .. 0 (index d + 255); 0 below
  // diff_min.
  std::vector<int32_t> exponentials;
};
TfliteSoftmax MakeTfliteSoftmax(double beta, double input_scale);

// GetReciprocal(sum, 12): 1 / sum as a Q0.31 mantissa, and the bits over one.
int32_t TfliteReciprocal(int32_t sum, int* bits_over_unit);

// One row of `length` int8 codes (x[i * stride]) into int8 outputs (y[i * stride]).
void TfliteSoftmaxRow(const TfliteSoftmax& softmax, const int32_t* x, int64_t length, int64_t stride, int32_t* y);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_TFLITE_SOFTMAX_H_
