#include "compiler/ops/quantize/dsp_pairs.h"

#include "compiler/backend/kernel_context.h"
#include "llvm/IR/IntrinsicsARM.h"

namespace modelc {

llvm::Value* EmitStoredTap(llvm::IRBuilder<>& b, llvm::Value* t) {
  llvm::Type* type = t->getType();
  llvm::Value* quad = b.CreateAnd(t, llvm::ConstantInt::get(type, ~int64_t{3}, true));
  llvm::Value* low = b.CreateShl(b.CreateAnd(t, llvm::ConstantInt::get(type, 1)), llvm::ConstantInt::get(type, 1));
  llvm::Value* high = b.CreateAnd(b.CreateLShr(t, llvm::ConstantInt::get(type, 1)), llvm::ConstantInt::get(type, 1));
  return b.CreateOr(quad, b.CreateOr(low, high));
}

void EmitZeroWindowTail(KernelContext& k, llvm::Value* window, int64_t taps) {
  for (int64_t t = taps; t < (taps + 3) / 4 * 4; ++t) {
    k.b.CreateStore(k.b.getInt16(0), k.b.CreateInBoundsGEP(k.b.getInt16Ty(), window, k.Int(StoredTap(t))));
  }
}

namespace {

// EmitPairsDotProducts' quads a step (the convolutions' and the window matrix product's).
// Cortex-M4, memory mode, the DSP pairs' convolutions against an index loop everywhere
// (LLVM unrolling it by 4): MobileNet int8 14.35 M -> 13.49 M instructions and 728 bytes
// less code, DS-CNN 5.25 M -> 4.86 M, ResNet-8 22.72 M -> 21.61 M. 8 quads a step: 1.3%
// fewer for 2.9 KB more code.
constexpr int64_t kDotProductQuadsPerStep = 4;
// --optimize size, flash first, walks one quad a step (Cortex-M4 MobileNet 7,430 ->
// 7,334 bytes of code and 4.3% fewer instructions than its index loop, which LLVM's size
// pipeline does not unroll).
constexpr int64_t kQuadsPerStepForSize = 1;

llvm::Value* RotatedByte(llvm::IRBuilder<>& b, llvm::Value* word) {
  return b.CreateIntrinsic(llvm::Intrinsic::fshr, {b.getInt32Ty()}, {word, word, b.getInt32(8)});
}

// Bytes 0 and 2 (`odd`: 1 and 3) of a word of 8-bit codes as a halfword pair: SXTB16
// (UXTB16 for uint8 codes) of the word (rotated by 8).
llvm::Value* UnpackedCodes(KernelContext& k, llvm::Value* word, bool unsigned_codes, bool odd) {
  llvm::Function* unpack = llvm::Intrinsic::getDeclaration(
      &k.module, unsigned_codes ? llvm::Intrinsic::arm_uxtb16 : llvm::Intrinsic::arm_sxtb16);
  return k.b.CreateCall(unpack, {odd ? RotatedByte(k.b, word) : word});
}

}  // namespace

void EmitPairsDotProducts(KernelContext& k, const std::vector<llvm::Value*>& windows, llvm::Value* weights,
                          const std::vector<llvm::Value*>& rows, int64_t taps, const std::vector<llvm::Value*>& sums,
                          PairsWindow form) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i16 = b.getInt16Ty();
  llvm::Type* i32 = b.getInt32Ty();
  llvm::Function* sxtb16 = llvm::Intrinsic::getDeclaration(&k.module, llvm::Intrinsic::arm_sxtb16);
  llvm::Function* smlad = llvm::Intrinsic::getDeclaration(&k.module, llvm::Intrinsic::arm_smlad);
  const bool codes = form != PairsWindow::kCentredInt16;
  auto sum_of = [&](size_t w, size_t i) { return sums[w * rows.size() + i]; };
  llvm::Type* i8 = b.getInt8Ty();
  const int64_t quads = taps / 4, window_quad_bytes = codes ? 4 : 8;
  // Each whole 4 taps: dot_quad(window_at(w), row_at(i)), the addresses of window w's
  // and row i's 4 taps.
  using Address = std::function<llvm::Value*(size_t)>;
  auto dot_quad = [&](const Address& window_at, const Address& row_at) {
    std::vector<llvm::Value*> even, odd;
    for (size_t w = 0; w < windows.size(); ++w) {
      if (codes) {
        llvm::Value* word = b.CreateAlignedLoad(i32, window_at(w), llvm::Align(4));
        even.push_back(UnpackedCodes(k, word, form == PairsWindow::kUInt8Codes, /*odd=*/false));
        odd.push_back(UnpackedCodes(k, word, form == PairsWindow::kUInt8Codes, /*odd=*/true));
        continue;
      }
      llvm::Value* pairs = window_at(w);
      even.push_back(b.CreateAlignedLoad(i32, pairs, llvm::Align(4)));
      odd.push_back(b.CreateAlignedLoad(i32, b.CreateInBoundsGEP(i16, pairs, k.Int(2)), llvm::Align(4)));
    }
    for (size_t i = 0; i < rows.size(); ++i) {
      llvm::Value* bytes = b.CreateAlignedLoad(i32, row_at(i), llvm::Align(1));
      llvm::Value* rotated = b.CreateIntrinsic(llvm::Intrinsic::fshr, {i32}, {bytes, bytes, b.getInt32(8)});
      llvm::Value* even_weights = b.CreateCall(sxtb16, {bytes});
      llvm::Value* odd_weights = b.CreateCall(sxtb16, {rotated});
      for (size_t w = 0; w < windows.size(); ++w) {
        llvm::Value* sum = b.CreateLoad(i32, sum_of(w, i));
        sum = b.CreateCall(smlad, {even[w], even_weights, sum});
        sum = b.CreateCall(smlad, {odd[w], odd_weights, sum});
        b.CreateStore(sum, sum_of(w, i));
      }
    }
  };
  if (quads >= kWalkedQuads) {
    std::vector<llvm::Value*> row_offsets, window_offsets;
    for (llvm::Value* row : rows) row_offsets.push_back(b.CreateSub(row, rows[0]));
    for (llvm::Value* window : windows) {
      window_offsets.push_back(b.CreateIntCast(b.CreatePtrDiff(i8, window, windows[0]), rows[0]->getType(), true));
    }
    llvm::Value* row_start = b.CreateInBoundsGEP(i8, weights, rows[0]);
    WalkQuads(k, quads, kDotProductQuadsPerStep, {row_start, windows[0]}, {4, window_quad_bytes},
              [&](const std::vector<llvm::Value*>& at, int64_t q) {
                auto window_at = [&](size_t w) {
                  return b.CreateInBoundsGEP(i8, at[1], b.CreateAdd(window_offsets[w], k.Int(q * window_quad_bytes)));
                };
                auto row_at = [&](size_t i) {
                  return b.CreateInBoundsGEP(i8, at[0], b.CreateAdd(row_offsets[i], k.Int(q * 4)));
                };
                dot_quad(window_at, row_at);
              });
  } else {
    k.Loop(quads, [&](llvm::Value* q) {
      dot_quad(
          [&](size_t w) { return b.CreateInBoundsGEP(i8, windows[w], b.CreateMul(q, k.Int(window_quad_bytes))); },
          [&](size_t i) { return b.CreateInBoundsGEP(i8, weights, b.CreateAdd(rows[i], b.CreateMul(q, k.Int(4)))); });
    });
  }
  for (int64_t t = taps / 4 * 4; t < taps; ++t) {
    for (size_t i = 0; i < rows.size(); ++i) {
      llvm::Value* w8 = b.CreateSExt(k.LoadAs(DataType::kInt8, weights, b.CreateAdd(rows[i], k.Int(t))), i32);
      for (size_t w = 0; w < windows.size(); ++w) {
        llvm::Value* centred =
            form == PairsWindow::kCentredInt16
                ? b.CreateSExt(b.CreateLoad(i16, b.CreateInBoundsGEP(i16, windows[w], k.Int(StoredTap(t)))), i32)
                : b.CreateIntCast(b.CreateLoad(b.getInt8Ty(), b.CreateInBoundsGEP(b.getInt8Ty(), windows[w], k.Int(t))),
                                  i32, /*isSigned=*/form == PairsWindow::kInt8Codes);
        b.CreateStore(b.CreateAdd(b.CreateLoad(i32, sum_of(w, i)), b.CreateMul(centred, w8)), sum_of(w, i));
      }
    }
  }
}

