// Data movement that needs code: Transpose (a loop nest reading the input through
// permuted strides) and Concat (each input's [axis extent x inner] blocks copied in turn).
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status EmitDataMovementKernel(KernelContext& k) {
  llvm::IRBuilder<>& b = k.b;
  switch (k.node.op) {
    case OpKind::kTranspose: {
      ASSIGN_OR_RETURN(TransposeGeometry g, ResolveTranspose(k.graph, k.node));
      k.LoopNest(g.out_shape, {g.input_strides}, [&](llvm::Value* out_index, const std::vector<llvm::Value*>& in_index) {
        k.Store(k.Load(k.in[0], in_index[0]), k.out[0], out_index);
      });
      return absl::OkStatus();
    }
    case OpKind::kConcat: {
      ASSIGN_OR_RETURN(ConcatGeometry g, ResolveConcat(k.graph, k.node));
      int64_t total = 0;
      for (int64_t extent : g.extents) total += extent;
      k.Loop(g.outer, [&](llvm::Value* o) {
        int64_t offset = 0;
        for (size_t i = 0; i < g.extents.size(); ++i) {
          const int64_t block = g.extents[i] * g.inner;
          if (block > 0) {
            llvm::Value* destination = k.Address(k.out[0], b.CreateAdd(b.CreateMul(o, k.Int(total * g.inner)), k.Int(offset * g.inner)));
            llvm::Value* source = k.Address(k.in[i], b.CreateMul(o, k.Int(block)));
            b.CreateMemCpy(destination, llvm::MaybeAlign(4), source, llvm::MaybeAlign(4), k.Int(block * 4));
          }
          offset += g.extents[i];
        }
      });
      return absl::OkStatus();
    }
    default:
      return absl::InternalError(absl::StrCat("no data movement kernel for ", OpName(k.node.op)));
  }
}

}  // namespace modelc
