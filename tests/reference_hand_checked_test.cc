// Every operator of the op table against a case worked out by hand: one small model
// per case, its inputs, and outputs whose values follow from arithmetic or textbook
// identities (sigmoid(ln 3) = 3/4, tanh(ln 2) = 3/5, ...), never from running our code
// (an op defined by a framework's own approximation, ONNX Runtime's QLinearSoftmax, has
// that framework's results, as its case says).
// The reference evaluator computes each case; a last test fails when an operator of
// compiler/ir/ops.def has no case here.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/reference/evaluator.h"
#include "gtest/gtest.h"
#include "tests/tensor_literals.h"
#include "tests/test_support.h"

namespace modelc {
namespace {

constexpr float kLn2 = 0.693147181f, kLn3 = 1.098612289f, kPi = 3.14159265f;
constexpr double kLn2Double = 0.6931471805599453, kLn3Double = 1.0986122886681098;

using testing::B;
using testing::D;
using testing::F;
using testing::I16;
using testing::I32;
using testing::I64;
using testing::I8;
using testing::U16;
using testing::U8;

// One case: `body` computes outputs y (and z, w) from inputs a, b, c, ... (in order).
struct HandCase {
  const char* op;
  std::string body;
  std::vector<TensorData> inputs;
  std::vector<TensorData> expected;
  int opset = 13;
  const char* variant = "";  // tells apart the cases of one op (the test's name)
  // A form only a frontend or pass makes (its attributes are reserved in model files):
  // the graph built here instead of from `body`.
  std::function<Graph()> graph = nullptr;
};

// A graph of one `op` node reading `inputs` (graph inputs a, b, ... where `constants`
// has no entry, else the constant) with `attributes`, its one output y of type `out`.
Graph OneNodeGraph(OpKind op, const std::vector<TensorType>& inputs, const std::map<int, TensorData>& constants,
                   AttributeMap attributes, const TensorType& out) {
  Graph graph;
  std::vector<ValueId> operands;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (const auto c = constants.find(static_cast<int>(i)); c != constants.end()) {
      operands.push_back(graph.AddConstant("c" + std::to_string(i), c->second));
    } else {
      operands.push_back(graph.AddValue(std::string(1, static_cast<char>('a' + graph.inputs().size())), inputs[i]));
      graph.AddInput(operands.back());
    }
  }
  const ValueId y = graph.AddValue("y", out);
  graph.AddNode(Node{op, "node", operands, {y}, std::move(attributes)});
  graph.AddOutput(y);
  return graph;
}

// TFLite's int8 MUL (the frontend's QLinearMul, fixed point): a at 0.5 (zero point 2)
// times b at 0.25 (-1) into 0.75 (5). The multiplier 0.125 / 0.75 in float is
// 11184811 x 2^-26, so 1431655808 x 2^-31 with shift -2. Products (a - 2)(b + 1):
// 40, -176, -8, 12625; times 1431655808 / 2^31 (0.6666667), halves up: 27, -117, -5,
// 8417; over 4, halves away from zero: 7, -29, -1, 2104; plus 5: 12, -24, 4, 127
// (saturated). As reals: 4 x 1.25 / 0.75 = 6.7 -> 7 + 5, -11 x 2 / 0.75 = -29.3 -> -29 + 5.
Graph TfliteMulGraph() {
  const TensorType a{DataType::kInt8, {4}}, scalar{DataType::kFloat32, {}}, zero{DataType::kInt8, {}};
  AttributeMap attributes;
  attributes.Set(kFixedPointRequantization, int64_t{2});
  auto f = [](float v) { return F({}, {v}); };
  auto q = [](int v) { return I8({}, {static_cast<int8_t>(v)}); };
  return OneNodeGraph(OpKind::kQLinearMul, {a, scalar, zero, a, scalar, zero, scalar, zero},
                      {{1, f(0.5f)}, {2, q(2)}, {4, f(0.25f)}, {5, q(-1)}, {6, f(0.75f)}, {7, q(5)}},
                      std::move(attributes), a);
}

// TFLite's int8 PRELU (the frontend's QLinearMul with fused_prelu): the operands of
// TfliteMulGraph, b the alpha. Where a - 2 >= 0, that times the multiplier of 0.5 / 0.75
// in float (11184811 x 2^-24: 1431655808 x 2^-31, shift 0): 8 -> 5.33 -> 5, 1 -> 0.67 ->
// 1, 0 -> 0, plus 5: 10, 6, 5. Below, MUL's product: -22 x 8 -> -24 as there.
Graph TflitePreluGraph() {
  Graph graph = TfliteMulGraph();
  graph.mutable_nodes()[0].attributes.Set(kFusedPrelu, int64_t{1});
  return graph;
}

// TFLite's int8 SUM (the frontend's QLinearAveragePool with fused_sum) of four codes at
// 0.5 (zero point 2) into 0.75 (5): sum(x - 2) = 8 - 22 + 1 + 125 = 112, times the
// multiplier of 0.5 / 0.75 (1431655765 x 2^-31, shift 0): 74.67 -> 75, plus 5: 80. (MEAN's
// multiplier would fold in 1/4: 18.67 -> 19, 24.)
Graph TfliteSumGraph() {
  const TensorType x{DataType::kInt8, {1, 1, 1, 4}}, scalar{DataType::kFloat32, {}}, zero{DataType::kInt8, {}};
  AttributeMap attributes;
  attributes.Set(kFixedPointRequantization, int64_t{2});
  attributes.Set(kFusedSum, int64_t{1});
  attributes.Set("kernel_shape", std::vector<int64_t>{1, 4});
  return OneNodeGraph(OpKind::kQLinearAveragePool, {x, scalar, zero, scalar, zero},
                      {{1, F({}, {0.5f})}, {2, I8({}, {2})}, {3, F({}, {0.75f})}, {4, I8({}, {5})}},
                      std::move(attributes), TensorType{DataType::kInt8, {1, 1, 1, 1}});
}

// The TFLite frontend's LSTM with a cell clip of 1/4: every gate's input 100 (weights
// 100, x = 1), so i = f = o = 1 and g = tanh(100) = 1 in float; the cell 0 + 1 x 1 = 1 is
// clipped to 1/4, so h = tanh(1/4) = 0.24491866 (tanh(1) = 0.76159416 without the clip).
Graph ClippedCellLstmGraph() {
  AttributeMap attributes;
  attributes.Set("hidden_size", int64_t{1});
  attributes.Set(kFusedCellClip, 0.25f);
  return OneNodeGraph(OpKind::kLSTM,
                      {TensorType{DataType::kFloat32, {1, 1, 1}}, TensorType{DataType::kFloat32, {1, 4, 1}},
                       TensorType{DataType::kFloat32, {1, 4, 1}}},
                      {{1, F({1, 4, 1}, {100, 100, 100, 100})}, {2, F({1, 4, 1}, {0, 0, 0, 0})}}, std::move(attributes),
                      TensorType{DataType::kFloat32, {1, 1, 1, 1}});
}

// A table of 256 whose entry i is 127 - i: x -> -1 - x.
std::string ReversingTable() {
  std::string values;
  for (int i = 0; i < 256; ++i) values += (i ? ", " : "") + std::to_string(127 - i);
  return values;
}

std::string CaseName(const HandCase& c) {
  return std::string(c.op) + (*c.variant ? std::string("_") + c.variant : std::string());
}

void PrintTo(const HandCase& c, std::ostream* os) { *os << CaseName(c); }

std::string Declare(const TensorData& t, const std::string& name) {
  std::string dims;
  for (size_t i = 0; i < t.type().shape.size(); ++i) dims += (i ? "," : "") + std::to_string(t.type().shape[i]);
  const char* type = DataTypeName(t.type().element_type);
  const std::string scalar_or_tensor = t.type().shape.empty() ? "" : "[" + dims + "]";  // "float[]" has no shape
  const char* text_type = std::strcmp(type, "float32") == 0 ? "float" : std::strcmp(type, "float64") == 0 ? "double" : type;
  return std::string(text_type) + scalar_or_tensor + " " + name;
}

std::vector<HandCase> Cases() {
  const float e = std::exp(1.0f);
  return {
      {"Add", "y = Add(a, b)", {F({2}, {1, 2}), F({1}, {10})}, {F({2}, {11, 12})}},
      {"Sub", "y = Sub(a, b)", {F({2}, {5, 3}), F({2}, {1, 4})}, {F({2}, {4, -1})}},
      {"Mul", "y = Mul(a, b)", {F({2}, {2, 3}), F({2}, {4, -1})}, {F({2}, {8, -3})}},
      {"Div", "y = Div(a, b)", {F({2}, {1, 3}), F({2}, {2, 4})}, {F({2}, {0.5f, 0.75f})}},
      {"Pow", "y = Pow(a, b)", {F({2}, {2, 9}), F({2}, {3, 0.5f})}, {F({2}, {8, 3})}},
      {"PRelu", "y = PRelu(a, b)", {F({2}, {-2, 3}), F({1}, {0.5f})}, {F({2}, {-1, 3})}},
      {"Max", "y = Max(a, b, c)", {F({2}, {1, 5}), F({2}, {4, 2}), F({2}, {3, 3})}, {F({2}, {4, 5})}},
      {"Min", "y = Min(a, b, c)", {F({2}, {1, 5}), F({2}, {4, 2}), F({2}, {3, 3})}, {F({2}, {1, 2})}},
      {"Sum", "y = Sum(a, b, c)", {F({2}, {1, 5}), F({2}, {4, 2}), F({2}, {3, 3})}, {F({2}, {8, 10})}},
      {"Mean", "y = Mean(a, b)", {F({2}, {1, 5}), F({2}, {4, 2})}, {F({2}, {2.5f, 3.5f})}},
      {"Relu", "y = Relu(a)", {F({3}, {-1, 0, 2})}, {F({3}, {0, 0, 2})}},
      {"Sigmoid", "y = Sigmoid(a)", {F({2}, {0, kLn3})}, {F({2}, {0.5f, 0.75f})}},
      {"Tanh", "y = Tanh(a)", {F({2}, {0, kLn2})}, {F({2}, {0, 0.6f})}},
      {"Exp", "y = Exp(a)", {F({2}, {0, 1})}, {F({2}, {1, e})}},
      {"Log", "y = Log(a)", {F({2}, {1, e})}, {F({2}, {0, 1})}},
      {"Abs", "y = Abs(a)", {F({2}, {-2, 3})}, {F({2}, {2, 3})}},
      {"Neg", "y = Neg(a)", {F({2}, {-2, 3})}, {F({2}, {2, -3})}},
      {"Sqrt", "y = Sqrt(a)", {F({2}, {4, 2.25f})}, {F({2}, {2, 1.5f})}},
      {"Reciprocal", "y = Reciprocal(a)", {F({2}, {4, -0.5f})}, {F({2}, {0.25f, -2})}},
      {"Floor", "y = Floor(a)", {F({2}, {-1.5f, 2.5f})}, {F({2}, {-2, 2})}},
      {"Ceil", "y = Ceil(a)", {F({2}, {-1.5f, 2.5f})}, {F({2}, {-1, 3})}},
      {"Round", "y = Round(a)", {F({4}, {0.5f, 1.5f, 2.5f, -2.6f})}, {F({4}, {0, 2, 2, -3})}},
      {"Sign", "y = Sign(a)", {F({3}, {-3, 0, 2})}, {F({3}, {-1, 0, 1})}},
      {"Erf", "y = Erf(a)", {F({2}, {0, 1})}, {F({2}, {0, 0.842700793f})}},
      {"Softplus", "y = Softplus(a)", {F({2}, {0, kLn3})}, {F({2}, {kLn2, 2 * kLn2})}},
      {"Softsign", "y = Softsign(a)", {F({2}, {1, -3})}, {F({2}, {0.5f, -0.75f})}},
      {"Elu", "y = Elu<alpha = 2.0>(a)", {F({2}, {-kLn2, 3})}, {F({2}, {-1, 3})}},
      {"Selu", "y = Selu(a)", {F({2}, {-kLn2, 1})}, {F({2}, {-0.5f * 1.6732632f * 1.0507010f, 1.0507010f})}},
      {"Celu", "y = Celu<alpha = 2.0>(a)", {F({2}, {-2 * kLn2, 3})}, {F({2}, {-1, 3})}},
      {"LeakyRelu", "y = LeakyRelu<alpha = 0.1>(a)", {F({2}, {-2, 3})}, {F({2}, {-0.2f, 3})}},
      {"ThresholdedRelu", "y = ThresholdedRelu(a)", {F({2}, {0.5f, 2})}, {F({2}, {0, 2})}},
      {"HardSigmoid", "y = HardSigmoid(a)", {F({4}, {0, 5, -5, 1})}, {F({4}, {0.5f, 1, 0, 0.7f})}},
      {"HardSwish", "y = HardSwish(a)", {F({4}, {0, 3, -3, 1})}, {F({4}, {0, 3, 0, 2.0f / 3})}, 14},
      // Beyond +-lambd the bias is taken towards 0; inside, 0.
      {"Shrink", "y = Shrink<lambd = 1.5, bias = 1.0>(a)", {F({5}, {-2, -1, 0, 1, 2})}, {F({5}, {-1, 0, 0, 0, 1})}},
      // x sigmoid(2x): sigmoid(ln 3) = 3/4.
      {"Swish", "y = Swish<alpha = 2.0>(a)", {F({2}, {0, kLn3 / 2})}, {F({2}, {0, 0.375f * kLn3})}, 24},
      {"Clip", "y = Clip(a, b, c)", {F({3}, {-1, 3, 7}), F({}, {0}), F({}, {6})}, {F({3}, {0, 3, 6})}},
      {"Softmax", "y = Softmax(a)", {F({1, 2}, {0, kLn3})}, {F({1, 2}, {0.25f, 0.75f})}},
      {"LogSoftmax", "y = LogSoftmax(a)", {F({1, 2}, {0, kLn3})}, {F({1, 2}, {-2 * kLn2, kLn3 - 2 * kLn2})}},
      {"Transpose", "y = Transpose(a)", {F({2, 3}, {1, 2, 3, 4, 5, 6})}, {F({3, 2}, {1, 4, 2, 5, 3, 6})}},
      {"Concat", "y = Concat<axis = 1>(a, b)", {F({2, 1}, {1, 2}), F({2, 1}, {3, 4})}, {F({2, 2}, {1, 3, 2, 4})}},
      {"GlobalMaxPool", "y = GlobalMaxPool(a)", {F({1, 1, 2, 2}, {1, 4, 3, 2})}, {F({1, 1, 1, 1}, {4})}},
      {"GlobalAveragePool", "y = GlobalAveragePool(a)", {F({1, 1, 2, 2}, {1, 2, 3, 6})}, {F({1, 1, 1, 1}, {3})}},
      {"ReduceSum", "axes = Constant<value = int64[1] {1}>()\n  y = ReduceSum(a, axes)", {F({2, 2}, {1, 2, 3, 4})},
       {F({2, 1}, {3, 7})}},
      {"ReduceMean", "y = ReduceMean<axes = [0], keepdims = 0>(a)", {F({2, 2}, {1, 2, 3, 4})}, {F({2}, {2, 3})}},
      {"ReduceMax", "y = ReduceMax(a)", {F({2, 2}, {1, 2, 3, 4})}, {F({1, 1}, {4})}},
      {"ReduceMin", "y = ReduceMin(a)", {F({2, 2}, {1, 2, 3, 4})}, {F({1, 1}, {1})}},
      // Of bools: whether any (all) of a row is true; an empty row gives false (true).
      {"ReduceMax", "axes = Constant<value = int64[1] {1}>()\n  y = ReduceMax<keepdims = 0>(a, axes)",
       {B({3, 2}, {0, 0, 0, 1, 1, 1})}, {B({3}, {0, 1, 1})}, 20, "bool"},
      {"ReduceMin", "axes = Constant<value = int64[1] {1}>()\n  y = ReduceMin<keepdims = 0>(a, axes)",
       {B({3, 2}, {0, 0, 0, 1, 1, 1})}, {B({3}, {0, 0, 1})}, 20, "bool"},
      {"ReduceMax", "axes = Constant<value = int64[1] {1}>()\n  y = ReduceMax<keepdims = 0>(a, axes)",
       {B({2, 0}, {})}, {B({2}, {0, 0})}, 20, "bool_empty"},
      {"ReduceMin", "axes = Constant<value = int64[1] {1}>()\n  y = ReduceMin<keepdims = 0>(a, axes)",
       {B({2, 0}, {})}, {B({2}, {1, 1})}, 20, "bool_empty"},
      {"ReduceProd", "y = ReduceProd(a)", {F({2, 2}, {1, 2, 3, 4})}, {F({1, 1}, {24})}},
      {"ReduceSumSquare", "y = ReduceSumSquare(a)", {F({2, 2}, {1, 2, 3, 4})}, {F({1, 1}, {30})}},
      {"ReduceL1", "y = ReduceL1(a)", {F({2, 2}, {-1, 2, 3, -4})}, {F({1, 1}, {10})}},
      {"ReduceL2", "y = ReduceL2(a)", {F({2}, {3, -4})}, {F({1}, {5})}},
      {"ReduceLogSum", "y = ReduceLogSum(a)", {F({2}, {1, e - 1})}, {F({1}, {1})}},
      {"ReduceLogSumExp", "y = ReduceLogSumExp(a)", {F({2}, {0, kLn3})}, {F({1}, {2 * kLn2})}},
      // [1 2] x [[3 4] [5 6]]^T = [11 17]; x2 + 0.5 x [10 20].
      {"Gemm", "y = Gemm<alpha = 2.0, beta = 0.5, transB = 1>(a, b, c)",
       {F({1, 2}, {1, 2}), F({2, 2}, {3, 4, 5, 6}), F({2}, {10, 20})}, {F({1, 2}, {27, 44})}},
      {"MatMul", "y = MatMul(a, b)", {F({2, 2}, {1, 2, 3, 4}), F({2, 1}, {5, 6})}, {F({2, 1}, {17, 39})}},
      // [[1 2] [3 4]] correlated with [[1 2] [3 4]] over a zero border.
      {"Conv", "y = Conv<pads = [1, 1, 1, 1]>(a, b)", {F({1, 1, 2, 2}, {1, 2, 3, 4}), F({1, 1, 2, 2}, {1, 2, 3, 4})},
       {F({1, 1, 3, 3}, {4, 11, 6, 14, 30, 14, 6, 11, 4})}},
      {"ConvTranspose", "y = ConvTranspose<strides = [2]>(a, b)", {F({1, 1, 2}, {1, 2}), F({1, 1, 3}, {1, 10, 100})},
       {F({1, 1, 5}, {1, 10, 102, 20, 200})}},
      {"MaxPool", "y = MaxPool<kernel_shape = [2, 2]>(a)", {F({1, 1, 2, 3}, {1, 5, 2, 3, 4, 6})},
       {F({1, 1, 1, 2}, {5, 6})}},
      {"AveragePool", "y = AveragePool<kernel_shape = [2, 2]>(a)", {F({1, 1, 2, 3}, {1, 5, 2, 3, 4, 6})},
       {F({1, 1, 1, 2}, {3.25f, 4.25f})}},
      // sqrt(3^2 + 4^2) and sqrt(4^2 + 0^2).
      {"LpPool", "y = LpPool<kernel_shape = [2], p = 2>(a)", {F({1, 1, 3}, {3, 4, 0})}, {F({1, 1, 2}, {5, 4})}},
      // Column-major indices (storage_order 1) of a 2 x 3 plane: h + 2 w; 5 at (0, 1), 6 at (1, 2).
      {"modelc.MaxPoolWithIndices", "y, z = MaxPool<kernel_shape = [2, 2], storage_order = 1>(a)",
       {F({1, 1, 2, 3}, {1, 5, 2, 3, 4, 6})}, {F({1, 1, 1, 2}, {5, 6}), I64({1, 1, 1, 2}, {2, 5})}},
      // Values 5 and 6 back at places 1 and 2 of the (2 - 1) x 2 + 2 = 4 unpooled ones.
      {"MaxUnpool", "y = MaxUnpool<kernel_shape = [2], strides = [2]>(a, b)",
       {F({1, 1, 2}, {5, 6}), I64({1, 1, 2}, {1, 2})}, {F({1, 1, 4}, {0, 5, 6, 0})}},
      // Rows of norm 5 and 0 (zeros stay zeros).
      {"LpNormalization", "y = LpNormalization<axis = 1, p = 2>(a)", {F({2, 2}, {3, 4, 0, 0})},
       {F({2, 2}, {0.6f, 0.8f, 0, 0})}},
      // size 2 sums channels c and c + 1: 1 / (1 + 2 / 2 x (1 + 4)) and 2 / (1 + 2 / 2 x 4).
      {"LRN", "y = LRN<size = 2, alpha = 2.0, beta = 1.0, bias = 1.0>(a)", {F({1, 2, 1, 1}, {1, 2})},
       {F({1, 2, 1, 1}, {1.0f / 6, 0.4f})}},
      // Blocks of 1 x 2 at 2 positions of a 1 x 3 image: block values (1, 3) and (2, 4)
      // land at columns (0, 1) and (1, 2).
      {"Col2Im",
       "i = Constant<value = int64[2] {1, 3}>()\n  k = Constant<value = int64[2] {1, 2}>()\n  y = Col2Im(a, i, k)",
       {F({1, 2, 2}, {1, 2, 3, 4})}, {F({1, 1, 1, 3}, {1, 5, 4})}, 18},
      // (1 - 0) / 1 x 2 + 0 and (4 - 2) / 2 x 1 + 1.
      {"BatchNormalization", "y = BatchNormalization<epsilon = 0.0>(a, b, c, d, f)",
       {F({1, 2, 1, 1}, {1, 4}), F({2}, {2, 1}), F({2}, {0, 1}), F({2}, {0, 2}), F({2}, {1, 4})},
       {F({1, 2, 1, 1}, {2, 2})}},
      {"InstanceNormalization", "y = InstanceNormalization<epsilon = 0.0>(a, b, c)",
       {F({1, 2, 2}, {1, 3, 4, 6}), F({2}, {1, 2}), F({2}, {0, 1})}, {F({1, 2, 2}, {-1, 1, -1, 3})}},
      // Mean 2, variance 1: (x - 2) x 3 + 1.
      {"LayerNormalization", "y = LayerNormalization<epsilon = 0.0>(a, b, c)",
       {F({1, 2}, {1, 3}), F({2}, {3, 3}), F({2}, {1, 1})}, {F({1, 2}, {-2, 4})}, 17},
      // Mean square (1 + 49) / 2 = 25, root 5: x / 5 times the scale.
      // One group over both channels: mean 1, variance 1; then channel 1 is doubled and shifted by 10.
      {"GroupNormalization", "y = GroupNormalization<num_groups = 1, epsilon = 0.0>(a, b, c)",
       {F({1, 2, 2}, {0, 2, 0, 2}), F({2}, {1, 2}), F({2}, {0, 10})}, {F({1, 2, 2}, {-1, 1, 8, 12})}, 21},
      {"RMSNormalization", "y = RMSNormalization<epsilon = 0.0>(a, b)", {F({1, 2}, {1, 7}), F({2}, {10, 1})},
       {F({1, 2}, {2, 1.4f})}, 23},
      {"Flatten", "y = Flatten(a)", {F({1, 2, 2}, {1, 2, 3, 4})}, {F({1, 4}, {1, 2, 3, 4})}},
      {"Reshape", "s = Constant<value = int64[1] {-1}>()\n  y = Reshape(a, s)", {F({2, 2}, {1, 2, 3, 4})},
       {F({4}, {1, 2, 3, 4})}},
      {"Identity", "y = Identity(a)", {F({2}, {1, 2})}, {F({2}, {1, 2})}},
      {"Dropout", "y = Dropout(a)", {F({2}, {1, 2})}, {F({2}, {1, 2})}},
      {"Dropout", "y, z = Dropout(a)", {F({2}, {1, 2})}, {F({2}, {1, 2}), B({2}, {1, 1})}, 13, "mask"},
      {"Squeeze", "ax = Constant<value = int64[1] {0}>()\n  y = Squeeze(a, ax)", {F({1, 2}, {1, 2})},
       {F({2}, {1, 2})}},
      {"Unsqueeze", "ax = Constant<value = int64[1] {0}>()\n  y = Unsqueeze(a, ax)", {F({2}, {1, 2})},
       {F({1, 2}, {1, 2})}},
      {"Equal", "y = Equal(a, b)", {I64({3}, {1, 2, 3}), I64({1}, {2})}, {B({3}, {0, 1, 0})}},
      {"Less", "y = Less(a, b)", {F({3}, {1, 2, 3}), F({1}, {2})}, {B({3}, {1, 0, 0})}},
      {"Greater", "y = Greater(a, b)", {F({3}, {1, 2, 3}), F({1}, {2})}, {B({3}, {0, 0, 1})}},
      {"LessOrEqual", "y = LessOrEqual(a, b)", {I32({3}, {1, 2, 3}), I32({1}, {2})}, {B({3}, {1, 1, 0})}},
      {"GreaterOrEqual", "y = GreaterOrEqual(a, b)", {I32({3}, {1, 2, 3}), I32({1}, {2})}, {B({3}, {0, 1, 1})}},
      {"And", "y = And(a, b)", {B({4}, {0, 0, 1, 1}), B({4}, {0, 1, 0, 1})}, {B({4}, {0, 0, 0, 1})}},
      {"Or", "y = Or(a, b)", {B({4}, {0, 0, 1, 1}), B({4}, {0, 1, 0, 1})}, {B({4}, {0, 1, 1, 1})}},
      {"Xor", "y = Xor(a, b)", {B({4}, {0, 0, 1, 1}), B({4}, {0, 1, 0, 1})}, {B({4}, {0, 1, 1, 0})}},
      {"Not", "y = Not(a)", {B({2}, {0, 1})}, {B({2}, {1, 0})}},
      {"Mod", "y = Mod(a, b)", {I32({4}, {7, -7, 7, -7}), I32({4}, {3, 3, -3, -3})}, {I32({4}, {1, 2, -2, -1})}},
      // fmod = 0 on floats: the divisor's sign. 7.5 = 3*2 + 1.5; -7.5 = -4*2 + 0.5; ...
      {"Mod", "y = Mod(a, b)", {F({4}, {7.5f, -7.5f, 7.5f, -7.5f}), F({4}, {2, 2, -2, -2})},
       {F({4}, {1.5f, 0.5f, -0.5f, -1.5f})}, 13, "float_divisor_sign"},
      // fmod = 1: the dividend's sign; -0 stays -0, and x mod inf = x.
      {"Mod", "y = Mod<fmod = 1>(a, b)", {D({5}, {7.5, -7.5, 7.5, -0.0, -3}), D({5}, {2, 2, -2, 5, INFINITY})},
       {D({5}, {1.5, -1.5, 1.5, -0.0, -3})}, 13, "float64_fmod"},
      // Python's %: -3 mod inf = inf (-3 + inf), 1 mod -inf = -inf, a zero takes the
      // divisor's sign, -4.5 = -3*2 + 1.5, 1 mod 0 is NaN.
      {"Mod", "y = Mod(a, b)", {D({5}, {-3, 1, 0, -4.5, 1}), D({5}, {INFINITY, -INFINITY, -2, 2, 0})},
       {D({5}, {INFINITY, -INFINITY, -0.0, 1.5, NAN})}, 13, "float64_divisor_sign"},
      {"BitShift", "y = BitShift<direction = \"LEFT\">(a, b)", {U8({3}, {1, 3, 255}), U8({3}, {3, 2, 1})},
       {U8({3}, {8, 12, 254})}},
      // 12 = 1100b, -1 = all ones, -16 = ...10000b, 5 = 0101b, against 10 = 1010b.
      {"BitwiseAnd", "y = BitwiseAnd(a, b)", {I32({3}, {12, -1, 5}), I32({1}, {10})}, {I32({3}, {8, 10, 0})}, 18},
      {"BitwiseOr", "y = BitwiseOr(a, b)", {I32({3}, {12, -16, 5}), I32({1}, {10})}, {I32({3}, {14, -6, 15})}, 18},
      {"BitwiseXor", "y = BitwiseXor(a, b)", {I32({3}, {12, -1, 5}), I32({1}, {10})}, {I32({3}, {6, -11, 15})}, 18},
      // 1.0f is 0x3F800000; -2.0f is 0xC0000000 = -2^30 as int32.
      {"BitCast", "y = BitCast<to = 6>(a)", {F({2}, {1, -2})}, {I32({2}, {0x3F800000, -1073741824})}, 26},
      // ~x = -x - 1 in two's complement.
      {"BitwiseNot", "y = BitwiseNot(a)", {I32({3}, {0, -1, 5})}, {I32({3}, {-1, 0, -6})}, 18},
      // Row 0 reverses its first 2 steps; row 1's length 7 is clamped to its 3 steps.
      {"ReverseSequence", "y = ReverseSequence<batch_axis = 0, time_axis = 1>(a, b)",
       {F({2, 3}, {1, 2, 3, 4, 5, 6}), I64({2}, {2, 7})}, {F({2, 3}, {2, 1, 3, 6, 5, 4})}, 10},
      // Along axis 1: row 0 takes columns 0 and -1 (the last), row 1 columns 1 and 0.
      {"GatherElements", "y = GatherElements<axis = 1>(a, b)", {F({2, 2}, {1, 2, 3, 4}), I64({2, 2}, {0, -1, 1, 0})},
       {F({2, 2}, {1, 2, 4, 3})}},
      // Indices from a graph input, not a constant: rows 2 and -3 (the first).
      {"modelc.GatherAtRunTime", "y = Gather(a, b)", {F({3, 2}, {1, 2, 3, 4, 5, 6}), I64({2}, {2, -3})},
       {F({2, 2}, {5, 6, 1, 2})}},
      // Batch 0 takes its row 1, batch 1 its row -2 (the first).
      {"GatherND", "y = GatherND<batch_dims = 1>(a, b)", {F({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}), I64({2, 1}, {1, -2})},
       {F({2, 2}, {3, 4, 5, 6})}},
      // Row 0: column 0 plus 10, column -1 (2) plus 20; row 1: column 2 plus 30 and 40.
      {"ScatterElements", "y = ScatterElements<axis = 1, reduction = \"add\">(a, b, c)",
       {F({2, 3}, {1, 2, 3, 4, 5, 6}), I64({2, 2}, {0, -1, 2, 2}), F({2, 2}, {10, 20, 30, 40})},
       {F({2, 3}, {11, 2, 23, 4, 5, 76})}, 18},
      // Row 1 times [2, 3], then row -2 (0) times [5, 7].
      {"ScatterND", "y = ScatterND<reduction = \"mul\">(a, b, c)",
       {F({2, 2}, {1, 2, 3, 4}), I64({2, 1}, {1, -2}), F({2, 2}, {2, 3, 5, 7})}, {F({2, 2}, {5, 14, 6, 12})}, 18},
      // Two rows from row 2 of 3, wrapping: row 2 takes 10, row 0 takes 20.
      {"TensorScatter", "y = TensorScatter<mode = \"circular\">(a, b, c)",
       {F({1, 3, 1}, {1, 2, 3}), F({1, 2, 1}, {10, 20}), I64({1}, {2})}, {F({1, 3, 1}, {20, 2, 10})}, 24},
      // The 3 largest: both 7s in index order, then the first 3.
      {"TopK", "k = Constant<value = int64[1] {3}>()\n  y, z = TopK(a, k)", {F({1, 4}, {3, 7, 3, 7})},
       {F({1, 3}, {7, 7, 3}), I64({1, 3}, {1, 3, 0})}, 11},
      // Depth 3 along a new first axis: index 1, -1 (2), and 3.5 (3 once truncated: outside, all off).
      {"OneHot", "d = Constant<value = float {3}>()\n  y = OneHot<axis = 0>(a, d, b)",
       {F({3}, {1, -1, 3.5f}), F({2}, {-1, 5})}, {F({3, 3}, {-1, -1, -1, 5, -1, -1, -1, 5, -1})}, 11},
      {"EyeLike", "y = EyeLike<k = 1, dtype = 7>(a)", {F({2, 3}, {9, 9, 9, 9, 9, 9})},
       {I64({2, 3}, {0, 1, 0, 0, 0, 1})}},
      // Exclusive and from the end: 0, then 3, then 3 + 2.
      {"CumSum", "ax = Constant<value = int64[1] {0}>()\n  y = CumSum<exclusive = 1, reverse = 1>(a, ax)",
       {F({3}, {1, 2, 3})}, {F({3}, {5, 3, 0})}},
      {"CumProd", "ax = Constant<value = int64[1] {-1}>()\n  y = CumProd(a, ax)", {I32({1, 3}, {2, 3, 4})},
       {I32({1, 3}, {2, 6, 24})}, 26},
      // In double: 1 + 2^-40 would round to 1 in float32.
      {"CumSum", "ax = Constant<value = int64[1] {0}>()\n  y = CumSum(a, ax)", {D({3}, {1, std::ldexp(1.0, -40), 0.5})},
       {D({3}, {1, 1 + std::ldexp(1.0, -40), 1.5 + std::ldexp(1.0, -40)})}, 13, "float64"},
      {"Cast", "y = Cast<to = 11>(a)", {F({3}, {0.5f, -3, 16777216})}, {D({3}, {0.5, -3, 16777216})}, 13, "to_float64"},
      // To nearest: 1 + 2^-30 is 1 in float32, 3 * 2^-26 + 2^-60 is 3 * 2^-26.
      {"Cast", "y = Cast<to = 1>(a)", {D({2}, {1 + std::ldexp(1.0, -30), std::ldexp(3.0, -26) + std::ldexp(1.0, -60)})},
       {F({2}, {1, std::ldexp(3.0f, -26)})}, 13, "from_float64"},
      {"Exp", "y = Exp(a)", {D({2}, {0, kLn3Double})}, {D({2}, {1, 3})}, 13, "float64"},
      // log(e^0 + e^(ln 3)) = ln 4 = 2 ln 2, in double precision.
      {"ReduceLogSumExp", "y = ReduceLogSumExp<keepdims = 0>(a)", {D({2}, {0, kLn3Double})}, {D({}, {2 * kLn2Double})},
       13, "float64"},
      {"Where", "y = Where(a, b, c)", {B({2}, {1, 0}), F({2}, {1, 2}), F({2}, {-1, -2})}, {F({2}, {1, -2})}},
      {"Cast", "y = Cast<to = 7>(a)", {F({3}, {-1.7f, 2.9f, 0})}, {I64({3}, {-1, 2, 0})}},
      {"IsNaN", "y = IsNaN(a)", {F({2}, {NAN, 1})}, {B({2}, {1, 0})}},
      {"IsInf", "y = IsInf(a)", {F({3}, {INFINITY, -INFINITY, 1})}, {B({3}, {1, 1, 0})}},
      {"Sin", "y = Sin(a)", {F({2}, {0, kPi / 6})}, {F({2}, {0, 0.5f})}},
      {"Cos", "y = Cos(a)", {F({2}, {0, kPi / 3})}, {F({2}, {1, 0.5f})}},
      {"Tan", "y = Tan(a)", {F({2}, {0, kPi / 4})}, {F({2}, {0, 1})}},
      {"Asin", "y = Asin(a)", {F({2}, {0, 0.5f})}, {F({2}, {0, kPi / 6})}},
      {"Acos", "y = Acos(a)", {F({2}, {1, 0.5f})}, {F({2}, {0, kPi / 3})}},
      {"Atan", "y = Atan(a)", {F({2}, {0, 1})}, {F({2}, {0, kPi / 4})}},
      {"Sinh", "y = Sinh(a)", {F({2}, {0, kLn2})}, {F({2}, {0, 0.75f})}},
      {"Cosh", "y = Cosh(a)", {F({2}, {0, kLn2})}, {F({2}, {1, 1.25f})}},
      {"Asinh", "y = Asinh(a)", {F({2}, {0, 0.75f})}, {F({2}, {0, kLn2})}},
      {"Acosh", "y = Acosh(a)", {F({2}, {1, 1.25f})}, {F({2}, {0, kLn2})}},
      {"Atanh", "y = Atanh(a)", {F({2}, {0, 0.6f})}, {F({2}, {0, kLn2})}},
      {"ArgMax", "y = ArgMax<axis = 1, keepdims = 0>(a)", {F({2, 3}, {1, 5, 5, 7, 0, 7})}, {I64({2}, {1, 0})}},
      {"ArgMin", "y = ArgMin<axis = 1, keepdims = 0>(a)", {F({2, 3}, {1, 5, 5, 7, 0, 7})}, {I64({2}, {0, 1})}},
      {"Hardmax", "y = Hardmax(a)", {F({1, 3}, {1, 5, 5})}, {F({1, 3}, {0, 1, 0})}},
      {"Trilu", "y = Trilu<upper = 0>(a)", {F({2, 2}, {1, 2, 3, 4})}, {F({2, 2}, {1, 0, 3, 4})}, 14},
      {"Slice",
       "s = Constant<value = int64[1] {-1}>()\n  t = Constant<value = int64[1] {-9}>()\n"
       "  ax = Constant<value = int64[1] {0}>()\n  st = Constant<value = int64[1] {-2}>()\n  y = Slice(a, s, t, ax, st)",
       {F({5}, {0, 1, 2, 3, 4})}, {F({3}, {4, 2, 0})}},
      // Rows 3 -> 1 keeps the middle row; columns 2 -> 4 pads one zero each side.
      {"CenterCropPad", "s = Constant<value = int64[2] {1, 4}>()\n  y = CenterCropPad(a, s)",
       {F({3, 2}, {1, 2, 3, 4, 5, 6})}, {F({1, 4}, {0, 3, 4, 0})}, 18},
      {"Pad", "p = Constant<value = int64[2] {1, 2}>()\n  y = Pad<mode = \"reflect\">(a, p)", {F({3}, {1, 2, 3})},
       {F({6}, {2, 1, 2, 3, 2, 1})}},
      {"Tile", "r = Constant<value = int64[1] {3}>()\n  y = Tile(a, r)", {F({2}, {1, 2})}, {F({6}, {1, 2, 1, 2, 1, 2})}},
      {"Expand", "s = Constant<value = int64[2] {2, 1}>()\n  y = Expand(a, s)", {F({2}, {1, 2})},
       {F({2, 2}, {1, 2, 1, 2})}},
      {"Gather", "i = Constant<value = int64[3] {2, 0, -1}>()\n  y = Gather(a, i)", {F({3}, {10, 20, 30})},
       {F({3}, {30, 10, 30})}},
      {"Split", "y, z = Split<axis = 0>(a)", {F({4}, {1, 2, 3, 4})}, {F({2}, {1, 2}), F({2}, {3, 4})}},
      {"DepthToSpace", "y = DepthToSpace<blocksize = 2>(a)", {F({1, 4, 1, 1}, {1, 2, 3, 4})},
       {F({1, 1, 2, 2}, {1, 2, 3, 4})}},
      {"SpaceToDepth", "y = SpaceToDepth<blocksize = 2>(a)", {F({1, 1, 2, 2}, {1, 2, 3, 4})},
       {F({1, 4, 1, 1}, {1, 2, 3, 4})}},
      // half_pixel: output i reads (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25.
      {"Resize", "s = Constant<value = float[1] {2}>()\n  y = Resize<mode = \"linear\">(a, , s)",
       {F({2}, {10, 20})}, {F({4}, {10, 12.5f, 17.5f, 20})}},
      // Base coordinates -0.5 and 0.5 (pixel centres) along H and W; theta maps (x, y) to
      // (2x + 1, -y + 0.5).
      {"AffineGrid", "s = Constant<value = int64[4] {1, 1, 2, 2}>()\n  y = AffineGrid(a, s)",
       {F({1, 2, 3}, {2, 0, 1, 0, -1, 0.5f})}, {F({1, 2, 2, 2}, {0, 1, 2, 1, 0, 0, 2, 0})}, 20},
      // Halving with antialias: the triangle stretched to reach 2 inputs either side of
      // the source coordinates 0.5 and 2.5: taps -1..2 and 1..4 (clamped to the edges)
      // weighted 1/8, 3/8, 3/8, 1/8.
      {"Resize", "s = Constant<value = float[1] {0.5}>()\n  y = Resize<mode = \"linear\", antialias = 1>(a, , s)",
       {F({4}, {1, 2, 3, 4})}, {F({2}, {1.625f, 3.375f})}, 18, "antialias"},
      {"Upsample", "s = Constant<value = float[2] {1, 2}>()\n  y = Upsample(a, s)", {F({1, 2}, {1, 2})},
       {F({1, 4}, {1, 1, 2, 2})}, 9},
      // h = relu(x + 0.5 h): 2, then relu(-1 + 1) = 0, then 3.
      {"RNN",
       "w = Constant<value = float[1,1,1] {1}>()\n  r = Constant<value = float[1,1,1] {0.5}>()\n"
       "  y, z = RNN<hidden_size = 1, activations = [\"Relu\"]>(a, w, r)",
       {F({3, 1, 1}, {2, -1, 3})}, {F({3, 1, 1, 1}, {2, 0, 3}), F({1, 1, 1}, {3})}, 14},
      // Zero weights: z = r = sigmoid(0) = 1/2, candidate tanh(0) = 0: h = h0 / 2.
      {"GRU",
       "w = Constant<value = float[1,3,1] {0, 0, 0}>()\n  r = Constant<value = float[1,3,1] {0, 0, 0}>()\n"
       "  y, z = GRU<hidden_size = 1>(a, w, r, , , b)",
       {F({1, 1, 1}, {5}), F({1, 1, 1}, {1})}, {F({1, 1, 1, 1}, {0.5f}), F({1, 1, 1}, {0.5f})}, 14},
      // Zero weights: every gate 1/2, candidate 0: c = c0 / 2 = 1/2, h = tanh(1/2) / 2.
      {"LSTM",
       "w = Constant<value = float[1,4,1] {0, 0, 0, 0}>()\n  r = Constant<value = float[1,4,1] {0, 0, 0, 0}>()\n"
       "  y, z = LSTM<hidden_size = 1>(a, w, r, , , , b)",
       {F({1, 1, 1}, {5}), F({1, 1, 1}, {1})},
       {F({1, 1, 1, 1}, {0.5f * 0.462117157f}), F({1, 1, 1}, {0.5f * 0.462117157f})}, 14},
      {"LSTM", "", {F({1, 1, 1}, {1})}, {F({1, 1, 1, 1}, {0.244918662f})}, 14, "cell_clip", ClippedCellLstmGraph},
      // Quantised ops. x / 0.5 = 0.5, 1.5, 2.5 round half to even to 0, 2, 2; -600 and
      // 2000 saturate; plus the zero point 10.
      {"QuantizeLinear",
       "s = Constant<value = float[1] {0.5}>()\n  z = Constant<value = int8[1] {10}>()\n  y = QuantizeLinear(a, s, z)",
       {F({5}, {0.25f, 0.75f, 1.25f, -300, 1000})}, {I8({5}, {10, 12, 12, -128, 127})}},
      // (x - (-8)) * 0.5.
      {"DequantizeLinear",
       "s = Constant<value = float[1] {0.5}>()\n  z = Constant<value = int8[1] {-8}>()\n  y = DequantizeLinear(a, s, z)",
       {I8({3}, {-128, 0, 127})}, {F({3}, {-60, 4, 67.5f})}},
      // x / 0.5 = 0.5, 1.5, 2.5 to even 0, 2, 2; -40000 and 40000 saturate; plus -1000.
      {"QuantizeLinear",
       "s = Constant<value = float {0.5}>()\n  z = Constant<value = int16 {-1000}>()\n  y = QuantizeLinear(a, s, z)",
       {F({5}, {0.25f, 0.75f, 1.25f, -20000, 20000})}, {I16({5}, {-1000, -998, -998, -32768, 32767})}, 21, "int16"},
      // x / 0.5 = -0.5, 2.5 to even 0, 2; plus 30000; -40000 and 40000 saturate.
      {"QuantizeLinear",
       "s = Constant<value = float {0.5}>()\n  z = Constant<value = uint16 {30000}>()\n  y = QuantizeLinear(a, s, z)",
       {F({4}, {-0.25f, 1.25f, -20000, 20000})}, {U16({4}, {30000, 30002, 0, 65535})}, 21, "uint16"},
      // (x - (-8)) * 0.5.
      {"DequantizeLinear",
       "s = Constant<value = float {0.5}>()\n  z = Constant<value = int16 {-8}>()\n  y = DequantizeLinear(a, s, z)",
       {I16({3}, {-32768, 0, 32767})}, {F({3}, {-16380, 4, 16387.5f})}, 21, "int16"},
      // (x - 1) * 0.25.
      {"DequantizeLinear",
       "s = Constant<value = float {0.25}>()\n  z = Constant<value = uint16 {1}>()\n  y = DequantizeLinear(a, s, z)",
       {U16({3}, {0, 5, 65535})}, {F({3}, {-0.25f, 1, 16383.5f})}, 21, "uint16"},
      // Blocks of 2 along axis 1 (the last block short): row 0 takes (scale, zero point)
      // (1, 0) for columns 0-1, (0.5, 2) for 2-3 and (4, 0) for 4; row 1 (2, 1), (0.25, 0),
      // (1, 0).
      {"DequantizeLinear",
       "s = Constant<value = float[2,3] {1, 0.5, 4, 2, 0.25, 1}>()\n"
       "  z = Constant<value = int8[2,3] {0, 2, 0, 1, 0, 0}>()\n"
       "  y = DequantizeLinear<axis = 1, block_size = 2>(a, s, z)",
       {I8({2, 5}, {0, 2, 4, 6, 1, -2, -4, -6, -8, 3})}, {F({2, 5}, {0, 2, 1, 2, 4, -6, -10, -1.5f, -2, 3})}, 21, "blocked"},
      {"QuantizeLinear",
       "s = Constant<value = float[2,3] {1, 0.5, 4, 2, 0.25, 1}>()\n"
       "  z = Constant<value = int8[2,3] {0, 2, 0, 1, 0, 0}>()\n"
       "  y = QuantizeLinear<axis = 1, block_size = 2>(a, s, z)",
       {F({2, 5}, {0, 2, 1, 2, 4, -6, -10, -1.5f, -2, 3})}, {I8({2, 5}, {0, 2, 4, 6, 1, -2, -4, -6, -8, 3})}, 21, "blocked"},
      // Range [-1, 4]: scale 5/255, zero point 1 / (5/255) = 51; x / scale = -51, 0, 102, 204.
      {"DynamicQuantizeLinear", "y, z, w = DynamicQuantizeLinear(a)", {F({4}, {-1, 0, 2, 4})},
       {U8({4}, {0, 51, 153, 255}), F({}, {5.0f / 255.0f}), U8({}, {51})}, 11},
      // (A - 2) x (B - 1) = [[1, 2], [3, 4]] x [0, 1].
      {"MatMulInteger", "y = MatMulInteger(a, b, c, d)",
       {U8({2, 2}, {3, 4, 5, 6}), U8({2, 1}, {1, 2}), U8({}, {2}), U8({}, {1})}, {I32({2, 1}, {2, 4})}, 10},
      // x - 1 = [[0, 1, 2], [3, 4, 5], [6, 7, 8]], a 2x2 box filter, one row and column of
      // padding above and left (the padding adds nothing).
      {"ConvInteger", "y = ConvInteger<pads = [1, 1, 0, 0]>(a, b, c)",
       {U8({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), U8({1, 1, 2, 2}, {1, 1, 1, 1}), U8({}, {1})},
       {I32({1, 1, 3, 3}, {0, 1, 3, 3, 8, 12, 9, 20, 24})}, 10},
      // (a - 10) = [0, 12], (b - 1) = [[2, 1], [4, 1]]: accumulators 48 and 12, times
      // 0.5 * 1 / 4 = 6 and 1.5 (to even: 2), plus 100.
      {"QLinearMatMul",
       "as = Constant<value = float[1] {0.5}>()\n  az = Constant<value = uint8[1] {10}>()\n"
       "  bs = Constant<value = float[1] {1}>()\n  bz = Constant<value = uint8[1] {1}>()\n"
       "  ys = Constant<value = float[1] {4}>()\n  yz = Constant<value = uint8[1] {100}>()\n"
       "  y = QLinearMatMul(a, as, az, b, bs, bz, ys, yz)",
       {U8({1, 2}, {10, 22}), U8({2, 2}, {3, 2, 5, 2})}, {U8({1, 2}, {106, 102})}, 10},
      // Two 1x1 filters, per channel: channel 0 is 2x + 1 at scale 0.5: 1.5, 2.5, 3.5, 4.5
      // to even 2, 2, 4, 4; channel 1 is -x at scale 1; plus the zero point 2, saturated at 0.
      {"QLinearConv",
       "xs = Constant<value = float[1] {1}>()\n  xz = Constant<value = uint8[1] {0}>()\n"
       "  ws = Constant<value = float[2] {0.5, 1}>()\n  wz = Constant<value = int8[2] {0, 0}>()\n"
       "  ys = Constant<value = float[1] {1}>()\n  yz = Constant<value = uint8[1] {2}>()\n"
       "  y = QLinearConv(a, xs, xz, b, ws, wz, ys, yz, c)",
       {U8({1, 1, 2, 2}, {1, 2, 3, 4}), I8({2, 1, 1, 1}, {2, -1}), I32({2}, {1, 0})},
       {U8({1, 2, 2, 2}, {4, 4, 6, 6, 1, 0, 0, 0})}, 10},
      // ONNX Runtime's com.microsoft ops. QLinearAdd as its x86-64 build computes it: a
      // times 0.5 / 0.5 = 1 plus (b times 0.25 / 0.5 = 0.5 plus 11 - (1 x 1 + 0.5 x 0) =
      // 10), fused multiply-adds: 1 + 1 + 10 = 12, 5 + 2 + 10 = 17, -1 + 0.5 + 10 = 9.5
      // (to even: 10; the float chain rounds (-1 + 0.25) / 0.5 = -1.5 to -2 before adding
      // 11: 9), 127 + 0 + 10 = 137 (saturates).
      {"com.microsoft.QLinearAdd",
       "as = Constant<value = float {0.5}>()\n  az = Constant<value = int8 {1}>()\n"
       "  bs = Constant<value = float {0.25}>()\n  bz = Constant<value = int8 {0}>()\n"
       "  cs = Constant<value = float {0.5}>()\n  cz = Constant<value = int8 {11}>()\n"
       "  y = com.microsoft.QLinearAdd(a, as, az, b, bs, bz, cs, cz)",
       {I8({4}, {1, 5, -1, 128 - 1}), I8({4}, {2, 4, 1, 0})}, {I8({4}, {12, 17, 10, 127})}},
      // 2x2 windows of x - 3 = [[1, 2], [3, 5]] and [[-3, -3], [-3, -2]]: sums 11 and -11,
      // times 0.5, over 4, over 0.25: 5.5 (to even: 6) and -5.5 (-6), plus 1.
      {"com.microsoft.QLinearAveragePool",
       "xs = Constant<value = float {0.5}>()\n  xz = Constant<value = uint8 {3}>()\n"
       "  ys = Constant<value = float {0.25}>()\n  yz = Constant<value = int8 {1}>()\n"
       "  y = com.microsoft.QLinearAveragePool<kernel_shape = [2, 2]>(a, xs, xz, ys, yz)",
       {U8({1, 2, 2, 2}, {4, 5, 6, 8, 0, 0, 0, 1})}, {I8({1, 2, 1, 1}, {7, -5})}},
      // ONNX Runtime 1.20.1's results (com.microsoft.QLinearSoftmax, CPU): ORT's own table
      // arithmetic, not worked out by hand. Row [-128, 127, 0]: 127's share is all but 1,
      // times floor(1 / y_scale) = 254: 254 - 128 = 126, never 127 (a float Softmax
      // quantised would give 127). The second case is opset 1's form (the row is all of
      // [2, 2], flattened at axis 1), of uint8; the third runs down axis 0.
      {"com.microsoft.QLinearSoftmax",
       "xs = Constant<value = float {0.1}>()\n  xz = Constant<value = int8 {0}>()\n"
       "  ys = Constant<value = float {0.003921568859368563}>()\n  yz = Constant<value = int8 {-128}>()\n"
       "  y = com.microsoft.QLinearSoftmax<opset = 13>(a, xs, xz, ys, yz)",
       {I8({2, 3}, {10, 20, 30, -128, 127, 0})}, {I8({2, 3}, {-105, -66, 41, -128, 126, -128})}},
      {"com.microsoft.QLinearSoftmax",
       "xs = Constant<value = float {0.5}>()\n  xz = Constant<value = uint8 {3}>()\n"
       "  ys = Constant<value = float {0.003921568859368563}>()\n  yz = Constant<value = uint8 {0}>()\n"
       "  y = com.microsoft.QLinearSoftmax<opset = 1, axis = 1>(a, xs, xz, ys, yz)",
       {U8({1, 2, 2}, {1, 5, 9, 2})}, {U8({1, 2, 2}, {4, 29, 215, 6})}, 13, "flattened_uint8"},
      {"com.microsoft.QLinearSoftmax",
       "xs = Constant<value = float {0.25}>()\n  xz = Constant<value = int8 {1}>()\n"
       "  ys = Constant<value = float {0.003921568859368563}>()\n  yz = Constant<value = int8 {-128}>()\n"
       "  y = com.microsoft.QLinearSoftmax<opset = 13, axis = 0>(a, xs, xz, ys, yz)",
       {I8({3, 2}, {1, 2, 3, 4, 5, 7})}, {I8({3, 2}, {-81, -87, -50, -60, 1, 16})}, 13, "axis_0"},
      // w - zero point by column: [0, 2, -6] and [-2, 4, 6]. Row [1, 2, 3]: -14 * 0.5 + 0.5
      // = -6.5 and 24 * 0.25 - 1 = 5; row [-1, 0.5, 2]: -11 * 0.5 + 0.5 = -5, 16 * 0.25 - 1 = 3.
      {"modelc.Int8WeightsMatMul",
       "w = Constant<value = int8[3, 2] {1, -2, 3, 4, -5, 6}>()\n"
       "  s = Constant<value = float[2] {0.5, 0.25}>()\n  z = Constant<value = int8[2] {1, 0}>()\n"
       "  c = Constant<value = float[2] {0.5, -1}>()\n  y = modelc.Int8WeightsMatMul(a, w, s, z, c)",
       {F({2, 3}, {1, 2, 3, -1, 0.5f, 2})}, {F({2, 2}, {-6.5f, 5, -5, 3})}},
      // Channel 0: (x - 2) * 0.5 = 1, -2, 62.5; times 1.5 plus 0.25: 1.75, -2.75, 94; over
      // 0.25: 7, -11, 376 (saturates: 127 after the zero point); minus 1: 6, -12, 127.
      // Channel 1: 2.5, -0.5, -65; times -2 plus 1.125: -3.875, 2.125, 131.125; over 0.25:
      // -15.5 (to even: -16), 8.5 (8), 524.5 (saturates); minus 1: -17, 7, 127.
      {"modelc.QLinearChannelAffine",
       "xs = Constant<value = float {0.5}>()\n  xz = Constant<value = int8 {2}>()\n"
       "  s = Constant<value = float[2] {1.5, -2}>()\n  t = Constant<value = float[2] {0.25, 1.125}>()\n"
       "  ys = Constant<value = float {0.25}>()\n  yz = Constant<value = int8 {-1}>()\n"
       "  y = modelc.QLinearChannelAffine(a, xs, xz, s, t, ys, yz)",
       {I8({1, 2, 3}, {4, -2, 127, 7, 1, -128})}, {I8({1, 2, 3}, {6, -12, 127, -17, 7, 127})}},
      // x - 2 = [8, -22, -2, 125] times 0.5 / 1.5 = 1/3 ({1431655765, -1}) with TFLite's two
      // roundings: 8 m / 2^31 = 5.83 -> 5, / 2 = 2.5 -> 3; -22: -15.17 -> -15, -7.5 -> -8
      // (one rounding would give -7); -2: -1.83 -> -1, -0.5 -> -1; 125: 83.8 -> 83,
      // 41.5 -> 42; then the zero point -3.
      {"modelc.Requantize",
       "xs = Constant<value = float {0.5}>()\n  xz = Constant<value = int8 {2}>()\n"
       "  ys = Constant<value = float {1.5}>()\n  yz = Constant<value = int8 {-3}>()\n"
       "  y = modelc.Requantize(a, xs, xz, ys, yz)",
       {I8({4}, {10, -20, 0, 127})}, {I8({4}, {0, -11, -4, 39})}},
      // ONNX Runtime's arithmetic: a - 2 = [8, -22, 6, 125], b + 1 = [5, 8, 1, 101];
      // products 40, -176, 6, 12625 times 0.5 x 0.25 / 0.5 = 0.25 plus the zero point 3,
      // in float: 13, -41, 4.5 (to even: 4; rounding first would give 2 + 3 = 5), 3159.25
      // (saturates).
      {"com.microsoft.QLinearMul",
       "as = Constant<value = float {0.5}>()\n  az = Constant<value = int8 {2}>()\n"
       "  bs = Constant<value = float {0.25}>()\n  bz = Constant<value = int8 {-1}>()\n"
       "  cs = Constant<value = float {0.5}>()\n  cz = Constant<value = int8 {3}>()\n"
       "  y = com.microsoft.QLinearMul(a, as, az, b, bs, bz, cs, cz)",
       {I8({4}, {10, -20, 8, 127}), I8({4}, {4, 7, 0, 100})}, {I8({4}, {13, -41, 4, 127})}},
      {"com.microsoft.QLinearMul", "", {I8({4}, {10, -20, 3, 127}), I8({4}, {4, 7, -9, 100})},
       {I8({4}, {12, -24, 4, 127})}, 13, "tflite", TfliteMulGraph},
      {"com.microsoft.QLinearMul", "", {I8({4}, {10, -20, 3, 2}), I8({4}, {4, 7, -9, 100})},
       {I8({4}, {10, -24, 6, 5})}, 13, "tflite_prelu", TflitePreluGraph},
      {"com.microsoft.QLinearAveragePool", "", {I8({1, 1, 1, 4}, {10, -20, 3, 127})}, {I8({1, 1, 1, 1}, {80})}, 13,
       "tflite_sum", TfliteSumGraph},
      // TFLite's integer bilinear resize, 2 x 2 -> 3 x 3 (no flags): scale (2048 + 1) / 3 =
      // 683; rows and columns (lower, upper, weight): (0, 0, 0), (0, 1, 683), (1, 1, 342).
      // Codes 0, 100 / -100, 50: e.g. the centre (-100 x 683 x 341 + 100 x 341 x 683 +
      // 50 x 683^2) = 23324450, plus 2^19, over 2^20 truncated: 22; the edge between 0
      // and 100: 100 x 1024 x 683 -> 67.2 -> 67; between 0 and -100: -67.
      {"modelc.ResizeBilinearInteger", "y = modelc.ResizeBilinearInteger<size = [3, 3]>(a)",
       {I8({1, 2, 2, 1}, {0, 100, -100, 50})}, {I8({1, 3, 3, 1}, {0, 67, 100, -67, 22, 67, -100, 0, 50})}},
      // One unit, zero weights and biases, every multiplier 1 (2^30, shift 1): each gate's
      // sum is 0, so i = f = o = logistic(0) = 16384 and g = tanh(0) = 0; the cell stays 0.
      // Its exponent -16 (15 + e < 0): TFLite's tanh writes nothing and h comes from o i =
      // 2^28, times 2^-28 (2^30, shift -27) = 1, plus the hidden zero point 3: 4 at each step.
      {"modelc.QuantizedLstm",
       "xs = Constant<value = float {0.5}>()\n  xz = Constant<value = int8 {0}>()\n"
       "  w = Constant<value = int8[4, 1] {0, 0, 0, 0}>()\n  r = Constant<value = int8[4, 1] {0, 0, 0, 0}>()\n"
       "  b = Constant<value = int32[8] {0, 0, 0, 0, 0, 0, 0, 0}>()\n"
       "  ys = Constant<value = float {0.25}>()\n  yz = Constant<value = int8 {3}>()\n"
       "  y = modelc.QuantizedLstm<layout = 1, gate_multipliers = [1073741824, 1, 1073741824, 1, 1073741824, 1, "
       "1073741824, 1, 1073741824, 1, 1073741824, 1, 1073741824, 1, 1073741824, 1], hidden_multiplier = "
       "[1073741824, -27], hidden_zero_point = 3, state_zero_point = 3, cell_exponent = -16>(a, xs, xz, w, r, b, ys, yz)",
       {I8({1, 2, 1}, {5, -7})}, {I8({1, 2, 1}, {4, 4})}},
      {"modelc.TableLookup",
       "t = Constant<value = int8[256] {" + ReversingTable() + "}>()\n"
       "  s = Constant<value = float {1.0}>()\n  z = Constant<value = int8 {0}>()\n"
       "  y = modelc.TableLookup(a, t, s, z)",
       {I8({4}, {-128, 0, 5, 127})}, {I8({4}, {127, -1, -6, -128})}},
  };
}

class HandChecked : public ::testing::TestWithParam<HandCase> {};

TEST_P(HandChecked, ReferenceEvaluatorGivesTheHandResult) {
  const HandCase& c = GetParam();
  std::string signature = "g (";
  const std::string names = "abcdf";
  for (size_t i = 0; i < c.inputs.size(); ++i) signature += (i ? ", " : "") + Declare(c.inputs[i], std::string(1, names[i]));
  signature += ") => (";
  const std::string output_names = "yzw";
  for (size_t o = 0; o < c.expected.size(); ++o) {
    signature += (o ? ", " : "") + Declare(c.expected[o], std::string(1, output_names[o]));
  }
  testing::TemporaryFolder folder;
  const std::string path = folder.File("case.onnxtxt");
  std::ofstream(path) << "<ir_version: 8, opset_import: [\"\" : " << c.opset
                      << ", \"com.microsoft\" : 1, \"modelc\" : 1]>\n"
                      << signature << ") {\n  " << c.body << "\n}\n";
  absl::StatusOr<Graph> graph = c.graph ? absl::StatusOr<Graph>(c.graph()) : ImportOnnxFile(path, {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  absl::StatusOr<std::vector<TensorData>> out = EvaluateGraph(*graph, c.inputs);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), c.expected.size());
  for (size_t o = 0; o < out->size(); ++o) {
    const TensorData& actual = (*out)[o];
    const TensorData& expected = c.expected[o];
    ASSERT_EQ(actual.type(), expected.type()) << "output " << o;
    if (IsFloat64(expected.type().element_type)) {  // to 1e-15, and zeros, infinities and NaN exactly
      const std::vector<double> a = actual.Elements<double>(), x = expected.Elements<double>();
      for (size_t i = 0; i < x.size(); ++i) {
        if (std::isfinite(x[i]) && x[i] != 0) {
          EXPECT_NEAR(a[i], x[i], 1e-15 * std::fabs(x[i])) << "output " << o << " element " << i;
        } else {
          EXPECT_TRUE(std::memcmp(&a[i], &x[i], sizeof(double)) == 0 || (std::isnan(a[i]) && std::isnan(x[i])))
              << "output " << o << " element " << i << ": " << a[i] << ", expected " << x[i];
        }
      }
      continue;
    }
    if (!IsFloat(expected.type().element_type)) {
      EXPECT_EQ(actual.bytes(), expected.bytes()) << "output " << o;
      continue;
    }
    const std::vector<float> a = actual.Floats(), x = expected.Floats();
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_NEAR(a[i], x[i], 1e-6 + 1e-6 * std::fabs(x[i])) << "output " << o << " element " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryOperator, HandChecked, ::testing::ValuesIn(Cases()),
                         [](const auto& info) {  // "com.microsoft.QLinearAdd" -> "com_microsoft_QLinearAdd"
                           std::string name = CaseName(info.param);
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

TEST(HandCheckedCoverage, EveryOperatorOfTheTableHasACase) {
  std::set<std::string> covered;
  for (const HandCase& c : Cases()) covered.insert(c.op);
  for (int i = 0; i < OpCount(); ++i) {
    const char* name = OpName(static_cast<OpKind>(i));
    EXPECT_TRUE(covered.count(name)) << name << " has no hand-checked case";
  }
}

}  // namespace
}  // namespace modelc
