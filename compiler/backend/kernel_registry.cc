// The backend's part of the operator registry: which emitter writes each op. A
// family's ops share the family's emitter; an op of its own has its Emit hook. Both
// switches are exhaustive, without `default:`: an op added to a family fails to compile
// until it has an emitter here, an op of its own fails to link without its hook.
#include "compiler/backend/kernel_context.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status EmitKernel(KernelContext& k) {
  switch (GetOpInfo(k.node.op).family) {
    case OpFamily::kUnary:
    case OpFamily::kBinary:
    case OpFamily::kView:  // a view reaching code is a copy into an output
      return EmitElementwiseKernel(k);
    case OpFamily::kReduce:
      return EmitReduceKernel(k);
    case OpFamily::kIndexMap:
      return EmitIndexMapKernel(k);
    case OpFamily::kOwn:
      break;
  }
  switch (AsOwnOp(k.node.op)) {  // its Emit hook (compiler/ops/own_op_hooks.h)
#define MODELC_OWN_OP_CASE(kind) \
  case OwnOp::k##kind:           \
    return Emit##kind##Kernel(k);
#include "compiler/ops/own_op_cases.inc"
#undef MODELC_OWN_OP_CASE
  }
  MODELC_UNREACHABLE("an op of its own without an emitter");
}

}  // namespace modelc