void WalkQuads(KernelContext& k, int64_t quads, int64_t quads_per_step, const std::vector<llvm::Value*>& starts,
               const std::vector<int64_t>& quad_bytes,
               const std::function<void(const std::vector<llvm::Value*>& at, int64_t q)>& quad) {
  const int64_t per_step = k.lowering.target.code_size_first ? kQuadsPerStepForSize : quads_per_step;
  const int64_t steps = quads / per_step;
  std::vector<int64_t> step_bytes;
  for (int64_t bytes : quad_bytes) step_bytes.push_back(bytes * per_step);
  k.WalkingLoop(steps, starts, step_bytes, [&](const std::vector<llvm::Value*>& at) {
    for (int64_t q = 0; q < per_step; ++q) quad(at, q);
  });
  for (int64_t q = steps * per_step; q < quads; ++q) quad(starts, q);
}

QuadPairs EmitCentredQuad(KernelContext& k, llvm::Value* word, bool unsigned_codes, llvm::Value* zero_points) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Function* ssub16 = llvm::Intrinsic::getDeclaration(&k.module, llvm::Intrinsic::arm_ssub16);
  return {b.CreateCall(ssub16, {UnpackedCodes(k, word, unsigned_codes, /*odd=*/false), zero_points}),
          b.CreateCall(ssub16, {UnpackedCodes(k, word, unsigned_codes, /*odd=*/true), zero_points})};
}

