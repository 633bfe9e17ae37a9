// The converters of the TFLite operators with windows or weights: CONV_2D,
// DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D (NCHW ops between two layout
// Transposes, the filters permuted to OIHW at import), TRANSPOSE_CONV (so too),
// FULLY_CONNECTED (a Gemm), BATCH_MATMUL (a MatMul) and the RESIZE operators (the IR's
// Resize, which works on NHWC as it is).
#ifndef MODELC_FRONTEND_TFLITE_WINDOW_CONVERTERS_H_
#define MODELC_FRONTEND_TFLITE_WINDOW_CONVERTERS_H_

#include "absl/status/status.h"
#include "compiler/frontend/tflite/subgraph_importer.h"

namespace modelc::tflite_converters {

absl::Status ConvertConv2D(SubgraphImporter& s);
absl::Status ConvertDepthwiseConv2D(SubgraphImporter& s);
absl::Status ConvertAveragePool2D(SubgraphImporter& s);
absl::Status ConvertMaxPool2D(SubgraphImporter& s);
absl::Status ConvertFullyConnected(SubgraphImporter& s);
absl::Status ConvertTransposeConv(SubgraphImporter& s);
absl::Status ConvertResizeBilinear(SubgraphImporter& s);
absl::Status ConvertResizeNearestNeighbor(SubgraphImporter& s);
absl::Status ConvertBatchMatMul(SubgraphImporter& s);

}  // namespace modelc::tflite_converters

#endif  // MODELC_FRONTEND_TFLITE_WINDOW_CONVERTERS_H_
