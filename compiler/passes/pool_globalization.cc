// Pool globalization: an AveragePool or MaxPool whose one window covers the whole
// input plane (kernel = spatial size, no padding, one output per plane) is the global
// pool, which has a plain reduction loop instead of the general window kernel.
// After: no such window pool.
#include "compiler/ir/op_geometry.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status GlobalizePools(Graph& graph) {
  for (Node& node : graph.mutable_nodes()) {
    if (node.op != OpKind::kAveragePool && node.op != OpKind::kMaxPool) continue;
    if (!IsFloat(graph.InputType(node, 0).element_type)) continue;  // the global pools take float32
    ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(graph, node));
    const WindowGeometry& w = g.window;
    const bool whole_plane = w.kernel_h == w.in_h && w.kernel_w == w.in_w && w.kernel_d == w.in_d && w.out_h == 1 &&
                             w.out_w == 1 && w.out_d == 1 && !w.HasPadding() && w.dilation_h == 1 &&
                             w.dilation_w == 1 && w.dilation_d == 1;
    if (!whole_plane || g.channels_last_input || g.channels_last_output) continue;  // the global pools are NCHW
    node.op = node.op == OpKind::kAveragePool ? OpKind::kGlobalAveragePool : OpKind::kGlobalMaxPool;
    node.attributes = AttributeMap{};
  }
  return absl::OkStatus();
}

}  // namespace modelc
