#include "compiler/ops/quantize/quantized_sum.h"

#include <cmath>
#include <utility>

#include "compiler/backend/kernel_context.h"

namespace modelc {
namespace {

// 128 for an int8 tensor the form computes as uint8, else 0.
int32_t Uint8Offset(const SumForm& form, DataType type) {
  return form.uint8 && type == DataType::kInt8 ? 128 : 0;
}

// fma(x, y, z) of float32s (or vectors of them), rounded once: the instruction where the
// target has one. Elsewhere in float64, where the product of two floats is exact: the
// sum's error by TwoSum, the sum rounded to odd with it, then to float32 (rounding to
// odd at 53 bits, then to nearest at 24, rounds the exact value to nearest: Boldo and
// Melquiond). Not a call of fmaf: the object stays free of libm.
llvm::Value* EmitFusedMultiplyAdd(KernelContext& k, llvm::Value* x, llvm::Value* y, llvm::Value* z) {
  llvm::IRBuilder<>& b = k.b;
  llvm::IRBuilderBase::FastMathFlagGuard exact(b);
  b.clearFastMathFlags();
  if (k.target.fused_multiply_add) return b.CreateIntrinsic(llvm::Intrinsic::fma, {x->getType()}, {x, y, z});
  llvm::Type* doubles = LanesOf(x, b.getDoubleTy());
  llvm::Type* words = LanesOf(x, b.getInt64Ty());
  llvm::Value* product = b.CreateFMul(b.CreateFPExt(x, doubles), b.CreateFPExt(y, doubles));
  llvm::Value* addend = b.CreateFPExt(z, doubles);
  llvm::Value* sum = b.CreateFAdd(product, addend);
  llvm::Value* addend_part = b.CreateFSub(sum, product);
  llvm::Value* error = b.CreateFAdd(b.CreateFSub(product, b.CreateFSub(sum, addend_part)),
                                    b.CreateFSub(addend, addend_part));
  llvm::Value* zero = llvm::ConstantFP::get(doubles, 0.0);
  llvm::Value* one = llvm::ConstantInt::get(words, 1);
  // Inexact: truncated toward zero (one step down in magnitude where the sum is past the
  // exact value, its error of the other sign), then odd.
  llvm::Value* inexact = b.CreateFCmpONE(error, zero);
  llvm::Value* past = b.CreateXor(b.CreateFCmpOLT(error, zero), b.CreateFCmpOLT(sum, zero));
  llvm::Value* bits = b.CreateBitCast(sum, words);
  llvm::Value* truncated = b.CreateSelect(past, b.CreateSub(bits, one), bits);
  llvm::Value* odd = b.CreateSelect(inexact, b.CreateOr(truncated, one), bits);
  return b.CreateFPTrunc(b.CreateBitCast(odd, doubles), x->getType());
}

}  // namespace

int32_t QuantizedSumAs(const SumForm& form, QuantizedTerm a, DataType a_type, QuantizedTerm b, DataType b_type,
                       float c_scale, int32_t c_zero_point, DataType c_type) {
  if (form.arithmetic == SumArithmetic::kDequantized) return QuantizedSum(a, b, c_scale, c_zero_point, c_type);
  const int32_t a_offset = Uint8Offset(form, a_type), b_offset = Uint8Offset(form, b_type);
  const int32_t c_offset = Uint8Offset(form, c_type);
  QuantizedTerm first = {a.value + a_offset, a.scale, a.zero_point + a_offset};
  QuantizedTerm second = {b.value + b_offset, b.scale, b.zero_point + b_offset};
  if (form.swapped) std::swap(first, second);
  const float first_ratio = first.scale / c_scale, second_ratio = second.scale / c_scale;
  const float fixed = static_cast<float>(c_zero_point + c_offset) -
                      std::fma(first_ratio, static_cast<float>(first.zero_point),
                               second_ratio * static_cast<float>(second.zero_point));
  const float sum = std::fma(static_cast<float>(first.value), first_ratio,
                             std::fma(static_cast<float>(second.value), second_ratio, fixed));
  return RoundOffsetToQuantized(sum, c_offset != 0 ? DataType::kUInt8 : c_type) - c_offset;
}

QuantizedSumEmitter::QuantizedSumEmitter(KernelContext& k, const SumForm& form, EmittedQuantizationPair a,
                                         DataType a_type, EmittedQuantizationPair b, DataType b_type,
                                         EmittedQuantizationPair c, DataType c_type)
    : k_(k), form_(form), a_(a), b_(b), c_(c), c_type_(c_type) {
  if (form.arithmetic != SumArithmetic::kOnnxRuntimeX86) return;
  llvm::IRBuilder<>& builder = k.b;
  llvm::IRBuilderBase::FastMathFlagGuard exact(builder);
  builder.clearFastMathFlags();
  a_offset_ = Uint8Offset(form, a_type);
  b_offset_ = Uint8Offset(form, b_type);
  c_offset_ = Uint8Offset(form, c_type);
  auto zero_point = [&](const EmittedQuantizationPair& pair, int32_t offset) {
    return builder.CreateSIToFP(builder.CreateAdd(pair.zero_point, builder.getInt32(offset)), k.F32());
  };
  EmittedQuantizationPair first = a, second = b;
  llvm::Value* first_zero_point = zero_point(a, a_offset_);
  llvm::Value* second_zero_point = zero_point(b, b_offset_);
  if (form.swapped) {
    std::swap(first, second);
    std::swap(first_zero_point, second_zero_point);
  }
  first_ratio_ = builder.CreateFDiv(first.scale, c.scale);
  second_ratio_ = builder.CreateFDiv(second.scale, c.scale);
  fixed_ = builder.CreateFSub(zero_point(c, c_offset_),
                              EmitFusedMultiplyAdd(k, first_ratio_, first_zero_point,
                                                   builder.CreateFMul(second_ratio_, second_zero_point)));
}

llvm::Value* QuantizedSumEmitter::Sum(llvm::Value* a, llvm::Value* b) const {
  if (form_.arithmetic == SumArithmetic::kDequantized) {
    return EmitQuantizedSum(k_, {a, a_.scale, a_.zero_point}, {b, b_.scale, b_.zero_point}, c_.scale, c_.zero_point,
                            c_type_);
  }
  llvm::IRBuilder<>& builder = k_.b;
  llvm::IRBuilderBase::FastMathFlagGuard exact(builder);
  builder.clearFastMathFlags();
  auto code = [&](llvm::Value* value, int32_t offset) {
    llvm::Value* shifted = builder.CreateAdd(value, llvm::ConstantInt::get(value->getType(), offset));
    return builder.CreateSIToFP(shifted, LanesOf(value, k_.F32()));
  };
  llvm::Value* first = code(a, a_offset_);
  llvm::Value* second = code(b, b_offset_);
  if (form_.swapped) std::swap(first, second);
  llvm::Value* inner = EmitFusedMultiplyAdd(k_, second, SplatLike(builder, second, second_ratio_),
                                            SplatLike(builder, second, fixed_));
  llvm::Value* sum = EmitFusedMultiplyAdd(k_, first, SplatLike(builder, first, first_ratio_), inner);
  llvm::Value* c = EmitRoundOffsetToQuantized(k_, sum, c_offset_ != 0 ? DataType::kUInt8 : c_type_);
  // 128 down from a uint8 code is the int8 code, in 8 bits (wrapping) as in 32.
  if (c_offset_ != 0) c = builder.CreateSub(c, llvm::ConstantInt::get(c->getType(), c_offset_));
  return c;
}

}  // namespace modelc
