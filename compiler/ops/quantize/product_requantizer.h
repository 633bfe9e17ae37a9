// The kernels' side of requantisation: what a quantised product (QLinearConv,
// QLinearMatMul) emits to scale an output channel's int32 sum to its int8/uint8 output,
// in ONNX Runtime's float form (quantization.h) or TFLite's fixed-point form
// (fixed_point_multiplier.h), as the node says.
#ifndef MODELC_OPS_QUANTIZE_PRODUCT_REQUANTIZER_H_
#define MODELC_OPS_QUANTIZE_PRODUCT_REQUANTIZER_H_

#include <optional>

#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/quantize/quantization.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Value.h"

namespace modelc {

class KernelContext;

// MultiplyByFixedPoint in generated code: `x` an i32 (or a vector of them), `multiplier`
// and `shift` i32 values; with `multipliers_below_half` the shift must be at most -1.
llvm::Value* EmitMultiplyByFixedPoint(KernelContext& k, llvm::Value* x, llvm::Value* multiplier, llvm::Value* shift,
                                      bool multipliers_below_half);

// gemmlowp's RoundingDivideByPOT in generated code: x (i32 or a vector of them) / 2^exponent
// (the same type, each in [0, 31]), rounded to nearest, halves away from zero, without
// overflow (fixed_point_multiplier.h's RoundingDivideByPowerOfTwo).
llvm::Value* EmitRoundingDivideByPowerOfTwo(llvm::IRBuilder<>& b, llvm::Value* x, llvm::Value* exponent);

// RequantizeFixedPoint in generated code: `multiplier` and `shift` i32 values (loaded
// from the prepared table); returns an integer of `type`'s width. With
// `multipliers_below_half` (every shift at most -1, as int8 layers' are) the same
// integers from one 32 x 32 -> 64 product and 32-bit shifts. A vector `accumulator` (the
// other values scalars) gives a vector. `rounding` kDouble: TFLite's two roundings
// (with `multipliers_below_half`, no left shift and a division by at least 2).
// With `accumulator_below_2_30` as well (kDouble): the doubled high product as one
// rounding multiply of 2x, (2x m + 2^31) >> 32, and the division by 2^e as
// (h + 2^(e-1) - [h < 0]) >> e, the same integers in about half the instructions.
llvm::Value* EmitRequantizeFixedPoint(KernelContext& k, llvm::Value* accumulator, llvm::Value* multiplier,
                                      llvm::Value* shift, llvm::Value* zero_point, DataType type,
                                      bool multipliers_below_half,
                                      FixedPointRounding rounding = FixedPointRounding::kSingle,
                                      bool accumulator_below_2_30 = false);

// TfliteAdd in generated code: a, b and their zero points, c's, i32 values (a and b may
// be vectors of them, the zero points then apply to every lane), `add`'s multipliers
// constants. Returns an integer of `c_type`'s width.
llvm::Value* EmitTfliteAdd(KernelContext& k, const FixedPointAdd& add, llvm::Value* a, llvm::Value* a_zero_point,
                           llvm::Value* b, llvm::Value* b_zero_point, llvm::Value* c_zero_point, DataType c_type);

// What a quantised product's kernel uses for each output channel (column): the float
// multiplier (ONNX Runtime's form, from the scales, or from the prepared table
// "multipliers" where the plan made one) or the fixed-point pair (from the prepared
// table "requantization": pairs, or NodePlan::requantization_planes' two planes),
// chosen by the node's attribute.
class ProductRequantizer {
 public:
  // `weights`: the weight operand's parameters (per tensor or per channel); the output
  // scale is read once here.
  ProductRequantizer(KernelContext& k, const QuantizationParameters& weights, const QuantizationParameters& output);
  struct Channel {
    llvm::Value* multiplier = nullptr;  // float (float form) or i32
    llvm::Value* shift = nullptr;       // i32, fixed point only
  };
  // Channel `channel`'s multiplier; `input_scale` the input's (float form only; a
  // matrix product's A may have one per row).
  Channel Load(llvm::Value* input_scale, llvm::Value* channel);
  // Channels first_channel .. + lanes - 1's multipliers as vectors (or, where the
  // weights have one scale, the scalars every lane shares), from the prepared table;
  // none without one (float multipliers of scales given at run time).
  std::optional<Channel> LoadLanes(llvm::Value* first_channel, int64_t lanes);
  // The requantised output of `accumulator`, an integer of `type`'s width (or a vector
  // of them, for a vector of accumulators of the channel).
  llvm::Value* Apply(const Channel& channel, llvm::Value* accumulator, llvm::Value* zero_point, DataType type);
  // That output dequantised by `scale` and `zero_point`, a float (or a vector of them):
  // a product writing its output dequantised (EmitRequantizeDequantized in the float
  // form).
  llvm::Value* ApplyDequantized(const Channel& channel, llvm::Value* accumulator, llvm::Value* zero_point,
                                llvm::Value* scale, DataType type);

 private:
  KernelContext& k_;
  const QuantizationParameters weights_;
  bool fixed_point_ = false;
  FixedPointRounding rounding_ = FixedPointRounding::kSingle;
  bool multipliers_below_half_ = true;  // fixed point: every shift at most -1
  llvm::Value* output_scale_ = nullptr;
  // Where `channel`'s multiplier (or, `shift`, its shift) lies in "requantization":
  // RequantizationTableIndex in generated code.
  llvm::Value* TableIndex(llvm::Value* channel, bool shift);

  llvm::Value* table_ = nullptr;  // "requantization" (fixed point) or "multipliers" (float)
  int64_t channels_ = 1;          // fixed point: the table's channels
};

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_PRODUCT_REQUANTIZER_H_
