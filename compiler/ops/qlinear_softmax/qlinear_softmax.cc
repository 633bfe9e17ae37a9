// QLinearSoftmax: Softmax of a quantised tensor, ONNX Runtime's com.microsoft op of that
// name, which ORT's graph optimiser also makes of DequantizeLinear -> Softmax ->
// QuantizeLinear (the QDQ fusion makes it here too, so a quantised model's last layer
// gives ORT's integers). Inputs x, x_scale, x_zero_point, y_scale, y_zero_point, per
// tensor and constant; attributes axis and opset (ORT's: below 13 the rows are the
// input flattened at axis, as Softmax-1/11 does).
//
// The arithmetic is ORT's (contrib_ops/cpu/quantization/qlinear_softmax.cc, read at
// 1.20.1; its float table): only differences of codes matter, so a table of 256
// exponentials, built once here, replaces every exp:
//   B = max(0, logf(FLT_MAX / D) - 5) / x_scale  (double; D the row's length)
//   T[i] = float(exp((i - 255 + B) * x_scale))    (double), i = 0 .. 255
// and per row, with m the row's largest code and t_j = T[x_j - m + 255]:
//   sum = t_0 + t_1 + ... (float, in order)
//   y_j = round_half_even((t_j * M) / sum) + y_zero_point, M = floorf(1 / y_scale)
// with every operation in float32 as written (no fused multiply-add, no reciprocal):
// bit for bit what ORT computes. M = floorf(1 / y_scale) is ORT's choice: for the usual
// y_scale of 1/255, 254, so the largest probability is 254/255 and a result is at most
// one step below the float Softmax quantised. Where ORT's result would leave y's type
// (ORT then wraps around: a code of 254 with zero point 0 becomes -2), this op
// saturates, as QuantizeLinear does.
//
// With kFixedPointRequantization = 2 (the TFLite frontend's int8 SOFTMAX, beta 1) the
// arithmetic is TFLite's reference kernel's instead (tflite_softmax.h): int8 in, int8 out
// with scale 1/256 and zero point -128, rows of at most 511 elements.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/quantize/product_requantizer.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/ops/quantize/tflite_softmax.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr int kTableSize = 256;  // one entry per difference of two 8-bit codes

struct QLinearSoftmaxGeometry {
  SoftmaxGeometry rows;
  QuantizationParameters x, y;
  std::vector<float> table;  // T[i] = e^((i - 255 + B) * x_scale)
  float multiplier = 0;      // M = floorf(1 / y_scale)
  std::optional<TfliteSoftmax> tflite;  // TFLite's arithmetic instead (the table is then unused)
};

float ConstantScalar(const Graph& graph, const Node& node, int input) {
  return graph.value(node.inputs[input]).constant->Floats()[0];
}

absl::StatusOr<QLinearSoftmaxGeometry> ResolveQLinearSoftmax(const Graph& graph, const Node& node) {
  QLinearSoftmaxGeometry g;
  ASSIGN_OR_RETURN(g.rows, ResolveSoftmax(graph, node));
  const Shape& shape = graph.InputType(node, 0).shape;
  ASSIGN_OR_RETURN(g.x, ResolveQuantizedOperand(graph, node, 0, 1, 2, std::nullopt, "x"));
  ASSIGN_OR_RETURN(g.y, ResolveQuantization(graph, node, 3, 4, shape, std::nullopt, "y"));
  if (g.x.type != g.y.type) {
    return absl::InvalidArgumentError(absl::StrCat("QLinearSoftmax's x and y must be of one type; got ",
                                                   DataTypeName(g.x.type), " and ", DataTypeName(g.y.type)));
  }
  // The table is built from x's scale, the multiplier from y's: both while compiling.
  if (!graph.IsConstant(node.inputs[1]) || !graph.IsConstant(node.inputs[3])) {
    return absl::UnimplementedError("QLinearSoftmax with a scale computed at run time is not supported");
  }
  const double x_scale = ConstantScalar(graph, node, 1);
  if (RequantizesInFixedPoint(node)) {
    const float y_scale = ConstantScalar(graph, node, 3);
    const std::vector<int32_t> y_zero_point =
        graph.HasInput(node, 4) && graph.IsConstant(node.inputs[4]) ? ElementsAsInt32(*graph.value(node.inputs[4]).constant)
                                                                    : std::vector<int32_t>{};
    if (g.x.type != DataType::kInt8 || FixedPointRoundingOf(node) != FixedPointRounding::kDouble ||
        std::fabs(y_scale - 1.0f / 256) > 0.001f / 256 || y_zero_point != std::vector<int32_t>{-128}) {
      return absl::InvalidArgumentError("TFLite's int8 softmax needs int8 data and y quantised with scale 1/256 and "
                                        "zero point -128");
    }
    // PreprocessSoftmaxScaling needs x_scale x 2^26 in [1, 2^30): a multiplier of at least
    // one, as a left shift of at most 30.
    const double scaled = x_scale * (1 << (31 - TfliteSoftmax::kScaledDiffIntegerBits));
    if (!(scaled >= 1.0) || scaled >= (1 << 30)) {
      return absl::UnimplementedError(absl::StrCat("TFLite's int8 softmax of input scale ", x_scale,
                                                   " is not supported"));
    }
    if (g.rows.axis_dim < 1 || g.rows.axis_dim > TfliteSoftmax::kLongestRow) {
      return absl::UnimplementedError(absl::StrCat("TFLite's int8 softmax of rows of ", g.rows.axis_dim,
                                                   " elements is not supported (at most ", TfliteSoftmax::kLongestRow, ")"));
    }
    g.tflite = MakeTfliteSoftmax(1.0, x_scale);
    return g;
  }
  const float length = static_cast<float>(g.rows.axis_dim);
  const double bias = std::max(0.0, static_cast<double>(std::log(std::numeric_limits<float>::max() / length)) - 5.0) /
                      x_scale;
  g.table.resize(kTableSize);
  for (int i = 0; i < kTableSize; ++i) {
    g.table[i] = static_cast<float>(std::exp((static_cast<double>(i) - 255.0 + bias) * x_scale));
  }
  g.multiplier = std::floor(1.0f / ConstantScalar(graph, node, 3));
  return g;
}

