// How ScatterElements and ScatterND combine an update with the element it lands on
// (their `reduction` attribute): "none" replaces it, "add", "mul", "max" and "min"
// combine the two. Integers wrap; max and min keep the element unless the update is
// greater (smaller), so a NaN update never replaces it. Updates apply in index order
// (the order of ONNX's reference), so with "none" the last of duplicate indices wins.
// The rule is written once for the reference (CombineScatter) and once for the
// kernels (EmitCombineScatter).
#ifndef MODELC_OPS_SCATTER_SCATTER_REDUCTION_H_
#define MODELC_OPS_SCATTER_SCATTER_REDUCTION_H_

#include <string>
#include <type_traits>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/graph.h"
#include "compiler/util/status_macros.h"

namespace modelc {

enum class ScatterReduction { kNone, kAdd, kMul, kMax, kMin };

// The node's reduction; bool data takes only "none".
inline absl::StatusOr<ScatterReduction> ResolveScatterReduction(const Node& node, DataType type) {
  ASSIGN_OR_RETURN(std::string name, node.attributes.GetString("reduction", "none"));
  ScatterReduction reduction;
  if (name == "none") return ScatterReduction::kNone;
  if (name == "add") reduction = ScatterReduction::kAdd;
  else if (name == "mul") reduction = ScatterReduction::kMul;
  else if (name == "max") reduction = ScatterReduction::kMax;
  else if (name == "min") reduction = ScatterReduction::kMin;
  else return absl::InvalidArgumentError(absl::StrCat(OpName(node.op), "'s reduction '", name, "' is not one of none, add, mul, max, min"));
  if (IsBool(type)) {
    return absl::UnimplementedError(absl::StrCat(OpName(node.op), " with reduction '", name, "' on bool data is not supported"));
  }
  return reduction;
}

template <typename T>
T CombineScatter(ScatterReduction reduction, T element, T update) {
  switch (reduction) {
    case ScatterReduction::kNone: return update;
    case ScatterReduction::kAdd:
    case ScatterReduction::kMul:
      if constexpr (std::is_integral_v<T>) {  // wrapping, as the kernel's integer arithmetic
        using U = std::make_unsigned_t<T>;
        const U a = static_cast<U>(element), b = static_cast<U>(update);
        return static_cast<T>(reduction == ScatterReduction::kAdd ? static_cast<U>(a + b) : static_cast<U>(a * b));
      } else {
        return reduction == ScatterReduction::kAdd ? element + update : element * update;
      }
    case ScatterReduction::kMax: return update > element ? update : element;
    case ScatterReduction::kMin: return update < element ? update : element;
  }
  return update;
}

inline llvm::Value* EmitCombineScatter(KernelContext& k, DataType type, ScatterReduction reduction,
                                       llvm::Value* element, llvm::Value* update) {
  llvm::IRBuilder<>& b = k.b;
  const bool is_float = IsFloatingPoint(type), is_signed = IsSignedInteger(type);
  switch (reduction) {
    case ScatterReduction::kNone: return update;
    case ScatterReduction::kAdd: return is_float ? b.CreateFAdd(element, update) : b.CreateAdd(element, update);
    case ScatterReduction::kMul: return is_float ? b.CreateFMul(element, update) : b.CreateMul(element, update);
    case ScatterReduction::kMax: {
      llvm::Value* greater = is_float ? b.CreateFCmpOGT(update, element)
                                      : (is_signed ? b.CreateICmpSGT(update, element) : b.CreateICmpUGT(update, element));
      return b.CreateSelect(greater, update, element);
    }
    case ScatterReduction::kMin: {
      llvm::Value* less = is_float ? b.CreateFCmpOLT(update, element)
                                   : (is_signed ? b.CreateICmpSLT(update, element) : b.CreateICmpULT(update, element));
      return b.CreateSelect(less, update, element);
    }
  }
  return update;
}

// The output starts as a copy of data (input 0). Scatter ops may run in place over
// data (ops.def's kInPlace): then the two pointers are equal and nothing is copied.
inline void EmitCopyOfData(KernelContext& k, DataType type, int64_t count) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Function* function = b.GetInsertBlock()->getParent();
  llvm::BasicBlock* copy = llvm::BasicBlock::Create(b.getContext(), "copy_data", function);
  llvm::BasicBlock* done = llvm::BasicBlock::Create(b.getContext(), "data_copied", function);
  b.CreateCondBr(b.CreateICmpNE(k.in[0], k.out[0]), copy, done);
  b.SetInsertPoint(copy);
  k.Loop(count, [&](llvm::Value* i) { k.StoreAs(type, k.LoadAs(type, k.in[0], i), k.out[0], i); });
  b.CreateBr(done);
  b.SetInsertPoint(done);
}

}  // namespace modelc

#endif  // MODELC_OPS_SCATTER_SCATTER_REDUCTION_H_
