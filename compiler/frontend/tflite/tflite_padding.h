// TFLite's SAME and VALID padding along one spatial dimension, computed as TFLite's
// kernels compute it (ComputeOutSize, then ComputePaddingWithOffset): the output size
// from the padding kind, then the total padding that size needs, never negative, with
// the odd element at the end.
#ifndef MODELC_FRONTEND_TFLITE_TFLITE_PADDING_H_
#define MODELC_FRONTEND_TFLITE_TFLITE_PADDING_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace modelc {

enum class TflitePaddingKind { kSame, kValid };

struct TflitePadding {
  int64_t output = 0;
  int64_t before = 0, after = 0;
};

// Refuses strides and dilations below 1, filters below 1, and a VALID window larger
// than the input (no output).
absl::StatusOr<TflitePadding> ComputeTflitePadding(TflitePaddingKind kind, int64_t input, int64_t filter, int64_t stride,
                                                   int64_t dilation);

}  // namespace modelc

#endif  // MODELC_FRONTEND_TFLITE_TFLITE_PADDING_H_
