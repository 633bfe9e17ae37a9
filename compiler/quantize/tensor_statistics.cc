#include "compiler/quantize/tensor_statistics.h"

#include <algorithm>
#include <cmath>

namespace modelc {

void TensorRange::Observe(std::span<const float> values) {
  for (float v : values) {
    if (!std::isfinite(v)) {
      finite_ = false;
      continue;
    }
    if (!seen_) min_ = max_ = v, seen_ = true;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
}

TensorHistogram::TensorHistogram(float min, float max) : min_(min), max_(max), counts_(kBins, 0) {}

void TensorHistogram::Observe(std::span<const float> values) {
  const double width = (static_cast<double>(max_) - min_) / kBins;
  for (float v : values) {
    if (!std::isfinite(v)) continue;
    const int bin = width > 0 ? static_cast<int>((v - static_cast<double>(min_)) / width) : 0;
    ++counts_[std::clamp(bin, 0, kBins - 1)];
  }
}

std::pair<float, float> TensorHistogram::PercentileRange(double percentile) const {
  uint64_t total = 0;
  for (uint64_t c : counts_) total += c;
  if (total == 0) return {min_, max_};
  const double cut = total * (100.0 - std::clamp(percentile, 0.0, 100.0)) / 200.0;
  const double width = (static_cast<double>(max_) - min_) / kBins;
  int low = 0, high = kBins - 1;
  for (double below = 0; low < kBins - 1 && below + counts_[low] <= cut; ++low) below += counts_[low];
  for (double above = 0; high > low && above + counts_[high] <= cut; --high) above += counts_[high];
  return {static_cast<float>(min_ + low * width), std::min(max_, static_cast<float>(min_ + (high + 1) * width))};
}

}  // namespace modelc
