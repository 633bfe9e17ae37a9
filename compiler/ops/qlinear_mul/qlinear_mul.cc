// QLinearMul: the product of two quantised tensors (numpy broadcasting), requantised.
// Inputs as QLinearAdd's: a, a_scale, a_zero_point, b, b_scale, b_zero_point, c_scale,
// c_zero_point; parameters per tensor. Two arithmetics:
// - ONNX Runtime's com.microsoft op of that name (an ONNX file; its quantiser writes one
//   for each Mul in QOperator format), as its x86-64 build computes it (MLAS's
//   qlmul.cpp, SSE2):
//     c = RequantizeOffsetFirst((a - a_zero_point) * (b - b_zero_point),
//                               a_scale * b_scale / c_scale, c_zero_point)
//   the product exact in int32, the ratio two float32 operations in that order, the
//   zero point added in float before rounding (quantization.h). Scales may be run-time
//   inputs. With kFusedUint8Arithmetic (int8 tensors ORT's x86 build converts to uint8)
//   the zero point added is c_zero_point + 128, rounded and saturated as uint8, the
//   result 128 down. (ORT's portable build dequantises each operand first and its 32-bit Arm
//   build rounds halves away from zero: they can differ from this by a step.)
// - TFLite's int8 MUL (kFixedPointRequantization = 2, set by the TFLite frontend;
//   constant scales): reference_integer_ops::Mul,
//     c = MultiplyByFixedPoint((a - a_zero_point) * (b - b_zero_point),
//                              TfliteMulMultiplier(a_scale, b_scale, c_scale)) + c_zero_point
//   saturated (fixed_point_multiplier.h). With kFusedPrelu, TFLite's int8 PRELU
//   (reference_ops::BroadcastPrelu4DSlow; b is alpha): where a - a_zero_point >= 0,
//     c = MultiplyByFixedPoint(a - a_zero_point, TflitePreluPositiveMultiplier(a_scale, c_scale))
//         + c_zero_point
//   instead, saturated.
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/quantize/product_requantizer.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/reference/index_walk.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct QLinearMulGeometry : QuantizedBinaryOperands {
  bool tflite = false;  // TFLite's MUL (fixed point); ONNX Runtime's otherwise
  int32_t uint8_offset = 0;  // 128 with kFusedUint8Arithmetic
  // TFLite's parameters.
  FixedPointMultiplier multiplier;
  std::optional<FixedPointMultiplier> prelu_positive;  // kFusedPrelu: a's multiplier where a >= a_zero_point
  int32_t a_zero_point = 0, b_zero_point = 0, c_zero_point = 0;
};

absl::StatusOr<QLinearMulGeometry> ResolveQLinearMul(const Graph& graph, const Node& node) {
  QLinearMulGeometry g;
  ASSIGN_OR_RETURN(static_cast<QuantizedBinaryOperands&>(g), ResolveQuantizedBinaryOperands(graph, node));
  ASSIGN_OR_RETURN(int64_t prelu, node.attributes.GetInt(kFusedPrelu, 0));
  g.tflite = RequantizesInFixedPoint(node);
  if (!g.tflite) {
    if (prelu != 0) return absl::InvalidArgumentError("a fused PReLU is TFLite's (fixed point) only");
    ASSIGN_OR_RETURN(int64_t uint8_arithmetic, node.attributes.GetInt(kFusedUint8Arithmetic, 0));
    if (uint8_arithmetic != 0) {
      if (g.c.type != DataType::kInt8) return absl::InvalidArgumentError("uint8 arithmetic is for int8 tensors");
      g.uint8_offset = 128;
    }
    return g;
  }
  if (FixedPointRoundingOf(node) != FixedPointRounding::kDouble) {
    return absl::UnimplementedError("QLinearMul in fixed point rounds twice, as TFLite's MUL");
  }
  for (int input : {1, 2, 4, 5, 6, 7}) {
    if (!graph.HasInput(node, input) || !graph.IsConstant(node.inputs[input]) ||
        graph.InputType(node, input).ElementCount() != 1) {
      return absl::InvalidArgumentError("TFLite's integer product needs constant scales and zero points, one per tensor");
    }
  }
  auto scale = [&](int input) { return graph.value(node.inputs[input]).constant->Floats()[0]; };
  auto zero_point = [&](int input) { return ElementsAsInt32(*graph.value(node.inputs[input]).constant)[0]; };
  g.multiplier = TfliteMulMultiplier(scale(1), scale(4), scale(6));
  if (prelu != 0) g.prelu_positive = TflitePreluPositiveMultiplier(scale(1), scale(6));
  g.a_zero_point = zero_point(2);
  g.b_zero_point = zero_point(5);
  g.c_zero_point = zero_point(7);
  return g;
}

}  // namespace

absl::Status UpgradeQLinearMul(Node& node, int64_t opset) { return absl::OkStatus(); }

