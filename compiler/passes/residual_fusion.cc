// Residual fusion: a sum of a convolution's output and a tensor x of the output's shape,
// where the convolution's output is read only by the sum, becomes one convolution that
// adds x to each finished output, reading each element of x just before writing the
// sum there (so the sum may take x's buffer when x dies there). x must be ready before
// the convolution runs; when both operands are convolutions the later one absorbs the
// sum. After: no such pair is left.
//   float:     Add(Conv, x) -> Conv with fused_residual, x as input 3;
//   quantised: QLinearAdd(QLinearConv, x) -> QLinearConv with x, its pair and the sum's
//              pair as inputs 9-13 (op_geometry.h), when the QLinearAdd reads the
//              convolution's output with the convolution's own output pair (the same
//              constants), so it adds the integers the convolution wrote as they are;
//              the QLinearAdd's arithmetic (ops/quantize/sum_form.h's form)
//              goes with it, its operand order as the convolution's output and the
//              addend take the places of the sum's.
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/quantize/sum_form.h"
#include "compiler/passes/fusion_util.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// One way to fuse a sum: the convolution absorbing it and the sum's input it will add.
struct ResidualCandidate {
  int conv = -1;
  int addend = -1;
};

// The float form: Add(a, b).
bool FusesAsFloatResidual(const Graph& graph, const Node& conv, const Node& add, int operand, int addend) {
  return conv.op == OpKind::kConv && !HasFusedEpilogue(conv) &&
         graph.value(add.inputs[addend]).type == graph.value(add.outputs[0]).type &&
         graph.value(add.inputs[operand]).type == graph.value(add.outputs[0]).type;
}

// The quantised form: QLinearAdd(a, a_scale, a_zero_point, b, b_scale, b_zero_point,
// c_scale[, c_zero_point]); operand and addend are 0 or 3.
bool FusesAsQuantizedResidual(const Graph& graph, const Node& conv, const Node& add, int operand, int addend) {
  if (conv.op != OpKind::kQLinearConv || graph.HasInput(conv, kQLinearConvAddendInput) || add.inputs.size() < 7) {
    return false;
  }
  // TFLite's integer sum, where the kernel can add as it does (its scales constants).
  if (RequantizesInFixedPoint(add) && !TfliteSumOf(graph, add).ok()) return false;
  const Shape& out = graph.value(add.outputs[0]).type.shape;
  const ValueId add_zero_point = graph.HasInput(add, operand + 2) ? add.inputs[operand + 2] : kNoValue;
  return SameConstant(graph, conv.inputs[6], add.inputs[operand + 1]) &&
         SameConstant(graph, conv.inputs[7], add_zero_point) && graph.value(add.inputs[operand]).type.shape == out &&
         graph.value(add.inputs[addend]).type.shape == out;
}

absl::Status AbsorbSum(Graph& graph, const ResidualCandidate& fused, int sum) {
  const Node add = graph.nodes()[sum];
  ASSIGN_OR_RETURN(const SumForm form, add.op == OpKind::kQLinearAdd ? SumFormOf(graph, add) : SumForm{});
  Node& conv = graph.mutable_nodes()[fused.conv];
  if (conv.op == OpKind::kConv) {
    conv.inputs.resize(kConvResidualInput + 1, kNoValue);
    conv.inputs[kConvResidualInput] = add.inputs[fused.addend];
    conv.attributes.Set(kFusedResidual, int64_t{1});
  } else {
    conv.inputs.resize(kQLinearConvAddendInput + 5, kNoValue);
    for (int i = 0; i < 3; ++i) conv.inputs[kQLinearConvAddendInput + i] = add.inputs[fused.addend + i];
    conv.inputs[kQLinearConvAddendInput + 3] = add.inputs[6];
    conv.inputs[kQLinearConvAddendInput + 4] = graph.HasInput(add, 7) ? add.inputs[7] : kNoValue;
    // The sum's arithmetic, its operands now the convolution's output and the addend.
    if (form.arithmetic == SumArithmetic::kTflite) conv.attributes.Set(kFusedTfliteSum, int64_t{1});
    if (form.arithmetic == SumArithmetic::kDequantized) conv.attributes.Set(kFusedDequantizedSum, int64_t{1});
    if (form.uint8) conv.attributes.Set(kFusedUint8Arithmetic, int64_t{1});
    if (form.arithmetic == SumArithmetic::kOnnxRuntimeX86 && form.swapped != (fused.addend == 0)) {
      conv.attributes.Set(kOrtSumOperandsSwapped, int64_t{1});
    }
  }
  TakeOverOutput(graph, fused.conv, sum);
  return absl::OkStatus();
}

}  // namespace

absl::Status FuseResidualAdd(Graph& graph) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& add = graph.nodes()[n];
    if (add.op != OpKind::kAdd && add.op != OpKind::kQLinearAdd) continue;
    // A difference (the TFLite frontend's SUB) stays a node of its own.
    if (add.attributes.Has(kFusedSubtract)) continue;
    const int second = add.op == OpKind::kAdd ? 1 : 3;  // the second operand's input
    ResidualCandidate best;
    for (const int operand : {0, second}) {
      const int addend = operand == 0 ? second : 0;
      const int producer = SoleProducer(graph, uses, add.inputs[operand], static_cast<int>(n));
      if (producer < 0) continue;
      const Node& conv = graph.nodes()[producer];
      if (conv.guard != add.guard) continue;  // both run, or neither
      const bool fuses = add.op == OpKind::kAdd ? FusesAsFloatResidual(graph, conv, add, operand, addend)
                                                : FusesAsQuantizedResidual(graph, conv, add, operand, addend);
      if (!fuses) continue;
      if (graph.value(add.inputs[addend]).producer >= producer) continue;  // must exist before the Conv runs
      if (producer > best.conv) best = {producer, addend};
    }
    if (best.conv < 0) continue;
    RETURN_IF_ERROR(AbsorbSum(graph, best, static_cast<int>(n)));
    removed[n] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
