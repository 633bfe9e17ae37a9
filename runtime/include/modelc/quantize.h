/* int8/uint8 quantisation of a model's inputs and outputs, driven by the macros the
 * generated header states for each quantised tensor (NAME_IN_X_SCALE,
 * NAME_IN_X_ZERO_POINT, NAME_IN_X_ELEMENTS): firmware turns sensor floats into the
 * model's int8 input and its int8 output back into floats.
 *
 *   MODELC_QUANTIZE_INT8(KWS_IN_INPUT, features, input);     // float -> int8
 *   MODELC_DEQUANTIZE_INT8(KWS_OUT_SCORES, output, scores);  // int8 -> float
 *
 * ONNX's semantics (QuantizeLinear / DequantizeLinear):
 *   q = saturate(round_half_to_even(x / scale) + zero_point),  x = (q - zero_point) * scale
 * NaN quantises to the zero point. Freestanding C: no libm, no heap, no stdio; only
 * <stddef.h> and <stdint.h>. */
#ifndef MODELC_QUANTIZE_H_
#define MODELC_QUANTIZE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void modelc_quantize_int8(const float *x, int8_t *q, size_t count, float scale, int32_t zero_point);
void modelc_quantize_uint8(const float *x, uint8_t *q, size_t count, float scale, int32_t zero_point);
void modelc_dequantize_int8(const int8_t *q, float *x, size_t count, float scale, int32_t zero_point);
void modelc_dequantize_uint8(const uint8_t *q, float *x, size_t count, float scale, int32_t zero_point);

#ifdef __cplusplus
}
#endif

/* TENSOR is the header's macro prefix of one quantised input or output, e.g. KWS_IN_INPUT. */
#define MODELC_QUANTIZE_INT8(TENSOR, floats, q) \
  modelc_quantize_int8((floats), (q), TENSOR##_ELEMENTS, TENSOR##_SCALE, TENSOR##_ZERO_POINT)
#define MODELC_QUANTIZE_UINT8(TENSOR, floats, q) \
  modelc_quantize_uint8((floats), (q), TENSOR##_ELEMENTS, TENSOR##_SCALE, TENSOR##_ZERO_POINT)
#define MODELC_DEQUANTIZE_INT8(TENSOR, q, floats) \
  modelc_dequantize_int8((q), (floats), TENSOR##_ELEMENTS, TENSOR##_SCALE, TENSOR##_ZERO_POINT)
#define MODELC_DEQUANTIZE_UINT8(TENSOR, q, floats) \
  modelc_dequantize_uint8((q), (floats), TENSOR##_ELEMENTS, TENSOR##_SCALE, TENSOR##_ZERO_POINT)

#endif /* MODELC_QUANTIZE_H_ */
