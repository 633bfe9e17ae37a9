// How each supported TFLite builtin operator becomes IR nodes: one converter per
// builtin code, all listed in one table (tflite_operators.cc, with the element-wise and
// shape converters; window_converters.h has the convolutions, pools and fully connected
// layers), which is also the list of what the TFLite frontend supports.
//
// Layout: TFLite tensors are NHWC and stay so in the IR, under their declared shapes.
// The IR's convolutions and pools are ONNX's NCHW, so a CONV_2D, DEPTHWISE_CONV_2D,
// AVERAGE_POOL_2D or MAX_POOL_2D becomes Transpose(NHWC -> NCHW), the NCHW op (weights
// permuted at import), its fused activation, and Transpose(NCHW -> NHWC). The
// transpose-sinking pass (compiler/passes/transpose_sinking.cc) cancels the pairs
// between layers; what remains is in the report of issue #17's first landing.
//
// int8 (quantised tensors): an operator marked so in the table becomes the IR's
// quantised ops (QLinearConv, QLinearMatMul, QLinearAdd, QLinearAveragePool,
// QLinearSoftmax, QuantizeLinear, DequantizeLinear, modelc.Requantize, or the plain op on
// int8 codes where only values move) carrying the attributes that make them compute as
// TFLite's reference kernels do (kFixedPointRequantization = 2, kRoundHalfAwayFromZero);
// docs/tflite.md#int8-models lists each rule.
#ifndef MODELC_FRONTEND_TFLITE_TFLITE_OPERATORS_H_
#define MODELC_FRONTEND_TFLITE_TFLITE_OPERATORS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "compiler/frontend/tflite/subgraph_importer.h"

namespace modelc {

using OperatorConverter = absl::Status (*)(SubgraphImporter& importer);

// The converter of a builtin operator code, or nullptr when modelc does not support it
// (or, for an operator with quantised tensors, `quantized`, does not support its int8
// form).
OperatorConverter FindOperatorConverter(int32_t builtin_code, bool quantized);

}  // namespace modelc

#endif  // MODELC_FRONTEND_TFLITE_TFLITE_OPERATORS_H_
