// Elementwise kernels: unary activations, numpy-broadcasting binary ops, Clip, and the
// copy a view op becomes when its result must land in a caller's output buffer.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

llvm::Value* ApplyUnary(KernelContext& k, llvm::Value* x) {
  if (k.node.op == OpKind::kExp) return EmitExp(k, x);
  const Epilogue activation = *ActivationOfOp(k.graph, k.node);  // resolved by the verifier
  return EmitActivation(k, activation, x);
}

llvm::Value* ApplyBinary(KernelContext& k, llvm::Value* a, llvm::Value* c) {
  switch (k.node.op) {
    case OpKind::kAdd:
      return k.b.CreateFAdd(a, c);
    case OpKind::kSub:
      return k.b.CreateFSub(a, c);
    case OpKind::kMul:
      return k.b.CreateFMul(a, c);
    case OpKind::kDiv:
      return k.b.CreateFDiv(a, c);
    default:
      return nullptr;
  }
}

// Nested loops over the output shape; each operand advances by its broadcast strides.
void EmitBroadcastLoops(KernelContext& k, const Shape& out_shape,
                        const std::vector<std::vector<int64_t>>& strides, size_t dim,
                        llvm::Value* out_index, std::vector<llvm::Value*> operand_index) {
  if (dim == out_shape.size()) {
    llvm::Value* a = k.Load(k.in[0], operand_index[0]);
    llvm::Value* c = k.Load(k.in[1], operand_index[1]);
    k.Store(ApplyBinary(k, a, c), k.out[0], out_index);
    return;
  }
  k.Loop(out_shape[dim], [&](llvm::Value* i) {
    llvm::Value* next_out = k.b.CreateAdd(k.b.CreateMul(out_index, k.Int(out_shape[dim])), i);
    std::vector<llvm::Value*> next_operand(operand_index.size());
    for (size_t o = 0; o < operand_index.size(); ++o) {
      next_operand[o] = k.b.CreateAdd(operand_index[o], k.b.CreateMul(i, k.Int(strides[o][dim])));
    }
    EmitBroadcastLoops(k, out_shape, strides, dim + 1, next_out, next_operand);
  });
}

absl::Status EmitBinary(KernelContext& k) {
  const Shape& a = k.graph.InputType(k.node, 0).shape;
  const Shape& c = k.graph.InputType(k.node, 1).shape;
  ASSIGN_OR_RETURN(Shape out_shape, BroadcastShapes(a, c));
  if (a == out_shape && c == out_shape) {
    k.Loop(ElementCount(out_shape), [&](llvm::Value* i) {
      k.Store(ApplyBinary(k, k.Load(k.in[0], i), k.Load(k.in[1], i)), k.out[0], i);
    });
    return absl::OkStatus();
  }
  EmitBroadcastLoops(k, out_shape, {BroadcastStrides(a, out_shape), BroadcastStrides(c, out_shape)}, 0,
                     k.Int(0), {k.Int(0), k.Int(0)});
  return absl::OkStatus();
}

}  // namespace

absl::Status EmitElementwiseKernel(KernelContext& k) {
  const int64_t count = k.graph.InputType(k.node, 0).ElementCount();
  switch (GetOpInfo(k.node.op).family) {
    case OpFamily::kUnary:
      k.Loop(count, [&](llvm::Value* i) { k.Store(ApplyUnary(k, k.Load(k.in[0], i)), k.out[0], i); });
      return absl::OkStatus();
    case OpFamily::kBinary:
      return EmitBinary(k);
    case OpFamily::kView:
      k.b.CreateMemCpy(k.out[0], llvm::MaybeAlign(4), k.in[0], llvm::MaybeAlign(4),
                       k.Int(count * 4));
      return absl::OkStatus();
    case OpFamily::kOwn:
      break;
  }
  if (k.node.op == OpKind::kClip) {
    ASSIGN_OR_RETURN(ClipGeometry g, ResolveClip(k.graph, k.node));
    llvm::Value* low = g.min_from_input ? k.Load(k.in[1], k.Int(0)) : k.Float(g.min);
    llvm::Value* high = g.max_from_input ? k.Load(k.in[2], k.Int(0)) : k.Float(g.max);
    k.Loop(count, [&](llvm::Value* i) {
      llvm::Value* x = k.Load(k.in[0], i);  // NaN passes through both selects
      x = k.b.CreateSelect(k.b.CreateFCmpOLT(x, low), low, x);
      k.Store(k.b.CreateSelect(k.b.CreateFCmpOGT(x, high), high, x), k.out[0], i);
    });
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat("no elementwise kernel for ", OpName(k.node.op)));
}

}  // namespace modelc
