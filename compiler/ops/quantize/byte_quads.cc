#include "compiler/ops/quantize/byte_quads.h"

#include "compiler/backend/kernel_context.h"
#include "compiler/lowering/quantized_product_lowering.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/IntrinsicsX86.h"

namespace modelc {

llvm::Value* EmitByteQuadDot(llvm::IRBuilder<>& b, llvm::Value* sums, llvm::Value* codes, llvm::Value* weights) {
  const int64_t lanes = llvm::cast<llvm::FixedVectorType>(sums->getType())->getNumElements();
  const llvm::Intrinsic::ID dot =
      lanes == 16 ? llvm::Intrinsic::x86_avx512_vpdpbusd_512 : llvm::Intrinsic::x86_avx512_vpdpbusd_256;
  llvm::Type* operand = llvm::Intrinsic::getType(b.getContext(), dot)->getParamType(1);  // <N x i32> or <4N x i8>
  return b.CreateIntrinsic(dot, {}, {sums, b.CreateBitCast(codes, operand), b.CreateBitCast(weights, operand)});
}

llvm::Value* EmitByteQuadPairsDot(llvm::IRBuilder<>& b, llvm::Value* sums, llvm::Value* codes,
                                  llvm::Value* even_weights, llvm::Value* odd_weights) {
  const int64_t lanes = llvm::cast<llvm::FixedVectorType>(sums->getType())->getNumElements();
  MODELC_CHECK(lanes == 8, "VPMADDWD pairs of byte quads in 256-bit vectors (AVX2) only");
  // Each 16-bit half of a lane's codes: its low byte, its high byte (zero-extended).
  // VPMADDWD sums each lane's two halves' products (at most 2 * 255 * 128: exact).
  auto* halves = llvm::FixedVectorType::get(b.getInt16Ty(), lanes * 2);
  llvm::Value* code_halves = b.CreateBitCast(codes, halves);
  llvm::Value* even_codes = b.CreateAnd(code_halves, llvm::ConstantInt::get(halves, 0xFF));
  llvm::Value* odd_codes = b.CreateLShr(code_halves, llvm::ConstantInt::get(halves, 8));
  auto products = [&](llvm::Value* codes16, llvm::Value* weights) {
    return b.CreateIntrinsic(llvm::Intrinsic::x86_avx2_pmadd_wd, {}, {codes16, b.CreateBitCast(weights, halves)});
  };
  return b.CreateAdd(sums, b.CreateAdd(products(even_codes, even_weights), products(odd_codes, odd_weights)));
}

llvm::Value* ChannelLanesWeights(KernelContext& k) {
  return k.PreparedConstant(k.plan.byte_quad_weight_pairs ? "weight_pairs" : "weights_quads");
}

llvm::Value* PixelLanesWeights(KernelContext& k) {
  return k.PreparedConstant(k.plan.byte_quad_weight_pairs ? "weight_pairs" : "weights_int8");
}

llvm::Value* EmitQuadRowSums(KernelContext& k, llvm::Value* codes, llvm::Value* weights, llvm::Value* first,
                             int64_t padded, int64_t lanes) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i8 = b.getInt8Ty();
  llvm::Type* i32 = b.getInt32Ty();
  auto* words = llvm::FixedVectorType::get(i32, lanes);
  const bool pairs = k.plan.byte_quad_weight_pairs;
  const int64_t weight_bytes = pairs ? 2 : 1;  // a weight's
  llvm::Value* quads = b.CreateInBoundsGEP(i8, weights, b.CreateMul(first, k.Int(padded * weight_bytes)));
  constexpr int64_t kSums = 4;  // quads in a step of kWindowDotLanes codes, one sum each
  static_assert(kWindowDotLanes == 4 * kSums);
  llvm::Value* sums[kSums];
  for (llvm::Value*& sum : sums) {
    sum = k.EntryAlloca(words, llvm::Align(16));
    b.CreateAlignedStore(llvm::Constant::getNullValue(words), sum, llvm::Align(16));
  }
  k.Loop(padded / kWindowDotLanes, [&](llvm::Value* step) {
    for (int64_t i = 0; i < kSums; ++i) {
      llvm::Value* quad = b.CreateAdd(b.CreateMul(step, k.Int(kSums)), k.Int(i));
      llvm::Value* four = b.CreateAlignedLoad(i32, b.CreateInBoundsGEP(i8, codes, b.CreateMul(quad, k.Int(4))),
                                              llvm::Align(1));
      llvm::Value* at = b.CreateInBoundsGEP(i8, quads, b.CreateMul(quad, k.Int(lanes * 4 * weight_bytes)));
      llvm::Value* sum = b.CreateAlignedLoad(words, sums[i], llvm::Align(16));
      llvm::Value* splat = b.CreateVectorSplat(lanes, four);
      if (pairs) {
        llvm::Value* even = b.CreateAlignedLoad(words, at, llvm::Align(4));
        llvm::Value* odd = b.CreateAlignedLoad(words, b.CreateInBoundsGEP(i8, at, k.Int(lanes * 4)), llvm::Align(4));
        sum = EmitByteQuadPairsDot(b, sum, splat, even, odd);
      } else {
        sum = EmitByteQuadDot(b, sum, splat, b.CreateAlignedLoad(words, at, llvm::Align(4)));
      }
      b.CreateAlignedStore(sum, sums[i], llvm::Align(16));
    }
  });
  llvm::Value* total = b.CreateAlignedLoad(words, sums[0], llvm::Align(16));
  for (int64_t i = 1; i < kSums; ++i) total = b.CreateAdd(total, b.CreateAlignedLoad(words, sums[i], llvm::Align(16)));
  return total;
}

}  // namespace modelc
