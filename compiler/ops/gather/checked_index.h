// The index kernels of GatherElements and GatherAtRunTime read at run time: negative
// ones count from the end; one outside [-size, size) selects nothing (the kernels write
// 0: generated code has no error path at run time, and reads nothing out of bounds).
#ifndef MODELC_OPS_GATHER_CHECKED_INDEX_H_
#define MODELC_OPS_GATHER_CHECKED_INDEX_H_

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "compiler/backend/kernel_context.h"
#include "compiler/ir/tensor.h"

namespace modelc {

struct CheckedIndex {
  llvm::Value* valid;  // i1: the index was inside [-size, size)
  llvm::Value* index;  // in [0, size), of the target's index type (0 when not valid)
};

// Reads indices[at] (int32 or int64) and checks it against `size`.
inline CheckedIndex EmitCheckedIndex(KernelContext& k, DataType index_type, llvm::Value* indices, llvm::Value* at,
                                     int64_t size) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* index = k.LoadAs(index_type, indices, at);
  llvm::Type* wide = index->getType();
  llvm::Value* extent = llvm::ConstantInt::get(wide, size);
  llvm::Value* zero = llvm::ConstantInt::get(wide, 0);
  index = b.CreateSelect(b.CreateICmpSLT(index, zero), b.CreateAdd(index, extent), index);
  llvm::Value* valid = b.CreateICmpULT(index, extent);  // still negative: a huge unsigned value
  return {valid, b.CreateSExtOrTrunc(b.CreateSelect(valid, index, zero), k.Index())};
}

// An index tuple of GatherND and ScatterND: coordinates d = 0 .. extents.size() - 1 at
// indices[tuple * extents.size() + d], each checked against extents[d], give the element
// offset base + sum of coordinate * strides[d]; 0 when any coordinate is outside.
inline CheckedIndex EmitCheckedTupleOffset(KernelContext& k, DataType index_type, llvm::Value* indices,
                                           llvm::Value* tuple, const std::vector<int64_t>& extents,
                                           const std::vector<int64_t>& strides, llvm::Value* base) {
  llvm::IRBuilder<>& b = k.b;
  const int64_t tuple_size = static_cast<int64_t>(extents.size());
  llvm::Value* valid = b.getTrue();
  llvm::Value* offset = base;
  for (int64_t d = 0; d < tuple_size; ++d) {
    llvm::Value* at = b.CreateAdd(b.CreateMul(tuple, k.Int(tuple_size)), k.Int(d));
    const CheckedIndex coordinate = EmitCheckedIndex(k, index_type, indices, at, extents[d]);
    valid = b.CreateAnd(valid, coordinate.valid);
    offset = b.CreateAdd(offset, b.CreateMul(coordinate.index, k.Int(strides[d])));
  }
  return {valid, b.CreateSelect(valid, offset, k.Int(0))};
}

// The same index on the reference side: nullopt when outside [-size, size).
inline std::optional<int64_t> CheckedIndexValue(const TensorData& indices, int64_t at, int64_t size) {
  int64_t index;
  if (indices.type().element_type == DataType::kInt32) {
    int32_t narrow;
    std::memcpy(&narrow, indices.bytes().data() + at * 4, 4);
    index = narrow;
  } else {
    std::memcpy(&index, indices.bytes().data() + at * 8, 8);
  }
  if (index < -size || index >= size) return std::nullopt;
  return index < 0 ? index + size : index;
}

}  // namespace modelc

#endif  // MODELC_OPS_GATHER_CHECKED_INDEX_H_
