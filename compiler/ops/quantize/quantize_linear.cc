// QuantizeLinear and DequantizeLinear: float32 to int8/uint8 and back, per tensor or
// per axis (opset 13's `axis`, default 1).
//   QuantizeLinear:   y = round_half_even(x / y_scale) + y_zero_point, saturated
//   DequantizeLinear: y = (x - x_zero_point) * x_scale (x int8, uint8 or int32)
// Both ops live here: shape rule, reference and kernel (the hooks of own_op_hooks.h);
// the rounding rule is quantization.h's, shared with the quantised convolutions and
// matrix products.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct LinearQuantizationGeometry {
  QuantizationParameters q;  // of the quantised side: y for QuantizeLinear, x for DequantizeLinear
  int64_t elements = 0;
};

absl::StatusOr<LinearQuantizationGeometry> ResolveLinearQuantization(const Graph& graph, const Node& node) {
  const bool quantize = node.op == OpKind::kQuantizeLinear;
  const TensorType& x = graph.InputType(node, 0);
  if (quantize && x.element_type != DataType::kFloat32) {
    return absl::UnimplementedError(absl::StrCat("QuantizeLinear of ", DataTypeName(x.element_type),
                                                 " input is not supported (float32 only)"));
  }
  if (!quantize && x.element_type != DataType::kInt8 && x.element_type != DataType::kUInt8 &&
      x.element_type != DataType::kInt32) {
    return absl::InvalidArgumentError(absl::StrCat("DequantizeLinear's input has element type ",
                                                   DataTypeName(x.element_type), "; it must be int8, uint8 or int32"));
  }
  // The axis matters only to per-axis parameters (a scalar scale may come with the
  // default axis 1 on a rank-1 input).
  const Shape& scale = graph.InputType(node, 1).shape;
  std::optional<int64_t> axis;
  if (!x.shape.empty() && !(ElementCount(scale) == 1 && scale.size() <= 1)) {
    ASSIGN_OR_RETURN(int64_t axis_attribute, node.attributes.GetInt("axis", 1));
    ASSIGN_OR_RETURN(axis, NormalizeAxis(axis_attribute, static_cast<int64_t>(x.shape.size())));
  }
  // Opsets 21 and 23: blocked parameters, an output type, a computation precision.
  ASSIGN_OR_RETURN(int64_t block_size, node.attributes.GetInt("block_size", 0));
  if (block_size != 0) return absl::UnimplementedError("blocked quantisation (block_size) is not supported");
  ASSIGN_OR_RETURN(int64_t output_dtype, node.attributes.GetInt("output_dtype", 0));
  ASSIGN_OR_RETURN(int64_t precision, node.attributes.GetInt("precision", 0));
  if (precision != 0 && precision != static_cast<int64_t>(DataType::kFloat32)) {
    return absl::UnimplementedError("QuantizeLinear's precision must be float32");
  }
  DataType quantized_default = quantize ? DataType::kUInt8 : x.element_type;
  if (output_dtype != 0) {
    const std::optional<DataType> type = DataTypeFromCode(output_dtype);
    const bool supported = quantize ? type == DataType::kUInt8 || type == DataType::kInt8 : type == DataType::kFloat32;
    if (!supported) {
      return absl::UnimplementedError(absl::StrCat(quantize ? "QuantizeLinear" : "DequantizeLinear", "'s output_dtype ",
                                                   output_dtype, " is not supported (",
                                                   quantize ? "int8 and uint8" : "float32", " only)"));
    }
    if (quantize) quantized_default = *type;
  }
  LinearQuantizationGeometry g;
  ASSIGN_OR_RETURN(g.q, ResolveQuantization(graph, node, 1, 2, x.shape, axis, quantize ? "y" : "x",
                                            quantized_default, /*allow_int32=*/!quantize));
  if (quantize && output_dtype != 0 && g.q.type != quantized_default) {
    return absl::InvalidArgumentError(absl::StrCat("y_zero_point has element type ", DataTypeName(g.q.type),
                                                   " but output_dtype says ", DataTypeName(quantized_default)));
  }
  if (!quantize && g.q.type != x.element_type) {
    return absl::InvalidArgumentError(absl::StrCat("x_zero_point has element type ", DataTypeName(g.q.type),
                                                   " but x has ", DataTypeName(x.element_type)));
  }
  g.elements = ElementCount(x.shape);
  return g;
}

absl::StatusOr<std::vector<TensorType>> InferLinearQuantization(const Graph& graph, const Node& node) {
  ASSIGN_OR_RETURN(LinearQuantizationGeometry g, ResolveLinearQuantization(graph, node));
  const DataType out = node.op == OpKind::kQuantizeLinear ? g.q.type : DataType::kFloat32;
  return std::vector<TensorType>{TensorType{out, graph.InputType(node, 0).shape}};
}

