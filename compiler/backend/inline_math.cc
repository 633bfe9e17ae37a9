// exp, sigmoid and tanh as inline LLVM IR, so generated code never calls libm.
// exp: Cody-Waite range reduction x = n*ln2 + r, |r| <= ln2/2, a degree-6 polynomial
// for e^r (relative error below 2e-7) and 2^n built in the exponent bits. Inputs
// beyond float range give 0 or +inf exactly; NaN propagates.
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"

namespace modelc {

llvm::Value* EmitExp(KernelContext& k, llvm::Value* x) {
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

llvm::Value* EmitActivation(KernelContext& k, const Epilogue& epilogue, llvm::Value* x) {
  llvm::IRBuilder<>& b = k.b;
  switch (epilogue.activation) {
    case Activation::kNone:
      return x;
    case Activation::kRelu:  // keeps NaN: only x < 0 becomes 0
      return b.CreateSelect(b.CreateFCmpOLT(x, k.Float(0.0f)), k.Float(0.0f), x);
    case Activation::kSigmoid:
      return EmitSigmoid(k, x);
    case Activation::kTanh:
      return EmitTanh(k, x);
    case Activation::kClip:  // NaN passes through both selects
      x = b.CreateSelect(b.CreateFCmpOLT(x, k.Float(epilogue.min)), k.Float(epilogue.min), x);
      return b.CreateSelect(b.CreateFCmpOGT(x, k.Float(epilogue.max)), k.Float(epilogue.max), x);
  }
  return x;
}

void EmitEpilogueLoop(KernelContext& k, const Epilogue& epilogue, llvm::Value* out, llvm::Value* residual,
                      int64_t count) {
  if (epilogue.Empty()) return;
  k.Loop(count, [&](llvm::Value* i) {
    llvm::Value* v = k.Load(out, i);
    if (epilogue.residual) v = k.b.CreateFAdd(v, k.Load(residual, i));
    k.Store(EmitActivation(k, epilogue, v), out, i);
  });
}

}  // namespace modelc
