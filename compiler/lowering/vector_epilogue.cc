// Vector epilogues (see vector_epilogue.h).
#include "compiler/lowering/vector_epilogue.h"

#include "compiler/util/status_macros.h"

namespace modelc {

bool IsVectorEpilogue(const Epilogue& epilogue) {
  switch (AsElementwiseOp(epilogue.activation.op)) {
    case ElementwiseOp::kIdentity:
    case ElementwiseOp::kRelu:
    case ElementwiseOp::kLeakyRelu:
    case ElementwiseOp::kClip:
      return true;
    case ElementwiseOp::kSigmoid: case ElementwiseOp::kTanh: case ElementwiseOp::kExp: case ElementwiseOp::kLog:
    case ElementwiseOp::kAbs: case ElementwiseOp::kNeg: case ElementwiseOp::kSqrt: case ElementwiseOp::kReciprocal:
    case ElementwiseOp::kFloor: case ElementwiseOp::kCeil: case ElementwiseOp::kRound: case ElementwiseOp::kSign:
    case ElementwiseOp::kErf: case ElementwiseOp::kSoftplus: case ElementwiseOp::kSoftsign:
    case ElementwiseOp::kElu: case ElementwiseOp::kSelu: case ElementwiseOp::kCelu:
    case ElementwiseOp::kThresholdedRelu: case ElementwiseOp::kHardSigmoid: case ElementwiseOp::kHardSwish:
    case ElementwiseOp::kNot: case ElementwiseOp::kCast: case ElementwiseOp::kIsNaN: case ElementwiseOp::kIsInf:
    case ElementwiseOp::kSin: case ElementwiseOp::kCos: case ElementwiseOp::kTan: case ElementwiseOp::kAsin:
    case ElementwiseOp::kAcos: case ElementwiseOp::kAtan: case ElementwiseOp::kSinh: case ElementwiseOp::kCosh:
    case ElementwiseOp::kAsinh: case ElementwiseOp::kAcosh: case ElementwiseOp::kAtanh:
    case ElementwiseOp::kBitwiseNot: case ElementwiseOp::kShrink: case ElementwiseOp::kSwish:
      return false;
  }
  MODELC_UNREACHABLE("every case of the switch returns");
}

}  // namespace modelc
