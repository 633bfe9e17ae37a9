// Elementwise kernels: unary functions, casts, numpy-broadcasting binary ops (arithmetic,
// comparisons, logic, Where) on every element type, Clip, and the copy a view op becomes
// when its result must land in a caller's output buffer. Integer arithmetic wraps,
// integer division by zero gives 0 and shifts by the width or more give 0: defined
// results where C and LLVM leave them undefined, matching the reference evaluator.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// a / c or a mod c on integers, with the zero divisor (and the overflowing INT_MIN / -1)
// given defined results: x / 0 = 0, x / -1 = -x, x mod 0 = x mod -1 = 0.
llvm::Value* IntegerDivide(KernelContext& k, DataType type, llvm::Value* a, llvm::Value* c, bool remainder,
                           bool python_mod) {
  llvm::IRBuilder<>& b = k.b;
  const bool is_signed = IsSignedInteger(type);
  llvm::Value* zero = llvm::ConstantInt::get(a->getType(), 0);
  llvm::Value* minus_one = llvm::ConstantInt::getSigned(a->getType(), -1);
  llvm::Value* by_zero = b.CreateICmpEQ(c, zero);
  llvm::Value* by_minus_one = is_signed ? b.CreateICmpEQ(c, minus_one) : b.getFalse();
  llvm::Value* safe = b.CreateSelect(b.CreateOr(by_zero, by_minus_one), llvm::ConstantInt::get(a->getType(), 1), c);
  if (!remainder) {
    llvm::Value* q = is_signed ? b.CreateSDiv(a, safe) : b.CreateUDiv(a, safe);
    return b.CreateSelect(by_zero, zero, b.CreateSelect(by_minus_one, b.CreateNeg(a), q));
  }
  llvm::Value* r = is_signed ? b.CreateSRem(a, safe) : b.CreateURem(a, safe);
  if (is_signed && python_mod) {  // the result takes the divisor's sign
    llvm::Value* differ = b.CreateAnd(b.CreateICmpNE(r, zero),
                                      b.CreateICmpNE(b.CreateICmpSLT(r, zero), b.CreateICmpSLT(safe, zero)));
    r = b.CreateSelect(differ, b.CreateAdd(r, safe), r);
  }
  return b.CreateSelect(b.CreateOr(by_zero, by_minus_one), zero, r);
}

// base^exponent for an integer base: square-and-multiply over the exponent's bits
// (wrapping); negative exponents give 0.
llvm::Value* IntegerPower(KernelContext& k, llvm::Value* base, llvm::Value* exponent) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* type = base->getType();
  llvm::Value* result_slot = k.EntryAlloca(type);
  llvm::Value* square_slot = k.EntryAlloca(type);
  b.CreateStore(llvm::ConstantInt::get(type, 1), result_slot);
  b.CreateStore(base, square_slot);
  k.Loop(64, [&](llvm::Value* bit) {
    llvm::Value* square = b.CreateLoad(type, square_slot);
    llvm::Value* set = b.CreateTrunc(b.CreateLShr(exponent, bit), b.getInt1Ty());
    llvm::Value* result = b.CreateLoad(type, result_slot);
    b.CreateStore(b.CreateSelect(set, b.CreateMul(result, square), result), result_slot);
    b.CreateStore(b.CreateMul(square, square), square_slot);
  }, /*allow_unrolling=*/false);
  llvm::Value* result = b.CreateLoad(type, result_slot);
  return b.CreateSelect(b.CreateICmpSLT(exponent, b.getInt64(0)), llvm::ConstantInt::get(type, 0), result);
}

