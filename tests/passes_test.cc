// Each pass on a small model: the IR it produces (golden text) and a numeric check that
// the graph computes the same outputs before and after, on random inputs, with the
// reference evaluator. The verifier runs after every pass.
#include <fstream>

#include "absl/strings/str_split.h"

#include "compiler/driver/options.h"
#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/ir/printer.h"
#include "compiler/ir/verifier.h"
#include "compiler/passes/passes.h"
#include "compiler/reference/evaluator.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace modelc {
namespace {

using testing::NearlyEqual;
using testing::RandomFloats;

Graph Import(const std::string& text) {
  testing::TemporaryFolder folder;
  const std::string path = folder.File("model.onnxtxt");
  std::ofstream(path) << text;
  absl::StatusOr<Graph> graph = ImportOnnxFile(path, {});
  EXPECT_TRUE(graph.ok()) << graph.status();
  return graph.ok() ? *std::move(graph) : Graph{};
}

// Runs the passes on a copy of the model's graph, checks the printed result (constants
// omitted) and that outputs agree with the original graph's on three random inputs.
void CheckPasses(const std::string& text, const std::vector<absl::Status (*)(Graph&)>& passes,
                 const std::string& expected_nodes) {
  const Graph before = Import(text);
  Graph after = before;
  for (auto pass : passes) {
    ASSERT_TRUE(pass(after).ok());
    ASSERT_TRUE(VerifyGraph(after).ok()) << VerifyGraph(after);
  }
  std::string printed;
  for (const std::string& line : std::vector<std::string>(absl::StrSplit(PrintGraph(after), '\n'))) {
    if (line.rfind("  const ", 0) != 0 && !line.empty()) printed += line + "\n";
  }
  EXPECT_EQ(printed, expected_nodes);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    std::vector<FloatTensor> inputs;
    for (ValueId id : before.inputs()) inputs.push_back(RandomFloats(before.value(id).type.ElementCount(), seed * 7 + id));
    auto expected = EvaluateGraph(before, inputs);
    auto actual = EvaluateGraph(after, inputs);
    ASSERT_TRUE(expected.ok() && actual.ok());
    for (size_t o = 0; o < expected->size(); ++o) EXPECT_TRUE(NearlyEqual((*actual)[o], (*expected)[o], 1e-5, 1e-6));
  }
}

TEST(Passes, FoldConstantsEvaluatesConstantChains) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[2,3] x) => (float[2,3] y) {
  a = Constant <value = float[3] {1.0, 2.0, 3.0}> ()
  b = Constant <value = float[3] {0.5, 0.5, 0.5}> ()
  c = Mul(a, b)
  d = Relu(c)
  y = Add(x, d)
}
)", {FoldConstants}, "graph g(%x: float32[2,3]) -> (%y)\n  %y: float32[2,3] = Add(%x, %d)  # Add_4\n");
}

// NHWC-style pairs: a Transpose sinks below a Relu and cancels the next one, and two
// Transposes with one perm meet below an Add.
TEST(Passes, TransposesSinkAndCancel) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,4,3,2] x, float[1,4,3,2] z) => (float[1,4,3,2] y, float[1,2,4,3] w) {
  a = Transpose <perm = [0,3,1,2]> (x)
  r = Relu(a)
  b = Transpose <perm = [0,2,3,1]> (r)
  k = Constant <value = float[2] {1.0, -2.0}> ()
  y = Add(b, k)
  d = Transpose <perm = [0,3,1,2]> (y)
  e = Transpose <perm = [0,3,1,2]> (z)
  w = Add(d, e)
}
)", {SinkTransposes},
              "graph g(%x: float32[1,4,3,2], %z: float32[1,4,3,2]) -> (%y, %w)\n"
              "  %r.before_transpose: float32[1,4,3,2] = Relu(%x)  # Relu_1\n"
              "  %y: float32[1,4,3,2] = Add(%r.before_transpose, %k)  # Add_4\n"
              "  %w.before_transpose: float32[1,4,3,2] = Add(%y, %z)  # Add_7\n"
              "  %w: float32[1,2,4,3] = Transpose(%w.before_transpose) {perm=[0,3,1,2]}  # Add_7.transpose\n");
}