// (t * M) / sum in float32, as the kernel computes it.
float Scaled(float t, float multiplier, float sum) { return (t * multiplier) / sum; }

}  // namespace

// ORT's op carries the Softmax opset it replaces: below 13, rows are flattened at the
// axis (default 1), as Softmax's own upgrade records with coerce_to_2d.
absl::Status UpgradeQLinearSoftmax(Node& node, int64_t) {
  ASSIGN_OR_RETURN(int64_t opset, node.attributes.GetInt("opset", -1));
  if (opset < 1) return absl::InvalidArgumentError("QLinearSoftmax needs its 'opset' attribute (a positive number)");
  if (opset < 13) node.attributes.Set("coerce_to_2d", int64_t{1});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TensorType>> InferQLinearSoftmax(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(QLinearSoftmaxGeometry g, ResolveQLinearSoftmax(graph, node));
  return std::vector<TensorType>{TensorType{g.y.type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateQLinearSoftmax(const Graph& graph, const Node& node,
                                                               const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(QLinearSoftmaxGeometry g, ResolveQLinearSoftmax(graph, node));
  const std::vector<int32_t> x = ElementsAsInt32(*inputs[0]);
  const QuantizationValues qy = ReadQuantization(g.y, inputs);
  const SoftmaxGeometry& r = g.rows;
  std::vector<int32_t> y(x.size());
  for (int64_t o = 0; o < r.outer; ++o)
    for (int64_t i = 0; i < r.inner; ++i) {
      auto at = [&](int64_t a) { return (o * r.axis_dim + a) * r.inner + i; };
      if (g.tflite) {
        TfliteSoftmaxRow(*g.tflite, &x[at(0)], r.axis_dim, r.inner, &y[at(0)]);
        continue;
      }
      int32_t largest = std::numeric_limits<int32_t>::min();
      for (int64_t a = 0; a < r.axis_dim; ++a) largest = std::max(largest, x[at(a)]);
      auto entry = [&](int64_t a) { return g.table[x[at(a)] - largest + kTableSize - 1]; };
      float sum = 0.0f;
      for (int64_t a = 0; a < r.axis_dim; ++a) sum += entry(a);
      for (int64_t a = 0; a < r.axis_dim; ++a) {
        y[at(a)] = RoundToQuantized(Scaled(entry(a), g.multiplier, sum), qy.zero_point[0], g.y.type);
      }
    }
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, y)};
}

namespace {

// gemmlowp's primitives (fixed_point_multiplier.h) on i32 values in generated code, beside
// product_requantizer.h's EmitRoundingDivideByPowerOfTwo.
llvm::Value* EmitSaturatingRoundingDoublingHighMul(llvm::IRBuilder<>& b, llvm::Value* x, llvm::Value* y) {
  llvm::Value* overflow = b.CreateAnd(b.CreateICmpEQ(x, b.getInt32(INT32_MIN)), b.CreateICmpEQ(y, b.getInt32(INT32_MIN)));
  llvm::Value* product = b.CreateMul(b.CreateSExt(x, b.getInt64Ty()), b.CreateSExt(y, b.getInt64Ty()));
  llvm::Value* nudge = b.CreateSelect(b.CreateICmpSGE(product, b.getInt64(0)), b.getInt64(int64_t{1} << 30),
                                      b.getInt64(1 - (int64_t{1} << 30)));
  llvm::Value* high = b.CreateTrunc(b.CreateSDiv(b.CreateAdd(product, nudge), b.getInt64(int64_t{1} << 31)), b.getInt32Ty());
  return b.CreateSelect(overflow, b.getInt32(INT32_MAX), high);
}

llvm::Value* EmitSaturatingShiftLeft(llvm::IRBuilder<>& b, llvm::Value* x, int exponent) {
  const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  llvm::Value* shifted = b.CreateShl(x, exponent);
  shifted = b.CreateSelect(b.CreateICmpSGT(x, b.getInt32(threshold)), b.getInt32(INT32_MAX), shifted);
  return b.CreateSelect(b.CreateICmpSLT(x, b.getInt32(-threshold)), b.getInt32(INT32_MIN), shifted);
}

// TfliteReciprocal in generated code: the sum (i32, positive) -> {Q0.31 reciprocal,
// bits over one}.
std::pair<llvm::Value*, llvm::Value*> EmitTfliteReciprocal(llvm::IRBuilder<>& b, llvm::Value* sum) {
  llvm::Value* headroom_plus_one = b.CreateBinaryIntrinsic(llvm::Intrinsic::ctlz, sum, b.getFalse());
  llvm::Value* bits_over_unit = b.CreateSub(b.getInt32(TfliteSoftmax::kAccumulationIntegerBits), headroom_plus_one);
  llvm::Value* a = b.CreateSub(b.CreateShl(sum, headroom_plus_one), b.getInt32(INT32_MIN));  // wraps as uint32
  // OneOverOnePlusX: the half denominator, then three Newton-Raphson steps in Q2.29.
  llvm::Value* sum64 = b.CreateAdd(b.CreateSExt(a, b.getInt64Ty()), b.getInt64(INT32_MAX));
  llvm::Value* rounded = b.CreateAdd(sum64, b.CreateSelect(b.CreateICmpSGE(sum64, b.getInt64(0)), b.getInt64(1),
                                                           b.getInt64(-1)));
  llvm::Value* half_denominator = b.CreateTrunc(b.CreateSDiv(rounded, b.getInt64(2)), b.getInt32Ty());
  llvm::Value* x = b.CreateAdd(b.getInt32(1515870810),
                               EmitSaturatingRoundingDoublingHighMul(b, half_denominator, b.getInt32(-1010580540)));
  for (int i = 0; i < 3; ++i) {
    llvm::Value* times_x = EmitSaturatingRoundingDoublingHighMul(b, half_denominator, x);
    llvm::Value* step = EmitSaturatingRoundingDoublingHighMul(b, x, b.CreateSub(b.getInt32(1 << 29), times_x));
    x = b.CreateAdd(x, EmitSaturatingShiftLeft(b, step, 2));
  }
  return {EmitSaturatingShiftLeft(b, x, 1), bits_over_unit};
}

// TFLite's int8 softmax, per row: the largest code; the sum of the table's exponentials
// each divided by 2^12 (rounded; they are not negative, so (e + 2^11) >> 12 unsigned);
// the reciprocal; each output.
void EmitTfliteSoftmaxRows(KernelContext& k, const QLinearSoftmaxGeometry& g) {
  llvm::IRBuilder<>& b = k.b;
  const SoftmaxGeometry& r = g.rows;
  const DataType type = g.x.type;
  llvm::Value* table = k.ConstantInt32s(g.tflite->exponentials, "tflite_softmax_exponentials");
  llvm::Value* largest = k.EntryAlloca(b.getInt32Ty());
  llvm::Value* sum = k.EntryAlloca(b.getInt32Ty());
  k.Loop(r.outer, [&](llvm::Value* o) {
    k.Loop(r.inner, [&](llvm::Value* i) {
      llvm::Value* base = b.CreateAdd(b.CreateMul(o, k.Int(r.axis_dim * r.inner)), i);
      auto at = [&](llvm::Value* a) { return b.CreateAdd(base, b.CreateMul(a, k.Int(r.inner))); };
      auto code = [&](llvm::Value* a) { return EmitWidenToInt32(k, k.LoadAs(type, k.in[0], at(a)), type); };
      auto exponential = [&](llvm::Value* a) {
        llvm::Value* index = b.CreateAdd(b.CreateSub(code(a), b.CreateLoad(b.getInt32Ty(), largest)), b.getInt32(255));
        return k.LoadAs(DataType::kInt32, table, b.CreateSExtOrTrunc(index, k.Index()));
      };
      b.CreateStore(b.getInt32(QuantizedMin(type)), largest);
      k.Loop(r.axis_dim, [&](llvm::Value* a) {
        llvm::Value* v = code(a);
        llvm::Value* m = b.CreateLoad(b.getInt32Ty(), largest);
        b.CreateStore(b.CreateSelect(b.CreateICmpSGT(v, m), v, m), largest);
      });
      b.CreateStore(b.getInt32(0), sum);
      k.Loop(r.axis_dim, [&](llvm::Value* a) {
        llvm::Value* term = b.CreateLShr(b.CreateAdd(exponential(a), b.getInt32(1 << 11)), b.getInt32(12));
        b.CreateStore(b.CreateAdd(b.CreateLoad(b.getInt32Ty(), sum), term), sum);
      });
      const auto [reciprocal, bits_over_unit] = EmitTfliteReciprocal(b, b.CreateLoad(b.getInt32Ty(), sum));
      llvm::Value* exponent = b.CreateAdd(bits_over_unit, b.getInt32(31 - 8));
      k.Loop(r.axis_dim, [&](llvm::Value* a) {
        llvm::Value* product = EmitSaturatingRoundingDoublingHighMul(b, reciprocal, exponential(a));
        llvm::Value* value = b.CreateSub(EmitRoundingDivideByPowerOfTwo(b, product, exponent), b.getInt32(128));
        value = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, value, b.getInt32(127));
        value = b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, value, b.getInt32(-128));
        k.StoreAs(type, b.CreateTrunc(value, k.Elem(type)), k.out[0], at(a));
      });
    });
  });
}

}  // namespace

