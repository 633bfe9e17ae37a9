// Helium's int8 dot products of one run of codes against several rows of weights: the
// inner loop of row-dot (QLinearMatMul, QuantizedProductKernel::kRowDot) and of
// window-dot on int8 codes (QuantizedProductKernel::kWindowDot,
// NodePlan::int8_window_codes), lowering/quantized_product_lowering.h.
#ifndef MODELC_OPS_QUANTIZE_HELIUM_BYTE_DOTS_H_
#define MODELC_OPS_QUANTIZE_HELIUM_BYTE_DOTS_H_

#include <cstdint>
#include <vector>

#include "llvm/IR/Value.h"

namespace modelc {

class KernelContext;

// The codes and weights one step takes.
inline constexpr int64_t kHeliumByteDotLanes = 16;

// sums[c] (i32 allocas) += the dot product of the 16 * steps int8 codes from `codes`
// with the int8 weights from rows[c] (byte pointers), step q's 16 from rows[c] + q *
// row_step bytes (16 where each row's weights are consecutive, 16 * rows where the rows'
// steps lie side by side): each 16 codes loaded once for every row, each row's 16
// products one VMLADAVA.S8. The MVE intrinsic, not a vector reduction: written as one,
// LLVM merged the sums into one vector wherever the code after the loop is vectorised
// (3 more instructions a step).
void EmitHeliumByteDots(KernelContext& k, llvm::Value* codes, const std::vector<llvm::Value*>& rows, int64_t row_step,
                        int64_t steps, const std::vector<llvm::Value*>& sums, bool allow_unrolling);
// The same for codes already in vectors of 16 int8 (a gathered window), step q's in
// code_vectors[q].
void EmitHeliumByteDots(KernelContext& k, const std::vector<llvm::Value*>& code_vectors,
                        const std::vector<llvm::Value*>& rows, int64_t row_step, const std::vector<llvm::Value*>& sums);
// One step of them: sums[c] += the dot product of the 16 int8 `codes` (a vector) with
// the 16 weights from rows[c] + `row_offset` bytes.
void EmitHeliumByteDotStep(KernelContext& k, llvm::Value* codes, llvm::Value* row_offset,
                           const std::vector<llvm::Value*>& rows, const std::vector<llvm::Value*>& sums);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_HELIUM_BYTE_DOTS_H_
