// QLinearAdd: the sum of two quantised tensors (numpy broadcasting), requantised. Inputs:
// a, a_scale, a_zero_point, b, b_scale, b_zero_point, c_scale, c_zero_point; parameters
// per tensor. Its arithmetic is one of quantized_sum.h's forms, recorded on the node:
// ONNX Runtime's com.microsoft op of that name as its x86-64 build computes it (an ONNX
// file's; the QDQ fusion's where ORT replaces DequantizeLinear -> Add -> QuantizeLinear
// with it), the float chain DequantizeLinear -> Add -> QuantizeLinear (the QDQ fusion's
// elsewhere, passes/qdq_fusion.cc: the float tensors between never exist), or, with
// kFixedPointRequantization = 2 (the TFLite frontend's int8 ADD; constant scales),
// TFLite's integer sum (fixed_point_multiplier.h's TfliteAdd). With kFusedSubtract (the
// TFLite frontend's int8 SUB) b is subtracted: its scale negated in the float chain, or
// in TFLite's form its multiplier (TfliteSubMultipliers), as TFLite's SUB runs its ADD
// kernel.
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/quantize/product_requantizer.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/ops/quantize/quantized_sum.h"
#include "compiler/reference/index_walk.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct QLinearAddGeometry : QuantizedBinaryOperands {
  bool subtracts = false;  // c = a - b (kFusedSubtract)
  SumForm form;
  // TFLite's parameters where it sums as TFLite's ADD (or subtracts as its SUB).
  std::optional<FixedPointAdd> tflite;
};

absl::StatusOr<QLinearAddGeometry> ResolveQLinearAdd(const Graph& graph, const Node& node) {
  QLinearAddGeometry g;
  ASSIGN_OR_RETURN(static_cast<QuantizedBinaryOperands&>(g), ResolveQuantizedBinaryOperands(graph, node));
  ASSIGN_OR_RETURN(int64_t subtracts, node.attributes.GetInt(kFusedSubtract, 0));
  g.subtracts = subtracts != 0;
  ASSIGN_OR_RETURN(g.form, SumFormOf(graph, node));
  if (g.form.arithmetic == SumArithmetic::kTflite) {
    ASSIGN_OR_RETURN(g.tflite, TfliteSumOf(graph, node));
  }
  return g;
}

}  // namespace

absl::Status UpgradeQLinearAdd(Node& node, int64_t opset) { return absl::OkStatus(); }

absl::StatusOr<std::vector<TensorType>> InferQLinearAdd(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(QLinearAddGeometry g, ResolveQLinearAdd(graph, node));
  return std::vector<TensorType>{TensorType{g.c.type, g.out_shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateQLinearAdd(const Graph& graph, const Node& node,
                                                           const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(QLinearAddGeometry g, ResolveQLinearAdd(graph, node));
  const std::vector<int32_t> a = ElementsAsInt32(*inputs[0]), b = ElementsAsInt32(*inputs[3]);
  const QuantizationValues qa = ReadQuantization(g.a, inputs), qb = ReadQuantization(g.b, inputs),
                           qc = ReadQuantization(g.c, inputs);
  std::vector<int32_t> c(ElementCount(g.out_shape));
  const float b_sign = g.subtracts ? -1.0f : 1.0f;
  ForEachBroadcast(g.out_shape, {graph.InputType(node, 0).shape, graph.InputType(node, 3).shape},
                   [&](int64_t e, const std::vector<int64_t>& at) {
                     if (g.tflite) {
                       c[e] = TfliteAdd(*g.tflite, a[at[0]], qa.zero_point[0], b[at[1]], qb.zero_point[0], qc.zero_point[0],
                                        g.c.type);
                       return;
                     }
                     c[e] = QuantizedSumAs(g.form, {a[at[0]], qa.scale[0], qa.zero_point[0]}, g.a_type,
                                           {b[at[1]], b_sign * qb.scale[0], qb.zero_point[0]}, g.b_type,
                                           qc.scale[0], qc.zero_point[0], g.c.type);
                   });
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, c)};
}

absl::Status EmitQLinearAddKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(QLinearAddGeometry g, ResolveQLinearAdd(k.graph, k.node));
  llvm::Value* a_scale = EmitLoadScale(k, g.a, k.Int(0));
  llvm::Value* b_scale = EmitLoadScale(k, g.b, k.Int(0));
  if (g.subtracts) b_scale = k.b.CreateFNeg(b_scale);
  llvm::Value* c_scale = EmitLoadScale(k, g.c, k.Int(0));
  llvm::Value* a_zero_point = EmitLoadZeroPoint(k, g.a, k.Int(0));
  llvm::Value* b_zero_point = EmitLoadZeroPoint(k, g.b, k.Int(0));
  llvm::Value* c_zero_point = EmitLoadZeroPoint(k, g.c, k.Int(0));
  auto tflite_add = [&](llvm::Value* a, llvm::Value* b) {
    return EmitTfliteAdd(k, *g.tflite, a, a_zero_point, b, b_zero_point, c_zero_point, g.c.type);
  };
  // On Helium, two inputs of the output's shape, a whole number of vectors: four
  // elements at a time in a vector's lanes (the doubled high products one VQRDMULH a
  // vector; ResNet-8's ADDs).
  constexpr int64_t kLanes = 4;
  const Shape& a_shape = k.graph.InputType(k.node, 0).shape;
  const Shape& b_shape = k.graph.InputType(k.node, 3).shape;
  const int64_t count = ElementCount(g.out_shape);
  if (g.tflite && k.target.helium && a_shape == g.out_shape && b_shape == g.out_shape && count % kLanes == 0) {
    auto lanes_of = [&](DataType type) { return llvm::FixedVectorType::get(k.Elem(type), kLanes); };
    k.Loop(count / kLanes, [&](llvm::Value* v) {
      llvm::Value* first = k.b.CreateMul(v, k.Int(kLanes));
      auto load = [&](int input, DataType type) {
        llvm::Value* from = k.b.CreateInBoundsGEP(k.Elem(type), k.in[input], first);
        return EmitWidenToInt32(k, k.b.CreateAlignedLoad(lanes_of(type), from, llvm::Align(1)), type);
      };
      llvm::Value* c = tflite_add(load(0, g.a_type), load(3, g.b_type));
      k.b.CreateAlignedStore(c, k.b.CreateInBoundsGEP(k.Elem(g.c.type), k.out[0], first), llvm::Align(1));
    }, /*allow_unrolling=*/false);
    return absl::OkStatus();
  }
  std::optional<QuantizedSumEmitter> sum;
  if (!g.tflite) {
    sum.emplace(k, g.form, EmittedQuantizationPair{a_scale, a_zero_point}, g.a_type,
                EmittedQuantizationPair{b_scale, b_zero_point}, g.b_type,
                EmittedQuantizationPair{c_scale, c_zero_point}, g.c.type);
  }
  k.LoopNest(g.out_shape, {g.a_strides, g.b_strides}, [&](llvm::Value* e, const std::vector<llvm::Value*>& at) {
    llvm::Value* a = EmitWidenToInt32(k, k.LoadAs(g.a_type, k.in[0], at[0]), g.a_type);
    llvm::Value* b = EmitWidenToInt32(k, k.LoadAs(g.b_type, k.in[3], at[1]), g.b_type);
    if (g.tflite) {
      k.StoreAs(g.c.type, tflite_add(a, b), k.out[0], e);
      return;
    }
    k.StoreAs(g.c.type, sum->Sum(a, b), k.out[0], e);
  });
  return absl::OkStatus();
}

}  // namespace modelc