// A value of type `from` converted to `to`: saturating from float to integers (NaN
// gives 0), != 0 to bool, bools as 0 and 1, float32 and float64 widened or rounded to
// nearest.
llvm::Value* Convert(KernelContext& k, llvm::Value* v, DataType from, DataType to) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Type* target = k.Elem(to);
  if (from == to) return v;
  if (IsBool(to)) {
    llvm::Value* nonzero = IsFloatingPoint(from) ? b.CreateFCmpUNE(v, KernelContext::FloatLike(v, 0.0))
                                                 : b.CreateICmpNE(v, llvm::ConstantInt::get(v->getType(), 0));
    return b.CreateZExt(nonzero, target);
  }
  if (IsFloatingPoint(from) && IsFloatingPoint(to)) return IsFloat64(to) ? b.CreateFPExt(v, target) : b.CreateFPTrunc(v, target);
  if (IsFloatingPoint(from)) {
    const auto intrinsic = IsSignedInteger(to) ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat;
    return b.CreateIntrinsic(intrinsic, {target, v->getType()}, {v});
  }
  const bool from_signed = IsSignedInteger(from);
  if (IsFloatingPoint(to)) return from_signed ? b.CreateSIToFP(v, target) : b.CreateUIToFP(v, target);
  return from_signed ? b.CreateSExtOrTrunc(v, target) : b.CreateZExtOrTrunc(v, target);
}

// fmod(a, c) on floats (float32 or float64) without a libm call, exact as C's fmod:
// the magnitudes' significands as integers, long division one bit per step over
// the exponents' difference (at most 277 steps for float32, 2098 for float64; a
// zero remainder stays zero), then the remainder normalised and given a's sign.
// NaN for a NaN, an infinite a or a zero c; a itself for an infinite c or |a| < |c|.
llvm::Value* ExactFmod(KernelContext& k, llvm::Value* a, llvm::Value* c) {
  llvm::IRBuilder<>& b = k.b;
  const bool is_double = a->getType()->isDoubleTy();
  const unsigned width = is_double ? 64 : 32, fraction_bits = is_double ? 52 : 23;
  const unsigned exponent_bits = width - 1 - fraction_bits;
  llvm::Type* bits = b.getIntNTy(width);
  auto constant = [&](int64_t v) { return llvm::ConstantInt::getSigned(bits, v); };
  const uint64_t sign_bit = uint64_t{1} << (width - 1), leading_one = uint64_t{1} << fraction_bits;
  auto leading_zeros = [&](llvm::Value* v) { return b.CreateIntrinsic(llvm::Intrinsic::ctlz, {bits}, {v, b.getFalse()}); };
  // A magnitude's significand with its leading one at bit `fraction_bits` (subnormals
  // shifted up) and its exponent field (below 1 for a subnormal).
  auto unpack = [&](llvm::Value* magnitude, llvm::Value*& significand, llvm::Value*& exponent) {
    llvm::Value* field = b.CreateLShr(magnitude, fraction_bits);
    llvm::Value* subnormal = b.CreateICmpEQ(field, constant(0));
    llvm::Value* shift = b.CreateSelect(subnormal, b.CreateSub(leading_zeros(magnitude), constant(exponent_bits)), constant(0));
    significand = b.CreateSelect(subnormal, b.CreateShl(magnitude, shift),
                                 b.CreateOr(b.CreateAnd(magnitude, constant(leading_one - 1)), constant(leading_one)));
    exponent = b.CreateSelect(subnormal, b.CreateSub(constant(1), shift), field);
  };
  llvm::Value* a_bits = b.CreateBitCast(a, bits);
  llvm::Value* a_magnitude = b.CreateAnd(a_bits, constant(~sign_bit));
  llvm::Value* c_magnitude = b.CreateAnd(b.CreateBitCast(c, bits), constant(~sign_bit));
  llvm::Value *x, *x_exponent, *y, *y_exponent;
  unpack(a_magnitude, x, x_exponent);
  unpack(c_magnitude, y, y_exponent);
  llvm::Value* slot = k.EntryAlloca(bits);
  b.CreateStore(x, slot);
  auto subtract_if_not_below = [&] {  // x - y when that is not negative, else x
    llvm::Value* current = b.CreateLoad(bits, slot);
    llvm::Value* difference = b.CreateSub(current, y);
    return b.CreateSelect(b.CreateICmpSGE(difference, constant(0)), difference, current);
  };
  llvm::Value* steps = b.CreateSub(x_exponent, y_exponent);  // negative when |a| < |c| (a is the result)
  steps = b.CreateSelect(b.CreateICmpSLT(steps, constant(0)), constant(0), steps);
  k.Loop(k.Int(0), b.CreateSExtOrTrunc(steps, k.Index()), [&](llvm::Value*) {
    b.CreateStore(b.CreateShl(subtract_if_not_below(), 1), slot);
  }, /*allow_unrolling=*/false);
  llvm::Value* remainder = subtract_if_not_below();  // below y: fewer than fraction_bits + 1 bits
  llvm::Value* shift = b.CreateSub(leading_zeros(remainder), constant(exponent_bits));
  remainder = b.CreateShl(remainder, shift);
  llvm::Value* exponent = b.CreateSub(y_exponent, shift);
  llvm::Value* normal = b.CreateOr(b.CreateSub(remainder, constant(leading_one)), b.CreateShl(exponent, fraction_bits));
  llvm::Value* subnormal_shift = b.CreateSub(constant(1), exponent);
  subnormal_shift = b.CreateSelect(b.CreateICmpSGT(subnormal_shift, constant(width - 1)), constant(width - 1), subnormal_shift);
  llvm::Value* result_bits = b.CreateSelect(b.CreateICmpSGT(exponent, constant(0)), normal, b.CreateLShr(remainder, subnormal_shift));
  result_bits = b.CreateSelect(b.CreateICmpEQ(remainder, constant(0)), constant(0), result_bits);
  llvm::Value* result = b.CreateBitCast(b.CreateOr(result_bits, b.CreateAnd(a_bits, constant(sign_bit))), a->getType());
  llvm::Value* infinity = llvm::ConstantFP::getInfinity(a->getType());
  llvm::Value* a_abs = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, a);
  llvm::Value* c_abs = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, c);
  result = b.CreateSelect(b.CreateOr(b.CreateFCmpOEQ(c_abs, infinity), b.CreateFCmpOLT(a_abs, c_abs)), a, result);
  llvm::Value* undefined = b.CreateOr(b.CreateFCmpUNO(a, c),
                                      b.CreateOr(b.CreateFCmpOEQ(a_abs, infinity), b.CreateFCmpOEQ(c, KernelContext::FloatLike(c, 0.0))));
  return b.CreateSelect(undefined, llvm::ConstantFP::getNaN(a->getType()), result);
}

