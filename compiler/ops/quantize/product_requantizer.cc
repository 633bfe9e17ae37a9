#include "compiler/ops/quantize/product_requantizer.h"

#include <functional>
#include <optional>
#include <vector>

#include "compiler/backend/kernel_context.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/IntrinsicsARM.h"
#include "llvm/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

namespace modelc {
namespace {

// A Helium instruction `quad_op` applied to vectors of i32 whose lanes are a multiple of
// 4 (x and its operand alike, or an operand the same in every lane: an i32 passed to
// each quad as it is), 4 lanes at a time; none elsewhere.
std::optional<llvm::Value*> ByHeliumQuads(KernelContext& k, llvm::Value* x, llvm::Value* operand,
                                          const std::function<llvm::Value*(llvm::Value*, llvm::Value*)>& quad_op) {
  auto* type = llvm::dyn_cast<llvm::FixedVectorType>(x->getType());
  if (!k.target.helium || type == nullptr || !type->getElementType()->isIntegerTy(32) || type->getNumElements() < 4 ||
      !llvm::isPowerOf2_64(type->getNumElements())) {
    return std::nullopt;
  }
  llvm::IRBuilder<>& b = k.b;
  std::vector<llvm::Value*> quads;
  auto part = [&](llvm::Value* v, int64_t first) {
    if (type->getNumElements() == 4 || !v->getType()->isVectorTy()) return v;
    const int at = static_cast<int>(first);
    return b.CreateShuffleVector(v, {at, at + 1, at + 2, at + 3});
  };
  for (int64_t first = 0; first < type->getNumElements(); first += 4) {
    quads.push_back(quad_op(part(x, first), part(operand, first)));
  }
  // Joined back in pairs: 4 + 4 -> 8, 8 + 8 -> 16, ...
  while (quads.size() > 1) {
    std::vector<llvm::Value*> joined;
    const int64_t width = llvm::cast<llvm::FixedVectorType>(quads[0]->getType())->getNumElements();
    std::vector<int> both;
    for (int64_t l = 0; l < 2 * width; ++l) both.push_back(static_cast<int>(l));
    for (size_t i = 0; i + 1 < quads.size(); i += 2) joined.push_back(b.CreateShuffleVector(quads[i], quads[i + 1], both));
    quads = std::move(joined);
  }
  return quads[0];
}

// gemmlowp's doubled high product of x and a multiplier m (vectors of i32 with
// Helium's, else none): (x m + 2^30) >> 31, which is VQRDMULH's (2 x m + 2^31) >> 32
// for every x and m, a negative m too (a SUB's): gemmlowp's nudge and truncation toward
// zero give that floor (see EmitMultiplyByFixedPoint), and both saturate x = m = -2^31
// to 2^31 - 1. One instruction a vector of 4 lanes where the 64-bit products would be
// made lane by lane.
std::optional<llvm::Value*> HeliumDoublingHighProduct(KernelContext& k, llvm::Value* x, llvm::Value* multipliers) {
  return ByHeliumQuads(k, x, multipliers, [&](llvm::Value* quad, llvm::Value* multiplier) {
    return k.b.CreateIntrinsic(llvm::Intrinsic::arm_mve_vqrdmulh, {quad->getType()}, {quad, multiplier});
  });
}

// gemmlowp's doubled high product of x and the multiplier (an i32) where |x| < 2^30, so
// 2x fits: h = (x m + 2^30) >> 31 is (2x m + 2^31) >> 32, SMMULR's (VQRDMULH's on
// Helium's vectors).
llvm::Value* EmitShortDoublingHighProduct(KernelContext& k, llvm::Value* x, llvm::Value* multiplier) {
  llvm::IRBuilder<>& b = k.b;
  auto splat = [&](llvm::Value* scalar) { return SplatLike(b, x, scalar); };
  if (std::optional<llvm::Value*> helium = HeliumDoublingHighProduct(k, x, splat(multiplier))) return *helium;
  llvm::Value* doubled = b.CreateShl(x, splat(b.getInt32(1)), "", /*HasNUW=*/false, /*HasNSW=*/true);
  llvm::Value* product = b.CreateMul(b.CreateSExt(doubled, LanesOf(x, b.getInt64Ty())),
                                     b.CreateSExt(splat(multiplier), LanesOf(x, b.getInt64Ty())));
  return b.CreateTrunc(b.CreateAShr(b.CreateAdd(product, splat(b.getInt64(int64_t{1} << 31))), splat(b.getInt64(32))),
                       LanesOf(x, b.getInt32Ty()));
}

// RoundingDivideByPOT of such a product h (|h| <= |x| < 2^30) by 2^e, e >= 1 (an i32
// for every lane, or a vector of them like h):
// h = q 2^e + r (0 <= r < 2^e) rounds up when r > 2^(e-1) - 1 + [h < 0], which is when
// r + 2^(e-1) - [h < 0] reaches 2^e: (h + 2^(e-1) + (h >> 31)) >> e, the sum inside int32.
// On Helium, a rounding shift right adds 2^(e-1) first (without overflow): h + (h >> 31)
// shifted so, 3 instructions a vector where the shifts took 7. Where e is one constant (a
// TFLite ADD's) the shift is VRSHR by an immediate, which holds no vector
// register; else VRSHL by a vector of -e. (VRSHL by a register holding -e, for an e
// the same in every lane, made DS-CNN 1% faster and MobileNet 0.7% slower, its
// depthwise layers 2-8%: tried.)
llvm::Value* EmitShortRoundingDivide(KernelContext& k, llvm::Value* high, llvm::Value* exponent) {
  llvm::IRBuilder<>& b = k.b;
  auto splat = [&](llvm::Value* scalar) { return SplatLike(b, high, scalar); };
  llvm::Value* e = splat(exponent);
  const llvm::APInt* constant_exponent = nullptr;  // one constant e, a scalar or every lane's
  const bool immediate = llvm::PatternMatch::match(exponent, llvm::PatternMatch::m_APInt(constant_exponent));
  if (immediate) MODELC_CHECK(constant_exponent->sge(1) && constant_exponent->sle(32), "VRSHR shifts by 1 to 32");
  // Per quad: the immediate e for VRSHR, else the vector -e for VRSHL.
  llvm::Value* shift_operand = immediate ? b.getInt32(static_cast<uint32_t>(constant_exponent->getZExtValue()))
                                         : b.CreateNeg(e);
  if (std::optional<llvm::Value*> helium = ByHeliumQuads(
          k, high, shift_operand, [&](llvm::Value* quad, llvm::Value* shift) {
            llvm::Value* nudged = b.CreateAdd(quad, b.CreateAShr(quad, SplatLike(b, quad, b.getInt32(31))));
            if (immediate) {
              return b.CreateIntrinsic(llvm::Intrinsic::arm_mve_vrshr_imm, {quad->getType()},
                                       {nudged, shift, /*unsigned=*/b.getInt32(0)});
            }
            return b.CreateIntrinsic(llvm::Intrinsic::arm_mve_vshl_vector, {quad->getType(), shift->getType()},
                                     {nudged, shift, /*saturate=*/b.getInt32(0), /*round=*/b.getInt32(1),
                                      /*unsigned=*/b.getInt32(0)});
          })) {
    return *helium;
  }
  llvm::Value* half = b.CreateShl(splat(b.getInt32(1)), b.CreateSub(e, splat(b.getInt32(1))));
  return b.CreateAShr(b.CreateAdd(b.CreateAdd(high, half), b.CreateAShr(high, splat(b.getInt32(31)))), e);
}

}  // namespace

llvm::Value* EmitMultiplyByFixedPoint(KernelContext& k, llvm::Value* x, llvm::Value* multiplier, llvm::Value* shift,
                                      bool multipliers_below_half) {
  // fixed_point_multiplier.cc's MultiplyByFixedPoint: x shifted left by max(shift, 0);
  // gemmlowp's doubled product's high half, which for a multiplier m >= 0 is
  // (x m + 2^30) >> 31 (its nudge and truncation toward zero give that floor: a negative
  // x m is at most -2^30, so x m + 1 - 2^30 < 0 and truncating it is flooring it plus
  // 2^31 - 1); then divided by 2^e, e = max(-shift, 0), halves away from zero as
  // gemmlowp's RoundingDivideByPOT writes it, which cannot overflow (e up to 31):
  // (h >> e) + [(h & mask) > (mask >> 1) + [h < 0]], mask = 2^e - 1.
  llvm::IRBuilder<>& b = k.b;
  auto splat = [&](llvm::Value* scalar) { return SplatLike(b, x, scalar); };
  llvm::Type* i32 = LanesOf(x, b.getInt32Ty());
  llvm::Type* i64 = LanesOf(x, b.getInt64Ty());
  llvm::Value* zero = splat(b.getInt32(0));
  llvm::Value* shift_vector = splat(shift);
  llvm::Value* shifted = x;
  if (!multipliers_below_half) {
    shifted = b.CreateShl(x, b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, shift_vector, zero));
  }
  llvm::Value* high = nullptr;
  if (std::optional<llvm::Value*> helium = HeliumDoublingHighProduct(k, shifted, splat(multiplier))) {
    high = *helium;
  } else {
    llvm::Value* product = b.CreateMul(b.CreateSExt(shifted, i64), b.CreateSExt(splat(multiplier), i64));
    high = b.CreateTrunc(b.CreateAShr(b.CreateAdd(product, splat(b.getInt64(int64_t{1} << 30))), splat(b.getInt64(31))),
                         i32);
  }
  // Below one half every shift is at most -1, so e = -shift >= 1.
  llvm::Value* exponent = b.CreateNeg(shift_vector);
  if (!multipliers_below_half) exponent = b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, exponent, zero);
  return EmitRoundingDivideByPowerOfTwo(b, high, exponent);
}