// Loops over the elements as [outer, parameter, inner], with the parameter's scale and
// zero point loaded once per parameter.
void LoopWithParameters(KernelContext& k, const LinearQuantizationGeometry& g,
                        const std::function<void(llvm::Value* element, llvm::Value* scale, llvm::Value* zero_point)>& body) {
  llvm::IRBuilder<>& b = k.b;
  if (g.q.PerTensor()) {
    llvm::Value* scale = EmitLoadScale(k, g.q, k.Int(0));
    llvm::Value* zero_point = EmitLoadZeroPoint(k, g.q, k.Int(0));
    k.Loop(g.elements, [&](llvm::Value* e) { body(e, scale, zero_point); });
    return;
  }
  const int64_t outer = g.elements / (g.q.count * g.q.inner);
  k.Loop(outer, [&](llvm::Value* o) {
    k.Loop(g.q.count, [&](llvm::Value* p) {
      llvm::Value* scale = EmitLoadScale(k, g.q, p);
      llvm::Value* zero_point = EmitLoadZeroPoint(k, g.q, p);
      llvm::Value* base = b.CreateMul(b.CreateAdd(b.CreateMul(o, k.Int(g.q.count)), p), k.Int(g.q.inner));
      k.Loop(g.q.inner, [&](llvm::Value* i) { body(b.CreateAdd(base, i), scale, zero_point); });
    });
  });
}

}  // namespace

absl::Status UpgradeQuantizeLinear(Node& node, int64_t opset) { return absl::OkStatus(); }  // opset 10: no axis
absl::Status UpgradeDequantizeLinear(Node& node, int64_t opset) { return absl::OkStatus(); }

absl::StatusOr<std::vector<TensorType>> InferQuantizeLinear(const Graph& graph, const Node& node, DataType) {
  return InferLinearQuantization(graph, node);
}
absl::StatusOr<std::vector<TensorType>> InferDequantizeLinear(const Graph& graph, const Node& node, DataType) {
  return InferLinearQuantization(graph, node);
}

absl::StatusOr<std::vector<TensorData>> EvaluateQuantizeLinear(const Graph& graph, const Node& node,
                                                               const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(LinearQuantizationGeometry g, ResolveLinearQuantization(graph, node));
  const QuantizationValues q = ReadQuantization(g.q, inputs);
  const std::vector<float> x = inputs[0]->Floats();
  std::vector<int32_t> y(x.size());
  for (size_t e = 0; e < x.size(); ++e) y[e] = Quantize(x[e], q.Scale(e), q.ZeroPoint(e), g.q.type);
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, y)};
}

absl::StatusOr<std::vector<TensorData>> EvaluateDequantizeLinear(const Graph& graph, const Node& node,
                                                                 const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(LinearQuantizationGeometry g, ResolveLinearQuantization(graph, node));
  const QuantizationValues q = ReadQuantization(g.q, inputs);
  const std::vector<int32_t> x = ElementsAsInt32(*inputs[0]);
  std::vector<float> y(x.size());
  for (size_t e = 0; e < x.size(); ++e) y[e] = Dequantize(x[e], q.Scale(e), q.ZeroPoint(e));
  return std::vector<TensorData>{TensorData::FromFloats(graph.value(node.outputs[0]).type.shape, y)};
}

absl::Status EmitQuantizeLinearKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(LinearQuantizationGeometry g, ResolveLinearQuantization(k.graph, k.node));
  llvm::IRBuilderBase::FastMathFlagGuard exact(k.b);
  k.b.clearFastMathFlags();
  LoopWithParameters(k, g, [&](llvm::Value* e, llvm::Value* scale, llvm::Value* zero_point) {
    k.StoreAs(g.q.type, EmitQuantize(k, k.Load(k.in[0], e), scale, zero_point, g.q.type), k.out[0], e);
  });
  return absl::OkStatus();
}

absl::Status EmitDequantizeLinearKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(LinearQuantizationGeometry g, ResolveLinearQuantization(k.graph, k.node));
  llvm::IRBuilderBase::FastMathFlagGuard exact(k.b);
  k.b.clearFastMathFlags();
  LoopWithParameters(k, g, [&](llvm::Value* e, llvm::Value* scale, llvm::Value* zero_point) {
    llvm::Value* x = EmitWidenToInt32(k, k.LoadAs(g.q.type, k.in[0], e), g.q.type);
    k.Store(EmitDequantize(k, x, scale, zero_point), k.out[0], e);
  });
  return absl::OkStatus();
}

}  // namespace modelc