// a mod c on floats: fmod (the dividend's sign), or with `python_mod` (fmod = 0) the
// divisor's sign, as Python's %: a nonzero remainder of the other sign moves by c, a
// zero takes c's sign (so -3 mod inf = inf, 1 mod -inf = -inf).
llvm::Value* FloatRemainder(KernelContext& k, llvm::Value* a, llvm::Value* c, bool python_mod) {
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* r = ExactFmod(k, a, c);
  if (!python_mod) return r;
  llvm::Value* zero = KernelContext::FloatLike(a, 0.0);
  llvm::Value* differ = b.CreateAnd(b.CreateFCmpONE(r, zero), b.CreateXor(b.CreateFCmpOLT(r, zero), b.CreateFCmpOLT(c, zero)));
  r = b.CreateSelect(differ, b.CreateFAdd(r, c), r);
  return b.CreateSelect(b.CreateFCmpOEQ(r, zero), b.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, zero, c), r);
}

llvm::Value* Bool(KernelContext& k, llvm::Value* i1) { return k.b.CreateZExt(i1, k.b.getInt8Ty()); }
llvm::Value* IsTrue(KernelContext& k, llvm::Value* v) { return k.b.CreateICmpNE(v, k.b.getInt8(0)); }

struct BinaryModes {
  bool python_mod = false;  // Mod with fmod = 0
  bool shift_left = false;
  DataType operand_type = DataType::kFloat32;
  DataType exponent_type = DataType::kFloat32;
};

absl::StatusOr<BinaryModes> ResolveModes(KernelContext& k) {
  BinaryModes modes;
  modes.operand_type = k.InType(k.node.op == OpKind::kWhere ? 1 : 0);
  if (k.node.op == OpKind::kPow) modes.exponent_type = k.InType(1);
  if (k.node.op == OpKind::kMod) {
    ASSIGN_OR_RETURN(int64_t fmod, k.node.attributes.GetInt("fmod", 0));
    modes.python_mod = fmod == 0;
  }
  if (k.node.op == OpKind::kBitShift) {
    ASSIGN_OR_RETURN(std::string direction, k.node.attributes.GetString("direction", ""));
    if (direction != "LEFT" && direction != "RIGHT") return absl::InvalidArgumentError("BitShift direction must be LEFT or RIGHT");
    modes.shift_left = direction == "LEFT";
  }
  return modes;
}

