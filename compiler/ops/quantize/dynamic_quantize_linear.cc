// DynamicQuantizeLinear: quantises a float32 tensor to uint8 with a scale and zero
// point computed from the tensor itself, and returns all three:
//   range  = [min(0, min(x)), max(0, max(x))]   (it always holds 0)
//   scale  = (max - min) / 255, or 1 when max == min (ONNX Runtime's choice; ONNX's
//            formula divides by zero there)
//   zero_point = round_half_even(clamp(0 - min / scale, 0, 255))
//   y = QuantizeLinear(x, scale, zero_point)
// Shape rule, reference and kernel (the hooks of own_op_hooks.h).
#include "compiler/backend/kernel_context.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status UpgradeDynamicQuantizeLinear(Node& node, int64_t opset) { return absl::OkStatus(); }  // opset 11

absl::StatusOr<std::vector<TensorType>> InferDynamicQuantizeLinear(const Graph& graph, const Node& node,
                                                                   DataType) {
  return std::vector<TensorType>{TensorType{DataType::kUInt8, graph.InputType(node, 0).shape},
                                 TensorType{DataType::kFloat32, {}}, TensorType{DataType::kUInt8, {}}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateDynamicQuantizeLinear(const Graph& graph, const Node& node,
                                                                      const std::vector<const TensorData*>& inputs) {
  const std::vector<float> x = inputs[0]->Floats();
  float low = 0.0f, high = 0.0f;
  for (float v : x) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const float scale = high == low ? 1.0f : (high - low) / 255.0f;
  const int32_t zero_point = RoundToQuantized(0.0f - low / scale, 0, DataType::kUInt8);
  std::vector<int32_t> y(x.size());
  for (size_t e = 0; e < x.size(); ++e) y[e] = RoundToQuantized(x[e] / scale, zero_point, DataType::kUInt8);
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, y),
                                 TensorData::FromFloats({}, std::vector<float>{scale}),
                                 TensorFromInt32(graph.value(node.outputs[2]).type, {zero_point})};
}

absl::Status EmitDynamicQuantizeLinearKernel(KernelContext& k) {
  llvm::IRBuilder<>& b = k.b;
  llvm::IRBuilderBase::FastMathFlagGuard exact(b);
  b.clearFastMathFlags();
  const int64_t elements = ElementCount(k.graph.InputType(k.node, 0).shape);
  llvm::Value* low = k.EntryAlloca(k.F32());
  llvm::Value* high = k.EntryAlloca(k.F32());
  b.CreateStore(k.Float(0.0f), low);
  b.CreateStore(k.Float(0.0f), high);
  k.Loop(elements, [&](llvm::Value* e) {
    llvm::Value* v = k.Load(k.in[0], e);
    llvm::Value* l = b.CreateLoad(k.F32(), low);
    llvm::Value* h = b.CreateLoad(k.F32(), high);
    b.CreateStore(b.CreateSelect(b.CreateFCmpOLT(v, l), v, l), low);
    b.CreateStore(b.CreateSelect(b.CreateFCmpOGT(v, h), v, h), high);
  });
  llvm::Value* l = b.CreateLoad(k.F32(), low);
  llvm::Value* h = b.CreateLoad(k.F32(), high);
  llvm::Value* scale = b.CreateSelect(b.CreateFCmpOEQ(h, l), k.Float(1.0f),
                                      b.CreateFDiv(b.CreateFSub(h, l), k.Float(255.0f)));
  // round_half_even(clamp(0 - low / scale, 0, 255)): the rounding rule with zero point 0.
  llvm::Value* zero_point8 = EmitRoundToQuantized(k, b.CreateFSub(k.Float(0.0f), b.CreateFDiv(l, scale)),
                                                  b.getInt32(0), DataType::kUInt8);
  llvm::Value* zero_point = b.CreateZExt(zero_point8, b.getInt32Ty());
  k.Loop(elements, [&](llvm::Value* e) {
    llvm::Value* scaled = b.CreateFDiv(k.Load(k.in[0], e), scale);
    k.StoreAs(DataType::kUInt8, EmitRoundToQuantized(k, scaled, zero_point, DataType::kUInt8), k.out[0], e);
  });
  k.Store(scale, k.out[1], k.Int(0));
  k.StoreAs(DataType::kUInt8, zero_point8, k.out[2], k.Int(0));
  return absl::OkStatus();
}

}  // namespace modelc
