// Resize (and the older Upsample) as separable taps: along each dimension, output
// index i reads `taps` input positions with weights (1 for nearest, 2 for linear, 4
// for cubic; more where antialias stretches the filter of a shrinking dimension), and
// an output element is the sum over every combination of one tap per dimension of the
// product of their weights times the input element there. Computed once from the
// attributes (mode, coordinate_transformation_mode, nearest_mode, cubic_coeff_a,
// exclude_outside, extrapolation_value, antialias) and the constant scales,
// sizes and roi; shape rules, the reference evaluator and the lowering read it.
#ifndef MODELC_IR_RESIZE_H_
#define MODELC_IR_RESIZE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace modelc {

struct ResizeAxis {
  int64_t taps = 1;
  std::vector<int64_t> offsets;  // [i * taps + t]: input element offset (index * stride)
  std::vector<float> weights;    // [i * taps + t]
  std::vector<uint8_t> outside;  // [i]: 1 when output index i lies outside the input
                                 // (tf_crop_and_resize): the element is the extrapolation value
};

struct ResizeGeometry {
  Shape out_shape;
  std::vector<ResizeAxis> axes;  // one per dimension
  bool has_outside = false;
  float extrapolation_value = 0.0f;
};

absl::StatusOr<ResizeGeometry> ResolveResize(const Graph& graph, const Node& node);

}  // namespace modelc

#endif  // MODELC_IR_RESIZE_H_
