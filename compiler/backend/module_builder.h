// Backend-internal: builds the LLVM module of a compiled model.
#ifndef MODELC_BACKEND_MODULE_BUILDER_H_
#define MODELC_BACKEND_MODULE_BUILDER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "compiler/backend/codegen.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace modelc {

// `weights_blob` receives the blob for --weights external (left empty otherwise).
absl::StatusOr<std::unique_ptr<llvm::Module>> BuildModule(const CodegenRequest& request,
                                                          llvm::LLVMContext& context, std::string* weights_blob);

}  // namespace modelc

#endif  // MODELC_BACKEND_MODULE_BUILDER_H_