// Through a broadcast constant, a Concat, a Pad and a Reduce without keepdims, after
// which nothing of the permutation is left.
TEST(Passes, TransposesSinkThroughConcatPadAndReduce) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,4,3,2] x) => (float[1,4] y) {
  a = Transpose <perm = [0,3,1,2]> (x)
  k = Constant <value = float[3] {1.0, -2.0, 0.5}> ()
  b = Mul(a, k)
  c = Concat <axis = 1> (b, b)
  p = Constant <value = int64[8] {0, 0, 1, 0, 0, 0, 1, 1}> ()
  d = Pad(c, p)
  y = ReduceMean <axes = [2, 3], keepdims = 0> (d)
}
)", {SinkTransposes},
              "graph g(%x: float32[1,4,3,2]) -> (%y)\n"
              "  %b.before_transpose: float32[1,4,3,2] = Mul(%x, %Mul_2.input1.transposed)  # Mul_2\n"
              "  %c.before_transpose: float32[1,4,3,4] = Concat(%b.before_transpose, %b.before_transpose) {axis=3}  # Concat_3\n"
              "  %d.before_transpose: float32[1,6,4,4] = Pad(%c.before_transpose, %Pad_5.input1.transposed)  # Pad_5\n"
              "  %y: float32[1,4] = ReduceMean(%d.before_transpose) {axes=[1,2], keepdims=0}  # ReduceMean_6\n");
}

// NHWC flatten before a fully connected layer: the Transpose goes into B's columns.
TEST(Passes, TransposeBeforeAFlattenGoesIntoTheWeights) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,2,2,3] x) => (float[1,4] y) {
  a = Transpose <perm = [0,2,3,1]> (x)
  s = Constant <value = int64[2] {1, 12}> ()
  f = Reshape(a, s)
  w = Constant <value = float[4,12] {-1.1, 0.3, -0.6, 0.8, -0.1, -1.0, 0.4, -0.5, 0.9, 0.0, -0.9, 0.5, -0.4, 1.0, 0.1, -0.8, 0.6, -0.3, 1.1, 0.2, -0.7, 0.7, -0.2, -1.1, 0.3, -0.6, 0.8, -0.1, -1.0, 0.4, -0.5, 0.9, 0.0, -0.9, 0.5, -0.4, 1.0, 0.1, -0.8, 0.6, -0.3, 1.1, 0.2, -0.7, 0.7, -0.2, -1.1, 0.3}> ()
  y = Gemm <transB = 1> (f, w)
}
)", {SinkTransposes},
              "graph g(%x: float32[1,2,2,3]) -> (%y)\n"
              "  %f: float32[1,12] = Reshape(%x, %s)  # Reshape_2\n"
              "  %y: float32[1,4] = Gemm(%f, %w.untransposed) {transB=1}  # Gemm_4\n");
}

TEST(Passes, CommonSubexpressionsAreComputedOnce) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[4] x) => (float[4] y) {
  a = Relu(x)
  b = Relu(x)
  y = Add(a, b)
}
)", {EliminateCommonSubexpressions},
              "graph g(%x: float32[4]) -> (%y)\n"
              "  %a: float32[4] = Relu(%x)  # Relu_0\n"
              "  %y: float32[4] = Add(%a, %a)  # Add_2\n");
}

TEST(Passes, CommonSubexpressionKeepsNamedGraphOutputs) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[4] x) => (float[4] a, float[4] b) {
  a = Relu(x)
  b = Relu(x)
}
)", {EliminateCommonSubexpressions},
              "graph g(%x: float32[4]) -> (%a, %b)\n"
              "  %a: float32[4] = Relu(%x)  # Relu_0\n"
              "  %b: float32[4] = Relu(%x)  # Relu_1\n");
}

TEST(Passes, DeadNodesAreRemoved) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[4] x) => (float[4] y) {
  unused = Sigmoid(x)
  also_unused = Relu(unused)
  y = Tanh(x)
}
)", {EliminateDeadNodes}, "graph g(%x: float32[4]) -> (%y)\n  %y: float32[4] = Tanh(%x)  # Tanh_2\n");
}

