// Trigonometric and hyperbolic functions as inline LLVM IR (no libm in generated code).
// sin, cos: x = k * pi/2 + r by three-part Cody-Waite reduction, |r| <= pi/4, then
// minimax polynomials for sin r and cos r chosen and signed by k mod 4 (accurate for
// |x| up to about 1e5; beyond, the reduction loses bits, as float32 libms warn too).
// atan: reduced to [0, tan(pi/8)] with atan(x) = pi/2 - atan(1/x) and
// pi/4 + atan((x-1)/(x+1)). The inverse and hyperbolic functions build on atan, exp,
// log and log1p, with series where their formulas cancel.
#include "compiler/backend/kernel_context.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr float kPi = 3.14159265358979f;
constexpr float kHalfPi = 1.57079632679490f;

llvm::Value* Fabs(KernelContext& k, llvm::Value* x) { return k.b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x); }

llvm::Value* Horner(KernelContext& k, llvm::Value* z, std::initializer_list<float> coefficients) {
  llvm::Value* poly = nullptr;
  for (float c : coefficients) poly = poly ? k.b.CreateFAdd(k.b.CreateFMul(poly, z), k.Float(c)) : k.Float(c);
  return poly;
}

// sin or cos of x.
llvm::Value* EmitSinCos(KernelContext& k, llvm::Value* x, bool cosine) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* finite = b.CreateFCmpOLT(Fabs(k, x), k.Float(1e7f));
  llvm::Value* safe = b.CreateSelect(finite, x, k.Float(0.0f));
  llvm::Value* scaled = b.CreateFMul(safe, k.Float(0.636619772367581f));  // 2/pi
  llvm::Value* rounding = b.CreateSelect(b.CreateFCmpOGE(scaled, k.Float(0.0f)), k.Float(0.5f), k.Float(-0.5f));
  llvm::Value* quadrant = b.CreateFPToSI(b.CreateFAdd(scaled, rounding), b.getInt32Ty());
  llvm::Value* q = b.CreateSIToFP(quadrant, k.F32());
  llvm::Value* r = b.CreateFSub(safe, b.CreateFMul(q, k.Float(1.5703125f)));
  r = b.CreateFSub(r, b.CreateFMul(q, k.Float(4.837512969970703125e-4f)));
  r = b.CreateFSub(r, b.CreateFMul(q, k.Float(7.54978995489188216e-8f)));
  llvm::Value* z = b.CreateFMul(r, r);
  llvm::Value* sin_r = b.CreateFAdd(r, b.CreateFMul(b.CreateFMul(r, z),
                                                    Horner(k, z, {-1.9515295891e-4f, 8.3321608736e-3f, -1.6666654611e-1f})));
  llvm::Value* cos_r = b.CreateFAdd(b.CreateFSub(k.Float(1.0f), b.CreateFMul(k.Float(0.5f), z)),
                                    b.CreateFMul(b.CreateFMul(z, z),
                                                 Horner(k, z, {2.443315711809948e-5f, -1.388731625493765e-3f, 4.166664568298827e-2f})));
  // sin(r + q pi/2): q mod 4 = 0: sin r, 1: cos r, 2: -sin r, 3: -cos r; cos shifts q by 1.
  llvm::Value* n = b.CreateAnd(cosine ? b.CreateAdd(quadrant, b.getInt32(1)) : quadrant, b.getInt32(3));
  llvm::Value* odd = b.CreateICmpEQ(b.CreateAnd(n, b.getInt32(1)), b.getInt32(1));
  llvm::Value* value = b.CreateSelect(odd, cos_r, sin_r);
  llvm::Value* negate = b.CreateICmpUGE(n, b.getInt32(2));
  value = b.CreateSelect(negate, b.CreateFNeg(value), value);
  // Infinities and NaN give NaN; huge finite inputs are outside the promise above.
  return b.CreateSelect(finite, value, b.CreateFSub(x, x));
}

