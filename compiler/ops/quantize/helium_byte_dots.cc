#include "compiler/ops/quantize/helium_byte_dots.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/IntrinsicsARM.h"

namespace modelc {

void KeepLoopOrdinaryForSums(KernelContext& k, size_t sums) {
  if (sums <= kEvenSumRegisters) return;
  k.b.CreateCall(
      llvm::InlineAsm::get(llvm::FunctionType::get(k.b.getVoidTy(), false), "", "", /*hasSideEffects=*/true));
}

llvm::Value* EmitHeliumByteDot(KernelContext& k, llvm::Value* sum, llvm::Value* codes, llvm::Value* weights) {
  llvm::IRBuilder<>& b = k.b;
  // Signed (unsigned 0), adding (subtract 0), lane by lane (exchange 0).
  return b.CreateIntrinsic(llvm::Intrinsic::arm_mve_vmldava, {codes->getType()},
                           {b.getInt32(0), b.getInt32(0), b.getInt32(0), sum, codes, weights});
}

void EmitHeliumByteDotStep(KernelContext& k, const std::vector<llvm::Value*>& codes, llvm::Value* row_offset,
                           const std::vector<llvm::Value*>& rows, const std::vector<llvm::Value*>& sums) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  auto* lanes = llvm::FixedVectorType::get(i8, kHeliumByteDotLanes);
  for (size_t c = 0; c < rows.size(); ++c) {
    llvm::Value* w = b.CreateAlignedLoad(lanes, b.CreateInBoundsGEP(i8, rows[c], row_offset), llvm::Align(1));
    for (size_t p = 0; p < codes.size(); ++p) {
      llvm::Value* sum = sums[p * rows.size() + c];
      b.CreateStore(EmitHeliumByteDot(k, b.CreateLoad(i32, sum), codes[p], w), sum);
    }
  }
}

void EmitHeliumByteDots(KernelContext& k, const std::vector<llvm::Value*>& codes, const std::vector<llvm::Value*>& rows,
                        int64_t row_step, int64_t steps, const std::vector<llvm::Value*>& sums, bool allow_unrolling) {
  llvm::IRBuilder<>& b = k.b;
  auto* lanes = llvm::FixedVectorType::get(b.getInt8Ty(), kHeliumByteDotLanes);
  k.Loop(steps, [&](llvm::Value* q) {
    KeepLoopOrdinaryForSums(k, sums.size());
    llvm::Value* step = b.CreateMul(q, k.Int(kHeliumByteDotLanes));
    std::vector<llvm::Value*> step_codes;
    for (llvm::Value* pixel_codes : codes) {
      step_codes.push_back(
          b.CreateAlignedLoad(lanes, b.CreateInBoundsGEP(b.getInt8Ty(), pixel_codes, step), llvm::Align(1)));
    }
    // Consecutive rows' steps share the codes' offset (a second multiply, though merged
    // later, moved row-dot's loads: its objects changed).
    EmitHeliumByteDotStep(k, step_codes, row_step == kHeliumByteDotLanes ? step : b.CreateMul(q, k.Int(row_step)),
                          rows, sums);
  }, allow_unrolling);
}

void EmitHeliumByteDots(KernelContext& k, const std::vector<llvm::Value*>& code_vectors,
                        const std::vector<llvm::Value*>& rows, int64_t row_step,
                        const std::vector<llvm::Value*>& sums) {
  for (size_t q = 0; q < code_vectors.size(); ++q) {
    EmitHeliumByteDotStep(k, {code_vectors[q]}, k.Int(static_cast<int64_t>(q) * row_step), rows, sums);
  }
}

namespace {

// The tile's statement: the codes of pixel p in q<p>, the weights alternately in the
// two registers after them; the reach of VLDRB.U8's immediate offset (7 bits) and of
// VLDRW.U32's (7 bits, in words).
constexpr int64_t kTileCodeRegisters = 2;
constexpr int64_t kTileWeightRegisters = 2;
constexpr int64_t kVldrbReach = 127;
constexpr int64_t kVldrwReach = 508;

}  // namespace

bool HeliumByteDotTileFits(int64_t window_bytes, int64_t pixels, int64_t rows, int64_t steps) {
  // Every even register a sum: r0 to r12 and r14 (no low-overhead loop around it).
  const int64_t even_registers = static_cast<int64_t>(kEvenSumRegisters) + 1;
  return pixels >= 1 && pixels <= kTileCodeRegisters && rows >= 1 && steps >= 1 && pixels * rows <= even_registers &&
         (pixels - 1) * window_bytes + (steps - 1) * kHeliumByteDotLanes <= kVldrbReach &&
         (steps * rows - 1) * kHeliumByteDotLanes <= kVldrwReach;
}

std::vector<llvm::Value*> EmitHeliumByteDotTile(KernelContext& k, llvm::Value* window, int64_t window_bytes,
                                                int64_t pixels, llvm::Value* weights, int64_t rows, int64_t steps) {
  llvm::IRBuilder<>& b = k.b;
  const int64_t sums = pixels * rows;
  // Operands: the sums ($0 ...), then the window's pointer and the weights'.
  const int64_t window_operand = sums, weights_operand = sums + 1;
  std::string text;
  for (int64_t q = 0; q < steps; ++q) {
    for (int64_t p = 0; p < pixels; ++p) {
      absl::StrAppend(&text, "vldrb.u8 q", p, ", [$", window_operand, ", #", p * window_bytes + q * kHeliumByteDotLanes,
                      "]\n");
    }
    for (int64_t c = 0; c < rows; ++c) {
      const int64_t w = kTileCodeRegisters + (q * rows + c) % kTileWeightRegisters;
      absl::StrAppend(&text, "vldrw.u32 q", w, ", [$", weights_operand, ", #", (q * rows + c) * kHeliumByteDotLanes,
                      "]\n");
      for (int64_t p = 0; p < pixels; ++p) {
        absl::StrAppend(&text, q == 0 ? "vmlav.s8 $" : "vmlava.s8 $", p * rows + c, ", q", p, ", q", w, "\n");
      }
    }
  }
  std::string constraints;
  for (int64_t s = 0; s < sums; ++s) absl::StrAppend(&constraints, "=&^Te,");
  absl::StrAppend(&constraints, "r,r");
  for (int64_t q = 0; q < kTileCodeRegisters + kTileWeightRegisters; ++q) absl::StrAppend(&constraints, ",~{q", q, "}");
  absl::StrAppend(&constraints, ",~{memory}");
  auto* type = llvm::FunctionType::get(
      llvm::StructType::get(b.getContext(), std::vector<llvm::Type*>(sums, b.getInt32Ty())),
      {window->getType(), weights->getType()}, false);
  llvm::Value* result =
      b.CreateCall(llvm::InlineAsm::get(type, text, constraints, /*hasSideEffects=*/true), {window, weights});
  std::vector<llvm::Value*> values;
  for (int64_t s = 0; s < sums; ++s) values.push_back(b.CreateExtractValue(result, {static_cast<unsigned>(s)}));
  return values;
}

}  // namespace modelc