constexpr char kConvBatchNorm[] = R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,2,4,4] x) => (float[1,2,4,4] y, float[1,2,4,4] z) {
  w = Constant <value = float[2,2,1,1] {0.5, -1.0, 2.0, 0.25}> ()
  s = Constant <value = float[2] {1.5, 0.5}> ()
  b = Constant <value = float[2] {0.1, -0.2}> ()
  m = Constant <value = float[2] {0.3, -0.4}> ()
  v = Constant <value = float[2] {0.8, 1.2}> ()
  c = Conv(x, w)
  y = BatchNormalization(c, s, b, m, v)
  z = BatchNormalization(x, s, b, m, v)
}
)";

TEST(Passes, BatchNormFoldsIntoConvAndALoneOneStays) {
  CheckPasses(kConvBatchNorm, {FoldBatchNormalization, EliminateDeadNodes},
              "graph g(%x: float32[1,2,4,4]) -> (%y, %z)\n"
              "  %y: float32[1,2,4,4] = Conv(%x, %w.bn_folded, %Conv_5.bias.bn_folded)  # Conv_5\n"
              "  %z: float32[1,2,4,4] = BatchNormalization(%x, %s, %b, %m, %v)  # BatchNormalization_7\n");
}

TEST(Passes, BatchNormFoldsIntoGemmWithTransposedWeights) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[3,2] x) => (float[3,2] y) {
  w = Constant <value = float[2,2] {0.5, -1.0, 2.0, 0.25}> ()
  c = Constant <value = float[2] {0.7, -0.3}> ()
  s = Constant <value = float[2] {1.5, 0.5}> ()
  b = Constant <value = float[2] {0.1, -0.2}> ()
  m = Constant <value = float[2] {0.3, -0.4}> ()
  v = Constant <value = float[2] {0.8, 1.2}> ()
  h = Gemm <transB = 1, alpha = 0.5, beta = 2.0> (x, w, c)
  y = BatchNormalization(h, s, b, m, v)
}
)", {FoldBatchNormalization},
              "graph g(%x: float32[3,2]) -> (%y)\n"
              "  %y: float32[3,2] = Gemm(%x, %w.bn_folded, %c.bn_folded) {alpha=0.5, beta=1, transB=1}  # Gemm_6\n");
}

TEST(Passes, MatMulAndBiasBecomeGemm) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[3,2] x) => (float[3,2] y) {
  w = Constant <value = float[2,2] {0.5, -1.0, 2.0, 0.25}> ()
  b = Constant <value = float[2] {0.7, -0.3}> ()
  h = MatMul(x, w)
  y = Add(b, h)
}
)", {FuseMatMulBias}, "graph g(%x: float32[3,2]) -> (%y)\n  %y: float32[3,2] = Gemm(%x, %w, %b)  # MatMul_2\n");
}

constexpr char kResidualBlock[] = R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,2,4,4] x, float[2,2,3,3] w1, float[2,2,1,1] w2) => (float[1,2,4,4] y) {
  a = Conv <pads = [1, 1, 1, 1]> (x, w1)
  r = Relu(a)
  b = Conv <pads = [1, 1, 1, 1]> (r, w1)
  c = Conv(x, w2)
  sum = Add(b, c)
  y = Relu(sum)
}
)";

TEST(Passes, ResidualAddFusesIntoTheLaterConv) {
  CheckPasses(kResidualBlock, {FuseResidualAdd},
              "graph g(%x: float32[1,2,4,4], %w1: float32[2,2,3,3], %w2: float32[2,2,1,1]) -> (%y)\n"
              "  %a: float32[1,2,4,4] = Conv(%x, %w1) {pads=[1,1,1,1]}  # Conv_0\n"
              "  %r: float32[1,2,4,4] = Relu(%a)  # Relu_1\n"
              "  %b: float32[1,2,4,4] = Conv(%r, %w1) {pads=[1,1,1,1]}  # Conv_2\n"
              "  %sum: float32[1,2,4,4] = Conv(%x, %w2, _, %b) {fused_residual=1}  # Conv_3\n"
              "  %y: float32[1,2,4,4] = Relu(%sum)  # Relu_5\n");
}

TEST(Passes, ActivationsFuseIntoTheirProducers) {
  CheckPasses(kResidualBlock, {FuseResidualAdd, FuseActivations},
              "graph g(%x: float32[1,2,4,4], %w1: float32[2,2,3,3], %w2: float32[2,2,1,1]) -> (%y)\n"
              "  %r: float32[1,2,4,4] = Conv(%x, %w1) {fused_activation=\"Relu\", pads=[1,1,1,1]}  # Conv_0\n"
              "  %b: float32[1,2,4,4] = Conv(%r, %w1) {pads=[1,1,1,1]}  # Conv_2\n"
              "  %y: float32[1,2,4,4] = Conv(%x, %w2, _, %b) {fused_activation=\"Relu\", fused_residual=1}  # Conv_3\n");
}