llvm::Value* EmitRoundingDivideByPowerOfTwo(llvm::IRBuilder<>& b, llvm::Value* x, llvm::Value* exponent) {
  llvm::Type* i32 = x->getType();
  llvm::Value* zero = SplatLike(b, x, b.getInt32(0));
  llvm::Value* one = SplatLike(b, x, b.getInt32(1));
  llvm::Value* mask = b.CreateSub(b.CreateShl(one, exponent), one);  // 2^31 - 1 for e = 31 (wraps right)
  llvm::Value* threshold = b.CreateAdd(b.CreateAShr(mask, one), b.CreateZExt(b.CreateICmpSLT(x, zero), i32));
  llvm::Value* rounds_away = b.CreateZExt(b.CreateICmpSGT(b.CreateAnd(x, mask), threshold), i32);
  return b.CreateAdd(b.CreateAShr(x, exponent), rounds_away);
}

llvm::Value* EmitRequantizeFixedPoint(KernelContext& k, llvm::Value* accumulator, llvm::Value* multiplier,
                                      llvm::Value* shift, llvm::Value* zero_point, DataType type,
                                      bool multipliers_below_half, FixedPointRounding rounding,
                                      bool accumulator_below_2_30) {
  llvm::IRBuilder<>& b = k.b;
  auto splat = [&](llvm::Value* scalar) { return SplatLike(b, accumulator, scalar); };  // vectors: every lane
  llvm::Type* i32 = LanesOf(accumulator, b.getInt32Ty());
  llvm::Type* i64 = LanesOf(accumulator, b.getInt64Ty());
  if (rounding == FixedPointRounding::kDouble) {
    llvm::Value* value;
    if (multipliers_below_half && accumulator_below_2_30) {
      value = EmitShortRoundingDivide(k, EmitShortDoublingHighProduct(k, accumulator, multiplier),
                                      b.CreateNeg(splat(shift)));
    } else {
      value = EmitMultiplyByFixedPoint(k, accumulator, multiplier, shift, multipliers_below_half);
    }
    // Saturating, as the host's 64-bit sum clamped (a multiplier of 1 or more can bring
    // the product near the int32 limits).
    value = b.CreateBinaryIntrinsic(llvm::Intrinsic::sadd_sat, value, splat(zero_point));
    value = b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, value, splat(b.getInt32(QuantizedMin(type))));
    value = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, value, splat(b.getInt32(QuantizedMax(type))));
    return b.CreateTrunc(value, LanesOf(accumulator, k.Elem(type)));
  }
  llvm::Value* product = b.CreateMul(b.CreateSExt(accumulator, i64), b.CreateSExt(splat(multiplier), i64));  // < 2^62
  if (multipliers_below_half) {
    // shift <= -1, so the total shift t = 31 - shift is 32 or more, and
    // floor((p + 2^(t-1)) / 2^t) = (floor(p / 2^(t-1)) + 1) >> 1, where
    // floor(p / 2^(t-1)) = (p >> 31) >> (-1 - shift) and p >> 31 fits in 32 bits: one
    // SMULL, then 32-bit shifts (not a 64-bit variable shift), and a 32-bit clamp (SSAT).
    llvm::Value* high = b.CreateTrunc(b.CreateAShr(product, splat(b.getInt64(31))), i32);
    llvm::Value* halves = b.CreateAShr(high, splat(b.CreateNot(shift)));  // -1 - shift
    llvm::Value* one = splat(b.getInt32(1));
    llvm::Value* value = b.CreateAdd(b.CreateAShr(b.CreateAdd(halves, one), one), splat(zero_point));
    value = b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, value, splat(b.getInt32(QuantizedMin(type))));
    value = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, value, splat(b.getInt32(QuantizedMax(type))));
    return b.CreateTrunc(value, LanesOf(accumulator, k.Elem(type)));
  }
  llvm::Value* total_shift = b.CreateZExt(b.CreateSub(splat(b.getInt32(31)), splat(shift)), i64);  // in [1, 62]
  llvm::Value* half = b.CreateShl(splat(b.getInt64(1)), b.CreateSub(total_shift, splat(b.getInt64(1))));
  llvm::Value* value =
      b.CreateAdd(b.CreateAShr(b.CreateAdd(product, half), total_shift), b.CreateSExt(splat(zero_point), i64));
  value = b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, value, splat(b.getInt64(QuantizedMin(type))));
  value = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, value, splat(b.getInt64(QuantizedMax(type))));
  return b.CreateTrunc(value, LanesOf(accumulator, k.Elem(type)));
}

