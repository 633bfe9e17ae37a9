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

// The even general registers VMLADAVA can sum into beside a low-overhead loop's count.
inline constexpr size_t kEvenSumRegisters = 7;

// VMLADAVA sums into even registers: r0 to r12, and r14 unless it counts the loop (a
// low-overhead loop's LE). For more than kEvenSumRegisters `sums` an empty inline
// assembly statement keeps the loop being emitted an ordinary one (LLVM makes no
// low-overhead loop of a loop that may call), so that r14 holds a sum (no low-overhead
// loop anywhere made MobileNet 3% slower); for fewer, nothing.
void KeepLoopOrdinaryForSums(KernelContext& k, size_t sums);

// sums[p * rows + c] (i32 allocas) += the dot product of the 16 * steps int8 codes from
// codes[p] (a byte pointer to pixel p's window, for one or more pixels) with the int8
// weights from rows[c] (byte pointers), step q's 16 from rows[c] + q * row_step bytes
// (16 where each row's weights are consecutive, 16 * rows where the rows' steps lie side
// by side): each 16 codes loaded once for every row and each row's 16 weights once for
// every pixel, each row's 16 products with a pixel's one VMLADAVA.S8; the steps' loop (or,
// unrolled, the one around it) kept ordinary for more sums than kEvenSumRegisters. The
// MVE intrinsic, not a vector reduction: written as one, LLVM merged the sums into one
// vector wherever the code after the loop is vectorised (3 more instructions a step).
void EmitHeliumByteDots(KernelContext& k, const std::vector<llvm::Value*>& codes, const std::vector<llvm::Value*>& rows,
                        int64_t row_step, int64_t steps, const std::vector<llvm::Value*>& sums, bool allow_unrolling);
// The same for codes already in vectors of 16 int8 (a gathered window), step q's in
// code_vectors[q].
void EmitHeliumByteDots(KernelContext& k, const std::vector<llvm::Value*>& code_vectors,
                        const std::vector<llvm::Value*>& rows, int64_t row_step, const std::vector<llvm::Value*>& sums);
// The same for a tile of `pixels` windows of codes side by side from `window` (pixel p's
// at window + p * window_bytes) against `rows` rows of weights side by side by step from
// `weights` (16-byte aligned: step q's 16 weights of row c at (q * rows + c) * 16 bytes),
// `steps` steps (HeliumByteDotTileFits): the pixels x rows sums (pixel p's row c at
// p * rows + c), as values. One inline assembly statement, where LLVM's register
// allocation moved the 8 sums of 2 pixels x 4 rows between registers, more than 20 MOVs
// and spills a block (VMLADAVA sums into even registers only, so the 8 sums take them
// all, the pointers the odd ones).
std::vector<llvm::Value*> EmitHeliumByteDotTile(KernelContext& k, llvm::Value* window, int64_t window_bytes,
                                                int64_t pixels, llvm::Value* weights, int64_t rows, int64_t steps);
// Whether such a tile fits one statement: at most 2 pixels, its sums in the even
// registers, each load within reach of one immediate offset from its pointer (VLDRB's 0
// to 127 bytes for the codes, VLDRW's up to 508 for the aligned weights).
bool HeliumByteDotTileFits(int64_t window_bytes, int64_t pixels, int64_t rows, int64_t steps);

// sum (an i32) + the dot product of 16 int8 `codes` with 16 int8 `weights` (vectors):
// one VMLADAVA.S8 (VMLADAV.S8 where the sum is 0).
llvm::Value* EmitHeliumByteDot(KernelContext& k, llvm::Value* sum, llvm::Value* codes, llvm::Value* weights);

// One step of them: sums[p * rows + c] += the dot product of the 16 int8 codes[p] (a
// vector) with the 16 weights from rows[c] + `row_offset` bytes.
void EmitHeliumByteDotStep(KernelContext& k, const std::vector<llvm::Value*>& codes, llvm::Value* row_offset,
                           const std::vector<llvm::Value*>& rows, const std::vector<llvm::Value*>& sums);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_HELIUM_BYTE_DOTS_H_
