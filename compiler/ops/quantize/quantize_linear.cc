// QuantizeLinear and DequantizeLinear: float32 to int8/uint8/int16/uint16 and back,
// per tensor, per axis (opset 13's `axis`, default 1) or per block along the axis
// (opset 21's `block_size`: the parameters have x's shape but for ceil(x's dimension /
// block_size) along the axis).
//   QuantizeLinear:   y = round_half_even(x / y_scale) + y_zero_point, saturated (halves
//                     away from zero with kRoundHalfAwayFromZero: TFLite's QUANTIZE)
//   DequantizeLinear: y = (x - x_zero_point) * x_scale (x also int32)
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
  // Blocked parameters: x seen as [outer, axis_length, q.inner] takes, at (o, a, i),
  // parameter (o, a / block, i) of the [outer, blocks, q.inner] scale and zero point.
  std::optional<int64_t> block;
  int64_t outer = 1, axis_length = 1, blocks = 1;
  // The parameter index of element e.
  int64_t ParameterOf(int64_t e) const {
    if (!block) return (e / q.inner) % q.count;
    const int64_t i = e % q.inner, a = (e / q.inner) % axis_length, o = e / (q.inner * axis_length);
    return (o * blocks + a / *block) * q.inner + i;
  }
};

// The blocked form's parameters: types and the shapes of the scale and zero point.
absl::Status ResolveBlocked(const Graph& graph, const Node& node, const Shape& x, int64_t axis, int64_t block,
                            LinearQuantizationGeometry* g) {
  const bool quantize = node.op == OpKind::kQuantizeLinear;
  const char* what = quantize ? "y" : "x";
  const TensorType& scale = graph.InputType(node, 1);
  if (scale.element_type != DataType::kFloat32) {
    return absl::InvalidArgumentError(absl::StrCat(what, "_scale has element type ", DataTypeName(scale.element_type),
                                                   "; it must be float32"));
  }
  if (block < 1) return absl::InvalidArgumentError(absl::StrCat("block_size ", block, " must be positive"));
  Shape expected = x;
  expected[axis] = x[axis] / block + (x[axis] % block != 0 ? 1 : 0);
  if (scale.shape != expected) {
    return absl::InvalidArgumentError(absl::StrCat(what, "_scale has shape ", ShapeToString(scale.shape),
                                                   "; blocks of ", block, " along axis ", axis, " of ",
                                                   ShapeToString(x), " need ", ShapeToString(expected)));
  }
  RETURN_IF_ERROR(CheckConstantScale(graph, node, 1, what));
  g->q.scale_input = 1;
  if (graph.HasInput(node, 2)) {
    const TensorType& zero_point = graph.InputType(node, 2);
    // An int32 tensor's zero point must be 0 (ResolveQuantization's rule): absent here.
    if (!IsQuantizedType(zero_point.element_type, QuantizedTypes::kLinear)) {
      return absl::InvalidArgumentError(absl::StrCat(what, "_zero_point has element type ",
                                                     DataTypeName(zero_point.element_type), "; it must be ",
                                                     QuantizedTypesText(QuantizedTypes::kLinear)));
    }
    if (zero_point.shape != scale.shape) {
      return absl::InvalidArgumentError(absl::StrCat(what, "_zero_point has shape ", ShapeToString(zero_point.shape),
                                                     " but ", what, "_scale has ", ShapeToString(scale.shape)));
    }
    g->q.zero_point_input = 2;
    g->q.type = zero_point.element_type;
  }
  g->block = block;
  g->axis_length = x[axis];
  g->blocks = expected[axis];
  g->q.count = ElementCount(scale.shape);
  g->q.inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.size(); ++d) g->q.inner *= x[d];
  g->outer = 1;
  for (int64_t d = 0; d < axis; ++d) g->outer *= x[d];
  return absl::OkStatus();
}

