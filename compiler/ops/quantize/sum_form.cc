#include "compiler/ops/quantize/sum_form.h"

#include <algorithm>

#include "compiler/ir/op_geometry.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/util/status_macros.h"

namespace modelc {

bool OrtSwapsSumOperands(const Shape& a, const Shape& b) {
  // Right-aligned, from the innermost dimension: ORT's broadcaster passes over the
  // dimensions both give as 1, but only among those both shapes have (at least the
  // innermost); at the first other one, a of size 1 is the one-element operand.
  const size_t shared = std::max<size_t>(std::min(a.size(), b.size()), 1);
  for (size_t i = 0;; ++i) {
    const int64_t a_size = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t b_size = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (a_size == 1 && b_size == 1 && i + 1 < shared) continue;
    return a_size == 1;
  }
}

absl::StatusOr<SumForm> SumFormOf(const Graph& graph, const Node& node) {
  SumForm form;
  const bool conv = node.op == OpKind::kQLinearConv;
  ASSIGN_OR_RETURN(int64_t tflite_sum, node.attributes.GetInt(kFusedTfliteSum, 0));
  if (conv ? tflite_sum != 0 : RequantizesInFixedPoint(node)) {
    form.arithmetic = SumArithmetic::kTflite;
    return form;
  }
  ASSIGN_OR_RETURN(int64_t dequantized, node.attributes.GetInt(kFusedDequantizedSum, 0));
  // A difference (the TFLite frontend's SUB outside its fixed point) is the float chain's.
  if (dequantized != 0 || (!conv && node.attributes.Has(kFusedSubtract))) {
    form.arithmetic = SumArithmetic::kDequantized;
    return form;
  }
  ASSIGN_OR_RETURN(int64_t uint8, node.attributes.GetInt(kFusedUint8Arithmetic, 0));
  form.uint8 = uint8 != 0;
  if (node.attributes.Has(kOrtSumOperandsSwapped) || conv) {
    ASSIGN_OR_RETURN(int64_t swapped, node.attributes.GetInt(kOrtSumOperandsSwapped, 0));
    form.swapped = swapped != 0;
  } else {
    form.swapped = OrtSwapsSumOperands(graph.InputType(node, 0).shape, graph.InputType(node, 3).shape);
  }
  return form;
}

}  // namespace modelc
