// The int16-pairs dot products of the dsp-pairs kernels (QuantizedProductKernel::kDspPairs,
// lowering/quantized_product_lowering.h) on Arm's DSP extension: a window of int16
// values (x - x_zero_point) in the workspace buffer "window_pairs", or of the input's
// 8-bit codes in "window_codes" (NodePlan::int8_window_codes), against rows of int8
// weights, two products per SMLAD.
#ifndef MODELC_OPS_QUANTIZE_DSP_PAIRS_H_
#define MODELC_OPS_QUANTIZE_DSP_PAIRS_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "compiler/ops/quantize/stored_tap.h"
#include "llvm/IR/IRBuilder.h"

namespace modelc {

class KernelContext;

// Where tap t of a window is stored (StoredTap's order: each 4 taps 0, 2, 1, 3, so that
// one 32-bit load holds taps 0 and 2, then 1 and 3, as SXTB16 unpacks bytes 0 and 2 of 4
// weights, then, rotated by 8, bytes 1 and 3), `t` an integer value.
llvm::Value* EmitStoredTap(llvm::IRBuilder<>& b, llvm::Value* t);

// Zeroes the stored positions of taps [taps, taps rounded up to 4) of `window`: the last
// group's missing taps then add nothing. Once per window, at the kernel's start.
void EmitZeroWindowTail(KernelContext& k, llvm::Value* window, int64_t taps);

// How a window holds its taps: int16 (x - x_zero_point) in StoredTap's order, or the
// input's 8-bit codes in order, unpacked as they are loaded (SXTB16, UXTB16 for uint8
// codes), as the weights are.
enum class PairsWindow { kCentredInt16, kInt8Codes, kUInt8Codes };

// The windows of a tile of EmitPairsDotProducts: `count` of them, the first at `first`,
// each `stride_bytes` after the one before.
struct PairsWindows {
  llvm::Value* first;
  int64_t count;
  int64_t stride_bytes;
};
// Its weight rows: `count` consecutive rows of the int8 weights from row `first` (an
// index), `stride` elements a row.
struct PairsRows {
  llvm::Value* first;
  int64_t count;
  int64_t stride;
};

// sums[w * rows.count + i] (i32 allocas) += sum over t < taps of window w's tap t *
// weights[(rows.first + i) * rows.stride + t]: each whole 4 taps as two SMLADs a window
// and row, of 32-bit window loads (unpacked into pairs where the window holds codes) and
// SXTB16 of 4 weight bytes (unpacked once for every window), the rest one at a time
// (LLVM's code for them wants the rows' offsets formed as (first + i) * stride: formed
// as first * stride + i * stride, MobileNet's 8-tap layer spilled). On Thumb-2,
// windows of int16 pairs (at most 2, and 2 rows, each within an immediate offset of the
// first) take their whole 4 taps from 4 quads on as one inline-assembly statement: the
// walk's loop and the quads after it (dsp_pairs.cc, EmitDspPairsWalk).
void EmitPairsDotProducts(KernelContext& k, const PairsWindows& windows, llvm::Value* weights, const PairsRows& rows,
                          int64_t taps, const std::vector<llvm::Value*>& sums,
                          PairsWindow form = PairsWindow::kCentredInt16);

// The dot products' whole quads of taps (4 at a time) walk pointers from this many on
// (WalkQuads); fewer run an index loop, which LLVM unrolls fully (in memory and speed
// mode), and walking them only changed its register allocation, for the worse. Cortex-M4,
// memory mode, MobileNet int8 with the convolutions walked from 16 quads on: 13.49 M
// instructions; from 8: 13.67 M; from 32: 13.60 M. The matrix products' pairs in
// registers take the same threshold.
inline constexpr int64_t kWalkedQuads = 16;

// Calls quad(at, q) for every quad q < quads (quads >= kWalkedQuads) of a dot product
// whose operand j has its quad q at starts[j] + q * quad_bytes[j] bytes: quads_per_step
// quads a step (one with --optimize size) in a KernelContext::WalkingLoop (`at` the
// step's pointers, q the quad within the step), then the quads after the last whole step
// (`at` = starts, q their number).
void WalkQuads(KernelContext& k, int64_t quads, int64_t quads_per_step, const std::vector<llvm::Value*>& starts,
               const std::vector<int64_t>& quad_bytes,
               const std::function<void(const std::vector<llvm::Value*>& at, int64_t q)>& quad);

// Four 8-bit codes of a 32-bit word as two halfword pairs, (c0, c2) and (c1, c3) (SXTB16,
// or UXTB16 for uint8, of the word and of the word rotated by 8): shared by the weights
// the codes meet (the direct kernel's word rows, the matrix product's pairs in
// registers).
struct QuadPairs {
  llvm::Value* even;
  llvm::Value* odd;
};
// Those pairs each less the zero point (SSUB16 of `zero_points`, EmitZeroPointPair's).
QuadPairs EmitCentredQuad(KernelContext& k, llvm::Value* word, bool unsigned_codes, llvm::Value* zero_points);
// Those pairs of the codes as they are (a kernel whose prepared bias takes the zero
// point's share off).
QuadPairs EmitUnpackedQuad(KernelContext& k, llvm::Value* word, bool unsigned_codes);
// Four i32 values that fit int16 as the same two pairs, (v0, v2) and (v1, v3): the codes
// of a float A quantised as it is read (the matrix product's pairs in registers).
QuadPairs PackQuadPairs(llvm::IRBuilder<>& b, llvm::Value* const (&values)[4]);
// A zero point (i32) in both 16-bit halves of a word.
llvm::Value* EmitZeroPointPair(llvm::IRBuilder<>& b, llvm::Value* zero_point);
// `sum` plus the 4 products of `codes` with the 4 int8 weights of the word `weights`
// (unpacked the same way): two SMLADs.
llvm::Value* EmitQuadProducts(KernelContext& k, const QuadPairs& codes, llvm::Value* weights, llvm::Value* sum);

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_DSP_PAIRS_H_
