// Requantize (modelc's own, internal): int8 values from one quantisation to another, as
// TFLite's QUANTIZE from int8 to int8 computes it (reference_ops::Requantize, with the
// multiplier its Prepare makes): y = MultiplyByFixedPoint(x - x_zero_point,
// QuantizeMultiplier(x_scale / y_scale)) + y_zero_point, saturated (TFLite's two
// roundings: fixed_point_multiplier.h). Inputs x, x_scale, x_zero_point, y_scale,
// y_zero_point, constants per tensor. The TFLite frontend makes it (its converter
// inserts such a QUANTIZE where an operator needs its inputs at one scale).
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/quantize/product_requantizer.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct RequantizeGeometry {
  QuantizationParameters x, y;
  FixedPointMultiplier multiplier;
};

absl::StatusOr<RequantizeGeometry> ResolveRequantize(const Graph& graph, const Node& node) {
  RequantizeGeometry g;
  ASSIGN_OR_RETURN(g.x, ResolveQuantizedOperand(graph, node, 0, 1, 2, std::nullopt, "x"));
  ASSIGN_OR_RETURN(g.y, ResolveQuantization(graph, node, 3, 4, graph.InputType(node, 0).shape, std::nullopt, "y"));
  for (int input : {1, 2, 3, 4}) {
    if (!graph.HasInput(node, input) || !graph.IsConstant(node.inputs[input]) ||
        graph.InputType(node, input).ElementCount() != 1) {
      return absl::InvalidArgumentError("Requantize needs constant scales and zero points, one per tensor");
    }
  }
  const double x_scale = graph.value(node.inputs[1]).constant->Floats()[0];
  const double y_scale = graph.value(node.inputs[3]).constant->Floats()[0];
  g.multiplier = QuantizeMultiplier(x_scale / y_scale);
  return g;
}

int32_t ConstantZeroPoint(const Graph& graph, const Node& node, int input) {
  return ElementsAsInt32(*graph.value(node.inputs[input]).constant)[0];
}

}  // namespace

absl::Status UpgradeRequantize(Node&, int64_t) { return absl::OkStatus(); }  // internal: one form

absl::StatusOr<std::vector<TensorType>> InferRequantize(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(RequantizeGeometry g, ResolveRequantize(graph, node));
  return std::vector<TensorType>{TensorType{g.y.type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateRequantize(const Graph& graph, const Node& node,
                                                           const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(RequantizeGeometry g, ResolveRequantize(graph, node));
  const int32_t x_zero_point = ConstantZeroPoint(graph, node, 2), y_zero_point = ConstantZeroPoint(graph, node, 4);
  std::vector<int32_t> y;
  for (int32_t x : ElementsAsInt32(*inputs[0])) {
    y.push_back(RequantizeFixedPoint(x - x_zero_point, g.multiplier, y_zero_point, g.y.type, FixedPointRounding::kDouble));
  }
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, y)};
}

absl::Status EmitRequantizeKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(RequantizeGeometry g, ResolveRequantize(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* x_zero_point = b.getInt32(ConstantZeroPoint(k.graph, k.node, 2));
  llvm::Value* y_zero_point = b.getInt32(ConstantZeroPoint(k.graph, k.node, 4));
  k.Loop(k.graph.InputType(k.node, 0).ElementCount(), [&](llvm::Value* e) {
    llvm::Value* x = b.CreateSub(EmitWidenToInt32(k, k.LoadAs(g.x.type, k.in[0], e), g.x.type), x_zero_point);
    k.StoreAs(g.y.type,
              EmitRequantizeFixedPoint(k, x, b.getInt32(g.multiplier.multiplier), b.getInt32(g.multiplier.shift),
                                       y_zero_point, g.y.type, g.multiplier.shift <= -1, FixedPointRounding::kDouble),
              k.out[0], e);
  });
  return absl::OkStatus();
}

}  // namespace modelc
