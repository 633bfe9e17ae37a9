// exp, sigmoid and tanh as inline LLVM IR, so generated code never calls libm.
// exp: Cody-Waite range reduction x = n*ln2 + r, |r| <= ln2/2, a degree-6 polynomial
// for e^r (relative error below 2e-7) and 2^n built in the exponent bits. Inputs
// beyond float range give 0 or +inf exactly; NaN propagates.
// exp and log also take float64 (for the ops ops.def admits it for), computed to double
// precision by the same methods with double constants and longer series
// (inline_math_double.cc).
#include "compiler/backend/kernel_context.h"
#include "compiler/util/status_macros.h"
#include "compiler/ir/op_geometry.h"

namespace modelc {

llvm::Value* EmitExp(KernelContext& k, llvm::Value* x) {
  if (x->getType()->isDoubleTy()) return EmitExpDouble(k, x);
  llvm::IRBuilder<>& b = k.b;
  constexpr float kLowest = -87.33654f;      // below: result 0 (no denormals)
  constexpr float kHighest = 88.37626f;      // 2^127.5: largest with n <= 127
  constexpr float kOverflow = 88.72283935f;  // above: +inf
  llvm::Value* clamped = b.CreateSelect(b.CreateFCmpOLT(x, k.Float(kLowest)), k.Float(kLowest), x);
  clamped = b.CreateSelect(b.CreateFCmpOGT(clamped, k.Float(kHighest)), k.Float(kHighest), clamped);
  llvm::Value* scaled = b.CreateFMul(clamped, k.Float(1.44269504f));
  llvm::Value* rounding = b.CreateSelect(b.CreateFCmpOGE(scaled, k.Float(0.0f)), k.Float(0.5f), k.Float(-0.5f));
  llvm::Value* n = b.CreateFPToSI(b.CreateFAdd(scaled, rounding), b.getInt32Ty());
  llvm::Value* n_float = b.CreateSIToFP(n, k.F32());
  llvm::Value* r = b.CreateFSub(clamped, b.CreateFMul(n_float, k.Float(0.693145751953125f)));
  r = b.CreateFSub(r, b.CreateFMul(n_float, k.Float(1.428606765330187e-06f)));
  // e^r = 1 + r + r^2/2! + ... + r^6/6! (Horner)
  const float coefficients[] = {1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f};
  llvm::Value* poly = k.Float(coefficients[0]);
  for (int i = 1; i < 7; ++i) poly = b.CreateFAdd(b.CreateFMul(poly, r), k.Float(coefficients[i]));
  llvm::Value* exponent = b.CreateShl(b.CreateAdd(n, b.getInt32(127)), 23);
  llvm::Value* result = b.CreateFMul(poly, b.CreateBitCast(exponent, k.F32()));
  result = b.CreateSelect(b.CreateFCmpOLT(x, k.Float(kLowest)), k.Float(0.0f), result);
  result = b.CreateSelect(b.CreateFCmpOGT(x, k.Float(kOverflow)),
                          llvm::ConstantFP::getInfinity(k.F32()), result);
  return b.CreateSelect(b.CreateFCmpUNO(x, x), x, result);
}

llvm::Value* EmitSigmoid(KernelContext& k, llvm::Value* x) {
  llvm::Value* e = EmitExp(k, k.b.CreateFNeg(x));
  return k.b.CreateFDiv(k.Float(1.0f), k.b.CreateFAdd(k.Float(1.0f), e));
}

llvm::Value* EmitTanh(KernelContext& k, llvm::Value* x) {
  // tanh(x) = 1 - 2 / (e^(2x) + 1); saturates correctly at both ends.
  llvm::Value* e = EmitExp(k, k.b.CreateFMul(x, k.Float(2.0f)));
  return k.b.CreateFSub(k.Float(1.0f),
                        k.b.CreateFDiv(k.Float(2.0f), k.b.CreateFAdd(e, k.Float(1.0f))));
}

llvm::Value* EmitLog(KernelContext& k, llvm::Value* x) {
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s), s = (m-1)/(m+1),
  // |s| <= 0.172, from its series to s^9 (truncation error below 1e-9).
  if (x->getType()->isDoubleTy()) return EmitLogDouble(k, x);
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* i32 = b.getInt32Ty();
  llvm::Value* tiny = b.CreateFCmpOLT(x, k.Float(1.17549435e-38f));  // denormals: scale up first
  llvm::Value* scaled = b.CreateSelect(tiny, b.CreateFMul(x, k.Float(8388608.0f)), x);
  llvm::Value* bits = b.CreateBitCast(scaled, i32);
  llvm::Value* exponent = b.CreateSub(b.CreateAnd(b.CreateLShr(bits, 23), b.getInt32(255)), b.getInt32(127));
  exponent = b.CreateSub(exponent, b.CreateSelect(tiny, b.getInt32(23), b.getInt32(0)));
  llvm::Value* mantissa = b.CreateBitCast(b.CreateOr(b.CreateAnd(bits, b.getInt32(0x7fffff)), b.getInt32(0x3f800000)), k.F32());
  llvm::Value* above = b.CreateFCmpOGT(mantissa, k.Float(1.41421356f));
  mantissa = b.CreateSelect(above, b.CreateFMul(mantissa, k.Float(0.5f)), mantissa);
  exponent = b.CreateAdd(exponent, b.CreateZExt(above, i32));
  llvm::Value* s = b.CreateFDiv(b.CreateFSub(mantissa, k.Float(1.0f)), b.CreateFAdd(mantissa, k.Float(1.0f)));
  llvm::Value* s2 = b.CreateFMul(s, s);
  llvm::Value* series = k.Float(2.0f / 9.0f);
  for (float c : {2.0f / 7.0f, 2.0f / 5.0f, 2.0f / 3.0f, 2.0f}) series = b.CreateFAdd(b.CreateFMul(series, s2), k.Float(c));
  llvm::Value* e = b.CreateSIToFP(exponent, k.F32());
  llvm::Value* result = b.CreateFAdd(b.CreateFMul(e, k.Float(0.693145751953125f)),
                                     b.CreateFAdd(b.CreateFMul(e, k.Float(1.428606765330187e-06f)), b.CreateFMul(s, series)));
  result = b.CreateSelect(b.CreateFCmpOEQ(x, k.Float(0.0f)), llvm::ConstantFP::getInfinity(k.F32(), true), result);
  result = b.CreateSelect(b.CreateFCmpOEQ(x, llvm::ConstantFP::getInfinity(k.F32())), x, result);
  // Negative or NaN: NaN.
  return b.CreateSelect(b.CreateFCmpULT(x, k.Float(0.0f)), llvm::ConstantFP::getNaN(k.F32()), result);
}

