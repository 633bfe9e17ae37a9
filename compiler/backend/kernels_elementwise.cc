// Elementwise kernels: unary activations, numpy-broadcasting binary ops, Clip, and the
// copy a view op becomes when its result must land in a caller's output buffer.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

llvm::Value* Combine(KernelContext& k, llvm::Value* a, llvm::Value* c) {
  llvm::IRBuilder<>& b = k.b;
  switch (k.node.op) {
    case OpKind::kAdd:
    case OpKind::kSum:
    case OpKind::kMean:
      return b.CreateFAdd(a, c);
    case OpKind::kSub:
      return b.CreateFSub(a, c);
    case OpKind::kMul:
      return b.CreateFMul(a, c);
    case OpKind::kDiv:
      return b.CreateFDiv(a, c);
    case OpKind::kPow:
      return EmitPow(k, a, c);
    case OpKind::kMax:  // as std::max: (a < c) ? c : a
      return b.CreateSelect(b.CreateFCmpOLT(a, c), c, a);
    case OpKind::kMin:  // as std::min: (c < a) ? c : a
      return b.CreateSelect(b.CreateFCmpOLT(c, a), c, a);
    case OpKind::kPRelu:
      return b.CreateSelect(b.CreateFCmpOLT(a, k.Float(0.0f)), b.CreateFMul(a, c), a);
    default:
      return nullptr;
  }
}

// Combines the operands at one output position, left to right.
llvm::Value* CombineAll(KernelContext& k, const std::vector<llvm::Value*>& operand_index) {
  llvm::Value* value = k.Load(k.in[0], operand_index[0]);
  for (size_t o = 1; o < operand_index.size(); ++o) value = Combine(k, value, k.Load(k.in[o], operand_index[o]));
  if (k.node.op == OpKind::kMean) value = k.b.CreateFDiv(value, k.Float(static_cast<float>(operand_index.size())));
  return value;
}

absl::Status EmitBinary(KernelContext& k) {
  const Shape& out_shape = k.graph.value(k.node.outputs[0]).type.shape;
  std::vector<std::vector<int64_t>> strides;
  bool all_full = true;
  for (size_t i = 0; i < k.node.inputs.size(); ++i) {
    const Shape& shape = k.graph.InputType(k.node, i).shape;
    all_full &= shape == out_shape;
    strides.push_back(BroadcastStrides(shape, out_shape));
  }
  if (all_full) {  // no broadcasting: one flat loop
    k.Loop(ElementCount(out_shape), [&](llvm::Value* i) {
      k.Store(CombineAll(k, std::vector<llvm::Value*>(k.node.inputs.size(), i)), k.out[0], i);
    });
    return absl::OkStatus();
  }
  k.LoopNest(out_shape, strides, [&](llvm::Value* out_index, const std::vector<llvm::Value*>& operand_index) {
    k.Store(CombineAll(k, operand_index), k.out[0], out_index);
  });
  return absl::OkStatus();
}

}  // namespace

absl::Status EmitElementwiseKernel(KernelContext& k) {
  const int64_t count = k.graph.InputType(k.node, 0).ElementCount();
  switch (GetOpInfo(k.node.op).family) {
    case OpFamily::kUnary: {
      ASSIGN_OR_RETURN(ElementwiseFunction f, ElementwiseFunctionOf(k.graph, k.node));
      k.Loop(count, [&](llvm::Value* i) { k.Store(EmitElementwiseFunction(k, f, k.Load(k.in[0], i)), k.out[0], i); });
      return absl::OkStatus();
    }
    case OpFamily::kBinary:
      return EmitBinary(k);
    case OpFamily::kView:
      k.b.CreateMemCpy(k.out[0], llvm::MaybeAlign(4), k.in[0], llvm::MaybeAlign(4),
                       k.Int(count * 4));
      return absl::OkStatus();
    case OpFamily::kReduce:
    case OpFamily::kOwn:
      break;
  }
  if (k.node.op == OpKind::kClip) {
    ASSIGN_OR_RETURN(ClipGeometry g, ResolveClip(k.graph, k.node));
    llvm::Value* low = g.min_from_input ? k.Load(k.in[1], k.Int(0)) : k.Float(g.min);
    llvm::Value* high = g.max_from_input ? k.Load(k.in[2], k.Int(0)) : k.Float(g.max);
    k.Loop(count, [&](llvm::Value* i) { k.Store(EmitClamp(k, k.Load(k.in[0], i), low, high), k.out[0], i); });
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat("no elementwise kernel for ", OpName(k.node.op)));
}

}  // namespace modelc