llvm::Value* EmitAtan(KernelContext& k, llvm::Value* x) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* a = Fabs(k, x);
  llvm::Value* big = b.CreateFCmpOGT(a, k.Float(2.414213562373095f));     // tan(3 pi/8)
  llvm::Value* middle = b.CreateFCmpOGT(a, k.Float(0.4142135623730950f));  // tan(pi/8)
  llvm::Value* reduced = b.CreateSelect(big, b.CreateFDiv(k.Float(-1.0f), a),
                                        b.CreateSelect(middle, b.CreateFDiv(b.CreateFSub(a, k.Float(1.0f)),
                                                                            b.CreateFAdd(a, k.Float(1.0f))),
                                                       a));
  llvm::Value* offset = b.CreateSelect(big, k.Float(kHalfPi), b.CreateSelect(middle, k.Float(kPi / 4), k.Float(0.0f)));
  llvm::Value* z = b.CreateFMul(reduced, reduced);
  llvm::Value* poly = Horner(k, z, {8.05374449538e-2f, -1.38776856032e-1f, 1.99777106478e-1f, -3.33329491539e-1f});
  llvm::Value* value = b.CreateFAdd(offset, b.CreateFAdd(reduced, b.CreateFMul(b.CreateFMul(poly, z), reduced)));
  value = b.CreateSelect(b.CreateFCmpOLT(x, k.Float(0.0f)), b.CreateFNeg(value), value);
  return b.CreateSelect(b.CreateFCmpUNO(x, x), x, value);
}

llvm::Value* Sqrt(KernelContext& k, llvm::Value* x) { return EmitSqrt(k, x); }

}  // namespace

llvm::Value* EmitLog1p(KernelContext& k, llvm::Value* u) {
  // log(1 + u) = log(w) * u / (w - 1) with w = 1 + u rounded: the rounding error of w
  // cancels (Goldberg); w == 1 means log1p(u) = u to float precision.
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* w = b.CreateFAdd(k.Float(1.0f), u);
  llvm::Value* w_minus_1 = b.CreateFSub(w, k.Float(1.0f));
  llvm::Value* safe = b.CreateSelect(b.CreateFCmpOEQ(w_minus_1, k.Float(0.0f)), k.Float(1.0f), w_minus_1);
  llvm::Value* corrected = b.CreateFDiv(b.CreateFMul(EmitLog(k, w), u), safe);
  llvm::Value* value = b.CreateSelect(b.CreateFCmpOEQ(w_minus_1, k.Float(0.0f)), u, corrected);
  // u = +inf: w - 1 = inf and inf * inf / inf would be NaN.
  return b.CreateSelect(b.CreateFCmpOEQ(u, llvm::ConstantFP::getInfinity(k.F32())), u, value);
}

