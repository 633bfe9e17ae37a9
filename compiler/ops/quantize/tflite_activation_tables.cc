#include "compiler/ops/quantize/tflite_activation_tables.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "compiler/ops/quantize/fixed_point_multiplier.h"

namespace modelc {
namespace {

int8_t ClampInt8(int64_t value) { return static_cast<int8_t>(std::clamp<int64_t>(value, -128, 127)); }

// LUTPopulate<int8_t>: `transform` of each code's float value, requantised.
Int8Table PopulatedTable(Int8Quantization x, Int8Quantization y, float (*transform)(float)) {
  const float inverse_scale = 1.0f / y.scale;
  Int8Table table;
  for (int32_t code = -128; code <= 127; ++code) {
    const float value = x.scale * static_cast<float>(code - x.zero_point);
    const float rescaled = std::round(transform(value) * inverse_scale);  // TfLiteRound
    // Saturated before the cast: a huge scale makes rescaled overflow int32.
    const float clamped = std::clamp(rescaled + static_cast<float>(y.zero_point), -129.0f, 128.0f);
    table[code + 128] = ClampInt8(static_cast<int64_t>(clamped));
  }
  return table;
}

// gemmlowp's and TFLite's int16 primitives (its RoundingDivideByPOT is the int32 one's).
int16_t SaturatingRoundingDoublingHighMul16(int16_t a, int16_t b) {
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  const int32_t product = int32_t{a} * b;
  const int32_t nudge = product >= 0 ? (1 << 14) : 1 - (1 << 14);
  return static_cast<int16_t>((product + nudge) / (1 << 15));  // truncates toward zero
}

int16_t SaturatingDoublingHighMul16(int16_t a, int16_t b) {  // rounding toward zero
  if (a == INT16_MIN && b == INT16_MIN) return INT16_MAX;
  return static_cast<int16_t>((int32_t{a} * b) / (1 << 15));
}

int16_t SaturatingLeftShift16(int16_t value, int amount) {
  return static_cast<int16_t>(std::clamp<int64_t>(int64_t{value} * (int64_t{1} << amount), INT16_MIN, INT16_MAX));
}

// DownScaleInt32ToInt16Multiplier: a Q31 multiplier rounded to Q15.
int16_t Int16Multiplier(int32_t multiplier) {
  constexpr int32_t kRoundingOffset = 1 << 15;
  if (multiplier >= INT32_MAX - kRoundingOffset) return INT16_MAX;
  return static_cast<int16_t>((multiplier + kRoundingOffset) >> 16);
}

struct HardSwishParameters {
  FixedPointMultiplier output, reluish;
};

HardSwishParameters HardSwishPrepare(Int8Quantization x, Int8Quantization y) {
  const float hires_input_scale = (1.0f / 128.0f) * x.scale;
  const float reluish_scale = 3.0f / 32768.0f;
  return {QuantizeMultiplier(static_cast<double>(hires_input_scale / y.scale)),
          QuantizeMultiplier(static_cast<double>(hires_input_scale / reluish_scale))};
}

}  // namespace

int64_t TfliteQuantizedBound(float bound, float scale, int64_t zero_point) {
  return zero_point + static_cast<int64_t>(std::round(std::clamp(bound / scale, -512.0f, 512.0f)));
}

bool TfliteHardSwishSupported(Int8Quantization x, Int8Quantization y) {
  const HardSwishParameters p = HardSwishPrepare(x, y);
  // The output exponent at most 0, and shifts a 16-bit value can take.
  return p.output.shift <= 0 && p.output.shift > -16 && p.reluish.shift > -16 && p.reluish.shift < 16;
}

Int8Table TfliteHardSwishTable(Int8Quantization x, Int8Quantization y) {
  const HardSwishParameters p = HardSwishPrepare(x, y);
  const int16_t output_multiplier = Int16Multiplier(p.output.multiplier);
  const int16_t reluish_multiplier = Int16Multiplier(p.reluish.multiplier);
  Int8Table table;
  for (int32_t code = -128; code <= 127; ++code) {
    const int16_t input = static_cast<int16_t>(code - x.zero_point);
    const int16_t hires = static_cast<int16_t>(input * (1 << 7));
    const int16_t preshift = SaturatingRoundingDoublingHighMul16(hires, output_multiplier);
    int16_t reluish = hires;
    if (p.reluish.shift > 0) reluish = SaturatingLeftShift16(reluish, p.reluish.shift - 1);
    reluish = SaturatingRoundingDoublingHighMul16(reluish, reluish_multiplier);
    if (p.reluish.shift > 0) reluish = SaturatingLeftShift16(reluish, 1);
    // gemmlowp's int16 RoundingDivideByPOT: the int32 one on an int16 value.
    if (p.reluish.shift < 0) reluish = static_cast<int16_t>(RoundingDivideByPowerOfTwo(reluish, -p.reluish.shift));
    reluish = static_cast<int16_t>((int32_t{reluish} + (1 << 15)) >> 1);
    const int16_t product = SaturatingDoublingHighMul16(reluish, preshift);
    const int32_t output = RoundingDivideByPowerOfTwo(product, -p.output.shift) + y.zero_point;
    table[code + 128] = ClampInt8(output);
  }
  return table;
}

Int8Table TfliteReluTable(Int8Quantization x, Int8Quantization y, float low, float high) {
  const float quotient = x.scale / y.scale;  // float, as ReluPrepare
  const FixedPointMultiplier multiplier = QuantizeMultiplier(static_cast<double>(quotient));
  const int64_t lowest = std::max<int64_t>(-128, TfliteQuantizedBound(low, y.scale, y.zero_point));
  const int64_t highest = std::isinf(high) ? 127 : std::min<int64_t>(127, TfliteQuantizedBound(high, y.scale, y.zero_point));
  Int8Table table;
  for (int32_t code = -128; code <= 127; ++code) {
    const int64_t value = int64_t{y.zero_point} + MultiplyByFixedPoint(code - x.zero_point, multiplier);
    table[code + 128] = ClampInt8(std::clamp(value, lowest, std::max(lowest, highest)));
  }
  return table;
}

Int8Table TfliteLeakyReluTable(Int8Quantization x, Int8Quantization y, float alpha) {
  const float identity_quotient = x.scale / y.scale, alpha_quotient = x.scale * alpha / y.scale;  // float, as Prepare
  const FixedPointMultiplier identity = QuantizeMultiplier(static_cast<double>(identity_quotient));
  const FixedPointMultiplier scaled = QuantizeMultiplier(static_cast<double>(alpha_quotient));
  Int8Table table;
  for (int32_t code = -128; code <= 127; ++code) {
    const int32_t centred = code - x.zero_point;
    table[code + 128] =
        ClampInt8(int64_t{y.zero_point} + MultiplyByFixedPoint(centred, centred >= 0 ? identity : scaled));
  }
  return table;
}

// The float functions, as TFLite's lambdas call them (std::exp and std::tanh of a float:
// the C library's expf and tanhf; computing in double and rounding gave another float
// often enough to change a TANH table's entry now and then).
Int8Table TfliteLogisticTable(Int8Quantization x, Int8Quantization y) {
  return PopulatedTable(x, y, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
}

Int8Table TfliteTanhTable(Int8Quantization x, Int8Quantization y) {
  return PopulatedTable(x, y, [](float v) { return std::tanh(v); });
}

}  // namespace modelc
