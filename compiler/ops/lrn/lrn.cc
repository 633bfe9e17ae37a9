// LRN, local response normalisation across channels: for an input [N, C, ...],
// y = x / (bias + alpha / size * s)^beta, where s sums the squares of x over the
// channels c - floor((size - 1) / 2) to c + ceil((size - 1) / 2) that exist. The whole
// op lives here: geometry, shape rule, reference and kernel (pow inline: no libm).
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/reference/evaluator.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The input as [batch, channels, inner]; channel c's sum covers [c - before, c + after].
struct LrnGeometry {
  int64_t batch = 1, channels = 1, inner = 1;
  int64_t before = 0, after = 0;
  float alpha = 1e-4f, beta = 0.75f, bias = 1.0f;
  int64_t size = 1;
};

absl::StatusOr<LrnGeometry> ResolveLrn(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() < 3) return absl::InvalidArgumentError("LRN's input must have rank 3 or more ([N, C, D1, ...])");
  LrnGeometry g;
  if (!node.attributes.Has("size")) return absl::InvalidArgumentError("LRN's attribute 'size' is required");
  ASSIGN_OR_RETURN(g.size, node.attributes.GetInt("size", 1));
  if (g.size < 1) return absl::InvalidArgumentError(absl::StrCat("LRN's size is ", g.size, "; it must be positive"));
  ASSIGN_OR_RETURN(g.alpha, node.attributes.GetFloat("alpha", 1e-4f));
  ASSIGN_OR_RETURN(g.beta, node.attributes.GetFloat("beta", 0.75f));
  ASSIGN_OR_RETURN(g.bias, node.attributes.GetFloat("bias", 1.0f));
  g.before = (g.size - 1) / 2;
  g.after = g.size / 2;  // ceil((size - 1) / 2)
  g.batch = x[0];
  g.channels = x[1];
  // The window is clipped to the channels anyway; clamped, a huge size stays exact in the
  // target's 32-bit index arithmetic.
  g.before = std::min(g.before, g.channels);
  g.after = std::min(g.after, g.channels);
  for (size_t d = 2; d < x.size(); ++d) g.inner *= x[d];
  return g;
}

}  // namespace

absl::Status UpgradeLRN(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 1

absl::StatusOr<std::vector<TensorType>> InferLRN(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveLrn(graph, node).status());
  return std::vector<TensorType>{TensorType{out_type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateLRN(const Graph& graph, const Node& node,
                                                    const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(LrnGeometry g, ResolveLrn(graph, node));
  return EvaluateOnFloats(graph, node, inputs, [&](const std::vector<const FloatTensor*>& in) {
    const FloatTensor& x = *in[0];
    FloatTensor y(x.size());
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t c = 0; c < g.channels; ++c)
        for (int64_t i = 0; i < g.inner; ++i) {
          double squares = 0.0;
          for (int64_t j = std::max<int64_t>(0, c - g.before); j <= std::min(g.channels - 1, c + g.after); ++j) {
            const double v = x[(n * g.channels + j) * g.inner + i];
            squares += v * v;
          }
          const int64_t at = (n * g.channels + c) * g.inner + i;
          const double scale = static_cast<double>(g.bias) + static_cast<double>(g.alpha) / g.size * squares;
          y[at] = static_cast<float>(x[at] / std::pow(scale, static_cast<double>(g.beta)));
        }
    return absl::StatusOr<std::vector<FloatTensor>>(std::vector<FloatTensor>{std::move(y)});
  });
}

// Per output element, the squares of its channel window (clipped to the channels);
// the inner positions are the innermost loop, so each load is contiguous.
absl::Status EmitLRNKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(LrnGeometry g, ResolveLrn(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* sum = k.EntryAlloca(k.F32());
  k.Loop(g.batch, [&](llvm::Value* n) {
    llvm::Value* image = b.CreateMul(n, k.Int(g.channels * g.inner));
    k.Loop(g.channels, [&](llvm::Value* c) {
      llvm::Value* first = k.Max(b.CreateSub(c, k.Int(g.before)), k.Int(0));
      llvm::Value* last = k.Min(b.CreateAdd(c, k.Int(g.after + 1)), k.Int(g.channels));
      k.Loop(g.inner, [&](llvm::Value* i) {
        llvm::Value* position = b.CreateAdd(image, i);
        b.CreateStore(k.Float(0.0f), sum);
        k.Loop(first, last, [&](llvm::Value* j) {
          llvm::Value* v = k.Load(k.in[0], b.CreateAdd(position, b.CreateMul(j, k.Int(g.inner))));
          b.CreateStore(b.CreateFAdd(b.CreateLoad(k.F32(), sum), b.CreateFMul(v, v)), sum);
        });
        llvm::Value* scale = b.CreateFAdd(k.Float(g.bias), b.CreateFMul(k.Float(g.alpha / static_cast<float>(g.size)),
                                                                        b.CreateLoad(k.F32(), sum)));
        llvm::Value* at = b.CreateAdd(position, b.CreateMul(c, k.Int(g.inner)));
        k.Store(b.CreateFDiv(k.Load(k.in[0], at), EmitPow(k, scale, k.Float(g.beta))), k.out[0], at);
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