llvm::Value* Compare(KernelContext& k, DataType type, llvm::Value* a, llvm::Value* c) {
  llvm::IRBuilder<>& b = k.b;
  const bool is_signed = IsSignedInteger(type);
  const bool is_float = IsFloatingPoint(type);
  switch (AsBinaryOp(k.node.op)) {
    case BinaryOp::kEqual:
      return is_float ? b.CreateFCmpOEQ(a, c) : b.CreateICmpEQ(a, c);
    case BinaryOp::kLess:
      return is_float ? b.CreateFCmpOLT(a, c) : is_signed ? b.CreateICmpSLT(a, c) : b.CreateICmpULT(a, c);
    case BinaryOp::kGreater:
      return is_float ? b.CreateFCmpOGT(a, c) : is_signed ? b.CreateICmpSGT(a, c) : b.CreateICmpUGT(a, c);
    case BinaryOp::kLessOrEqual:
      return is_float ? b.CreateFCmpOLE(a, c) : is_signed ? b.CreateICmpSLE(a, c) : b.CreateICmpULE(a, c);
    case BinaryOp::kGreaterOrEqual:
      return is_float ? b.CreateFCmpOGE(a, c) : is_signed ? b.CreateICmpSGE(a, c) : b.CreateICmpUGE(a, c);
    case BinaryOp::kAdd: case BinaryOp::kSub: case BinaryOp::kMul: case BinaryOp::kDiv: case BinaryOp::kPow:
    case BinaryOp::kPRelu: case BinaryOp::kMax: case BinaryOp::kMin: case BinaryOp::kSum: case BinaryOp::kMean:
    case BinaryOp::kAnd: case BinaryOp::kOr: case BinaryOp::kXor: case BinaryOp::kMod: case BinaryOp::kBitShift:
    case BinaryOp::kBitwiseAnd: case BinaryOp::kBitwiseOr: case BinaryOp::kBitwiseXor: case BinaryOp::kWhere:
      break;
  }
  MODELC_UNREACHABLE("Compare of an op that is no comparison");
}