TEST(Passes, ActivationOfAValueReadTwiceStaysSeparate) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[2,3] x, float[3,3] w) => (float[2,3] y, float[2,3] z) {
  h = MatMul(x, w)
  y = Sigmoid(h)
  z = Tanh(h)
}
)", {FuseActivations},
              "graph g(%x: float32[2,3], %w: float32[3,3]) -> (%y, %z)\n"
              "  %h: float32[2,3] = MatMul(%x, %w)  # MatMul_0\n"
              "  %y: float32[2,3] = Sigmoid(%h)  # Sigmoid_1\n"
              "  %z: float32[2,3] = Tanh(%h)  # Tanh_2\n");
}

TEST(Passes, MaxAndMinWithAConstantFuseAsClipBounds) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[2,3] x, float[3,3] w) => (float[2,3] y) {
  lo = Constant <value = float {-0.25}> ()
  hi = Constant <value = float {0.5}> ()
  h = MatMul(x, w)
  a = Max(h, lo)
  y = Min(a, hi)
}
)", {FuseActivations},
              "graph g(%x: float32[2,3], %w: float32[3,3]) -> (%y)\n"
              "  %a: float32[2,3] = MatMul(%x, %w) {fused_activation=\"Clip\", fused_alpha=-0.25}  # MatMul_2\n"
              "  %y: float32[2,3] = Min(%a, %hi)  # Min_4\n");
}

TEST(Passes, TransposeOfUnitDimensionsBecomesAView) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,4,1,3] x) => (float[4,1,1,3] y, float[3,4,1,1] z) {
  y = Transpose <perm = [1, 0, 2, 3]> (x)
  z = Transpose <perm = [3, 1, 0, 2]> (x)
}
)", {SimplifyTransposes},
              "graph g(%x: float32[1,4,1,3]) -> (%y, %z)\n"
              "  %y: float32[4,1,1,3] = Reshape(%x, %Transpose_0.shape)  # Transpose_0\n"
              "  %z: float32[3,4,1,1] = Transpose(%x) {perm=[3,1,0,2]}  # Transpose_1\n");
}

// An int8 convolution of x [1, 2, 5, 4] (3 output channels, 3 x 3, padded), c, for the
// channels-last tests' models.
constexpr char kQuantizedConvolution[] = R"(  s = Constant<value = float {0.05}>()
  zp = Constant<value = int8 {-3}>()
  w = Constant<value = int8[3,2,3,3] {-9, -13, -17, 20, 16, 12, 8, 4, 0, -4, -8, -12, -16, -20, 17, 13, 9, 5, 1, -3, -7, -11, -15, -19, 18, 14, 10, 6, 2, -2, -6, -10, -14, -18, 19, 15, 11, 7, 3, -1, -5, -9, -13, -17, 20, 16, 12, 8, 4, 0, -4, -8, -12, -16}>()
  ws = Constant<value = float {0.02}>()
  wz = Constant<value = int8 {0}>()
  ys = Constant<value = float {0.1}>()
  yz = Constant<value = int8 {2}>()
  q = QuantizeLinear(x, s, zp)
  c = QLinearConv<pads = [1, 1, 1, 1]>(q, s, zp, w, ws, wz, ys, yz))";

