// Kernel selection for the quantised products: convolutions (QLinearConv, ConvInteger)
// and matrix products (QLinearMatMul).
#ifndef MODELC_LOWERING_QUANTIZED_PRODUCT_LOWERING_H_
#define MODELC_LOWERING_QUANTIZED_PRODUCT_LOWERING_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/lowering/lowering_plan.h"

namespace modelc {

// On Arm's DSP extension a node whose weights are a constant int8 tensor with zero
// point 0 (symmetric, as quantisers write them) and whose window feeds two or more
// output channels runs as int16 pairs (QuantizedProductKernel::kDspPairs): each output
// pixel's window, x - x_zero_point, is widened once into the workspace buffer
// "window_pairs" (each 4 taps stored in the order 0, 2, 1, 3, the order in which
// SXTB16 unpacks 4 weight bytes), then every output channel of its group takes two
// products per SMLAD. Elsewhere, for a depthwise node, or `workspace_free`, the direct
// kernel.
absl::StatusOr<NodePlan> PlanQuantizedConv(const Graph& graph, const Node& node, const LoweringTarget& target,
                                           bool workspace_free);

// The same for a QLinearMatMul whose B is a constant int8 [N, K] (a Gemm's transB, as the
// QDQ fusion keeps it) with zero point 0, one matrix, N >= 2: each row of A, a -
// a_zero_point, widened once into "window_pairs", then two columns at a time; or, with
// `workspace_free`, kDspPairsInRegisters: each 4 bytes of A unpacked into two int16
// pairs in registers (SXTB16 / UXTB16, SSUB16 of the zero point), shared by four columns.
absl::StatusOr<NodePlan> PlanQuantizedMatMul(const Graph& graph, const Node& node, const LoweringTarget& target,
                                             bool workspace_free);

// A QLinearConv or QLinearMatMul that requantises in fixed point
// (kFixedPointRequantization): its multipliers as the prepared constant
// "requantization", int32 [2 x count] (mantissa, shift per weight scale), computed once
// here from its constant scales.
absl::Status PrepareFixedPointRequantization(Graph& graph, const Node& node, NodePlan& plan);

// The bytes of "window_pairs" for a window of `taps` (padded to whole groups of 4).
int64_t WindowPairsBytes(int64_t taps);

}  // namespace modelc

#endif  // MODELC_LOWERING_QUANTIZED_PRODUCT_LOWERING_H_
