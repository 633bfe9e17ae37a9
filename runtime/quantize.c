/* int8/uint8 quantisation with ONNX's rounding (half to even), without libm. */
#include "modelc/quantize.h"

/* round_half_to_even(x / scale) + zero_point, saturated to [low, high]. */
static int32_t quantize_one(float x, float scale, int32_t zero_point, int32_t low, int32_t high) {
  float v = x / scale;
  if (v != v) return zero_point < low ? low : zero_point > high ? high : zero_point; /* NaN */
  /* Beyond +-2^16 every result saturates; clamping first keeps the cast defined. */
  if (v > 65536.0f) v = 65536.0f;
  if (v < -65536.0f) v = -65536.0f;
  int32_t r = (int32_t)v; /* toward zero */
  const float fraction = v - (float)r; /* exact: |v| < 2^23 */
  if (fraction > 0.5f || (fraction == 0.5f && (r & 1))) r += 1;
  if (fraction < -0.5f || (fraction == -0.5f && (r & 1))) r -= 1;
  r += zero_point;
  return r < low ? low : r > high ? high : r;
}

void modelc_quantize_int8(const float *x, int8_t *q, size_t count, float scale, int32_t zero_point) {
  for (size_t i = 0; i < count; ++i) q[i] = (int8_t)quantize_one(x[i], scale, zero_point, -128, 127);
}

void modelc_quantize_uint8(const float *x, uint8_t *q, size_t count, float scale, int32_t zero_point) {
  for (size_t i = 0; i < count; ++i) q[i] = (uint8_t)quantize_one(x[i], scale, zero_point, 0, 255);
}

void modelc_dequantize_int8(const int8_t *q, float *x, size_t count, float scale, int32_t zero_point) {
  for (size_t i = 0; i < count; ++i) x[i] = (float)((int32_t)q[i] - zero_point) * scale;
}

void modelc_dequantize_uint8(const uint8_t *q, float *x, size_t count, float scale, int32_t zero_point) {
  for (size_t i = 0; i < count; ++i) x[i] = (float)((int32_t)q[i] - zero_point) * scale;
}
