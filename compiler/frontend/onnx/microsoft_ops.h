// ONNX Runtime's com.microsoft ops that modelc reads as other ops of its own, as ORT's
// quantiser writes them in its QOperator format. (QLinearAdd, QLinearAveragePool and
// QLinearSoftmax are ops of the table under their own names; so is QLinearMul, whose
// ORT arithmetic, and TFLite's, qlinear_mul.cc computes.)
//
// QGemm, a quantised Gemm, is the QLinearMatMul with an int32 bias that the QDQ fusion
// makes of one (passes/qdq_fusion.cc). ORT computes it as the products of
// (A - a_zero_point) and (B - b_zero_point) summed in int32 with C, requantised by the
// multiplier alpha * a_scale * b_scale / y_scale per column
// (contrib_ops/cpu/quantization/quant_gemm.cc): with alpha = 1 that is QLinearMatMul's,
// float for float. So QGemm(A, a_scale, a_zero_point, B, b_scale, b_zero_point, C,
// y_scale, y_zero_point) becomes QLinearMatMul(A, ..., B, ..., y_scale, y_zero_point, C),
// transA and transB kept, a constant B given as [K, N] transposed once to [N, K] as the
// fusion keeps a product's weights. Refused: alpha other than 1, no y_scale or
// y_zero_point (ORT then writes floats or int32), A or B not a matrix, C other than
// int32 [N] or a constant [1, N] or one element.
//
// QLinearGlobalAveragePool is QLinearAveragePool over the whole image with ORT's own
// arithmetic for it (kFusedGlobalAverageScale: MLAS's portable and x86 form, one
// multiplier x_scale / (y_scale * count) on each exact sum). Refused: channels_last = 1,
// more than two spatial dimensions.
//
// QLinearSigmoid and QLinearLeakyRelu are a TableLookup of the table ORT builds for them
// (qlinear_lookup_table.cc): each code dequantised, the function applied in float (ORT's
// own logistic, MLAS's rational approximation with fused multiply-adds, as its x86-64
// build computes it on cores with FMA3), quantised by QuantizeLinear's rule. Refused:
// scales or zero points that are not constants, a scale not positive and finite.
//
// QLinearConcat is Concat of its inputs, each first requantised to the output's pair by a
// TableLookup of ORT's table for it (qlinear_concat.cc: each code dequantised and
// quantised again) unless it has the output's very scale and zero point (ORT copies
// those): the one reader that adds nodes of its own. Its inputs and y_zero_point share
// one type, int8 or uint8; at most 64 inputs (Concat's). Refused as the activations are.
//
// Each op's constant operands are folded before it is read (a scale computed from
// constants is a constant).
#ifndef MODELC_FRONTEND_ONNX_MICROSOFT_OPS_H_
#define MODELC_FRONTEND_ONNX_MICROSOFT_OPS_H_

#include <optional>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "onnx/onnx_pb.h"

namespace modelc {

// The op `node` is read as, if it is one of these.
std::optional<OpKind> MicrosoftOpReadAs(const onnx::NodeProto& node);

// `node` holds `proto`'s inputs in the file's order and its attributes; on return it is
// the op of MicrosoftOpReadAs(proto) that computes it.
absl::Status ReadMicrosoftOp(const onnx::NodeProto& proto, Graph& graph, Node& node);

}  // namespace modelc

#endif  // MODELC_FRONTEND_ONNX_MICROSOFT_OPS_H_
