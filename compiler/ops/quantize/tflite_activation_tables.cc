#include "compiler/ops/quantize/tflite_activation_tables.h"

#include <algorithm>
#include <cmath>

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

}  // namespace

Int8Table TfliteReluTable(Int8Quantization x, Int8Quantization y, float low, float high) {
  const float quotient = x.scale / y.scale;  // float, as ReluPrepare
  const FixedPointMultiplier multiplier = QuantizeMultiplier(static_cast<double>(quotient));
  const int64_t lowest = std::max<int64_t>(-128, y.zero_point + static_cast<int64_t>(std::roundf(low / y.scale)));
  const int64_t highest =
      std::isinf(high) ? 127 : std::min<int64_t>(127, y.zero_point + static_cast<int64_t>(std::roundf(high / y.scale)));
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

Int8Table TfliteLogisticTable(Int8Quantization x, Int8Quantization y) {
  return PopulatedTable(x, y, [](float v) {
    const float e = static_cast<float>(std::exp(-static_cast<double>(v)));
    return 1.0f / (1.0f + e);
  });
}

Int8Table TfliteTanhTable(Int8Quantization x, Int8Quantization y) {
  return PopulatedTable(x, y, [](float v) { return static_cast<float>(std::tanh(static_cast<double>(v))); });
}

}  // namespace modelc
