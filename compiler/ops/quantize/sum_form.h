// Which arithmetic a quantised sum uses (quantized_sum.h describes the three), as the node
// records it: LLVM-free, for the passes that make and move these nodes.
#ifndef MODELC_OPS_QUANTIZE_SUM_FORM_H_
#define MODELC_OPS_QUANTIZE_SUM_FORM_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace modelc {

enum class SumArithmetic { kOnnxRuntimeX86, kDequantized, kTflite };

struct SumForm {
  SumArithmetic arithmetic = SumArithmetic::kOnnxRuntimeX86;
  bool swapped = false;  // kOnnxRuntimeX86: b is MLAS's A
  bool uint8 = false;    // kOnnxRuntimeX86: int8 tensors computed as uint8
};

// The form of a QLinearAdd or of a QLinearConv's fused sum, from its attributes (and a
// QLinearAdd's operand shapes where transpose sinking has not pinned the order).
absl::StatusOr<SumForm> SumFormOf(const Graph& graph, const Node& node);

// Whether ORT's broadcast loop hands a QLinearAdd's b to MLAS as its first operand: a
// holds one element over the innermost run of outputs (ORT's broadcaster skips the
// trailing dimensions both give as 1 only among those both shapes have, so a [1, C, 1, 1]
// plus b [1] is such a run of one, and so is an output of one element: ORT asks about
// input 0 first). Checked against ORT 1.20.1 on every broadcastable pair of shapes of
// rank 0 to 3 with dimensions 1 and 2 (225 pairs).
bool OrtSwapsSumOperands(const Shape& a, const Shape& b);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_SUM_FORM_H_
