// BatchNormalization folded into the Conv or Gemm before it, in the ONNX model itself,
// so that `modelc quantize` calibrates and quantises the folded weights (one int8
// product per layer, as the deployed model runs it).
#ifndef MODELC_QUANTIZE_BATCHNORM_FOLDING_H_
#define MODELC_QUANTIZE_BATCHNORM_FOLDING_H_

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace modelc {

// Folds each inference BatchNormalization whose input is the only use of a Conv's or
// a plain Gemm's (alpha = beta = 1, no transA) output, all parameters float
// initializers. Returns how many it folded.
absl::StatusOr<int> FoldBatchNormalizations(onnx::ModelProto* model);

}  // namespace modelc

#endif  // MODELC_QUANTIZE_BATCHNORM_FOLDING_H_