QuadPairs EmitUnpackedQuad(KernelContext& k, llvm::Value* word, bool unsigned_codes) {
  return {UnpackedCodes(k, word, unsigned_codes, /*odd=*/false), UnpackedCodes(k, word, unsigned_codes, /*odd=*/true)};
}

namespace {

// `low` in the low 16 bits of a word, `high` in the high 16 (both i32).
llvm::Value* HalfwordPair(llvm::IRBuilder<>& b, llvm::Value* low, llvm::Value* high) {
  return b.CreateOr(b.CreateAnd(low, b.getInt32(0xFFFF)), b.CreateShl(high, 16));
}

}  // namespace

llvm::Value* EmitZeroPointPair(llvm::IRBuilder<>& b, llvm::Value* zero_point) {
  return HalfwordPair(b, zero_point, zero_point);
}

QuadPairs PackQuadPairs(llvm::IRBuilder<>& b, llvm::Value* const (&values)[4]) {
  return {HalfwordPair(b, values[0], values[2]), HalfwordPair(b, values[1], values[3])};
}

llvm::Value* EmitQuadProducts(KernelContext& k, const QuadPairs& codes, llvm::Value* weights, llvm::Value* sum) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Function* sxtb16 = llvm::Intrinsic::getDeclaration(&k.module, llvm::Intrinsic::arm_sxtb16);
  llvm::Function* smlad = llvm::Intrinsic::getDeclaration(&k.module, llvm::Intrinsic::arm_smlad);
  sum = b.CreateCall(smlad, {codes.even, b.CreateCall(sxtb16, {weights}), sum});
  return b.CreateCall(smlad, {codes.odd, b.CreateCall(sxtb16, {RotatedByte(b, weights)}), sum});
}

}  // namespace modelc
