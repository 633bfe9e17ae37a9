// A guard against a miscompile of LLVM 19's Arm backend (the MVE combine that folds a
// vector int-to-float conversion and a multiplication by a power of two into one VCVT
// to or from fixed point): inside a loop the combine can give the VCVT another number of
// fraction bits than the power's. Seen on a Cortex-M55: a DequantizeLinear by 2^-4,
// vectorised, converted with 12 fraction bits, every output 256 times too small
// (llc -O3 on the loop alone prints "vcvt.f32.s32 q0, q0, r3": the fraction bits in a
// register, the encoding arbitrary). The guard puts llvm.arithmetic.fence between such
// a conversion and its multiplication by a splat of a power of two (and between such a
// product and a float-to-int conversion, saturating or not), which the combine
// then does not see: the VCVT and a VMUL, as written (one more instruction a vector,
// only there). On MVE targets only; run after the optimiser, before code generation.
#ifndef MODELC_BACKEND_MVE_CONVERSION_FENCES_H_
#define MODELC_BACKEND_MVE_CONVERSION_FENCES_H_

#include "llvm/IR/Module.h"

namespace modelc {

void FenceMveFixedPointConversions(llvm::Module& module);

}  // namespace modelc

#endif  // MODELC_BACKEND_MVE_CONVERSION_FENCES_H_
