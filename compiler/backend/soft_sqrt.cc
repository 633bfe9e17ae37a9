// Square root without a libm call on every target. With a floating-point unit it is
// one instruction (llvm.sqrt). Without one (Cortex-M3, RV32IMC), LLVM would lower
// llvm.sqrt to a call to libm's sqrtf, which a freestanding object must not need: there
// the object carries its own, a private function (one per object, no symbol another
// model could collide with) that computes the correctly rounded root bit by bit in
// integers, as fdlibm's e_sqrtf.c does in round-to-nearest: +-0, +inf and NaN return
// themselves, other negative numbers NaN, subnormals are normalised first.
#include "compiler/backend/kernel_context.h"

namespace modelc {
namespace {

constexpr char kSoftSqrtName[] = "modelc.soft_sqrtf";

llvm::Function* SoftSqrtFunction(llvm::Module& module) {
  if (llvm::Function* existing = module.getFunction(kSoftSqrtName)) return existing;
  llvm::LLVMContext& context = module.getContext();
  llvm::Type* f32 = llvm::Type::getFloatTy(context);
  llvm::Type* i32 = llvm::Type::getInt32Ty(context);
  llvm::Function* function = llvm::Function::Create(llvm::FunctionType::get(f32, {f32}, false),
                                                    llvm::GlobalValue::PrivateLinkage, kSoftSqrtName, module);
  function->addFnAttr(llvm::Attribute::NoUnwind);
  function->addFnAttr(llvm::Attribute::WillReturn);
  function->setDoesNotAccessMemory();
  llvm::BasicBlock* entry = llvm::BasicBlock::Create(context, "entry", function);
  llvm::BasicBlock* not_special = llvm::BasicBlock::Create(context, "not_special", function);
  llvm::BasicBlock* finite_positive = llvm::BasicBlock::Create(context, "finite_positive", function);
  llvm::BasicBlock* loop = llvm::BasicBlock::Create(context, "bit", function);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(context, "done", function);
  llvm::BasicBlock* itself = llvm::BasicBlock::Create(context, "itself", function);
  llvm::BasicBlock* nan = llvm::BasicBlock::Create(context, "nan", function);
  llvm::IRBuilder<> b(entry);
  llvm::Value* x = function->getArg(0);
  llvm::Value* bits = b.CreateBitCast(x, i32);
  llvm::Value* magnitude = b.CreateAnd(bits, 0x7fffffff);
  // +-0, NaN and +inf are their own roots.
  llvm::Value* own_root = b.CreateOr(b.CreateOr(b.CreateICmpEQ(magnitude, b.getInt32(0)),
                                                b.CreateICmpUGT(magnitude, b.getInt32(0x7f800000))),
                                     b.CreateICmpEQ(bits, b.getInt32(0x7f800000)));
  b.CreateCondBr(own_root, itself, not_special);
  b.SetInsertPoint(not_special);  // negative (including -inf): NaN
  b.CreateCondBr(b.CreateICmpSLT(bits, b.getInt32(0)), nan, finite_positive);

  b.SetInsertPoint(finite_positive);
  llvm::Value* biased = b.CreateLShr(bits, 23);
  llvm::Value* subnormal = b.CreateICmpEQ(biased, b.getInt32(0));
  // A subnormal's leading one moves up to bit 23; its exponent goes down as far.
  llvm::Value* leading_zeros = b.CreateBinaryIntrinsic(llvm::Intrinsic::ctlz, bits, b.getTrue());
  llvm::Value* shift = b.CreateSelect(subnormal, b.CreateSub(leading_zeros, b.getInt32(8)), b.getInt32(0));
  llvm::Value* exponent = b.CreateSub(b.CreateSelect(subnormal, b.CreateSub(b.getInt32(1), shift), biased),
                                      b.getInt32(127));
  llvm::Value* mantissa = b.CreateOr(b.CreateAnd(b.CreateShl(bits, shift), 0x007fffff), 0x00800000);
  mantissa = b.CreateShl(mantissa, b.CreateAnd(exponent, 1));  // an odd exponent: double, make it even
  llvm::Value* half_exponent = b.CreateAShr(exponent, 1);
  mantissa = b.CreateShl(mantissa, 1);
  b.CreateBr(loop);

  // One bit of the root per step, from 2^24 down: q is the root, s twice it, r the bit.
  b.SetInsertPoint(loop);
  llvm::PHINode* remainder = b.CreatePHI(i32, 2, "remainder");
  llvm::PHINode* twice = b.CreatePHI(i32, 2, "twice");
  llvm::PHINode* root = b.CreatePHI(i32, 2, "root");
  llvm::PHINode* bit = b.CreatePHI(i32, 2, "bit");
  remainder->addIncoming(mantissa, finite_positive);
  twice->addIncoming(b.getInt32(0), finite_positive);
  root->addIncoming(b.getInt32(0), finite_positive);
  bit->addIncoming(b.getInt32(0x01000000), finite_positive);
  llvm::Value* trial = b.CreateAdd(twice, bit);
  llvm::Value* take = b.CreateICmpULE(trial, remainder);
  llvm::Value* next_twice = b.CreateSelect(take, b.CreateAdd(trial, bit), twice);
  llvm::Value* next_remainder = b.CreateShl(b.CreateSelect(take, b.CreateSub(remainder, trial), remainder), 1);
  llvm::Value* next_root = b.CreateSelect(take, b.CreateAdd(root, bit), root);
  llvm::Value* next_bit = b.CreateLShr(bit, 1);
  remainder->addIncoming(next_remainder, loop);
  twice->addIncoming(next_twice, loop);
  root->addIncoming(next_root, loop);
  bit->addIncoming(next_bit, loop);
  b.CreateCondBr(b.CreateICmpNE(next_bit, b.getInt32(0)), loop, done);

  b.SetInsertPoint(done);  // round to nearest, ties to even, on the last bit
  llvm::Value* inexact = b.CreateICmpNE(next_remainder, b.getInt32(0));
  llvm::Value* rounded = b.CreateAdd(next_root, b.CreateSelect(inexact, b.CreateAnd(next_root, 1), b.getInt32(0)));
  llvm::Value* result = b.CreateAdd(b.CreateAdd(b.CreateLShr(rounded, 1), b.getInt32(0x3f000000)),
                                    b.CreateShl(half_exponent, 23));
  b.CreateRet(b.CreateBitCast(result, f32));

  b.SetInsertPoint(itself);
  b.CreateRet(x);
  b.SetInsertPoint(nan);
  b.CreateRet(llvm::ConstantFP::getNaN(f32));
  return function;
}

}  // namespace

llvm::Value* EmitSqrt(KernelContext& k, llvm::Value* x) {
  if (k.target.hardware_float) return k.b.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, x);
  llvm::Function* soft_sqrt = SoftSqrtFunction(k.module);
  auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(x->getType());
  if (!vector) return k.b.CreateCall(soft_sqrt, {x});
  llvm::Value* result = llvm::PoisonValue::get(vector);
  for (unsigned lane = 0; lane < vector->getNumElements(); ++lane) {
    result = k.b.CreateInsertElement(result, k.b.CreateCall(soft_sqrt, {k.b.CreateExtractElement(x, lane)}), lane);
  }
  return result;
}

}  // namespace modelc