llvm::Value* Combine(KernelContext& k, const BinaryModes& modes, llvm::Value* a, llvm::Value* c) {
  llvm::IRBuilder<>& b = k.b;
  const DataType type = modes.operand_type;
  switch (AsBinaryOp(k.node.op)) {
    case BinaryOp::kEqual:
    case BinaryOp::kLess:
    case BinaryOp::kGreater:
    case BinaryOp::kLessOrEqual:
    case BinaryOp::kGreaterOrEqual:
      return Bool(k, Compare(k, type, a, c));
    case BinaryOp::kAnd: return Bool(k, b.CreateAnd(IsTrue(k, a), IsTrue(k, c)));
    case BinaryOp::kOr: return Bool(k, b.CreateOr(IsTrue(k, a), IsTrue(k, c)));
    case BinaryOp::kXor: return Bool(k, b.CreateXor(IsTrue(k, a), IsTrue(k, c)));
    case BinaryOp::kPow:
      if (IsFloat(type)) return EmitPow(k, a, Convert(k, c, modes.exponent_type, DataType::kFloat32));
      return IntegerPower(k, a, Convert(k, c, modes.exponent_type, DataType::kInt64));
    case BinaryOp::kAdd: case BinaryOp::kSub: case BinaryOp::kMul: case BinaryOp::kDiv: case BinaryOp::kPRelu:
    case BinaryOp::kMax: case BinaryOp::kMin: case BinaryOp::kSum: case BinaryOp::kMean: case BinaryOp::kMod:
    case BinaryOp::kBitShift: case BinaryOp::kBitwiseAnd: case BinaryOp::kBitwiseOr: case BinaryOp::kBitwiseXor:
    case BinaryOp::kWhere:
      break;
  }
  if (IsFloatingPoint(type)) {
    switch (AsBinaryOp(k.node.op)) {
      case BinaryOp::kAdd:
      case BinaryOp::kSum:
      case BinaryOp::kMean: return b.CreateFAdd(a, c);
      case BinaryOp::kSub: return b.CreateFSub(a, c);
      case BinaryOp::kMul: return b.CreateFMul(a, c);
      case BinaryOp::kDiv: return b.CreateFDiv(a, c);
      case BinaryOp::kMax: return b.CreateSelect(b.CreateFCmpOLT(a, c), c, a);  // as std::max
      case BinaryOp::kMin: return b.CreateSelect(b.CreateFCmpOLT(c, a), c, a);  // as std::min
      case BinaryOp::kPRelu:
        return b.CreateSelect(b.CreateFCmpOLT(a, KernelContext::FloatLike(a, 0.0)), b.CreateFMul(a, c), a);
      case BinaryOp::kMod: return FloatRemainder(k, a, c, modes.python_mod);
      case BinaryOp::kPow: case BinaryOp::kEqual: case BinaryOp::kLess: case BinaryOp::kGreater:
      case BinaryOp::kLessOrEqual: case BinaryOp::kGreaterOrEqual: case BinaryOp::kAnd: case BinaryOp::kOr:
      case BinaryOp::kXor: case BinaryOp::kBitShift: case BinaryOp::kBitwiseAnd: case BinaryOp::kBitwiseOr:
      case BinaryOp::kBitwiseXor: case BinaryOp::kWhere: return nullptr;
    }
  }
  const bool is_signed = IsSignedInteger(type);
  switch (AsBinaryOp(k.node.op)) {
    case BinaryOp::kAdd:
    case BinaryOp::kSum: return b.CreateAdd(a, c);
    case BinaryOp::kSub: return b.CreateSub(a, c);
    case BinaryOp::kMul: return b.CreateMul(a, c);
    case BinaryOp::kDiv: return IntegerDivide(k, type, a, c, false, false);
    case BinaryOp::kMod: return IntegerDivide(k, type, a, c, true, modes.python_mod);
    case BinaryOp::kMax: return b.CreateSelect(is_signed ? b.CreateICmpSLT(a, c) : b.CreateICmpULT(a, c), c, a);
    case BinaryOp::kMin: return b.CreateSelect(is_signed ? b.CreateICmpSLT(c, a) : b.CreateICmpULT(c, a), c, a);
    case BinaryOp::kBitwiseAnd: return b.CreateAnd(a, c);
    case BinaryOp::kBitwiseOr: return b.CreateOr(a, c);
    case BinaryOp::kBitwiseXor: return b.CreateXor(a, c);
    case BinaryOp::kBitShift: {
      // A shift by a negative amount or by the width or more leaves only the fill: the
      // sign for a right shift of a signed value (arithmetic, opset 28), else 0.
      llvm::Value* too_far = b.CreateICmpUGE(c, llvm::ConstantInt::get(c->getType(), ByteSize(type) * 8));
      llvm::Value* zero = llvm::ConstantInt::get(a->getType(), 0);
      if (modes.shift_left) return b.CreateSelect(too_far, zero, b.CreateShl(a, c));
      if (!is_signed) return b.CreateSelect(too_far, zero, b.CreateLShr(a, c));
      llvm::Value* fill = b.CreateAShr(a, llvm::ConstantInt::get(a->getType(), ByteSize(type) * 8 - 1));
      return b.CreateSelect(too_far, fill, b.CreateAShr(a, c));
    }
    case BinaryOp::kPow: case BinaryOp::kPRelu: case BinaryOp::kMean: case BinaryOp::kEqual: case BinaryOp::kLess:
    case BinaryOp::kGreater: case BinaryOp::kLessOrEqual: case BinaryOp::kGreaterOrEqual: case BinaryOp::kAnd:
    case BinaryOp::kOr: case BinaryOp::kXor: case BinaryOp::kWhere: return nullptr;
  }
  MODELC_UNREACHABLE("every case of the switch returns");
}

