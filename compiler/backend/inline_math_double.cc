// exp and log of a double as inline LLVM IR, to double precision (no libm call; on a
// core without a double-precision FPU the arithmetic is the compiler runtime's
// soft-double helpers). The methods of the float32 versions (inline_math.cc), with
// double constants and series long enough for a relative error of a few units in the
// last place:
// exp: x = n*ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 split so that n*ln2_high is
//   exact), e^r from its Taylor series to r^13 (truncation below 2e-16 relative), and
//   2^n applied as two powers of two built in the exponent bits, so that results in the
//   subnormal range and overflow to +inf come out of the multiplications themselves.
// log: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = 2 atanh(s) with
//   s = (m-1)/(m+1), |s| <= 0.172, from its series to s^19 (truncation below 3e-17).
#include <vector>

#include "compiler/backend/kernel_context.h"

namespace modelc {
namespace {

// 2^m for an integer m in [-1022, 1023], as a double.
llvm::Value* PowerOfTwo(llvm::IRBuilder<>& b, llvm::Value* m) {
  llvm::Value* bits = b.CreateShl(b.CreateAdd(b.CreateSExt(m, b.getInt64Ty()), b.getInt64(1023)), 52);
  return b.CreateBitCast(bits, b.getDoubleTy());
}

}  // namespace

llvm::Value* EmitExpDouble(KernelContext& k, llvm::Value* x) {
  llvm::IRBuilder<>& b = k.b;
  auto constant = [&](double v) { return KernelContext::FloatLike(x, v); };
  // Beyond these e^x is +inf or 0 in double; clamping keeps n's halves in range.
  constexpr double kLowest = -746.0, kHighest = 710.0;
  llvm::Value* clamped = b.CreateSelect(b.CreateFCmpOLT(x, constant(kLowest)), constant(kLowest), x);
  clamped = b.CreateSelect(b.CreateFCmpOGT(clamped, constant(kHighest)), constant(kHighest), clamped);
  llvm::Value* scaled = b.CreateFMul(clamped, constant(1.4426950408889634));
  llvm::Value* rounding = b.CreateSelect(b.CreateFCmpOGE(scaled, constant(0.0)), constant(0.5), constant(-0.5));
  llvm::Value* n = b.CreateFPToSI(b.CreateFAdd(scaled, rounding), b.getInt32Ty());
  llvm::Value* n_double = b.CreateSIToFP(n, b.getDoubleTy());
  // ln2 = 6.93147180369123816490e-01 (its low 32 bits zero) + 1.90821492927058770002e-10
  llvm::Value* r = b.CreateFSub(clamped, b.CreateFMul(n_double, constant(6.93147180369123816490e-01)));
  r = b.CreateFSub(r, b.CreateFMul(n_double, constant(1.90821492927058770002e-10)));
  // e^r = sum of r^i / i! for i = 0..13 (Horner)
  double factorial = 1.0;
  std::vector<double> coefficients;
  for (int i = 0; i <= 13; ++i) {
    if (i > 0) factorial *= i;
    coefficients.insert(coefficients.begin(), 1.0 / factorial);
  }
  llvm::Value* poly = constant(coefficients[0]);
  for (size_t i = 1; i < coefficients.size(); ++i) poly = b.CreateFAdd(b.CreateFMul(poly, r), constant(coefficients[i]));
  llvm::Value* half = b.CreateAShr(n, 1);  // n = half + (n - half), each within [-539, 513]
  llvm::Value* result = b.CreateFMul(b.CreateFMul(poly, PowerOfTwo(b, half)), PowerOfTwo(b, b.CreateSub(n, half)));
  return b.CreateSelect(b.CreateFCmpUNO(x, x), x, result);
}

llvm::Value* EmitLogDouble(KernelContext& k, llvm::Value* x) {
  llvm::IRBuilder<>& b = k.b;
  auto constant = [&](double v) { return KernelContext::FloatLike(x, v); };
  llvm::Type* i64 = b.getInt64Ty();
  llvm::Value* tiny = b.CreateFCmpOLT(x, constant(2.2250738585072014e-308));  // subnormals: scale up first
  llvm::Value* scaled = b.CreateSelect(tiny, b.CreateFMul(x, constant(4503599627370496.0)), x);  // 2^52
  llvm::Value* bits = b.CreateBitCast(scaled, i64);
  llvm::Value* exponent = b.CreateSub(b.CreateAnd(b.CreateLShr(bits, 52), b.getInt64(0x7ff)), b.getInt64(1023));
  exponent = b.CreateSub(exponent, b.CreateSelect(tiny, b.getInt64(52), b.getInt64(0)));
  llvm::Value* mantissa = b.CreateBitCast(
      b.CreateOr(b.CreateAnd(bits, b.getInt64(0xfffffffffffffULL)), b.getInt64(0x3ff0000000000000ULL)), b.getDoubleTy());
  llvm::Value* above = b.CreateFCmpOGT(mantissa, constant(1.4142135623730951));
  mantissa = b.CreateSelect(above, b.CreateFMul(mantissa, constant(0.5)), mantissa);
  exponent = b.CreateAdd(exponent, b.CreateZExt(above, i64));
  llvm::Value* s = b.CreateFDiv(b.CreateFSub(mantissa, constant(1.0)), b.CreateFAdd(mantissa, constant(1.0)));
  llvm::Value* s2 = b.CreateFMul(s, s);
  // 2 atanh(s) / s = 2 + 2/3 s^2 + 2/5 s^4 + ... + 2/19 s^18 (Horner from the end)
  llvm::Value* series = constant(2.0 / 19.0);
  for (int odd = 17; odd >= 1; odd -= 2) series = b.CreateFAdd(b.CreateFMul(series, s2), constant(2.0 / odd));
  llvm::Value* e = b.CreateSIToFP(exponent, b.getDoubleTy());
  llvm::Value* result = b.CreateFAdd(b.CreateFMul(e, constant(6.93147180369123816490e-01)),
                                     b.CreateFAdd(b.CreateFMul(e, constant(1.90821492927058770002e-10)), b.CreateFMul(s, series)));
  result = b.CreateSelect(b.CreateFCmpOEQ(x, constant(0.0)), llvm::ConstantFP::getInfinity(x->getType(), true), result);
  result = b.CreateSelect(b.CreateFCmpOEQ(x, llvm::ConstantFP::getInfinity(x->getType())), x, result);
  // Negative or NaN: NaN.
  return b.CreateSelect(b.CreateFCmpULT(x, constant(0.0)), llvm::ConstantFP::getNaN(x->getType()), result);
}

}  // namespace modelc
