// What calibration measures of one tensor over the calibration samples: its range, and
// (for percentile calibration) a histogram over that range.
#ifndef MODELC_QUANTIZE_TENSOR_STATISTICS_H_
#define MODELC_QUANTIZE_TENSOR_STATISTICS_H_

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace modelc {

class TensorRange {
 public:
  void Observe(std::span<const float> values);
  bool empty() const { return !seen_; }
  bool finite() const { return finite_; }
  float min() const { return min_; }
  float max() const { return max_; }

 private:
  bool seen_ = false, finite_ = true;
  float min_ = 0, max_ = 0;
};

// A histogram of a tensor's values over a range known in advance (a first pass).
class TensorHistogram {
 public:
  static constexpr int kBins = 2048;
  TensorHistogram(float min, float max);
  void Observe(std::span<const float> values);
  // The range that keeps `percentile` percent of the values, cutting half of the rest
  // at each end.
  std::pair<float, float> PercentileRange(double percentile) const;

 private:
  float min_, max_;
  std::vector<uint64_t> counts_;
};

}  // namespace modelc

#endif  // MODELC_QUANTIZE_TENSOR_STATISTICS_H_
