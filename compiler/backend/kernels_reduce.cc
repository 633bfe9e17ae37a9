// Reductions: for each output element (the kept dimensions, outside), a loop nest over
// the reduced dimensions accumulates into a register; LogSumExp takes the maximum
// first so that the exponentials cannot overflow. float32 or float64, accumulated in
// the element type (ReduceL2 only float32: its square root has no double lowering).
// ReduceMax and ReduceMin of bools are Or and And (bytes holding 0 or 1), from false and true.
#include <limits>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/Intrinsics.h"

namespace modelc {
namespace {

void EmitBoolReduce(KernelContext& k, const ReduceGeometry& g) {
  llvm::IRBuilder<>& b = k.b;
  const bool any = k.node.op == OpKind::kReduceMax;
  llvm::Value* accumulator = k.EntryAlloca(k.Elem(DataType::kBool));
  k.LoopNest(g.kept_dims, {g.kept_strides}, [&](llvm::Value* out_index, const std::vector<llvm::Value*>& base) {
    b.CreateStore(b.getInt8(any ? 0 : 1), accumulator);
    k.LoopNest(g.reduced_dims, {g.reduced_strides}, [&](llvm::Value*, const std::vector<llvm::Value*>& offset) {
      llvm::Value* v = k.LoadAs(DataType::kBool, k.in[0], b.CreateAdd(base[0], offset[0]));
      llvm::Value* acc = b.CreateLoad(b.getInt8Ty(), accumulator);
      b.CreateStore(any ? b.CreateOr(acc, v) : b.CreateAnd(acc, v), accumulator);
    });
    k.StoreAs(DataType::kBool, b.CreateLoad(b.getInt8Ty(), accumulator), k.out[0], out_index);
  });
}

}  // namespace

absl::Status EmitReduceKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(ReduceGeometry g, ResolveReduce(k.graph, k.node));
  if (IsBool(k.InType(0))) {
    if (k.node.op != OpKind::kReduceMax && k.node.op != OpKind::kReduceMin) {
      return absl::InternalError(absl::StrCat(OpName(k.node.op), " of bools has no kernel"));
    }
    EmitBoolReduce(k, g);
    return absl::OkStatus();
  }
  llvm::IRBuilder<>& b = k.b;
  const OpKind op = k.node.op;
  const DataType type = k.InType(0);
  llvm::Type* element = k.Elem(type);
  llvm::Value* accumulator = k.EntryAlloca(element);
  llvm::Value* maximum = k.EntryAlloca(element);
  const double infinity = std::numeric_limits<double>::infinity();
  k.LoopNest(g.kept_dims, {g.kept_strides}, [&](llvm::Value* out_index, const std::vector<llvm::Value*>& base) {
    auto over_reduced = [&](const std::function<void(llvm::Value*)>& visit) {
      k.LoopNest(g.reduced_dims, {g.reduced_strides}, [&](llvm::Value*, const std::vector<llvm::Value*>& offset) {
        visit(k.LoadAs(type, k.in[0], b.CreateAdd(base[0], offset[0])));
      });
    };
    if (op == OpKind::kReduceLogSumExp) {
      b.CreateStore(k.Constant(type, -infinity), maximum);
      over_reduced([&](llvm::Value* v) {
        llvm::Value* m = b.CreateLoad(element, maximum);
        b.CreateStore(b.CreateSelect(b.CreateFCmpOGT(v, m), v, m), maximum);
      });
    }
    llvm::Value* max_value = op == OpKind::kReduceLogSumExp ? b.CreateLoad(element, maximum) : nullptr;
    const double initial = op == OpKind::kReduceMax ? -infinity : op == OpKind::kReduceMin ? infinity
                           : op == OpKind::kReduceProd ? 1.0 : 0.0;
    b.CreateStore(k.Constant(type, initial), accumulator);
    over_reduced([&](llvm::Value* v) {
      llvm::Value* acc = b.CreateLoad(element, accumulator);
      llvm::Value* next;
      switch (AsReduceOp(op)) {
        case ReduceOp::kReduceMax:
          next = b.CreateSelect(b.CreateFCmpOGT(v, acc), v, acc);
          break;
        case ReduceOp::kReduceMin:
          next = b.CreateSelect(b.CreateFCmpOLT(v, acc), v, acc);
          break;
        case ReduceOp::kReduceProd:
          next = b.CreateFMul(acc, v);
          break;
        case ReduceOp::kReduceSumSquare:
        case ReduceOp::kReduceL2:
          next = k.ReassociableAdd(acc, b.CreateFMul(v, v));
          break;
        case ReduceOp::kReduceL1:
          next = k.ReassociableAdd(acc, b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v));
          break;
        case ReduceOp::kReduceLogSumExp:
          next = k.ReassociableAdd(acc, EmitExp(k, b.CreateFSub(v, max_value)));
          break;
        case ReduceOp::kReduceSum: case ReduceOp::kReduceMean: case ReduceOp::kReduceLogSum:
          next = k.ReassociableAdd(acc, v);
      }
      b.CreateStore(next, accumulator);
    });
    llvm::Value* result = b.CreateLoad(element, accumulator);
    switch (AsReduceOp(op)) {
      case ReduceOp::kReduceMean:
        result = b.CreateFDiv(result, k.Constant(type, static_cast<double>(g.ReducedCount())));
        break;
      case ReduceOp::kReduceL2:
        result = EmitSqrt(k, result);
        break;
      case ReduceOp::kReduceLogSum:
        result = EmitLog(k, result);
        break;
      case ReduceOp::kReduceLogSumExp:
        result = b.CreateFAdd(EmitLog(k, result), max_value);
        break;
      case ReduceOp::kReduceSum: case ReduceOp::kReduceMax: case ReduceOp::kReduceMin: case ReduceOp::kReduceProd:
      case ReduceOp::kReduceSumSquare: case ReduceOp::kReduceL1:
        break;
    }
    k.StoreAs(type, result, k.out[0], out_index);
  });
  return absl::OkStatus();
}

}  // namespace modelc
