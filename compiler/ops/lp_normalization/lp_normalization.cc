// LpNormalization: each vector along `axis` divided by its L1 (p = 1, the sum of
// magnitudes) or L2 (p = 2) norm; a vector of norm 0 gives zeros, as ONNX's reference
// (not 0 / 0). The whole op lives here: geometry, shape rule, reference and kernel.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/reference/evaluator.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The input as [outer, axis_dim, inner]: each (outer, inner) pair is one vector.
struct LpNormalizationGeometry {
  int64_t outer = 1, axis_dim = 1, inner = 1;
  int64_t p = 2;
};

absl::StatusOr<LpNormalizationGeometry> ResolveLpNormalization(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  LpNormalizationGeometry g;
  ASSIGN_OR_RETURN(int64_t axis_attribute, node.attributes.GetInt("axis", -1));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attribute, static_cast<int64_t>(x.size())));
  ASSIGN_OR_RETURN(g.p, node.attributes.GetInt("p", 2));
  if (g.p != 1 && g.p != 2) {
    return absl::InvalidArgumentError(absl::StrCat("LpNormalization's p is ", g.p, "; it must be 1 or 2"));
  }
  for (int64_t d = 0; d < axis; ++d) g.outer *= x[d];
  g.axis_dim = x[axis];
  for (size_t d = axis + 1; d < x.size(); ++d) g.inner *= x[d];
  return g;
}

}  // namespace

absl::Status UpgradeLpNormalization(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 1

absl::StatusOr<std::vector<TensorType>> InferLpNormalization(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveLpNormalization(graph, node).status());
  return std::vector<TensorType>{TensorType{out_type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateLpNormalization(const Graph& graph, const Node& node,
                                                                const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(LpNormalizationGeometry g, ResolveLpNormalization(graph, node));
  return EvaluateOnFloats(graph, node, inputs, [&](const std::vector<const FloatTensor*>& in) {
    const FloatTensor& x = *in[0];
    FloatTensor y(x.size());
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t i = 0; i < g.inner; ++i) {
        const auto at = [&](int64_t a) { return (o * g.axis_dim + a) * g.inner + i; };
        double sum = 0.0;
        for (int64_t a = 0; a < g.axis_dim; ++a) {
          const double v = x[at(a)];
          sum += g.p == 1 ? std::fabs(v) : v * v;
        }
        const double norm = g.p == 1 ? sum : std::sqrt(sum);
        for (int64_t a = 0; a < g.axis_dim; ++a) y[at(a)] = norm == 0.0 ? 0.0f : static_cast<float>(x[at(a)] / norm);
      }
    return absl::StatusOr<std::vector<FloatTensor>>(std::vector<FloatTensor>{std::move(y)});
  });
}

// Per vector: one pass for the norm, one to divide.
absl::Status EmitLpNormalizationKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(LpNormalizationGeometry g, ResolveLpNormalization(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* sum = k.EntryAlloca(k.F32());
  k.Loop(g.outer, [&](llvm::Value* o) {
    k.Loop(g.inner, [&](llvm::Value* i) {
      llvm::Value* first = b.CreateAdd(b.CreateMul(o, k.Int(g.axis_dim * g.inner)), i);
      auto at = [&](llvm::Value* a) { return b.CreateAdd(first, b.CreateMul(a, k.Int(g.inner))); };
      b.CreateStore(k.Float(0.0f), sum);
      k.Loop(g.axis_dim, [&](llvm::Value* a) {
        llvm::Value* v = k.Load(k.in[0], at(a));
        llvm::Value* term = g.p == 1 ? b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v) : b.CreateFMul(v, v);
        b.CreateStore(k.ReassociableAdd(b.CreateLoad(k.F32(), sum), term), sum);
      });
      llvm::Value* total = b.CreateLoad(k.F32(), sum);
      llvm::Value* norm = g.p == 1 ? total : EmitSqrt(k, total);
      llvm::Value* is_zero = b.CreateFCmpOEQ(norm, k.Float(0.0f));
      k.Loop(g.axis_dim, [&](llvm::Value* a) {
        llvm::Value* quotient = b.CreateFDiv(k.Load(k.in[0], at(a)), norm);
        k.Store(b.CreateSelect(is_zero, k.Float(0.0f), quotient), k.out[0], at(a));
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