llvm::Value* EmitErf(KernelContext& k, llvm::Value* x) {
  // Abramowitz & Stegun 7.1.26: erf(|x|) = 1 - t(a1 + t(a2 + ...)) e^(-x^2), t = 1/(1 + p|x|);
  // absolute error below 1.5e-7.
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* a = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
  llvm::Value* t = b.CreateFDiv(k.Float(1.0f), b.CreateFAdd(k.Float(1.0f), b.CreateFMul(a, k.Float(0.3275911f))));
  llvm::Value* poly = k.Float(1.061405429f);
  for (float c : {-1.453152027f, 1.421413741f, -0.284496736f, 0.254829592f}) poly = b.CreateFAdd(b.CreateFMul(poly, t), k.Float(c));
  llvm::Value* tail = b.CreateFMul(b.CreateFMul(poly, t), EmitExp(k, b.CreateFNeg(b.CreateFMul(x, x))));
  llvm::Value* magnitude = b.CreateFSub(k.Float(1.0f), tail);
  llvm::Value* result = b.CreateSelect(b.CreateFCmpOLT(x, k.Float(0.0f)), b.CreateFNeg(magnitude), magnitude);
  return b.CreateSelect(b.CreateFCmpUNO(x, x), x, result);
}

namespace {

// x truncated toward zero, for |x| < 2^23 (larger floats are integers already; the
// select keeps NaN and infinities away from the conversion, which would be poison).
llvm::Value* SmallMagnitude(KernelContext& k, llvm::Value* x) {
  return k.b.CreateFCmpOLT(k.b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x), k.Float(8388608.0f));
}