TEST(Passes, ConvolutionOutputTransposeIsAbsorbed) {
  // The QLinearConv read only by a Transpose to NHWC stores channels-last instead; the
  // one read by another permutation keeps its Transpose.
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,2,5,4] x) => (float[1,5,4,3] y, float[1,4,5,3] z) {
)" + std::string(kQuantizedConvolution) + R"(
  t = Transpose<perm = [0, 2, 3, 1]>(c)
  y = DequantizeLinear(t, ys, yz)
  c2 = QLinearConv<pads = [1, 1, 1, 1]>(q, s, zp, w, ws, wz, ys, yz)
  t2 = Transpose<perm = [0, 3, 2, 1]>(c2)
  z = DequantizeLinear(t2, ys, yz)
}
)", {AbsorbOutputTransposes},
              "graph g(%x: float32[1,2,5,4]) -> (%y, %z)\n"
              "  %q: int8[1,2,5,4] = QuantizeLinear(%x, %s, %zp)  # QuantizeLinear_7\n"
              "  %t: int8[1,5,4,3] = QLinearConv(%q, %s, %zp, %w, %ws, %wz, %ys, %yz) "
              "{fused_channels_last_output=1, pads=[1,1,1,1]}  # QLinearConv_8\n"
              "  %y: float32[1,5,4,3] = DequantizeLinear(%t, %ys, %yz)  # DequantizeLinear_10\n"
              "  %c2: int8[1,3,5,4] = QLinearConv(%q, %s, %zp, %w, %ws, %wz, %ys, %yz) {pads=[1,1,1,1]}  # QLinearConv_11\n"
              "  %t2: int8[1,4,5,3] = Transpose(%c2) {perm=[0,3,2,1]}  # Transpose_12\n"
              "  %z: float32[1,4,5,3] = DequantizeLinear(%t2, %ys, %yz)  # DequantizeLinear_13\n");
}

// Pools in a channels-last model: one alone reading an NHWC -> NCHW Transpose reads and
// writes NHWC, and the Transpose sinks below it to cancel the next; a Transpose read by
// two pools goes into both, and the Concat of their outputs, read by a Transpose to
// NHWC, joins their channels-last outputs. The reference evaluator of the graph before
// (NCHW pools) is the check.
TEST(Passes, PoolsReadAndWriteChannelsLast) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,5,6,3] x, float[1,5,6,3] z) => (float[1,3,3,3] y, float[1,4,5,6] w) {
  a = Transpose <perm = [0,3,1,2]> (x)
  m = MaxPool <kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]> (a)
  y = Transpose <perm = [0,2,3,1]> (m)
  e = Transpose <perm = [0,3,1,2]> (z)
  p = AveragePool <kernel_shape = [2, 2]> (e)
  l = LpPool <kernel_shape = [2, 2], p = 1> (e)
  c = Concat <axis = 1> (p, l)
  w = Transpose <perm = [0,2,3,1]> (c)
}
)", {SinkTransposes, AbsorbOutputTransposes},
              "graph g(%x: float32[1,5,6,3], %z: float32[1,5,6,3]) -> (%y, %w)\n"
              "  %m.before_transpose: float32[1,3,3,3] = MaxPool(%x) {fused_channels_last_input=1, "
              "fused_channels_last_output=1, kernel_shape=[3,3], pads=[1,1,1,1], strides=[2,2]}  # MaxPool_1\n"
              "  %y: float32[1,3,3,3] = Identity(%m.before_transpose)  # Transpose_2\n"
              "  %p.channels_last: float32[1,4,5,3] = AveragePool(%z) {fused_channels_last_input=1, "
              "fused_channels_last_output=1, kernel_shape=[2,2]}  # AveragePool_4\n"
              "  %l.channels_last: float32[1,4,5,3] = LpPool(%z) {fused_channels_last_input=1, "
              "fused_channels_last_output=1, kernel_shape=[2,2], p=1}  # LpPool_5\n"
              "  %w: float32[1,4,5,6] = Concat(%p.channels_last, %l.channels_last) {axis=3}  # Concat_6\n");
}