llvm::Value* EmitTfliteAdd(KernelContext& k, const FixedPointAdd& add, llvm::Value* a, llvm::Value* a_zero_point,
                           llvm::Value* b, llvm::Value* b_zero_point, llvm::Value* c_zero_point, DataType c_type) {
  llvm::IRBuilder<>& ir = k.b;
  // An operand of 8-bit codes less its zero point, shifted left by 20, lies below 2^28
  // in magnitude, and its multiplier (its scale over twice the larger one, negated for
  // a SUB's second operand) at most 1/2 in magnitude: shift <= 0, so MultiplyByFixedPoint
  // is the short product, then (for shift < 0) the short division.
  auto scaled = [&](llvm::Value* value, llvm::Value* zero_point, FixedPointMultiplier m) {
    llvm::Value* shifted = ir.CreateShl(ir.CreateSub(value, SplatLike(ir, value, zero_point)),
                                        SplatLike(ir, value, ir.getInt32(FixedPointAdd::kLeftShift)));
    llvm::Value* high = EmitShortDoublingHighProduct(k, shifted, ir.getInt32(m.multiplier));
    return m.shift == 0 ? high : EmitShortRoundingDivide(k, high, ir.getInt32(-m.shift));
  };
  // The two scaled operands each lie below 2^27 in magnitude: their sum below 2^30.
  llvm::Value* sum = ir.CreateAdd(scaled(a, a_zero_point, add.a), scaled(b, b_zero_point, add.b));
  return EmitRequantizeFixedPoint(k, sum, ir.getInt32(add.sum.multiplier), ir.getInt32(add.sum.shift), c_zero_point,
                                  c_type, add.sum.shift <= -1, FixedPointRounding::kDouble,
                                  /*accumulator_below_2_30=*/true);
}

