// Fixed-point requantisation (--requantize fixed-point, the default on cores without an
// FPU): every QLinearConv and QLinearMatMul whose scales allow it (constants, the input's
// and output's per tensor: CheckFixedPointRequantizable) is marked
// kFixedPointRequantization, so its kernel scales the int32 sums with an int32 multiplier
// and shift instead of float operations (ops/quantize/fixed_point_multiplier.h). A
// node whose scales are given at run time keeps the float form. Runs last, after the
// fusions that make these nodes.
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/passes/passes.h"

namespace modelc {

absl::Status RequantizeInFixedPoint(Graph& graph) {
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];
    // A node that already says how it rounds (the TFLite frontend's) keeps its form.
    if ((node.op != OpKind::kQLinearConv && node.op != OpKind::kQLinearMatMul) || RequantizesInFixedPoint(node) ||
        !CheckFixedPointRequantizable(graph, node).ok()) {
      continue;
    }
    graph.mutable_nodes()[n].attributes.Set(kFixedPointRequantization, static_cast<int64_t>(FixedPointRounding::kSingle));
  }
  return absl::OkStatus();
}

}  // namespace modelc
