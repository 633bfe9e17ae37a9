// modelc.Int8WeightsMatMul: a float matrix product whose constant weights stay int8 (or
// uint8) in flash and are dequantised inside the kernel: what `--weights-int8 keep`
// (passes/qdq_fusion.cc's KeepInt8Weights) makes of MatMul / Gemm(x, DequantizeLinear(w))
// with float activations, instead of folding w into float weights four times its size.
// Inputs x [..., K] (float), w [K, N] (int8/uint8, constant), w_scale and w_zero_point
// (per tensor, or per column: [N]), and an optional float bias [N]:
//   y[..., n] = (sum over k of x[..., k] * (w[k, n] - w_zero_point[n])) * w_scale[n] + bias[n]
// The same value as dequantising w first (x * ((w - zp) * scale), ONNX's order) up to
// float rounding: the scale is applied once per output, not once per product.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr int kBiasInput = 4;

struct Int8WeightsMatMulGeometry {
  int64_t rows = 1, k = 0, n = 0;  // x as [rows, k], w [k, n]
  Shape out_shape;
  QuantizationParameters w;
  bool subtracts_zero_point = false;  // some zero point is not 0
  bool has_bias = false;
};

absl::StatusOr<Int8WeightsMatMulGeometry> ResolveInt8WeightsMatMul(const Graph& graph, const Node& node) {
  Int8WeightsMatMulGeometry g;
  const TensorType& x = graph.InputType(node, 0);
  const TensorType& w = graph.InputType(node, 1);
  if (!IsFloat(x.element_type)) return absl::InvalidArgumentError("Int8WeightsMatMul's x must be float32");
  if (w.shape.size() != 2 || !graph.IsConstant(node.inputs[1])) {
    return absl::InvalidArgumentError("Int8WeightsMatMul's w must be a constant [K, N] matrix");
  }
  // MatMul's shape rule; with a 2-D w every row of x (all batches) meets the same w.
  ASSIGN_OR_RETURN(const MatMulGeometry product, ResolveMatMulShapes(x.shape, w.shape));
  g.rows = product.batch_count * product.m;
  g.k = product.k;
  g.n = product.n;
  g.out_shape = product.out_shape;
  ASSIGN_OR_RETURN(g.w, ResolveQuantizedOperand(graph, node, 1, 2, 3, int64_t{1}, "w"));
  if (g.w.zero_point_input >= 0) {
    if (!graph.IsConstant(node.inputs[3])) return absl::InvalidArgumentError("Int8WeightsMatMul's zero point must be constant");
    for (int32_t z : ElementsAsInt32(*graph.value(node.inputs[3]).constant)) g.subtracts_zero_point |= z != 0;
  }
  g.has_bias = graph.HasInput(node, kBiasInput);
  if (g.has_bias) {
    const TensorType& bias = graph.InputType(node, kBiasInput);
    if (!IsFloat(bias.element_type) || bias.shape != Shape{g.n}) {
      return absl::InvalidArgumentError(absl::StrCat("Int8WeightsMatMul's bias must be float32 [", g.n, "]"));
    }
  }
  return g;
}

}  // namespace

absl::Status UpgradeInt8WeightsMatMul(Node&, int64_t) { return absl::OkStatus(); }  // internal: one form

absl::StatusOr<std::vector<TensorType>> InferInt8WeightsMatMul(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(Int8WeightsMatMulGeometry g, ResolveInt8WeightsMatMul(graph, node));
  return std::vector<TensorType>{TensorType{DataType::kFloat32, g.out_shape}};
}

// In double: the products, the scale and the bias.
absl::StatusOr<std::vector<TensorData>> EvaluateInt8WeightsMatMul(const Graph& graph, const Node& node,
                                                                  const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(Int8WeightsMatMulGeometry g, ResolveInt8WeightsMatMul(graph, node));
  const std::vector<float> x = inputs[0]->Floats();
  const std::vector<int32_t> w = ElementsAsInt32(*inputs[1]);
  const QuantizationValues q = ReadQuantization(g.w, inputs);
  const std::vector<float> bias = g.has_bias ? inputs[kBiasInput]->Floats() : std::vector<float>(g.n, 0.0f);
  std::vector<float> y(g.rows * g.n);
  for (int64_t r = 0; r < g.rows; ++r)
    for (int64_t j = 0; j < g.n; ++j) {
      double sum = 0.0;
      for (int64_t t = 0; t < g.k; ++t) {
        sum += static_cast<double>(x[r * g.k + t]) * (w[t * g.n + j] - q.ZeroPoint(t * g.n + j));
      }
      y[r * g.n + j] = static_cast<float>(sum * q.Scale(j) + bias[j]);
    }
  return std::vector<TensorData>{TensorData::FromFloats(g.out_shape, y)};
}

// Per row of x: the output row accumulates x[k] times row k of w (the inner loop runs
// along the output's contiguous columns, so it vectorises; no reduction order to keep),
// then each column is scaled and biased.
absl::Status EmitInt8WeightsMatMulKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(Int8WeightsMatMulGeometry g, ResolveInt8WeightsMatMul(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType w_type = g.w.type;
  k.Loop(g.rows, [&](llvm::Value* r) {
    llvm::Value* out_row = k.Address(k.out[0], b.CreateMul(r, k.Int(g.n)));
    k.Loop(g.n, [&](llvm::Value* j) { k.Store(k.Float(0.0f), out_row, j); });
    k.Loop(g.k, [&](llvm::Value* t) {
      llvm::Value* xv = k.Load(k.in[0], b.CreateAdd(b.CreateMul(r, k.Int(g.k)), t));
      llvm::Value* w_row = b.CreateMul(t, k.Int(g.n));
      k.Loop(g.n, [&](llvm::Value* j) {
        llvm::Value* code = EmitWidenToInt32(k, k.LoadAs(w_type, k.in[1], b.CreateAdd(w_row, j)), w_type);
        if (g.subtracts_zero_point) code = b.CreateSub(code, EmitLoadZeroPoint(k, g.w, j));
        llvm::Value* weight = b.CreateSIToFP(code, k.F32());
        k.Store(b.CreateFAdd(k.Load(out_row, j), b.CreateFMul(xv, weight)), out_row, j);
      }, /*allow_unrolling=*/!k.target.bare_metal);  // microcontrollers: flash first
    });
    k.Loop(g.n, [&](llvm::Value* j) {
      llvm::Value* scaled = b.CreateFMul(k.Load(out_row, j), EmitLoadScale(k, g.w, j));
      if (g.has_bias) scaled = b.CreateFAdd(scaled, k.Load(k.in[kBiasInput], j));
      k.Store(scaled, out_row, j);
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