llvm::Value* Truncated(KernelContext& k, llvm::Value* x, llvm::Value* small) {
  llvm::Value* safe = k.b.CreateSelect(small, x, k.Float(0.0f));
  return k.b.CreateSIToFP(k.b.CreateFPToSI(safe, k.b.getInt32Ty()), k.F32());
}

}  // namespace

// Floor, ceil and round from integer conversion: Cortex-M4 and RISC-V have no rounding
// instructions, and a libm call is not allowed.
llvm::Value* EmitFloorOrCeil(KernelContext& k, llvm::Value* x, bool ceil) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* small = SmallMagnitude(k, x);
  llvm::Value* t = Truncated(k, x, small);
  llvm::Value* adjusted = ceil ? b.CreateSelect(b.CreateFCmpOLT(t, x), b.CreateFAdd(t, k.Float(1.0f)), t)
                               : b.CreateSelect(b.CreateFCmpOGT(t, x), b.CreateFSub(t, k.Float(1.0f)), t);
  return b.CreateSelect(small, adjusted, x);
}

llvm::Value* EmitRoundHalfEven(KernelContext& k, llvm::Value* x) {
  // Adding and removing 1.5 * 2^23 rounds to an integer, halves to even, for |x| < 2^22.
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* small = b.CreateFCmpOLT(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x), k.Float(4194304.0f));
  llvm::Value* rounded = b.CreateFSub(b.CreateFAdd(x, k.Float(12582912.0f)), k.Float(12582912.0f));
  return b.CreateSelect(small, rounded, x);
}

llvm::Value* EmitPow(KernelContext& k, llvm::Value* base, llvm::Value* exponent) {
  // |base|^exponent = exp(exponent * log|base|); a negative base needs an integer
  // exponent (odd: negative result), otherwise NaN. x^0 = 1 for every x.
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* magnitude = EmitExp(k, b.CreateFMul(exponent, EmitLog(k, b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, base))));
  llvm::Value* integral = b.CreateFCmpOEQ(EmitFloorOrCeil(k, exponent, false), exponent);
  llvm::Value* in_range = b.CreateFCmpOLT(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, exponent), k.Float(16777216.0f));
  llvm::Value* as_int = b.CreateFPToSI(b.CreateSelect(in_range, exponent, k.Float(0.0f)), b.getInt32Ty());
  llvm::Value* odd = b.CreateAnd(in_range, b.CreateTrunc(as_int, b.getInt1Ty()));
  llvm::Value* negative_result = b.CreateSelect(odd, b.CreateFNeg(magnitude), magnitude);
  llvm::Value* for_negative = b.CreateSelect(integral, negative_result, llvm::ConstantFP::getNaN(k.F32()));
  llvm::Value* result = b.CreateSelect(b.CreateFCmpOLT(base, k.Float(0.0f)), for_negative, magnitude);
  return b.CreateSelect(b.CreateFCmpOEQ(exponent, k.Float(0.0f)), k.Float(1.0f), result);
}

llvm::Value* EmitClamp(KernelContext& k, llvm::Value* x, llvm::Value* low, llvm::Value* high) {
  x = k.b.CreateSelect(k.b.CreateFCmpOLT(x, low), low, x);  // NaN compares false: it passes
  return k.b.CreateSelect(k.b.CreateFCmpOGT(x, high), high, x);
}