TEST(Passes, FloatConvolutionsReadAndWriteChannelsLast) {
  // The image's NHWC->NCHW Transpose, read by four convolutions (two padded, one of them
  // summing r; a strided depthwise; a transposed one), is absorbed into all; each output's NHWC
  // Transpose into its writer, also through the Relu after the ConvTranspose. A
  // convolution with a fused sum keeps its planar output (its addend's layout).
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,5,6,3] x, float[4,3,3,3] k, float[4] bias, float[3,1,2,2] d, float[1,4,5,6] r, float[3,2,2,3] kt)
    => (float[1,5,6,4] y, float[1,2,3,3] z, float[1,4,5,6] s, float[1,10,13,2] v) {
  a = Transpose <perm = [0,3,1,2]> (x)
  c = Conv <pads = [1,1,1,1]> (a, k, bias)
  y = Transpose <perm = [0,2,3,1]> (c)
  e = Conv <group = 3, strides = [2,2]> (a, d)
  z = Transpose <perm = [0,2,3,1]> (e)
  f = Conv <pads = [1,1,1,1]> (a, k)
  s = Add (f, r)
  t = ConvTranspose <strides = [2,2]> (a, kt)
  u = Relu (t)
  v = Transpose <perm = [0,2,3,1]> (u)
}
)", {SinkTransposes, FuseResidualAdd, AbsorbOutputTransposes},
              "graph g(%x: float32[1,5,6,3], %k: float32[4,3,3,3], %bias: float32[4], %d: float32[3,1,2,2], "
              "%r: float32[1,4,5,6], %kt: float32[3,2,2,3]) -> (%y, %z, %s, %v)\n"
              "  %y: float32[1,5,6,4] = Conv(%x, %k, %bias) {fused_channels_last_input=1, "
              "fused_channels_last_output=1, pads=[1,1,1,1]}  # Conv_1\n"
              "  %z: float32[1,2,3,3] = Conv(%x, %d) {fused_channels_last_input=1, fused_channels_last_output=1, "
              "group=3, strides=[2,2]}  # Conv_3\n"
              "  %s: float32[1,4,5,6] = Conv(%x, %k, _, %r) {fused_channels_last_input=1, fused_residual=1, "
              "pads=[1,1,1,1]}  # Conv_5\n"
              "  %t.channels_last: float32[1,10,13,2] = ConvTranspose(%x, %kt) {fused_channels_last_input=1, "
              "fused_channels_last_output=1, strides=[2,2]}  # ConvTranspose_7\n"
              "  %v: float32[1,10,13,2] = Relu(%t.channels_last)  # Relu_8\n");
}

TEST(Passes, AdjointTransposesGoIntoMatrixProducts) {
  // Transposes of the last two dimensions read only as a MatMul's A or B (TFLite's
  // BATCH_MATMUL adjoints) become its transA and transB; one also read elsewhere stays.
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[2,4,3] a, float[2,5,4] b, float[2,3,5] c) => (float[2,3,5] y, float[2,3,3] z, float[2,5,3] w) {
  at = Transpose <perm = [0,2,1]> (a)
  bt = Transpose <perm = [0,2,1]> (b)
  y = MatMul (at, bt)
  ct = Transpose <perm = [0,2,1]> (c)
  z = MatMul (c, ct)
  w = Relu (ct)
}
)", {SinkTransposes},
              "graph g(%a: float32[2,4,3], %b: float32[2,5,4], %c: float32[2,3,5]) -> (%y, %z, %w)\n"
              "  %y: float32[2,3,5] = MatMul(%a, %b) {transA=1, transB=1}  # MatMul_2\n"
              "  %ct: float32[2,5,3] = Transpose(%c) {perm=[0,2,1]}  # Transpose_3\n"
              "  %z: float32[2,3,3] = MatMul(%c, %ct)  # MatMul_4\n"
              "  %w: float32[2,5,3] = Relu(%ct)  # Relu_5\n");
}

TEST(Passes, ReadersOfAConvolutionOutputTakeItsChannelsLastForm) {
  // The QLinearConv's output is read by a MaxPool, its NHWC Transpose (after the pool:
  // it moves up to the convolution) and another Transpose: the pool reads the NHWC
  // form channels-last, the other Transpose transposes it (perm recomposed: NHWC to
  // [N, W, C, H] is [0, 2, 3, 1]), and the convolution then stores channels-last.
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,2,5,4] x) => (float[1,3,2,2] m, float[1,5,4,3] y, float[1,4,3,5] z) {
)" + std::string(kQuantizedConvolution) + R"(
  p = MaxPool<kernel_shape = [2, 2], strides = [2, 2]>(c)
  m = DequantizeLinear(p, ys, yz)
  t = Transpose<perm = [0, 2, 3, 1]>(c)
  y = DequantizeLinear(t, ys, yz)
  t2 = Transpose<perm = [0, 3, 1, 2]>(c)
  z = DequantizeLinear(t2, ys, yz)
}
)", {AbsorbOutputTransposes},
              "graph g(%x: float32[1,2,5,4]) -> (%m, %y, %z)\n"
              "  %q: int8[1,2,5,4] = QuantizeLinear(%x, %s, %zp)  # QuantizeLinear_7\n"
              "  %t: int8[1,5,4,3] = QLinearConv(%q, %s, %zp, %w, %ws, %wz, %ys, %yz) "
              "{fused_channels_last_output=1, pads=[1,1,1,1]}  # QLinearConv_8\n"
              "  %p: int8[1,3,2,2] = MaxPool(%t) {fused_channels_last_input=1, kernel_shape=[2,2], strides=[2,2]}  # MaxPool_9\n"
              "  %m: float32[1,3,2,2] = DequantizeLinear(%p, %ys, %yz)  # DequantizeLinear_10\n"
              "  %y: float32[1,5,4,3] = DequantizeLinear(%t, %ys, %yz)  # DequantizeLinear_12\n"
              "  %t2: int8[1,4,3,5] = Transpose(%t) {perm=[0,2,3,1]}  # Transpose_13\n"
              "  %z: float32[1,4,3,5] = DequantizeLinear(%t2, %ys, %yz)  # DequantizeLinear_14\n");
}

