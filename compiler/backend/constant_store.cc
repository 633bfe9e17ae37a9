// Constant placement and the weights blob.
#include "compiler/backend/constant_store.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "llvm/TargetParser/Triple.h"

namespace modelc {

uint64_t Fnv1a64(const std::string& bytes, uint64_t hash) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

namespace {

// Whether an embedded constant's initializer is exactly `bytes` (all zeros become a
// zero initializer, not an array of bytes).
bool HoldsBytes(const llvm::GlobalVariable& global, const std::string& bytes) {
  const llvm::Constant* initializer = global.getInitializer();
  if (const auto* data = llvm::dyn_cast<llvm::ConstantDataSequential>(initializer)) {
    return data->getRawDataValues() == bytes;
  }
  const auto* type = llvm::dyn_cast<llvm::ArrayType>(initializer->getType());
  return llvm::isa<llvm::ConstantAggregateZero>(initializer) && type && type->getNumElements() == bytes.size() &&
         bytes.find_first_not_of('\0') == std::string::npos;
}

}  // namespace

ConstantStore::ConstantStore(llvm::Module& module, int64_t alignment, bool external)
    : module_(module), alignment_(alignment), external_(external) {}

llvm::Value* ConstantStore::Place(llvm::IRBuilder<>& builder, llvm::Value* weights, const std::string& bytes,
                                  const std::string& name) {
  if (!external_) {
    std::vector<llvm::GlobalVariable*>& same_hash = placed_by_hash_[Fnv1a64(bytes)];
    for (llvm::GlobalVariable* placed : same_hash) {
      if (HoldsBytes(*placed, bytes)) return placed;
    }
    llvm::Constant* data = llvm::ConstantDataArray::getRaw(bytes, bytes.size(), builder.getInt8Ty());
    auto* global = new llvm::GlobalVariable(module_, data->getType(), /*isConstant=*/true,
                                            llvm::GlobalValue::InternalLinkage, data, name);
    global->setAlignment(llvm::Align(alignment_));
    global->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    // Its own section, .rodata.NAME... (NAME: the model's), also where LLVM would merge a
    // small constant into .rodata.cst4 etc.: a linker script finds every weight byte by
    // that prefix (docs/runtime.md).
    if (llvm::Triple(module_.getTargetTriple()).isOSBinFormatELF()) global->setSection(absl::StrCat(".rodata.", name));
    same_hash.push_back(global);
    return global;
  }
  while (payload_.size() % 64 != 0) payload_.push_back('\0');
  const int64_t offset = kWeightsHeaderBytes + static_cast<int64_t>(payload_.size());
  payload_ += bytes;
  absl::StrAppend(&layout_, name, "@", offset, "+", bytes.size(), ";");
  return builder.CreateInBoundsGEP(builder.getInt8Ty(), weights, builder.getInt64(offset));
}

uint64_t ConstantStore::ModelId(const std::string& structure) const {
  return Fnv1a64(absl::StrCat(kWeightsFormatVersion, "\n", structure, "\n", layout_));
}

std::string ConstantStore::FinishBlob(const std::string& structure) const {
  std::string blob(kWeightsHeaderBytes, '\0');
  auto put = [&](int at, const void* value, size_t bytes) { std::memcpy(blob.data() + at, value, bytes); };
  const uint32_t version = kWeightsFormatVersion, header = kWeightsHeaderBytes;
  const uint64_t payload_bytes = payload_.size(), id = ModelId(structure), checksum = Fnv1a64(payload_);
  put(0, kWeightsMagic, 8);
  put(8, &version, 4);
  put(12, &header, 4);
  put(16, &payload_bytes, 8);
  put(24, &id, 8);
  put(32, &checksum, 8);
  return blob + payload_;
}

}  // namespace modelc
