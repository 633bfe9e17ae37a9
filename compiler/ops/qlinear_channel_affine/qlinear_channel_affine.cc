// QLinearChannelAffine (internal): a per-channel scale and shift of a quantised tensor,
// what DequantizeLinear -> BatchNormalization (constant statistics) -> QuantizeLinear
// computes, made by the QDQ fusion (passes/qdq_fusion.cc) where ONNX Runtime's
// quantiser left the normalisation in float between the two. Inputs: x (int8/uint8,
// [N, C, ...]), its scale and zero point (per tensor), scale and shift (float32 [C]),
// y's scale and zero point (per tensor). Each element, as the three ops compute it:
//   y = Quantize(Dequantize(x) * scale[c] + shift[c])
// the product and the sum one float32 operation each (no fused multiply-add), and
// Quantize and Dequantize quantization.h's. Int8 in, int8 out, one element at a time:
// it may write y over x, so the float tensors between never exist.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr int kScaleInput = 3, kShiftInput = 4;

struct ChannelAffineGeometry {
  int64_t batch = 1, channels = 1, inner = 1;
  QuantizationParameters x, y;
};

absl::StatusOr<ChannelAffineGeometry> ResolveQLinearChannelAffine(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() < 2) return absl::InvalidArgumentError("QLinearChannelAffine's x must have rank 2 or more");
  ChannelAffineGeometry g;
  g.batch = x[0];
  g.channels = x[1];
  for (size_t d = 2; d < x.size(); ++d) g.inner *= x[d];
  ASSIGN_OR_RETURN(g.x, ResolveQuantizedOperand(graph, node, 0, 1, 2, std::nullopt, "x"));
  ASSIGN_OR_RETURN(g.y, ResolveQuantization(graph, node, 5, 6, x, std::nullopt, "y"));
  for (int input : {kScaleInput, kShiftInput}) {
    const TensorType& type = graph.InputType(node, input);
    if (type.element_type != DataType::kFloat32 || type.shape != Shape{g.channels}) {
      return absl::InvalidArgumentError(absl::StrCat("QLinearChannelAffine's ", input == kScaleInput ? "scale" : "shift",
                                                     " must be float32 of shape [", g.channels, "]"));
    }
  }
  return g;
}

}  // namespace

absl::Status UpgradeQLinearChannelAffine(Node& node, int64_t opset) { return absl::OkStatus(); }

absl::StatusOr<std::vector<TensorType>> InferQLinearChannelAffine(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(ChannelAffineGeometry g, ResolveQLinearChannelAffine(graph, node));
  return std::vector<TensorType>{TensorType{g.y.type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateQLinearChannelAffine(const Graph& graph, const Node& node,
                                                                     const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(ChannelAffineGeometry g, ResolveQLinearChannelAffine(graph, node));
  const std::vector<int32_t> x = ElementsAsInt32(*inputs[0]);
  const std::vector<float> scale = inputs[kScaleInput]->Floats(), shift = inputs[kShiftInput]->Floats();
  const QuantizationValues qx = ReadQuantization(g.x, inputs), qy = ReadQuantization(g.y, inputs);
  std::vector<int32_t> y(x.size());
  for (size_t e = 0; e < x.size(); ++e) {
    const int64_t c = static_cast<int64_t>(e) / g.inner % g.channels;
    const float product = Dequantize(x[e], qx.scale[0], qx.zero_point[0]) * scale[c];
    const float sum = product + shift[c];
    y[e] = Quantize(sum, qy.scale[0], qy.zero_point[0], g.y.type);
  }
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, y)};
}

absl::Status EmitQLinearChannelAffineKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(ChannelAffineGeometry g, ResolveQLinearChannelAffine(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* x_scale = EmitLoadScale(k, g.x, k.Int(0));
  llvm::Value* x_zero_point = EmitLoadZeroPoint(k, g.x, k.Int(0));
  llvm::Value* y_scale = EmitLoadScale(k, g.y, k.Int(0));
  llvm::Value* y_zero_point = EmitLoadZeroPoint(k, g.y, k.Int(0));
  auto element = [&](llvm::Value* index, llvm::Value* c) {
    llvm::Value* x = EmitWidenToInt32(k, k.LoadAs(g.x.type, k.in[0], index), g.x.type);
    llvm::IRBuilderBase::FastMathFlagGuard exact(b);
    b.clearFastMathFlags();
    llvm::Value* product = b.CreateFMul(EmitDequantize(k, x, x_scale, x_zero_point), k.Load(k.in[kScaleInput], c));
    llvm::Value* value = b.CreateFAdd(product, k.Load(k.in[kShiftInput], c));
    k.StoreAs(g.y.type, EmitQuantize(k, value, y_scale, y_zero_point, g.y.type), k.out[0], index);
  };
  // The innermost loop runs along a plane (or, one element a channel, across the
  // channels), independent iterations that LLVM may vectorise also in place.
  k.Loop(g.batch, [&](llvm::Value* n) {
    llvm::Value* first_channel = b.CreateMul(n, k.Int(g.channels));
    if (g.inner == 1) {
      k.IndependentLoop(g.channels, [&](llvm::Value* c) { element(b.CreateAdd(first_channel, c), c); });
      return;
    }
    k.Loop(g.channels, [&](llvm::Value* c) {
      llvm::Value* plane = b.CreateMul(b.CreateAdd(first_channel, c), k.Int(g.inner));
      k.IndependentLoop(g.inner, [&](llvm::Value* i) { element(b.CreateAdd(plane, i), c); });
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