TEST(Passes, WholePlanePoolsBecomeGlobalPools) {
  CheckPasses(R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,2,5,3] x) => (float[1,2,1,1] avg, float[1,2,1,1] max, float[1,2,1,1] padded) {
  avg = AveragePool <kernel_shape = [5, 3]> (x)
  max = MaxPool <kernel_shape = [5, 3]> (x)
  padded = AveragePool <kernel_shape = [5, 3], pads = [0, 1, 0, 1], strides = [1, 5]> (x)
}
)", {GlobalizePools},
              "graph g(%x: float32[1,2,5,3]) -> (%avg, %max, %padded)\n"
              "  %avg: float32[1,2,1,1] = GlobalAveragePool(%x)  # AveragePool_0\n"
              "  %max: float32[1,2,1,1] = GlobalMaxPool(%x)  # MaxPool_1\n"
              "  %padded: float32[1,2,1,1] = AveragePool(%x) {kernel_shape=[5,3], pads=[0,1,0,1], strides=[1,5]}  # AveragePool_2\n");
}

TEST(Passes, DecomposedLayerNormBecomesOneNode) {
  CheckPasses(testing::ReadFileBytes(std::string(MODELC_TEST_MODELS_DIR) + "/layernorm_decomposed.onnxtxt"),
              {FuseLayerNormalization},
              "graph layernorm_decomposed(%x: float32[2,3,8]) -> (%y)\n"
              "  %y: float32[2,3,8] = LayerNormalization(%x, %gamma, %beta) {axis=2, epsilon=9.99999975e-06}  # Div_9\n");
}

// --dump-ir-after names every pass of the pipeline in its help.
TEST(Passes, TheHelpNamesEveryPass) {
  for (const Pass& pass : DefaultPipeline()) {
    EXPECT_NE(std::string(kUsage).find(pass.name), std::string::npos) << pass.name;
  }
}

TEST(Passes, TheDefaultPipelineFusesAWholeModel) {
  std::vector<absl::Status (*)(Graph&)> pipeline;
  for (const Pass& pass : DefaultPipeline()) pipeline.push_back(pass.run);
  CheckPasses(testing::ReadFileBytes(std::string(MODELC_TEST_MODELS_DIR) + "/fusion_patterns.onnxtxt"), pipeline,
              "graph fusion_patterns(%x: float32[1,2,6,6], %v: float32[3,5]) -> (%block, %dense, %head)\n"
              "  %r1: float32[1,2,6,6] = Conv(%x, %w1.bn_folded, %b1.bn_folded) "
              "{fused_activation=\"Relu\", pads=[1,1,1,1]}  # Conv_6\n"
              "  %block: float32[1,2,6,6] = Conv(%r1, %w2, _, %r1) "
              "{fused_activation=\"Relu\", fused_residual=1, pads=[1,1,1,1]}  # Conv_10\n"
              "  %dense: float32[3,4] = Gemm(%v, %wd.bn_folded, %bd.bn_folded) {beta=1, fused_activation=\"Clip\", "
              "fused_alpha=-0.5, fused_beta=0.75, transB=1}  # Gemm_19\n"
              "  %head: float32[3,4] = Gemm(%v, %wm, %scaled) {fused_activation=\"Sigmoid\"}  # MatMul_28\n");
}

}  // namespace
}  // namespace modelc
