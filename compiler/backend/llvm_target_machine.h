// Backend-internal: LLVM target machine creation (includes LLVM types).
#ifndef MODELC_BACKEND_LLVM_TARGET_MACHINE_H_
#define MODELC_BACKEND_LLVM_TARGET_MACHINE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "compiler/backend/target.h"
#include "llvm/Target/TargetMachine.h"

namespace modelc {

void InitializeLlvmTargets();
absl::StatusOr<std::unique_ptr<llvm::TargetMachine>> CreateTargetMachine(const TargetDescription& target);

}  // namespace modelc

#endif  // MODELC_BACKEND_LLVM_TARGET_MACHINE_H_