llvm::Value* EmitTrigonometric(KernelContext& k, OpKind op, llvm::Value* x) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* one = k.Float(1.0f);
  auto copy_sign = [&](llvm::Value* magnitude) {
    return b.CreateSelect(b.CreateFCmpOLT(x, k.Float(0.0f)), b.CreateFNeg(magnitude), magnitude);
  };
  switch (AsElementwiseOp(op)) {
    case ElementwiseOp::kSin:
      return EmitSinCos(k, x, false);
    case ElementwiseOp::kCos:
      return EmitSinCos(k, x, true);
    case ElementwiseOp::kTan:
      return b.CreateFDiv(EmitSinCos(k, x, false), EmitSinCos(k, x, true));
    case ElementwiseOp::kAtan:
      return EmitAtan(k, x);
    case ElementwiseOp::kAsin: {  // atan(x / sqrt((1 - x)(1 + x))); |x| > 1: NaN
      llvm::Value* root = Sqrt(k, b.CreateFMul(b.CreateFSub(one, x), b.CreateFAdd(one, x)));
      return EmitAtan(k, b.CreateFDiv(x, root));
    }
    case ElementwiseOp::kAcos: {  // 2 atan(sqrt((1 - x) / (1 + x)))
      llvm::Value* root = Sqrt(k, b.CreateFDiv(b.CreateFSub(one, x), b.CreateFAdd(one, x)));
      return b.CreateFMul(k.Float(2.0f), EmitAtan(k, root));
    }
    case ElementwiseOp::kSinh: {  // series below 0.5, where e^x - e^-x cancels
      llvm::Value* a = Fabs(k, x);
      llvm::Value* e = EmitExp(k, a);
      llvm::Value* large = b.CreateFMul(k.Float(0.5f), b.CreateFSub(e, b.CreateFDiv(one, e)));
      llvm::Value* z = b.CreateFMul(a, a);
      llvm::Value* small = b.CreateFAdd(a, b.CreateFMul(b.CreateFMul(a, z),
                                                        Horner(k, z, {1.0f / 362880, 1.0f / 5040, 1.0f / 120, 1.0f / 6})));
      return copy_sign(b.CreateSelect(b.CreateFCmpOLT(a, k.Float(0.5f)), small, large));
    }
    case ElementwiseOp::kCosh: {
      llvm::Value* e = EmitExp(k, Fabs(k, x));
      return b.CreateFMul(k.Float(0.5f), b.CreateFAdd(e, b.CreateFDiv(one, e)));
    }
    case ElementwiseOp::kAsinh: {  // log1p(|x| + x^2 / (1 + sqrt(1 + x^2))); huge |x|: log(2|x|)
      llvm::Value* a = Fabs(k, x);
      llvm::Value* z = b.CreateFMul(a, a);
      llvm::Value* moderate = EmitLog1p(k, b.CreateFAdd(a, b.CreateFDiv(z, b.CreateFAdd(one, Sqrt(k, b.CreateFAdd(one, z))))));
      llvm::Value* huge = b.CreateFAdd(EmitLog(k, a), k.Float(0.693147180559945f));
      return copy_sign(b.CreateSelect(b.CreateFCmpOGT(a, k.Float(1e18f)), huge, moderate));
    }
    case ElementwiseOp::kAcosh: {  // log(x + sqrt(x^2 - 1)) = log1p(t + sqrt(t (t + 2))), t = x - 1
      llvm::Value* t = b.CreateFSub(x, one);
      llvm::Value* moderate = EmitLog1p(k, b.CreateFAdd(t, Sqrt(k, b.CreateFMul(t, b.CreateFAdd(t, k.Float(2.0f))))));
      llvm::Value* huge = b.CreateFAdd(EmitLog(k, x), k.Float(0.693147180559945f));
      llvm::Value* value = b.CreateSelect(b.CreateFCmpOGT(x, k.Float(1e18f)), huge, moderate);
      return b.CreateSelect(b.CreateFCmpULT(x, one), llvm::ConstantFP::getNaN(k.F32()), value);
    }
    case ElementwiseOp::kAtanh: {  // 0.5 log1p(2|x| / (1 - |x|))
      llvm::Value* a = Fabs(k, x);
      llvm::Value* value = b.CreateFMul(k.Float(0.5f), EmitLog1p(k, b.CreateFDiv(b.CreateFMul(k.Float(2.0f), a), b.CreateFSub(one, a))));
      return copy_sign(value);
    }
    case ElementwiseOp::kRelu: case ElementwiseOp::kSigmoid: case ElementwiseOp::kTanh: case ElementwiseOp::kExp:
    case ElementwiseOp::kLog: case ElementwiseOp::kAbs: case ElementwiseOp::kNeg: case ElementwiseOp::kSqrt:
    case ElementwiseOp::kReciprocal: case ElementwiseOp::kFloor: case ElementwiseOp::kCeil:
    case ElementwiseOp::kRound: case ElementwiseOp::kSign: case ElementwiseOp::kErf: case ElementwiseOp::kSoftplus:
    case ElementwiseOp::kSoftsign: case ElementwiseOp::kElu: case ElementwiseOp::kSelu: case ElementwiseOp::kCelu:
    case ElementwiseOp::kLeakyRelu: case ElementwiseOp::kThresholdedRelu: case ElementwiseOp::kHardSigmoid:
    case ElementwiseOp::kHardSwish: case ElementwiseOp::kNot: case ElementwiseOp::kCast: case ElementwiseOp::kIsNaN:
    case ElementwiseOp::kIsInf: case ElementwiseOp::kClip: case ElementwiseOp::kIdentity: case ElementwiseOp::kBitwiseNot:
    case ElementwiseOp::kShrink: case ElementwiseOp::kSwish:
      return x;
  }
  MODELC_UNREACHABLE("every case of the switch returns");
}

}  // namespace modelc
