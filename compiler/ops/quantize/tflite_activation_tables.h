// The int8 activations of TFLite's reference kernels that map each input code to an
// output code by integer arithmetic of their own, as tables of 256 (TableLookup's),
// computed while compiling. LLVM-free.
//   RELU, RELU6, RELU_N1_TO_1 (activations.cc's QuantizedReluX and ReluX): the code less
//     the input's zero point, times the multiplier of input_scale / output_scale (that
//     quotient in float, as ReluPrepare computes it) in fixed point (two roundings),
//     plus the output's zero point, clamped to the activation's bounds quantised with
//     roundf (and to int8).
//   LEAKY_RELU (reference_ops::QuantizeLeakyRelu): the same with input_scale /
//     output_scale for codes at or above the zero point and input_scale * alpha /
//     output_scale below it (both quotients in float), clamped to int8.
//   HARD_SWISH (reference_ops::HardSwish with HardSwishPrepare's parameters): int16
//     fixed point; the code less the zero point at a 1/128 finer scale, scaled to the
//     output ("preshift") and to a "relu-ish" value in [-1, 1] (3.0 as 32768, saturating),
//     that moved to [0, 1], the two multiplied (a doubling high multiply rounding toward
//     zero), shifted right to the output scale, plus the zero point, clamped.
//   LOGISTIC, TANH (TensorFlow 2.15's reference kernels, which for int8 fill a table
//     while preparing: LUTPopulate): each code dequantised in float, through
//     1 / (1 + exp(-v)) or tanh(v) in float, times 1 / output_scale, rounded half away
//     from zero, plus the output's zero point, clamped. The exponential and tanh are the
//     C library's float functions, as TFLite's (so a table follows the compiling host's
//     libm, as TFLite's follows the interpreter's). TFLite Micro computes these two by
//     gemmlowp's fixed point instead, which differs by a step here and there.
#ifndef MODELC_OPS_QUANTIZE_TFLITE_ACTIVATION_TABLES_H_
#define MODELC_OPS_QUANTIZE_TFLITE_ACTIVATION_TABLES_H_

#include <array>
#include <cstdint>
#include <limits>

namespace modelc {

struct Int8Quantization {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

using Int8Table = std::array<int8_t, 256>;  // entry x + 128 for input code x

// An activation's real bound as an output code, as TFLite's
// CalculateActivationRangeQuantized quantises it: zero_point + bound / scale rounded half
// away from zero, the quotient held within +-512 first (beyond int8 either way, and no
// overflowing conversion for a tiny scale). Not clamped to int8.
int64_t TfliteQuantizedBound(float bound, float scale, int64_t zero_point);

// low / high: the activation's real bounds (infinity for none above).
Int8Table TfliteReluTable(Int8Quantization x, Int8Quantization y, float low,
                          float high = std::numeric_limits<float>::infinity());
// alpha must be 0 or more.
Int8Table TfliteLeakyReluTable(Int8Quantization x, Int8Quantization y, float alpha);
Int8Table TfliteLogisticTable(Int8Quantization x, Int8Quantization y);
// Its output multiplier must not be above one (HardSwishPrepare's check).
bool TfliteHardSwishSupported(Int8Quantization x, Int8Quantization y);
Int8Table TfliteHardSwishTable(Int8Quantization x, Int8Quantization y);
Int8Table TfliteTanhTable(Int8Quantization x, Int8Quantization y);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_TFLITE_ACTIVATION_TABLES_H_
