// Pooling kernel selection.
#include "compiler/lowering/pool_lowering.h"

#include <algorithm>

#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::StatusOr<NodePlan> PlanPool(const Graph& graph, const Node& node, const LoweringTarget& target) {
  ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(graph, node));
  const WindowGeometry& s = g.window;
  // Every window inside the input (no padding reached, no ceil-mode overhang) and few
  // enough taps to unroll: one strided load per tap for a whole vector of columns.
  const bool inside = s.pad_top == 0 && s.pad_left == 0 && s.kernel_h * s.kernel_w <= 64 &&
                      (s.out_h - 1) * s.stride_h + (s.kernel_h - 1) * s.dilation_h < s.in_h &&
                      (s.out_w - 1) * s.stride_w + (s.kernel_w - 1) * s.dilation_w < s.in_w;
  // The vector rows are float vectors of maxima or averages over 1-D and 2-D windows;
  // int8 and uint8 windows (a quantised model's MaxPool), LpPool and 3-D windows take
  // the clipped windows, and so do channels-last tensors (whose columns are strided).
  const bool vectors = inside && IsFloat(graph.InputType(node, 0).element_type) && s.spatial_rank < 3 &&
                       node.op != OpKind::kLpPool && !g.channels_last_input && !g.channels_last_output;
  NodePlan plan;
  plan.kernel = vectors ? PoolKernel::kVectorRows : PoolKernel::kClippedWindows;
  if (vectors) plan.tiles.lanes = std::max<int64_t>(1, target.vector_lanes);
  return plan;
}

}  // namespace modelc