ProductRequantizer::ProductRequantizer(KernelContext& k, const QuantizationParameters& weights,
                                       const QuantizationParameters& output)
    : k_(k), weights_(weights), fixed_point_(RequantizesInFixedPoint(k.node)), rounding_(FixedPointRoundingOf(k.node)) {
  if (fixed_point_) {
    table_ = k.PreparedConstant("requantization");
    // Whether every multiplier is below 1/2 (every shift at most -1).
    if (const PreparedConstant* table = k.plan.FindConstant("requantization")) {
      const std::optional<TensorData>& entries = k.graph.value(table->value).constant;
      channels_ = k.graph.value(table->value).type.shape[0] / 2;
      multipliers_below_half_ = entries.has_value();
      if (entries) {
        const std::vector<int32_t> values = entries->Elements<int32_t>();
        const bool planes = k.plan.requantization_planes;
        for (int64_t c = 0; c < channels_; ++c) {
          multipliers_below_half_ &= values[RequantizationTableIndex(channels_, c, /*shift=*/true, planes)] <= -1;
        }
      }
    }
  } else if (k.plan.FindConstant("multipliers") != nullptr) {
    table_ = k.PreparedConstant("multipliers");  // the float multipliers, prepared
  } else {
    output_scale_ = EmitLoadScale(k, output, k.Int(0));
  }
}