llvm::Value* EmitElementwiseFunction(KernelContext& k, const ElementwiseFunction& f, llvm::Value* x) {
  llvm::IRBuilder<>& b = k.b;
  auto less = [&](llvm::Value* v, float c) { return b.CreateFCmpOLT(v, k.Float(c)); };
  auto max0_min1 = [&](llvm::Value* v) { return EmitClamp(k, v, k.Float(0.0f), k.Float(1.0f)); };
  auto expm1 = [&](llvm::Value* v) { return b.CreateFSub(EmitExp(k, v), k.Float(1.0f)); };
  switch (AsElementwiseOp(f.op)) {
    case ElementwiseOp::kRelu:  // keeps NaN: only x < 0 becomes 0
      return b.CreateSelect(less(x, 0.0f), k.Float(0.0f), x);
    case ElementwiseOp::kSigmoid:
      return EmitSigmoid(k, x);
    case ElementwiseOp::kTanh:
      return EmitTanh(k, x);
    case ElementwiseOp::kExp:
      return EmitExp(k, x);
    case ElementwiseOp::kLog:
      return EmitLog(k, x);
    case ElementwiseOp::kAbs:
      return b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x);
    case ElementwiseOp::kNeg:
      return b.CreateFNeg(x);
    case ElementwiseOp::kSqrt:
      return EmitSqrt(k, x);
    case ElementwiseOp::kReciprocal:
      return b.CreateFDiv(k.Float(1.0f), x);
    case ElementwiseOp::kFloor:
      return EmitFloorOrCeil(k, x, false);
    case ElementwiseOp::kCeil:
      return EmitFloorOrCeil(k, x, true);
    case ElementwiseOp::kRound:
      return EmitRoundHalfEven(k, x);
    case ElementwiseOp::kSign:
      return b.CreateSelect(b.CreateFCmpOGT(x, k.Float(0.0f)), k.Float(1.0f),
                            b.CreateSelect(less(x, 0.0f), k.Float(-1.0f), x));
    case ElementwiseOp::kErf:
      return EmitErf(k, x);
    case ElementwiseOp::kSoftplus: {  // max(x, 0) + log(1 + e^-|x|): no overflow
      llvm::Value* e = EmitExp(k, b.CreateFNeg(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x)));
      llvm::Value* positive = b.CreateSelect(less(x, 0.0f), k.Float(0.0f), x);
      return b.CreateFAdd(positive, EmitLog(k, b.CreateFAdd(k.Float(1.0f), e)));
    }
    case ElementwiseOp::kSoftsign:
      return b.CreateFDiv(x, b.CreateFAdd(k.Float(1.0f), b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x)));
    case ElementwiseOp::kElu:
      return b.CreateSelect(less(x, 0.0f), b.CreateFMul(k.Float(f.alpha), expm1(x)), x);
    case ElementwiseOp::kSelu:
      return b.CreateSelect(b.CreateFCmpOGT(x, k.Float(0.0f)), b.CreateFMul(k.Float(f.gamma), x),
                            b.CreateFMul(k.Float(f.gamma * f.alpha), expm1(x)));
    case ElementwiseOp::kCelu: {
      llvm::Value* negative = b.CreateFMul(k.Float(f.alpha), expm1(b.CreateFDiv(x, k.Float(f.alpha))));
      return b.CreateSelect(less(x, 0.0f), negative, x);
    }
    case ElementwiseOp::kLeakyRelu:
      return b.CreateSelect(less(x, 0.0f), b.CreateFMul(x, k.Float(f.alpha)), x);
    case ElementwiseOp::kThresholdedRelu:
      return b.CreateSelect(b.CreateFCmpOGT(x, k.Float(f.alpha)), x, k.Float(0.0f));
    case ElementwiseOp::kHardSigmoid:
      return max0_min1(b.CreateFAdd(b.CreateFMul(x, k.Float(f.alpha)), k.Float(f.beta)));
    case ElementwiseOp::kHardSwish:
      return b.CreateFMul(x, max0_min1(b.CreateFAdd(b.CreateFMul(x, k.Float(1.0f / 6.0f)), k.Float(0.5f))));
    case ElementwiseOp::kClip:
      return EmitClamp(k, x, k.Float(f.alpha), k.Float(f.beta));
    case ElementwiseOp::kShrink:
      return b.CreateSelect(less(x, -f.alpha), b.CreateFAdd(x, k.Float(f.beta)),
                            b.CreateSelect(b.CreateFCmpOGT(x, k.Float(f.alpha)), b.CreateFSub(x, k.Float(f.beta)), k.Float(0.0f)));
    case ElementwiseOp::kSwish:
      return b.CreateFMul(x, EmitSigmoid(k, b.CreateFMul(x, k.Float(f.alpha))));
    case ElementwiseOp::kSin: case ElementwiseOp::kCos: case ElementwiseOp::kTan: case ElementwiseOp::kAsin:
    case ElementwiseOp::kAcos: case ElementwiseOp::kAtan: case ElementwiseOp::kSinh: case ElementwiseOp::kCosh:
    case ElementwiseOp::kAsinh: case ElementwiseOp::kAcosh: case ElementwiseOp::kAtanh:
      return EmitTrigonometric(k, f.op, x);
    case ElementwiseOp::kIdentity:
    case ElementwiseOp::kNot: case ElementwiseOp::kCast: case ElementwiseOp::kIsNaN: case ElementwiseOp::kIsInf:
    case ElementwiseOp::kBitwiseNot:
      return x;  // the last five are not float functions: they run as typed kernels, never here
  }
  MODELC_UNREACHABLE("every case of the switch returns");
}

