// Quantised convolution kernel selection.
#include "compiler/lowering/quantized_product_lowering.h"

#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The weights' zero point is absent or a constant of zeros.
bool ZeroWeightZeroPoint(const Graph& graph, const Node& node, int zero_point_input) {
  if (!graph.HasInput(node, zero_point_input)) return true;
  const ValueId zero_point = node.inputs[zero_point_input];
  if (!graph.IsConstant(zero_point)) return false;
  for (uint8_t byte : graph.value(zero_point).constant->bytes()) {
    if (byte != 0) return false;
  }
  return true;
}

}  // namespace

int64_t WindowPairsBytes(int64_t taps) { return (taps + 3) / 4 * 4 * 2; }

absl::StatusOr<NodePlan> PlanQuantizedConv(const Graph& graph, const Node& node, const LoweringTarget& target,
                                           bool workspace_free) {
  const bool qlinear = node.op == OpKind::kQLinearConv;
  const int weights = qlinear ? 3 : 1, weight_zero_point = qlinear ? 5 : 3;
  ASSIGN_OR_RETURN(ConvGeometry g, ResolveConvShapes(node, graph.InputType(node, 0).shape,
                                                     graph.InputType(node, weights).shape));
  const int64_t taps = g.InChannelsPerGroup() * g.window.kernel_h * g.window.kernel_w;
  const bool pairs = !workspace_free && target.dsp_pairs && graph.IsConstant(node.inputs[weights]) &&
                     graph.InputType(node, weights).element_type == DataType::kInt8 &&
                     ZeroWeightZeroPoint(graph, node, weight_zero_point) && g.OutChannelsPerGroup() >= 2 && taps >= 4;
  NodePlan plan;
  plan.kernel = pairs ? QuantizedProductKernel::kDspPairs : QuantizedProductKernel::kDirect;
  if (pairs) plan.workspace.push_back({"window_pairs", 0, WindowPairsBytes(taps)});
  return plan;
}

absl::StatusOr<NodePlan> PlanQuantizedMatMul(const Graph& graph, const Node& node, const LoweringTarget& target,
                                             bool workspace_free) {
  NodePlan plan;
  plan.kernel = QuantizedProductKernel::kDirect;
  if (workspace_free || !target.dsp_pairs || node.op != OpKind::kQLinearMatMul) return plan;
  ASSIGN_OR_RETURN(int64_t trans_b, node.attributes.GetInt("transB", 0));
  const Shape& a = graph.InputType(node, 0).shape;
  const Shape& b = graph.InputType(node, 3).shape;
  const bool pairs = trans_b != 0 && a.size() == 2 && b.size() == 2 && graph.IsConstant(node.inputs[3]) &&
                     graph.InputType(node, 3).element_type == DataType::kInt8 && ZeroWeightZeroPoint(graph, node, 5) &&
                     b[0] >= 2 && b[1] >= 4;
  if (!pairs) return plan;
  plan.kernel = QuantizedProductKernel::kDspPairs;
  plan.workspace.push_back({"window_pairs", 0, WindowPairsBytes(b[1])});
  return plan;
}

}  // namespace modelc
