// Quantised convolution kernel selection.
#include "compiler/lowering/quantized_product_lowering.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "compiler/ir/op_geometry.h"
#include "compiler/lowering/conv_lowering.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
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

// How many elements ahead of its input the output of a depthwise convolution computed
// one pixel at a time (row by row, channel after channel, each window read just before
// its pixel is written) must start so that no pixel lands on an input element a later
// pixel of its channel reads: the most by which a pixel's position passes the lowest
// element any later window reads. Channel 0's; a later channel has more room when an
// output plane is no larger than an input plane.
int64_t DepthwisePixelOverrun(const WindowGeometry& w) {
  const int64_t pixels = w.out_h * w.out_w;
  std::vector<int64_t> lowest_read_from(pixels + 1, w.in_h * w.in_w);  // by any pixel from this one on
  for (int64_t q = pixels - 1; q >= 0; --q) {
    const int64_t row = std::clamp<int64_t>(q / w.out_w * w.stride_h - w.pad_top, 0, w.in_h - 1);
    const int64_t column = std::clamp<int64_t>(q % w.out_w * w.stride_w - w.pad_left, 0, w.in_w - 1);
    lowest_read_from[q] = std::min(lowest_read_from[q + 1], row * w.in_w + column);
  }
  int64_t overrun = 0;
  for (int64_t q = 0; q < pixels; ++q) overrun = std::max(overrun, q + 1 - lowest_read_from[q + 1]);
  return overrun;
}

// --optimize memory: whether the kernel chosen can write over its input
// (NodePlan::writes_over_consumed_input) and how far ahead: the window-pairs kernel of a
// pointwise convolution (1x1, stride 1, unpadded, one group) copies each pixel's
// channels before writing that pixel's outputs; the direct kernel of a depthwise one
// reads each window just before writing its pixel (DepthwisePixelOverrun ahead). One
// image, planar, outputs as wide as inputs (QLinearConv's int8/uint8), an input no
// other node reads.
void PlanWritingOverInput(const Graph& graph, const Node& node, const ConvGeometry& g, int64_t output_bytes,
                          NodePlan& plan) {
  const WindowGeometry& w = g.window;
  if (w.batch != 1 || w.spatial_rank != 2 || !InputBufferIsFreeToTake(graph, node) ||
      ByteSize(graph.InputType(node, 0).element_type) != output_bytes) {
    return;
  }
  const bool pointwise = IsUnitPointwise(w) && g.groups == 1;
  const bool depthwise = IsDepthwise(g);
  if (pointwise && std::get<QuantizedProductKernel>(plan.kernel) == QuantizedProductKernel::kDspPairs) {
    plan.writes_over_consumed_input = true;
  } else if (depthwise && std::get<QuantizedProductKernel>(plan.kernel) == QuantizedProductKernel::kDirect &&
             w.out_h * w.out_w <= w.in_h * w.in_w) {
    plan.writes_over_consumed_input = true;
    plan.output_lead_bytes = DepthwisePixelOverrun(w) * output_bytes;
  }
}

}  // namespace

absl::Status PrepareFixedPointRequantization(Graph& graph, const Node& node, NodePlan& plan) {
  RETURN_IF_ERROR(CheckFixedPointRequantizable(graph, node));
  std::vector<int32_t> pairs;
  for (const FixedPointMultiplier& m : ProductFixedPointMultipliers(graph, node)) {
    pairs.push_back(m.multiplier);
    pairs.push_back(m.shift);
  }
  std::vector<uint8_t> bytes(pairs.size() * sizeof(int32_t));
  std::memcpy(bytes.data(), pairs.data(), bytes.size());
  const TensorType type{DataType::kInt32, {static_cast<int64_t>(pairs.size())}};
  AddPreparedConstant(graph, node, "requantization", TensorData(type, std::move(bytes)), plan);
  return absl::OkStatus();
}

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
  if (target.memory_first && qlinear) {
    PlanWritingOverInput(graph, node, g, ByteSize(graph.value(node.outputs[0]).type.element_type), plan);
  }
  // A fused sum reads each addend element just before writing the output there.
  if (qlinear && graph.HasInput(node, kQLinearConvAddendInput)) plan.output_over_input = kQLinearConvAddendInput;
  return plan;
}

absl::StatusOr<NodePlan> PlanQuantizedMatMul(const Graph& graph, const Node& node, const LoweringTarget& target,
                                             bool workspace_free) {
  NodePlan plan;
  plan.kernel = QuantizedProductKernel::kDirect;
  if (!target.dsp_pairs || node.op != OpKind::kQLinearMatMul) return plan;
  ASSIGN_OR_RETURN(int64_t trans_b, node.attributes.GetInt("transB", 0));
  const Shape& a = graph.InputType(node, 0).shape;
  const Shape& b = graph.InputType(node, 3).shape;
  const bool pairs = trans_b != 0 && a.size() == 2 && b.size() == 2 && graph.IsConstant(node.inputs[3]) &&
                     graph.InputType(node, 3).element_type == DataType::kInt8 && ZeroWeightZeroPoint(graph, node, 5) &&
                     b[0] >= 2 && b[1] >= 4;
  if (!pairs) return plan;
  if (workspace_free) {
    plan.kernel = QuantizedProductKernel::kDspPairsInRegisters;
    return plan;
  }
  plan.kernel = QuantizedProductKernel::kDspPairs;
  plan.workspace.push_back({"window_pairs", 0, WindowPairsBytes(b[1])});
  return plan;
}

}  // namespace modelc
