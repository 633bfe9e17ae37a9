// Backend-internal: where constant data lives. Embedded (the default): read-only
// globals in the object. External (--weights external): a blob written beside the
// object (NAME.weights.bin), read through the `weights` pointer the caller passes.
// Everything kernels read as constants goes through here: the model's weights and
// what the compiler derived from them (folded BatchNorms, repacked weights, tables).
//
// Blob layout, little-endian: a 64-byte header, then the payload, each piece 64-byte
// aligned at the offsets the code was compiled with.
//   0  "MODELCW" + NUL     8 bytes magic
//   8  u32 format version (1)        12  u32 header bytes (64)
//   16 u64 payload bytes             24  u64 model ID (structure and layout)
//   32 u64 payload checksum (FNV-1a 64)
#ifndef MODELC_BACKEND_CONSTANT_STORE_H_
#define MODELC_BACKEND_CONSTANT_STORE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

namespace modelc {

inline constexpr int kWeightsHeaderBytes = 64;
inline constexpr int kWeightsFormatVersion = 1;
inline constexpr char kWeightsMagic[8] = {'M', 'O', 'D', 'E', 'L', 'C', 'W', 0};

uint64_t Fnv1a64(const std::string& bytes, uint64_t hash = 14695981039346656037ull);

class ConstantStore {
 public:
  ConstantStore(llvm::Module& module, int64_t alignment, bool external);

  bool external() const { return external_; }
  // The bytes as constant data: a global (embedded; the same global for the same bytes)
  // or `weights` + offset (external; `weights` is the current function's blob pointer).
  llvm::Value* Place(llvm::IRBuilder<>& builder, llvm::Value* weights, const std::string& bytes,
                     const std::string& name);
  // The finished blob; `structure` describes the model (its IR without values) and
  // goes into the ID together with the layout.
  std::string FinishBlob(const std::string& structure) const;
  uint64_t ModelId(const std::string& structure) const;
  int64_t BlobBytes() const { return kWeightsHeaderBytes + static_cast<int64_t>(payload_.size()); }

 private:
  llvm::Module& module_;
  int64_t alignment_;
  bool external_;
  std::string payload_;
  std::string layout_;  // offsets and sizes, for the ID
  // Embedded globals by the hash of their bytes: identical constants are placed once
  // (each is in a section of its own, which LLVM's constant merging leaves alone).
  std::map<uint64_t, std::vector<llvm::GlobalVariable*>> placed_by_hash_;
};

}  // namespace modelc

#endif  // MODELC_BACKEND_CONSTANT_STORE_H_
