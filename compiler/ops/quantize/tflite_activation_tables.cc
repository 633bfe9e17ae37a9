#include "compiler/ops/quantize/tflite_activation_tables.h"

#include <algorithm>
#include <cmath>

#include "compiler/ops/quantize/fixed_point_multiplier.h"

namespace modelc {
namespace {

int8_t ClampInt8(int64_t value) { return static_cast<int8_t>(std::clamp<int64_t>(value, -128, 127)); }

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

}  // namespace modelc