// Combines the operands at one output position, left to right.
llvm::Value* CombineAll(KernelContext& k, const BinaryModes& modes, const std::vector<llvm::Value*>& at) {
  if (k.node.op == OpKind::kWhere) {
    llvm::Value* condition = IsTrue(k, k.LoadAs(DataType::kBool, k.in[0], at[0]));
    return k.b.CreateSelect(condition, k.LoadAs(modes.operand_type, k.in[1], at[1]),
                            k.LoadAs(modes.operand_type, k.in[2], at[2]));
  }
  llvm::Value* value = k.LoadAs(k.InType(0), k.in[0], at[0]);
  for (size_t o = 1; o < at.size(); ++o) value = Combine(k, modes, value, k.LoadAs(k.InType(o), k.in[o], at[o]));
  if (k.node.op == OpKind::kMean) value = k.b.CreateFDiv(value, KernelContext::FloatLike(value, static_cast<double>(at.size())));
  return value;
}

absl::Status EmitBinary(KernelContext& k) {
  ASSIGN_OR_RETURN(BinaryModes modes, ResolveModes(k));
  const Shape& out_shape = k.graph.value(k.node.outputs[0]).type.shape;
  const DataType out_type = k.OutType();
  std::vector<std::vector<int64_t>> strides;
  bool all_full = true;
  for (size_t i = 0; i < k.node.inputs.size(); ++i) {
    const Shape& shape = k.graph.InputType(k.node, i).shape;
    all_full &= shape == out_shape;
    strides.push_back(BroadcastStrides(shape, out_shape));
  }
  if (all_full) {  // no broadcasting: one flat loop
    k.Loop(ElementCount(out_shape), [&](llvm::Value* i) {
      k.StoreAs(out_type, CombineAll(k, modes, std::vector<llvm::Value*>(k.node.inputs.size(), i)), k.out[0], i);
    });
    return absl::OkStatus();
  }
  k.LoopNest(out_shape, strides, [&](llvm::Value* out_index, const std::vector<llvm::Value*>& operand_index) {
    k.StoreAs(out_type, CombineAll(k, modes, operand_index), k.out[0], out_index);
  });
  return absl::OkStatus();
}

// A unary op on a non-floating-point input or with a non-floating-point result, or a Cast.
llvm::Value* EmitTypedUnary(KernelContext& k, const ElementwiseFunction& f, llvm::Value* x) {
  llvm::IRBuilder<>& b = k.b;
  const DataType from = k.InType(0), to = k.OutType();
  llvm::Value* zero = IsFloatingPoint(from) ? KernelContext::FloatLike(x, 0.0) : llvm::ConstantInt::get(x->getType(), 0);
  switch (AsUnaryOp(k.node.op)) {
    case UnaryOp::kCast: return Convert(k, x, from, to);
    case UnaryOp::kNot: return Bool(k, b.CreateNot(IsTrue(k, x)));
    case UnaryOp::kBitwiseNot: return b.CreateNot(x);
    case UnaryOp::kIsNaN: return Bool(k, b.CreateFCmpUNO(x, x));
    case UnaryOp::kIsInf: {
      llvm::Value* positive = b.CreateFCmpOEQ(x, llvm::ConstantFP::getInfinity(x->getType()));
      llvm::Value* negative = b.CreateFCmpOEQ(x, llvm::ConstantFP::getInfinity(x->getType(), true));
      return Bool(k, b.CreateOr(b.CreateAnd(positive, b.getInt1(f.beta != 0.0f)),
                                b.CreateAnd(negative, b.getInt1(f.alpha != 0.0f))));
    }
    case UnaryOp::kAbs:
      return IsSignedInteger(from) ? b.CreateSelect(b.CreateICmpSLT(x, zero), b.CreateNeg(x), x) : x;
    case UnaryOp::kNeg: return b.CreateNeg(x);
    case UnaryOp::kSign: {
      llvm::Value* one = llvm::ConstantInt::get(x->getType(), 1);
      llvm::Value* negative = IsSignedInteger(from) ? b.CreateICmpSLT(x, zero) : b.getFalse();
      return b.CreateSelect(b.CreateICmpEQ(x, zero), zero,
                            b.CreateSelect(negative, llvm::ConstantInt::getSigned(x->getType(), -1), one));
    }
    case UnaryOp::kRelu: case UnaryOp::kSigmoid: case UnaryOp::kTanh: case UnaryOp::kExp: case UnaryOp::kLog:
    case UnaryOp::kSqrt: case UnaryOp::kReciprocal: case UnaryOp::kFloor: case UnaryOp::kCeil: case UnaryOp::kRound:
    case UnaryOp::kErf: case UnaryOp::kSoftplus: case UnaryOp::kSoftsign: case UnaryOp::kElu: case UnaryOp::kSelu:
    case UnaryOp::kCelu: case UnaryOp::kLeakyRelu: case UnaryOp::kThresholdedRelu: case UnaryOp::kHardSigmoid:
    case UnaryOp::kHardSwish: case UnaryOp::kSin: case UnaryOp::kCos: case UnaryOp::kTan: case UnaryOp::kAsin:
    case UnaryOp::kAcos: case UnaryOp::kAtan: case UnaryOp::kSinh: case UnaryOp::kCosh: case UnaryOp::kAsinh:
    case UnaryOp::kAcosh: case UnaryOp::kAtanh: case UnaryOp::kShrink: case UnaryOp::kSwish: return nullptr;
  }
  MODELC_UNREACHABLE("every case of the switch returns");
}

}  // namespace

