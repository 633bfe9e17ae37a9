// Softmax and LogSoftmax along one axis: the max is subtracted before exponentiating,
// so no exp overflows; LogSoftmax is x - max - log(sum of e^(x - max)). Both ops live
// here: shape rule, reference and kernel (the hooks of own_op_hooks.h). Their geometry,
// [outer, axis, inner], is Hardmax's too (op_geometry.h's ResolveSoftmax).
#include <algorithm>
#include <cmath>
#include <limits>

#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/reference/evaluator.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// Softmax in double precision; LogSoftmax takes the log of its result.
FloatTensor SoftmaxReference(const SoftmaxGeometry& g, const FloatTensor& x, bool log) {
  FloatTensor out(x.size());
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t i = 0; i < g.inner; ++i) {
      auto at = [&](int64_t a) { return (o * g.axis_dim + a) * g.inner + i; };
      float maximum = -std::numeric_limits<float>::infinity();
      for (int64_t a = 0; a < g.axis_dim; ++a) maximum = std::max(maximum, x[at(a)]);
      double sum = 0.0;
      for (int64_t a = 0; a < g.axis_dim; ++a) sum += std::exp(static_cast<double>(x[at(a)]) - maximum);
      for (int64_t a = 0; a < g.axis_dim; ++a)
        out[at(a)] = static_cast<float>(std::exp(static_cast<double>(x[at(a)]) - maximum) / sum);
    }
  if (log) {
    for (float& v : out) v = static_cast<float>(std::log(static_cast<double>(v)));
  }
  return out;
}

absl::StatusOr<std::vector<TensorData>> EvaluateSoftmaxOrLog(const Graph& graph, const Node& node,
                                                             const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(SoftmaxGeometry g, ResolveSoftmax(graph, node));
  return EvaluateOnFloats(graph, node, inputs, [&](const std::vector<const FloatTensor*>& in) {
    return absl::StatusOr<std::vector<FloatTensor>>(
        std::vector<FloatTensor>{SoftmaxReference(g, *in[0], node.op == OpKind::kLogSoftmax)});
  });
}

// One pass for the max, one for the sum of exponentials (Softmax stores them), one to
// scale (Softmax) or to subtract the log-sum (LogSoftmax).
absl::Status EmitSoftmaxOrLog(KernelContext& k) {
  ASSIGN_OR_RETURN(SoftmaxGeometry g, ResolveSoftmax(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* maximum = k.EntryAlloca(k.F32());
  llvm::Value* sum = k.EntryAlloca(k.F32());
  k.Loop(g.outer, [&](llvm::Value* o) {
    k.Loop(g.inner, [&](llvm::Value* i) {
      llvm::Value* base = b.CreateAdd(b.CreateMul(o, k.Int(g.axis_dim * g.inner)), i);
      auto at = [&](llvm::Value* a) { return b.CreateAdd(base, b.CreateMul(a, k.Int(g.inner))); };
      b.CreateStore(k.Float(-std::numeric_limits<float>::infinity()), maximum);
      k.Loop(g.axis_dim, [&](llvm::Value* a) {
        llvm::Value* v = k.Load(k.in[0], at(a));
        llvm::Value* m = b.CreateLoad(k.F32(), maximum);
        b.CreateStore(b.CreateSelect(b.CreateFCmpOGT(v, m), v, m), maximum);
      });
      llvm::Value* max_value = b.CreateLoad(k.F32(), maximum);
      b.CreateStore(k.Float(0.0f), sum);
      k.Loop(g.axis_dim, [&](llvm::Value* a) {
        llvm::Value* e = EmitExp(k, b.CreateFSub(k.Load(k.in[0], at(a)), max_value));
        if (k.node.op == OpKind::kSoftmax) k.Store(e, k.out[0], at(a));
        b.CreateStore(k.ReassociableAdd(b.CreateLoad(k.F32(), sum), e), sum);
      });
      if (k.node.op == OpKind::kLogSoftmax) {
        llvm::Value* shift = b.CreateFAdd(max_value, EmitLog(k, b.CreateLoad(k.F32(), sum)));
        k.Loop(g.axis_dim, [&](llvm::Value* a) { k.Store(b.CreateFSub(k.Load(k.in[0], at(a)), shift), k.out[0], at(a)); });
        return;
      }
      llvm::Value* inverse = b.CreateFDiv(k.Float(1.0f), b.CreateLoad(k.F32(), sum));
      k.Loop(g.axis_dim, [&](llvm::Value* a) {
        k.Store(b.CreateFMul(k.Load(k.out[0], at(a)), inverse), k.out[0], at(a));
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace

// Before opset 13, both flatten the input to 2-D at the axis.
absl::Status UpgradeSoftmax(Node& node, int64_t opset) {
  if (opset < 13) node.attributes.Set("coerce_to_2d", int64_t{1});
  return absl::OkStatus();
}

absl::Status UpgradeLogSoftmax(Node& node, int64_t opset) { return UpgradeSoftmax(node, opset); }

absl::StatusOr<std::vector<TensorType>> InferSoftmax(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveSoftmax(graph, node).status());
  return std::vector<TensorType>{TensorType{out_type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorType>> InferLogSoftmax(const Graph& graph, const Node& node, DataType out_type) {
  return InferSoftmax(graph, node, out_type);
}

absl::StatusOr<std::vector<TensorData>> EvaluateSoftmax(const Graph& graph, const Node& node,
                                                        const std::vector<const TensorData*>& inputs) {
  return EvaluateSoftmaxOrLog(graph, node, inputs);
}

absl::StatusOr<std::vector<TensorData>> EvaluateLogSoftmax(const Graph& graph, const Node& node,
                                                           const std::vector<const TensorData*>& inputs) {
  return EvaluateSoftmaxOrLog(graph, node, inputs);
}

absl::Status EmitSoftmaxKernel(KernelContext& k) { return EmitSoftmaxOrLog(k); }

absl::Status EmitLogSoftmaxKernel(KernelContext& k) { return EmitSoftmaxOrLog(k); }

}  // namespace modelc
