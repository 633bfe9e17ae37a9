#include "compiler/backend/mve_conversion_fences.h"

#include <climits>
#include <vector>

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"

namespace modelc {
namespace {

bool IsVectorIntToFloat(const llvm::Value* value) {
  return value->getType()->isVectorTy() && (llvm::isa<llvm::SIToFPInst>(value) || llvm::isa<llvm::UIToFPInst>(value));
}

// A splat of a power of two (or of its negation): what the combine folds.
bool IsPowerOfTwoSplat(const llvm::Value* value) {
  const auto* constant = llvm::dyn_cast<llvm::Constant>(value);
  const auto* splat = constant ? llvm::dyn_cast_or_null<llvm::ConstantFP>(constant->getSplatValue()) : nullptr;
  return splat && splat->getValueAPF().getExactLog2Abs() != INT_MIN;
}

// A vector product by such a splat.
bool IsVectorProductByPowerOfTwo(const llvm::Value* value) {
  const auto* product = llvm::dyn_cast<llvm::BinaryOperator>(value);
  return product && product->getType()->isVectorTy() && product->getOpcode() == llvm::Instruction::FMul &&
         (IsPowerOfTwoSplat(product->getOperand(0)) || IsPowerOfTwoSplat(product->getOperand(1)));
}

}  // namespace

void FenceMveFixedPointConversions(llvm::Module& module) {
  // The operands to fence: (the instruction using it, operand index).
  std::vector<std::pair<llvm::Instruction*, unsigned>> fenced;
  for (llvm::Function& function : module) {
    for (llvm::BasicBlock& block : function) {
      for (llvm::Instruction& instruction : block) {
        const auto* intrinsic = llvm::dyn_cast<llvm::IntrinsicInst>(&instruction);
        const bool to_integer = llvm::isa<llvm::FPToSIInst>(instruction) || llvm::isa<llvm::FPToUIInst>(instruction) ||
                                (intrinsic && (intrinsic->getIntrinsicID() == llvm::Intrinsic::fptosi_sat ||
                                               intrinsic->getIntrinsicID() == llvm::Intrinsic::fptoui_sat));
        for (unsigned i = 0; i < instruction.getNumOperands(); ++i) {
          const llvm::Value* operand = instruction.getOperand(i);
          if ((IsVectorProductByPowerOfTwo(&instruction) && IsVectorIntToFloat(operand)) ||
              (to_integer && IsVectorProductByPowerOfTwo(operand))) {
            fenced.push_back({&instruction, i});
          }
        }
      }
    }
  }
  for (const auto& [user, i] : fenced) {
    llvm::IRBuilder<> b(user);
    llvm::Value* operand = user->getOperand(i);
    user->setOperand(i, b.CreateIntrinsic(llvm::Intrinsic::arithmetic_fence, {operand->getType()}, {operand}));
  }
}

}  // namespace modelc