absl::Status EmitElementwiseKernel(KernelContext& k) {
  const int64_t count = k.graph.InputType(k.node, 0).ElementCount();
  switch (GetOpInfo(k.node.op).family) {
    case OpFamily::kUnary: {
      ASSIGN_OR_RETURN(ElementwiseFunction f, ElementwiseFunctionOf(k.graph, k.node));
      const DataType from = k.InType(0), to = k.OutType();
      // float64 reaches EmitElementwiseFunction only for the ops ops.def admits it for.
      const bool typed = !IsFloatingPoint(from) || !IsFloatingPoint(to) || k.node.op == OpKind::kCast;
      std::string unsupported;
      k.Loop(count, [&](llvm::Value* i) {
        llvm::Value* x = k.LoadAs(from, k.in[0], i);
        llvm::Value* y = typed ? EmitTypedUnary(k, f, x) : EmitElementwiseFunction(k, f, x);
        if (!y) {
          unsupported = absl::StrCat(OpName(k.node.op), " on ", DataTypeName(from));
          y = llvm::UndefValue::get(k.Elem(to));
        }
        k.StoreAs(to, y, k.out[0], i);
      });
      if (!unsupported.empty()) return absl::UnimplementedError(absl::StrCat("no lowering for ", unsupported));
      return absl::OkStatus();
    }
    case OpFamily::kBinary:
      return EmitBinary(k);
    case OpFamily::kView:
      k.b.CreateMemCpy(k.out[0], llvm::MaybeAlign(1), k.in[0], llvm::MaybeAlign(1),
                       k.Int(k.graph.InputType(k.node, 0).ByteSize()));
      return absl::OkStatus();
    case OpFamily::kReduce:
    case OpFamily::kIndexMap:
    case OpFamily::kOwn:
      break;
  }
  if (k.node.op == OpKind::kClip) {
    ASSIGN_OR_RETURN(ClipGeometry g, ResolveClip(k.graph, k.node));
    const DataType type = k.InType(0);
    llvm::Value* low = g.min_from_input ? k.LoadAs(type, k.in[1], k.Int(0)) : k.Constant(type, g.min);
    llvm::Value* high = g.max_from_input ? k.LoadAs(type, k.in[2], k.Int(0)) : k.Constant(type, g.max);
    k.Loop(count, [&](llvm::Value* i) {
      llvm::Value* x = k.LoadAs(type, k.in[0], i);
      llvm::Value* y;
      if (IsFloat(type)) {
        y = EmitClamp(k, x, low, high);
      } else {
        const bool s = IsSignedInteger(type);
        y = k.b.CreateSelect(s ? k.b.CreateICmpSLT(x, low) : k.b.CreateICmpULT(x, low), low, x);
        y = k.b.CreateSelect(s ? k.b.CreateICmpSGT(y, high) : k.b.CreateICmpUGT(y, high), high, y);
      }
      k.StoreAs(type, y, k.out[0], i);
    });
    return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat("no elementwise kernel for ", OpName(k.node.op)));
}

// Clip's hook: an elementwise function whose bounds may be inputs.
absl::Status EmitClipKernel(KernelContext& k) { return EmitElementwiseKernel(k); }

}  // namespace modelc
