// The backend's part of the operator registry: which emitter writes each op. A
// family's ops share the family's emitter; an op of its own names its emitter below.
// Both switches are exhaustive, without `default:`: an op added to ops.def fails to
// compile until it has an emitter here.
#include "compiler/backend/kernel_context.h"
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
  switch (AsOwnOp(k.node.op)) {
    case OwnOp::kClip:
      return EmitElementwiseKernel(k);
    case OwnOp::kSoftmax:
    case OwnOp::kLogSoftmax:
      return EmitSoftmaxKernel(k);
    case OwnOp::kTranspose:
      return EmitTransposeKernel(k);
    case OwnOp::kConcat:
      return EmitConcatKernel(k);
    case OwnOp::kGlobalMaxPool:
    case OwnOp::kGlobalAveragePool:
      return EmitGlobalPoolKernel(k);
    case OwnOp::kGemm:
      return EmitGemmKernel(k);
    case OwnOp::kMatMul:
      return EmitMatMulKernel(k);
    case OwnOp::kConv:
      return EmitConvKernel(k);
    case OwnOp::kMaxPool:
    case OwnOp::kAveragePool:
      return EmitPoolKernel(k);
    case OwnOp::kBatchNormalization:
      return EmitBatchNormalizationKernel(k);
    case OwnOp::kLayerNormalization:
      return EmitLayerNormalizationKernel(k);
    case OwnOp::kInstanceNormalization:
      return EmitInstanceNormalizationKernel(k);
    case OwnOp::kArgMax:
    case OwnOp::kArgMin:
    case OwnOp::kHardmax:
      return EmitArgReduceKernel(k);
    case OwnOp::kTrilu:
      return EmitTriluKernel(k);
    case OwnOp::kResize:
    case OwnOp::kUpsample:
      return EmitResizeKernel(k);
    case OwnOp::kConvTranspose:
      return EmitConvTransposeKernel(k);
    case OwnOp::kRNN:
    case OwnOp::kGRU:
    case OwnOp::kLSTM:
      return EmitRecurrentKernel(k);
  }
  MODELC_UNREACHABLE("an op of its own without an emitter");
}

}  // namespace modelc
