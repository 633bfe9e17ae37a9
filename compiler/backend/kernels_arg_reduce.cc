// ArgMax and ArgMin (the index of the first, or last, extreme along an axis, as int64)
// and Hardmax (1 at the first maximum, 0 elsewhere), over [outer, axis, inner].
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// Whether v replaces the best so far: strictly better, or equal when the last extreme
// is wanted. NaN never replaces (comparisons with it are false).
llvm::Value* Better(KernelContext& k, DataType type, bool maximum, bool or_equal, llvm::Value* v, llvm::Value* best) {
  llvm::IRBuilder<>& b = k.b;
  if (IsFloat(type)) {
    if (maximum) return or_equal ? b.CreateFCmpOGE(v, best) : b.CreateFCmpOGT(v, best);
    return or_equal ? b.CreateFCmpOLE(v, best) : b.CreateFCmpOLT(v, best);
  }
  const bool s = IsSignedInteger(type);
  if (maximum) return or_equal ? (s ? b.CreateICmpSGE(v, best) : b.CreateICmpUGE(v, best)) : (s ? b.CreateICmpSGT(v, best) : b.CreateICmpUGT(v, best));
  return or_equal ? (s ? b.CreateICmpSLE(v, best) : b.CreateICmpULE(v, best)) : (s ? b.CreateICmpSLT(v, best) : b.CreateICmpULT(v, best));
}

// For each (outer, inner) position: the index of the extreme along the axis.
void EmitArgLoop(KernelContext& k, DataType type, int64_t outer, int64_t axis_dim, int64_t inner, bool maximum,
                 bool last, const std::function<void(llvm::Value* o, llvm::Value* i, llvm::Value* best)>& write) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* best_index_slot = k.EntryAlloca(k.Index());
  llvm::Value* best_value_slot = k.EntryAlloca(k.Elem(type));
  k.Loop(outer, [&](llvm::Value* o) {
    k.Loop(inner, [&](llvm::Value* i) {
      llvm::Value* base = b.CreateAdd(b.CreateMul(o, k.Int(axis_dim * inner)), i);
      b.CreateStore(k.Int(0), best_index_slot);
      b.CreateStore(k.LoadAs(type, k.in[0], base), best_value_slot);
      k.Loop(k.Int(1), k.Int(axis_dim), [&](llvm::Value* a) {
        llvm::Value* v = k.LoadAs(type, k.in[0], b.CreateAdd(base, b.CreateMul(a, k.Int(inner))));
        llvm::Value* best = b.CreateLoad(k.Elem(type), best_value_slot);
        llvm::Value* better = Better(k, type, maximum, last, v, best);
        b.CreateStore(b.CreateSelect(better, v, best), best_value_slot);
        b.CreateStore(b.CreateSelect(better, a, b.CreateLoad(k.Index(), best_index_slot)), best_index_slot);
      });
      write(o, i, b.CreateLoad(k.Index(), best_index_slot));
    });
  });
}

}  // namespace

absl::Status EmitArgReduceKernel(KernelContext& k) {
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0);
  if (k.node.op == OpKind::kHardmax) {
    ASSIGN_OR_RETURN(SoftmaxGeometry g, ResolveSoftmax(k.graph, k.node));
    const int64_t count = g.outer * g.axis_dim * g.inner;
    b.CreateMemSet(k.out[0], b.getInt8(0), k.Int(count * 4), llvm::MaybeAlign(4));
    if (g.axis_dim == 0) return absl::OkStatus();
    EmitArgLoop(k, type, g.outer, g.axis_dim, g.inner, /*maximum=*/true, /*last=*/false,
                [&](llvm::Value* o, llvm::Value* i, llvm::Value* best) {
                  llvm::Value* at = b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(o, k.Int(g.axis_dim)), best), k.Int(g.inner)), i);
                  k.Store(k.Float(1.0f), k.out[0], at);
                });
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(ArgReduceGeometry g, ResolveArgReduce(k.graph, k.node));
  EmitArgLoop(k, type, g.outer, g.axis_dim, g.inner, k.node.op == OpKind::kArgMax, g.select_last,
              [&](llvm::Value* o, llvm::Value* i, llvm::Value* best) {
                k.StoreAs(DataType::kInt64, b.CreateSExtOrTrunc(best, k.I64()), k.out[0],
                          b.CreateAdd(b.CreateMul(o, k.Int(g.inner)), i));
              });
  return absl::OkStatus();
}

// The hooks of the ops this emitter serves.
absl::Status EmitArgMaxKernel(KernelContext& k) { return EmitArgReduceKernel(k); }
absl::Status EmitArgMinKernel(KernelContext& k) { return EmitArgReduceKernel(k); }
absl::Status EmitHardmaxKernel(KernelContext& k) { return EmitArgReduceKernel(k); }

}  // namespace modelc
