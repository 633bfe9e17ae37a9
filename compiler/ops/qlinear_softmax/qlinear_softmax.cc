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
#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr int kTableSize = 256;  // one entry per difference of two 8-bit codes

struct QLinearSoftmaxGeometry {
  SoftmaxGeometry rows;
  QuantizationParameters x, y;
  std::vector<float> table;  // T[i] = e^((i - 255 + B) * x_scale)
  float multiplier = 0;      // M = floorf(1 / y_scale)
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

// Per row: the largest code, the sum of the table's entries (in order), then each
// output; every float operation exact (no contraction).
absl::Status EmitQLinearSoftmaxKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(QLinearSoftmaxGeometry g, ResolveQLinearSoftmax(k.graph, k.node));
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