ProductRequantizer::Channel ProductRequantizer::Load(llvm::Value* input_scale, llvm::Value* channel) {
  if (!fixed_point_ && table_ != nullptr) return {k_.Load(table_, weights_.PerTensor() ? k_.Int(0) : channel)};
  if (!fixed_point_) {
    return {EmitRequantizationMultiplier(k_, input_scale, EmitLoadScale(k_, weights_, channel), output_scale_)};
  }
  if (weights_.PerTensor()) {  // one channel: pairs and planes alike
    return {k_.LoadAs(DataType::kInt32, table_, k_.Int(0)), k_.LoadAs(DataType::kInt32, table_, k_.Int(1))};
  }
  return {k_.LoadAs(DataType::kInt32, table_, TableIndex(channel, /*shift=*/false)),
          k_.LoadAs(DataType::kInt32, table_, TableIndex(channel, /*shift=*/true))};
}

llvm::Value* ProductRequantizer::TableIndex(llvm::Value* channel, bool shift) {
  llvm::IRBuilder<>& b = k_.b;
  if (k_.plan.requantization_planes) return shift ? b.CreateAdd(channel, k_.ShapeParameter(channels_)) : channel;
  llvm::Value* pair = b.CreateMul(channel, k_.Int(2));
  return shift ? b.CreateAdd(pair, k_.Int(1)) : pair;
}

std::optional<ProductRequantizer::Channel> ProductRequantizer::LoadLanes(llvm::Value* first_channel, int64_t lanes) {
  llvm::IRBuilder<>& b = k_.b;
  if (!fixed_point_ && table_ == nullptr) return std::nullopt;
  if (weights_.PerTensor()) return Load(nullptr, k_.Int(0));  // scalars, splatted as applied
  if (!fixed_point_) {
    return Channel{b.CreateAlignedLoad(llvm::FixedVectorType::get(k_.F32(), lanes),
                                       b.CreateInBoundsGEP(k_.F32(), table_, first_channel), llvm::Align(4))};
  }
  llvm::Type* i32 = b.getInt32Ty();
  if (k_.plan.requantization_planes) {  // a vector from each plane
    auto* vector = llvm::FixedVectorType::get(i32, lanes);
    auto plane_vector = [&](bool shift) {
      return b.CreateAlignedLoad(vector, b.CreateInBoundsGEP(i32, table_, TableIndex(first_channel, shift)),
                                 llvm::Align(4));
    };
    return Channel{plane_vector(/*shift=*/false), plane_vector(/*shift=*/true)};
  }
  // The pairs (multiplier, shift) of `lanes` channels, split into the two vectors.
  llvm::Value* pairs = b.CreateAlignedLoad(llvm::FixedVectorType::get(i32, 2 * lanes),
                                           b.CreateInBoundsGEP(i32, table_, TableIndex(first_channel, /*shift=*/false)),
                                           llvm::Align(4));
  std::vector<int> multipliers, shifts;
  for (int64_t lane = 0; lane < lanes; ++lane) {
    multipliers.push_back(static_cast<int>(2 * lane));
    shifts.push_back(static_cast<int>(2 * lane + 1));
  }
  return Channel{b.CreateShuffleVector(pairs, multipliers), b.CreateShuffleVector(pairs, shifts)};
}

llvm::Value* ProductRequantizer::Apply(const Channel& channel, llvm::Value* accumulator, llvm::Value* zero_point,
                                       DataType type) {
  if (!fixed_point_) return EmitRequantize(k_, accumulator, channel.multiplier, zero_point, type);
  return EmitRequantizeFixedPoint(k_, accumulator, channel.multiplier, channel.shift, zero_point, type,
                                  multipliers_below_half_, rounding_, k_.plan.accumulators_below_2_30);
}

llvm::Value* ProductRequantizer::ApplyDequantized(const Channel& channel, llvm::Value* accumulator,
                                                  llvm::Value* zero_point, llvm::Value* scale, DataType type) {
  if (!fixed_point_) return EmitRequantizeDequantized(k_, accumulator, channel.multiplier, zero_point, scale, type);
  return EmitDequantize(k_, EmitWidenToInt32(k_, Apply(channel, accumulator, zero_point, type), type), scale, zero_point);
}

}  // namespace modelc