absl::StatusOr<std::vector<TensorType>> InferQLinearMul(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(QLinearMulGeometry g, ResolveQLinearMul(graph, node));
  return std::vector<TensorType>{TensorType{g.c.type, g.out_shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateQLinearMul(const Graph& graph, const Node& node,
                                                           const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(QLinearMulGeometry g, ResolveQLinearMul(graph, node));
  const std::vector<int32_t> a = ElementsAsInt32(*inputs[0]), b = ElementsAsInt32(*inputs[3]);
  std::vector<int32_t> c(ElementCount(g.out_shape));
  if (!g.tflite) {
    const QuantizationValues qa = ReadQuantization(g.a, inputs), qb = ReadQuantization(g.b, inputs),
                             qc = ReadQuantization(g.c, inputs);
    const float ratio = RequantizationMultiplier(qa.scale[0], qb.scale[0], qc.scale[0]);
    ForEachBroadcast(g.out_shape, {graph.InputType(node, 0).shape, graph.InputType(node, 3).shape},
                     [&](int64_t e, const std::vector<int64_t>& at) {
                       const int32_t product = (a[at[0]] - qa.zero_point[0]) * (b[at[1]] - qb.zero_point[0]);
                       c[e] = g.uint8_offset == 0
                                  ? RequantizeOffsetFirst(product, ratio, qc.zero_point[0], g.c.type)
                                  : RequantizeOffsetFirst(product, ratio, qc.zero_point[0] + g.uint8_offset,
                                                          DataType::kUInt8) - g.uint8_offset;
                     });
    return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, c)};
  }
  ForEachBroadcast(g.out_shape, {graph.InputType(node, 0).shape, graph.InputType(node, 3).shape},
                   [&](int64_t e, const std::vector<int64_t>& at) {
                     const int32_t x = a[at[0]] - g.a_zero_point;
                     if (g.prelu_positive && x >= 0) {
                       c[e] = RequantizeFixedPoint(x, *g.prelu_positive, g.c_zero_point, g.c.type,
                                                   FixedPointRounding::kDouble);
                       return;
                     }
                     const int32_t product = x * (b[at[1]] - g.b_zero_point);
                     c[e] = RequantizeFixedPoint(product, g.multiplier, g.c_zero_point, g.c.type,
                                                 FixedPointRounding::kDouble);
                   });
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, c)};
}

absl::Status EmitQLinearMulKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(QLinearMulGeometry g, ResolveQLinearMul(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  if (!g.tflite) {
    llvm::Value* ratio = EmitRequantizationMultiplier(k, EmitLoadScale(k, g.a, k.Int(0)), EmitLoadScale(k, g.b, k.Int(0)),
                                                      EmitLoadScale(k, g.c, k.Int(0)));
    llvm::Value* a_zero_point = EmitLoadZeroPoint(k, g.a, k.Int(0));
    llvm::Value* b_zero_point = EmitLoadZeroPoint(k, g.b, k.Int(0));
    llvm::Value* c_zero_point = b.CreateAdd(EmitLoadZeroPoint(k, g.c, k.Int(0)), b.getInt32(g.uint8_offset));
    const DataType rounded_type = g.uint8_offset == 0 ? g.c.type : DataType::kUInt8;
    k.LoopNest(g.out_shape, {g.a_strides, g.b_strides}, [&](llvm::Value* e, const std::vector<llvm::Value*>& at) {
      llvm::Value* x = b.CreateSub(EmitWidenToInt32(k, k.LoadAs(g.a_type, k.in[0], at[0]), g.a_type), a_zero_point);
      llvm::Value* y = b.CreateSub(EmitWidenToInt32(k, k.LoadAs(g.b_type, k.in[3], at[1]), g.b_type), b_zero_point);
      llvm::Value* c = EmitRequantizeOffsetFirst(k, b.CreateMul(x, y), ratio, c_zero_point, rounded_type);
      // 128 down from a uint8 code is the int8 code, in 8 bits (wrapping) as in 32.
      if (g.uint8_offset != 0) c = b.CreateSub(c, llvm::ConstantInt::get(c->getType(), g.uint8_offset));
      k.StoreAs(g.c.type, c, k.out[0], e);
    });
    return absl::OkStatus();
  }
  k.LoopNest(g.out_shape, {g.a_strides, g.b_strides}, [&](llvm::Value* e, const std::vector<llvm::Value*>& at) {
    llvm::Value* x = b.CreateSub(EmitWidenToInt32(k, k.LoadAs(g.a_type, k.in[0], at[0]), g.a_type),
                                 b.getInt32(g.a_zero_point));
    llvm::Value* y = b.CreateSub(EmitWidenToInt32(k, k.LoadAs(g.b_type, k.in[3], at[1]), g.b_type),
                                 b.getInt32(g.b_zero_point));
    llvm::Value* value = b.CreateMul(x, y);
    llvm::Value* multiplier = b.getInt32(g.multiplier.multiplier);
    llvm::Value* shift = b.getInt32(g.multiplier.shift);
    bool right_shift = g.multiplier.shift <= -1;
    if (g.prelu_positive) {  // one requantisation of the operands x's sign picks
      llvm::Value* positive = b.CreateICmpSGE(x, b.getInt32(0));
      value = b.CreateSelect(positive, x, value);
      multiplier = b.CreateSelect(positive, b.getInt32(g.prelu_positive->multiplier), multiplier);
      shift = b.CreateSelect(positive, b.getInt32(g.prelu_positive->shift), shift);
      right_shift = right_shift && g.prelu_positive->shift <= -1;
    }
    k.StoreAs(g.c.type,
              EmitRequantizeFixedPoint(k, value, multiplier, shift, b.getInt32(g.c_zero_point), g.c.type, right_shift,
                                       FixedPointRounding::kDouble),
              k.out[0], e);
  });
  return absl::OkStatus();
}

}  // namespace modelc
