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

// low / high: the activation's real bounds (infinity for none above).
Int8Table TfliteReluTable(Int8Quantization x, Int8Quantization y, float low,
                          float high = std::numeric_limits<float>::infinity());
// alpha must be 0 or more.
Int8Table TfliteLeakyReluTable(Int8Quantization x, Int8Quantization y, float alpha);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_TFLITE_ACTIVATION_TABLES_H_
