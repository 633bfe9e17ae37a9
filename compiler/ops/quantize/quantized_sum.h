// How a quantised sum c = a + b of int8/uint8 tensors, requantised to c's pair, is
// computed: a QLinearAdd's, or a QLinearConv's fused sum (a: the convolution's output,
// b: the addend). Three forms, chosen while compiling and recorded on the node
// (op_geometry.h's kFusedTfliteSum, kFusedDequantizedSum, kOrtSumOperandsSwapped,
// kFusedUint8Arithmetic), read here once (SumFormOf):
// - kOnnxRuntimeX86: ONNX Runtime's com.microsoft QLinearAdd as its x86-64 build computes
//   it (MLAS's AVX2 kernel, qladd_avx2.cpp, what any x86-64 CPU with AVX2 runs), read,
//   not guessed. With MLAS's operands A and B (a and b; b and a where a is one element
//   over the innermost run of outputs, which ORT's broadcast loop hands over as B):
//     ra = a_scale / c_scale,  rb = b_scale / c_scale                    (float32)
//     fixed = c_zero_point - fma(ra, a_zero_point, rb * b_zero_point)
//     c = fma(A, ra, fma(B, rb, fixed))   rounded half to even, saturated
//   codes and zero points as floats, each fma rounded once (the kernel's FMA3, and GCC's
//   contraction of the fixed part: equal to ORT 1.20.1's on 65,536 code pairs x 7 scale
//   sets x int8/uint8, and on 16 broadcast shapes); at or past 2^31 (or NaN) the type's
//   minimum, as x86's conversion gives INT32_MIN. The zero point is added before
//   rounding: with scales whose ratios are powers of two and odd zero points, 25-77% of
//   the code pairs differ by a step from the float chain's (at scales calibration gives,
//   none seen). With kFusedUint8Arithmetic (int8 tensors ORT's x86 build converts to
//   uint8), every int8 code and zero point 128 up, rounded and saturated as uint8, 128
//   down. (ORT's Arm build requantises in fixed point and its build without AVX2
//   multiplies and adds separately: either may differ by a step.)
// - kDequantized: DequantizeLinear -> Add -> QuantizeLinear (quantization.h's
//   QuantizedSum), what ORT computes where its QDQ transformer leaves the pattern.
// - kTflite: TFLite's int8 ADD in fixed point (fixed_point_multiplier.h's TfliteAdd; the
//   caller holds its parameters).
#ifndef MODELC_OPS_QUANTIZE_QUANTIZED_SUM_H_
#define MODELC_OPS_QUANTIZE_QUANTIZED_SUM_H_

#include "compiler/ops/quantize/quantization.h"
#include "compiler/ops/quantize/sum_form.h"
#include "llvm/IR/Value.h"

namespace modelc {

class KernelContext;

// One element of the sum in the form (not kTflite): the terms' codes of `a_type` and
// `b_type`, c's of `c_type`.
int32_t QuantizedSumAs(const SumForm& form, QuantizedTerm a, DataType a_type, QuantizedTerm b, DataType b_type,
                       float c_scale, int32_t c_zero_point, DataType c_type);

// The same in generated code. The parameters (floats, i32s) are given where it is made,
// before the loops, and what the form derives from them is computed there once; Sum takes
// the codes as i32s (or vectors of them) and returns integers of c's width.
struct EmittedQuantizationPair {
  llvm::Value* scale;
  llvm::Value* zero_point;
};
class QuantizedSumEmitter {
 public:
  QuantizedSumEmitter(KernelContext& k, const SumForm& form, EmittedQuantizationPair a, DataType a_type,
                      EmittedQuantizationPair b, DataType b_type, EmittedQuantizationPair c, DataType c_type);
  llvm::Value* Sum(llvm::Value* a, llvm::Value* b) const;

 private:
  KernelContext& k_;
  SumForm form_;
  EmittedQuantizationPair a_, b_, c_;
  DataType c_type_;
  // kOnnxRuntimeX86: MLAS's operands' ratios, the fixed part, the offsets to uint8.
  llvm::Value* first_ratio_ = nullptr;
  llvm::Value* second_ratio_ = nullptr;
  llvm::Value* fixed_ = nullptr;
  int32_t a_offset_ = 0, b_offset_ = 0, c_offset_ = 0;
};

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_QUANTIZED_SUM_H_
