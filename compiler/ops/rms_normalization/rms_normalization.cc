// RMSNormalization (opset 23): y = x / sqrt(mean(x^2) + epsilon) * scale over the
// trailing dimensions [axis, rank), in float (stash_type 1). Its geometry is
// LayerNormalization's (op_geometry.h's ResolveLayerNorm: groups, the scale's
// broadcast); the whole op lives here: shape rule, reference and kernel.
#include <cmath>

#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/reference/evaluator.h"
#include "compiler/reference/index_walk.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status UpgradeRMSNormalization(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 23

absl::StatusOr<std::vector<TensorType>> InferRMSNormalization(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveLayerNorm(graph, node).status());
  return std::vector<TensorType>{TensorType{out_type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateRMSNormalization(const Graph& graph, const Node& node,
                                                                 const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(LayerNormGeometry g, ResolveLayerNorm(graph, node));
  return EvaluateOnFloats(graph, node, inputs, [&](const std::vector<const FloatTensor*>& in) {
    const FloatTensor& x = *in[0];
    const std::vector<int64_t> scale_offsets = Offsets(g.normalized_shape, g.scale_strides);
    FloatTensor y(x.size());
    for (int64_t o = 0; o < g.outer; ++o) {
      double squares = 0.0;
      for (int64_t i = 0; i < g.inner; ++i) squares += static_cast<double>(x[o * g.inner + i]) * x[o * g.inner + i];
      const double inverse_rms = 1.0 / std::sqrt(squares / g.inner + g.epsilon);
      for (int64_t i = 0; i < g.inner; ++i) {
        y[o * g.inner + i] = static_cast<float>(x[o * g.inner + i] * inverse_rms * (*in[1])[scale_offsets[i]]);
      }
    }
    return absl::StatusOr<std::vector<FloatTensor>>(std::vector<FloatTensor>{std::move(y)});
  });
}

// Per group: one pass for the sum of squares, one to scale.
absl::Status EmitRMSNormalizationKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(LayerNormGeometry g, ResolveLayerNorm(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* sum = k.EntryAlloca(k.F32());
  const std::vector<std::vector<int64_t>> strides = {RowMajorStrides(g.normalized_shape), g.scale_strides};
  k.Loop(g.outer, [&](llvm::Value* o) {
    llvm::Value* group = k.Address(k.in[0], b.CreateMul(o, k.Int(g.inner)));
    llvm::Value* out = k.Address(k.out[0], b.CreateMul(o, k.Int(g.inner)));
    b.CreateStore(k.Float(0.0f), sum);
    k.Loop(g.inner, [&](llvm::Value* i) {
      llvm::Value* v = k.Load(group, i);
      b.CreateStore(k.ReassociableAdd(b.CreateLoad(k.F32(), sum), b.CreateFMul(v, v)), sum);
    });
    llvm::Value* mean_square = b.CreateFDiv(b.CreateLoad(k.F32(), sum), k.Float(static_cast<float>(g.inner)));
    llvm::Value* inverse_rms = b.CreateFDiv(k.Float(1.0f), EmitSqrt(k, b.CreateFAdd(mean_square, k.Float(g.epsilon))));
    if (g.scale_strides == strides[0]) {  // a scale of the group's whole shape: one flat loop
      k.Loop(g.inner, [&](llvm::Value* i) {
        k.Store(b.CreateFMul(b.CreateFMul(k.Load(group, i), inverse_rms), k.Load(k.in[1], i)), out, i);
      });
      return;
    }
    k.LoopNest(g.normalized_shape, strides, [&](llvm::Value*, const std::vector<llvm::Value*>& at) {
      k.Store(b.CreateFMul(b.CreateFMul(k.Load(group, at[0]), inverse_rms), k.Load(k.in[1], at[1])), out, at[0]);
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