llvm::Value* EmitVectorEpilogue(KernelContext& k, const Epilogue& epilogue, llvm::Value* value, llvm::Value* residual) {
  llvm::IRBuilder<>& b = k.b;
  auto constant = [&](float c) { return llvm::ConstantFP::get(value->getType(), c); };  // splat for vectors
  if (residual) value = b.CreateFAdd(value, residual);
  // IsVectorEpilogue names every function; the ones it admits are these and the identity.
  const ElementwiseFunction& f = epilogue.activation;
  const ElementwiseOp op = AsElementwiseOp(f.op);
  if (op == ElementwiseOp::kRelu) {  // keeps NaN, as the scalar Relu
    return b.CreateSelect(b.CreateFCmpOLT(value, constant(0.0f)), constant(0.0f), value);
  }
  if (op == ElementwiseOp::kLeakyRelu) {
    return b.CreateSelect(b.CreateFCmpOLT(value, constant(0.0f)), b.CreateFMul(value, constant(f.alpha)), value);
  }
  if (op == ElementwiseOp::kClip) return EmitClamp(k, value, constant(f.alpha), constant(f.beta));
  return value;
}

void EmitStoreWithEpilogue(KernelContext& k, const Epilogue& epilogue, llvm::Value* value, llvm::Value* element,
                           int64_t valid, int64_t lanes) {
  if (!epilogue.Empty() && IsVectorEpilogue(epilogue)) {
    llvm::Value* residual = nullptr;
    if (epilogue.residual) {
      residual = k.LoadLanes(value->getType(), k.Address(k.in[kConvResidualInput], element), valid, lanes);
    }
    value = EmitVectorEpilogue(k, epilogue, value, residual);
  }
  k.StoreLanes(value, k.Address(k.out[0], element), valid, lanes);
}

void EmitEpilogueLoop(KernelContext& k, const Epilogue& epilogue, llvm::Value* out, llvm::Value* residual,
                      int64_t count) {
  if (epilogue.Empty()) return;
  k.Loop(count, [&](llvm::Value* i) {
    llvm::Value* v = k.Load(out, i);
    if (epilogue.residual) v = k.b.CreateFAdd(v, k.Load(residual, i));
    k.Store(EmitElementwiseFunction(k, epilogue.activation, v), out, i);
  });
}

}  // namespace modelc
