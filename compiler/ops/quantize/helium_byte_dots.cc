#include "compiler/ops/quantize/helium_byte_dots.h"

#include "compiler/backend/kernel_context.h"
#include "llvm/IR/IntrinsicsARM.h"

namespace modelc {

void EmitHeliumByteDotStep(KernelContext& k, llvm::Value* x, llvm::Value* row_offset,
                           const std::vector<llvm::Value*>& rows, const std::vector<llvm::Value*>& sums) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  auto* lanes = llvm::FixedVectorType::get(i8, kHeliumByteDotLanes);
  for (size_t c = 0; c < rows.size(); ++c) {
    llvm::Value* w = b.CreateAlignedLoad(lanes, b.CreateInBoundsGEP(i8, rows[c], row_offset), llvm::Align(1));
    // Signed (unsigned 0), adding (subtract 0), lane by lane (exchange 0).
    b.CreateStore(b.CreateIntrinsic(llvm::Intrinsic::arm_mve_vmldava, {lanes},
                                    {b.getInt32(0), b.getInt32(0), b.getInt32(0), b.CreateLoad(i32, sums[c]), x, w}),
                  sums[c]);
  }
}

void EmitHeliumByteDots(KernelContext& k, llvm::Value* codes, const std::vector<llvm::Value*>& rows, int64_t row_step,
                        int64_t steps, const std::vector<llvm::Value*>& sums, bool allow_unrolling) {
  llvm::IRBuilder<>& b = k.b;
  auto* lanes = llvm::FixedVectorType::get(b.getInt8Ty(), kHeliumByteDotLanes);
  k.Loop(steps, [&](llvm::Value* q) {
    llvm::Value* step = b.CreateMul(q, k.Int(kHeliumByteDotLanes));
    llvm::Value* x = b.CreateAlignedLoad(lanes, b.CreateInBoundsGEP(b.getInt8Ty(), codes, step), llvm::Align(1));
    // Consecutive rows' steps share the codes' offset (a second multiply, though merged
    // later, moved row-dot's loads: its objects changed).
    EmitHeliumByteDotStep(k, x, row_step == kHeliumByteDotLanes ? step : b.CreateMul(q, k.Int(row_step)), rows, sums);
  }, allow_unrolling);
}

void EmitHeliumByteDots(KernelContext& k, const std::vector<llvm::Value*>& code_vectors,
                        const std::vector<llvm::Value*>& rows, int64_t row_step, const std::vector<llvm::Value*>& sums) {
  for (size_t q = 0; q < code_vectors.size(); ++q) {
    EmitHeliumByteDotStep(k, code_vectors[q], k.Int(static_cast<int64_t>(q) * row_step), rows, sums);
  }
}

}  // namespace modelc
