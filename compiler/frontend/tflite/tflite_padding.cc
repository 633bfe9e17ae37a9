// TFLite's padding arithmetic for one dimension.
#include "compiler/frontend/tflite/tflite_padding.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace modelc {

absl::StatusOr<TflitePadding> ComputeTflitePadding(TflitePaddingKind kind, int64_t input, int64_t filter, int64_t stride,
                                                   int64_t dilation) {
  if (stride < 1 || dilation < 1 || filter < 1) {
    return absl::InvalidArgumentError(absl::StrCat("stride ", stride, ", dilation ", dilation, " and filter size ",
                                                   filter, " must all be at least 1"));
  }
  const int64_t effective_filter = (filter - 1) * dilation + 1;
  TflitePadding padding;
  padding.output = kind == TflitePaddingKind::kSame ? (input + stride - 1) / stride
                                                    : (input + stride - effective_filter) / stride;
  if (padding.output < 1) {
    return absl::InvalidArgumentError(absl::StrCat("a window of ", effective_filter, " (filter ", filter, ", dilation ",
                                                   dilation, ") does not fit an input of ", input, " with VALID padding"));
  }
  const int64_t total = std::max<int64_t>((padding.output - 1) * stride + effective_filter - input, 0);
  padding.before = total / 2;
  padding.after = total - padding.before;
  return padding;
}

}  // namespace modelc