// Per row: the largest code, the sum of the table's entries (in order), then each
// output; every float operation exact (no contraction).
absl::Status EmitQLinearSoftmaxKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(QLinearSoftmaxGeometry g, ResolveQLinearSoftmax(k.graph, k.node));
  if (g.tflite) {
    EmitTfliteSoftmaxRows(k, g);
    return absl::OkStatus();
  }
  llvm::IRBuilder<>& b = k.b;
  llvm::IRBuilderBase::FastMathFlagGuard exact(b);
  b.clearFastMathFlags();
  const SoftmaxGeometry& r = g.rows;
  const DataType type = g.x.type;
  llvm::Value* table = k.ConstantFloats(g.table, "qlinear_softmax_exponentials");
  llvm::Value* multiplier = k.Float(g.multiplier);
  llvm::Value* largest = k.EntryAlloca(b.getInt32Ty());
  llvm::Value* sum = k.EntryAlloca(k.F32());
  llvm::Value* y_zero_point = EmitLoadZeroPoint(k, g.y, k.Int(0));
  k.Loop(r.outer, [&](llvm::Value* o) {
    k.Loop(r.inner, [&](llvm::Value* i) {
      llvm::Value* base = b.CreateAdd(b.CreateMul(o, k.Int(r.axis_dim * r.inner)), i);
      auto at = [&](llvm::Value* a) { return b.CreateAdd(base, b.CreateMul(a, k.Int(r.inner))); };
      auto code = [&](llvm::Value* a) { return EmitWidenToInt32(k, k.LoadAs(type, k.in[0], at(a)), type); };
      auto entry = [&](llvm::Value* a) {
        llvm::Value* index = b.CreateAdd(b.CreateSub(code(a), b.CreateLoad(b.getInt32Ty(), largest)),
                                         b.getInt32(kTableSize - 1));
        return k.Load(table, b.CreateSExtOrTrunc(index, k.Index()));
      };
      b.CreateStore(b.getInt32(QuantizedMin(type)), largest);
      k.Loop(r.axis_dim, [&](llvm::Value* a) {
        llvm::Value* v = code(a);
        llvm::Value* m = b.CreateLoad(b.getInt32Ty(), largest);
        b.CreateStore(b.CreateSelect(b.CreateICmpSGT(v, m), v, m), largest);
      });
      b.CreateStore(k.Float(0.0f), sum);
      k.Loop(r.axis_dim, [&](llvm::Value* a) {
        b.CreateStore(b.CreateFAdd(b.CreateLoad(k.F32(), sum), entry(a)), sum);
      });
      k.Loop(r.axis_dim, [&](llvm::Value* a) {
        llvm::Value* scaled = b.CreateFDiv(b.CreateFMul(entry(a), multiplier), b.CreateLoad(k.F32(), sum));
        k.StoreAs(type, EmitRoundToQuantized(k, scaled, y_zero_point, type), k.out[0], at(a));
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