absl::StatusOr<LinearQuantizationGeometry> ResolveLinearQuantization(const Graph& graph, const Node& node) {
  const bool quantize = node.op == OpKind::kQuantizeLinear;
  const TensorType& x = graph.InputType(node, 0);
  if (quantize && x.element_type != DataType::kFloat32) {
    return absl::UnimplementedError(absl::StrCat("QuantizeLinear of ", DataTypeName(x.element_type),
                                                 " input is not supported (float32 only)"));
  }
  if (!quantize && !IsQuantizedType(x.element_type, QuantizedTypes::kLinearAndInt32)) {
    return absl::InvalidArgumentError(absl::StrCat("DequantizeLinear's input has element type ",
                                                   DataTypeName(x.element_type), "; it must be ",
                                                   QuantizedTypesText(QuantizedTypes::kLinearAndInt32)));
  }
  // Opsets 21 and 23: blocked parameters, an output type, a computation precision.
  ASSIGN_OR_RETURN(int64_t block_size, node.attributes.GetInt("block_size", 0));
  // The axis matters only to per-axis and blocked parameters (a scalar scale may come
  // with the default axis 1 on a rank-1 input).
  const Shape& scale = graph.InputType(node, 1).shape;
  std::optional<int64_t> axis;
  if (!x.shape.empty() && (block_size != 0 || !(ElementCount(scale) == 1 && scale.size() <= 1))) {
    ASSIGN_OR_RETURN(int64_t axis_attribute, node.attributes.GetInt("axis", 1));
    ASSIGN_OR_RETURN(axis, NormalizeAxis(axis_attribute, static_cast<int64_t>(x.shape.size())));
  }
  if (block_size != 0 && !axis) return absl::InvalidArgumentError("blocked quantisation of a scalar");
  ASSIGN_OR_RETURN(int64_t output_dtype, node.attributes.GetInt("output_dtype", 0));
  ASSIGN_OR_RETURN(int64_t precision, node.attributes.GetInt("precision", 0));
  if (precision != 0 && precision != static_cast<int64_t>(DataType::kFloat32)) {
    return absl::UnimplementedError("QuantizeLinear's precision must be float32");
  }
  DataType quantized_default = quantize ? DataType::kUInt8 : x.element_type;
  if (output_dtype != 0) {
    const std::optional<DataType> type = DataTypeFromCode(output_dtype);
    const bool supported = quantize ? type && IsQuantizedType(*type, QuantizedTypes::kLinear) : type == DataType::kFloat32;
    if (!supported) {
      return absl::UnimplementedError(absl::StrCat(quantize ? "QuantizeLinear" : "DequantizeLinear", "'s output_dtype ",
                                                   output_dtype, " is not supported (",
                                                   quantize ? QuantizedTypesText(QuantizedTypes::kLinear) : "float32",
                                                   " only)"));
    }
    if (quantize) quantized_default = *type;
  }
  LinearQuantizationGeometry g;
  if (block_size != 0) {
    g.q.type = quantized_default;
    RETURN_IF_ERROR(ResolveBlocked(graph, node, x.shape, *axis, block_size, &g));
  } else {
    ASSIGN_OR_RETURN(g.q, ResolveQuantization(graph, node, 1, 2, x.shape, axis, quantize ? "y" : "x", quantized_default,
                                              quantize ? QuantizedTypes::kLinear : QuantizedTypes::kLinearAndInt32));
  }
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
// zero point loaded once per parameter; blocked, as [outer, axis, inner], loading them
// for each element.
void LoopWithParameters(KernelContext& k, const LinearQuantizationGeometry& g,
                        const std::function<void(llvm::Value* element, llvm::Value* scale, llvm::Value* zero_point)>& body) {
  llvm::IRBuilder<>& b = k.b;
  if (g.block) {
    k.Loop(g.outer, [&](llvm::Value* o) {
      k.Loop(g.axis_length, [&](llvm::Value* a) {
        llvm::Value* block_row = b.CreateAdd(b.CreateMul(o, k.Int(g.blocks)), b.CreateUDiv(a, k.Int(*g.block)));
        llvm::Value* parameters = b.CreateMul(block_row, k.Int(g.q.inner));
        llvm::Value* base = b.CreateMul(b.CreateAdd(b.CreateMul(o, k.Int(g.axis_length)), a), k.Int(g.q.inner));
        k.Loop(g.q.inner, [&](llvm::Value* i) {
          llvm::Value* p = b.CreateAdd(parameters, i);
          body(b.CreateAdd(base, i), EmitLoadScale(k, g.q, p), EmitLoadZeroPoint(k, g.q, p));
        });
      });
    });
    return;
  }
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
  for (size_t e = 0; e < x.size(); ++e) {
    const int64_t p = g.ParameterOf(static_cast<int64_t>(e));
    y[e] = Quantize(x[e], q.scale[p], q.zero_point[p], g.q.type, HalfRoundingOf(node));
  }
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, y)};
}

absl::StatusOr<std::vector<TensorData>> EvaluateDequantizeLinear(const Graph& graph, const Node& node,
                                                                 const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(LinearQuantizationGeometry g, ResolveLinearQuantization(graph, node));
  const QuantizationValues q = ReadQuantization(g.q, inputs);
  const std::vector<int32_t> x = ElementsAsInt32(*inputs[0]);
  std::vector<float> y(x.size());
  for (size_t e = 0; e < x.size(); ++e) {
    const int64_t p = g.ParameterOf(static_cast<int64_t>(e));
    y[e] = Dequantize(x[e], q.scale[p], q.zero_point[p]);
  }
  return std::vector<TensorData>{TensorData::FromFloats(graph.value(node.outputs[0]).type.shape, y)};
}

absl::Status EmitQuantizeLinearKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(LinearQuantizationGeometry g, ResolveLinearQuantization(k.graph, k.node));
  llvm::IRBuilderBase::FastMathFlagGuard exact(k.b);
  k.b.clearFastMathFlags();
  LoopWithParameters(k, g, [&](llvm::Value* e, llvm::Value* scale, llvm::Value* zero_point) {
    k.StoreAs(g.q.type, EmitQuantize(k, k.Load(k.in[0], e), scale, zero_point, g.q.type, HalfRoundingOf(k.node)),
              k.out[0], e);
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
