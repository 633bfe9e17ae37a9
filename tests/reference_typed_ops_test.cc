// The reference evaluator on the integer, bool and data-movement operators, each on a
// case small enough to check by hand. Models are ONNX text; every input is a graph
// input, so the evaluator (not the importer's folding) computes the result.
#include <cmath>
#include <fstream>

#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/reference/evaluator.h"
#include "gtest/gtest.h"
#include "tests/tensor_literals.h"
#include "tests/test_support.h"

namespace modelc {
namespace {

using testing::B;
using testing::F;
using testing::I32;
using testing::I64;
using testing::U8;

// Imports the model (opset 13 unless the text says otherwise) and evaluates it.
std::vector<TensorData> Evaluate(const std::string& graph_text, const std::vector<TensorData>& inputs,
                                 int opset = 13) {
  testing::TemporaryFolder folder;
  const std::string path = folder.File("model.onnxtxt");
  std::ofstream(path) << "<ir_version: 8, opset_import: [\"\" : " << opset << "]>\n" << graph_text;
  absl::StatusOr<Graph> graph = ImportOnnxFile(path, {});
  EXPECT_TRUE(graph.ok()) << graph.status();
  if (!graph.ok()) return {};
  absl::StatusOr<std::vector<TensorData>> out = EvaluateGraph(*graph, inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::vector<TensorData>{};
}

template <typename T>
std::vector<T> Values(const std::vector<TensorData>& out, size_t o = 0) {
  return o < out.size() ? out[o].Elements<T>() : std::vector<T>{};
}

TEST(ReferenceTypedOps, CastSaturatesTruncatesAndMakesBools) {
  auto out = Evaluate(R"(g (float[5] x) => (int8[5] a, bool[5] b, float[5] c) {
  a = Cast<to = 3>(x)
  b = Cast<to = 9>(x)
  i = Cast<to = 7>(x)
  c = Cast<to = 1>(i)
})", {F({5}, {-1.7f, 2.9f, 300.0f, NAN, 0.0f})});
  EXPECT_EQ(Values<int8_t>(out, 0), (std::vector<int8_t>{-1, 2, 127, 0, 0}));
  EXPECT_EQ(Values<uint8_t>(out, 1), (std::vector<uint8_t>{1, 1, 1, 1, 0}));
  EXPECT_EQ(Values<float>(out, 2), (std::vector<float>{-1, 2, 300, 0, 0}));
}

TEST(ReferenceTypedOps, ComparisonsGiveBools) {
  auto out = Evaluate(R"(g (int32[3] x, int32[1] y) => (bool[3] e, bool[3] l, bool[3] ge) {
  e = Equal(x, y)
  l = Less(x, y)
  ge = GreaterOrEqual(x, y)
})", {I32({3}, {1, 2, 3}), I32({1}, {2})});
  EXPECT_EQ(Values<uint8_t>(out, 0), (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(Values<uint8_t>(out, 1), (std::vector<uint8_t>{1, 0, 0}));
  EXPECT_EQ(Values<uint8_t>(out, 2), (std::vector<uint8_t>{0, 1, 1}));
}

TEST(ReferenceTypedOps, LogicAndWhere) {
  auto out = Evaluate(R"(g (bool[4] a, bool[4] b, float[4] x, float[4] y) => (bool[4] o, bool[4] n, float[4] w) {
  o = Xor(a, b)
  n = Not(a)
  w = Where(a, x, y)
})", {B({4}, {0, 0, 1, 1}), B({4}, {0, 1, 0, 1}), F({4}, {1, 2, 3, 4}), F({4}, {-1, -2, -3, -4})});
  EXPECT_EQ(Values<uint8_t>(out, 0), (std::vector<uint8_t>{0, 1, 1, 0}));
  EXPECT_EQ(Values<uint8_t>(out, 1), (std::vector<uint8_t>{1, 1, 0, 0}));
  EXPECT_EQ(Values<float>(out, 2), (std::vector<float>{-1, -2, 3, 4}));
}

TEST(ReferenceTypedOps, IntegerArithmeticWrapsAndDividesByZeroToZero) {
  auto out = Evaluate(R"(g (uint8[3] a, uint8[3] b, int32[3] x, int32[3] y) => (uint8[3] s, uint8[3] d, int32[3] p) {
  s = Add(a, b)
  d = Div(a, b)
  p = Pow(x, y)
})", {U8({3}, {200, 7, 3}), U8({3}, {100, 0, 4}), I32({3}, {2, -3, 65536}), I32({3}, {10, 3, 2})}, 15);
  EXPECT_EQ(Values<uint8_t>(out, 0), (std::vector<uint8_t>{44, 7, 7}));  // 300 mod 256
  EXPECT_EQ(Values<uint8_t>(out, 1), (std::vector<uint8_t>{2, 0, 0}));
  EXPECT_EQ(Values<int32_t>(out, 2), (std::vector<int32_t>{1024, -27, 0}));  // 2^32 wraps to 0
}

TEST(ReferenceTypedOps, ModFollowsTheDivisorOrTheDividend) {
  auto out = Evaluate(R"(g (int32[4] a, int32[4] b) => (int32[4] python, int32[4] c) {
  python = Mod(a, b)
  c = Mod<fmod = 1>(a, b)
})", {I32({4}, {7, -7, 7, -7}), I32({4}, {3, 3, -3, -3})});
  EXPECT_EQ(Values<int32_t>(out, 0), (std::vector<int32_t>{1, 2, -2, -1}));
  EXPECT_EQ(Values<int32_t>(out, 1), (std::vector<int32_t>{1, -1, 1, -1}));
}

TEST(ReferenceTypedOps, BitShiftPastTheWidthGivesZero) {
  auto out = Evaluate(R"(g (uint8[3] a, uint8[3] b) => (uint8[3] l, uint8[3] r) {
  l = BitShift<direction = "LEFT">(a, b)
  r = BitShift<direction = "RIGHT">(a, b)
})", {U8({3}, {1, 255, 16}), U8({3}, {3, 1, 8})});
  EXPECT_EQ(Values<uint8_t>(out, 0), (std::vector<uint8_t>{8, 254, 0}));
  EXPECT_EQ(Values<uint8_t>(out, 1), (std::vector<uint8_t>{0, 127, 0}));
}

TEST(ReferenceTypedOps, IntegerClipAbsNegSign) {
  auto out = Evaluate(R"(g (int32[4] x, int32 lo) => (int32[4] c, int32[4] a, int32[4] s) {
  c = Clip(x, lo)
  a = Abs(x)
  s = Sign(x)
})", {I32({4}, {-5, -1, 0, 9}), I32({}, {-2})});
  EXPECT_EQ(Values<int32_t>(out, 0), (std::vector<int32_t>{-2, -1, 0, 9}));
  EXPECT_EQ(Values<int32_t>(out, 1), (std::vector<int32_t>{5, 1, 0, 9}));
  EXPECT_EQ(Values<int32_t>(out, 2), (std::vector<int32_t>{-1, -1, 0, 1}));
}

TEST(ReferenceTypedOps, ArgMaxFirstOrLastAndArgMin) {
  auto out = Evaluate(R"(g (float[2,3] x) => (int64[2,1] first, int64[2] last, int64[1,3] low) {
  first = ArgMax<axis = 1>(x)
  last = ArgMax<axis = 1, keepdims = 0, select_last_index = 1>(x)
  low = ArgMin<axis = 0>(x)
})", {F({2, 3}, {1, 5, 5, 7, 0, 7})});
  EXPECT_EQ(Values<int64_t>(out, 0), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(Values<int64_t>(out, 1), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(Values<int64_t>(out, 2), (std::vector<int64_t>{0, 1, 0}));
}

TEST(ReferenceTypedOps, HardmaxMarksTheFirstMaximum) {
  auto out = Evaluate(R"(g (float[2,3] x) => (float[2,3] y) {
  y = Hardmax<axis = 1>(x)
})", {F({2, 3}, {1, 5, 5, 9, 0, -1})});
  EXPECT_EQ(Values<float>(out), (std::vector<float>{0, 1, 0, 1, 0, 0}));
}

TEST(ReferenceTypedOps, TriluKeepsADiagonalBand) {
  auto out = Evaluate(R"(g (int64[3,3] x) => (int64[3,3] u, int64[3,3] l) {
  k = Constant<value = int64 {1}>()
  u = Trilu(x, k)
  l = Trilu<upper = 0>(x)
})", {I64({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})}, 14);
  EXPECT_EQ(Values<int64_t>(out, 0), (std::vector<int64_t>{0, 2, 3, 0, 0, 6, 0, 0, 0}));
  EXPECT_EQ(Values<int64_t>(out, 1), (std::vector<int64_t>{1, 0, 0, 4, 5, 0, 7, 8, 9}));
}

TEST(ReferenceTypedOps, SliceWithNegativeStepAndClampedEnds) {
  auto out = Evaluate(R"(g (int32[2,5] x) => (int32[2,3] y) {
  starts = Constant<value = int64[1] {-1}>()
  ends = Constant<value = int64[1] {-9223372036854775807}>()
  axes = Constant<value = int64[1] {1}>()
  steps = Constant<value = int64[1] {-2}>()
  y = Slice(x, starts, ends, axes, steps)
})", {I32({2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})});
  EXPECT_EQ(Values<int32_t>(out), (std::vector<int32_t>{4, 2, 0, 9, 7, 5}));
}

TEST(ReferenceTypedOps, PadConstantReflectEdge) {
  auto out = Evaluate(R"(g (float[3] x) => (float[7] c, float[7] r, float[7] e) {
  pads = Constant<value = int64[2] {2, 2}>()
  value = Constant<value = float {9}>()
  c = Pad(x, pads, value)
  r = Pad<mode = "reflect">(x, pads)
  e = Pad<mode = "edge">(x, pads)
})", {F({3}, {1, 2, 3})});
  EXPECT_EQ(Values<float>(out, 0), (std::vector<float>{9, 9, 1, 2, 3, 9, 9}));
  EXPECT_EQ(Values<float>(out, 1), (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  EXPECT_EQ(Values<float>(out, 2), (std::vector<float>{1, 1, 1, 2, 3, 3, 3}));
}

TEST(ReferenceTypedOps, TileExpandGather) {
  auto out = Evaluate(R"(g (int32[2] x) => (int32[2,4] t, int32[2,2] e, int32[2,2] gathered) {
  repeats = Constant<value = int64[2] {2, 2}>()
  x2 = Unsqueeze<axes = [0]>(x)
  t = Tile(x2, repeats)
  shape = Constant<value = int64[2] {2, 1}>()
  e = Expand(x2, shape)
  indices = Constant<value = int64[2,2] {1, 0, -1, 1}>()
  gathered = Gather(x, indices)
})", {I32({2}, {10, 20})}, 11);
  EXPECT_EQ(Values<int32_t>(out, 0), (std::vector<int32_t>{10, 20, 10, 20, 10, 20, 10, 20}));
  EXPECT_EQ(Values<int32_t>(out, 1), (std::vector<int32_t>{10, 20, 10, 20}));
  EXPECT_EQ(Values<int32_t>(out, 2), (std::vector<int32_t>{20, 10, 20, 20}));
}

TEST(ReferenceTypedOps, SplitBySizes) {
  auto out = Evaluate(R"(g (float[2,3] x) => (float[2,1] a, float[2,2] b) {
  sizes = Constant<value = int64[2] {1, 2}>()
  a, b = Split<axis = 1>(x, sizes)
})", {F({2, 3}, {1, 2, 3, 4, 5, 6})});
  EXPECT_EQ(Values<float>(out, 0), (std::vector<float>{1, 4}));
  EXPECT_EQ(Values<float>(out, 1), (std::vector<float>{2, 3, 5, 6}));
}

TEST(ReferenceTypedOps, DepthToSpaceAndBack) {
  // 4 channels of one pixel each become a 2x2 image (DCR: channel = by * 2 + bx).
  auto out = Evaluate(R"(g (float[1,4,1,1] x) => (float[1,1,2,2] d, float[1,4,1,1] s) {
  d = DepthToSpace<blocksize = 2>(x)
  s = SpaceToDepth<blocksize = 2>(d)
})", {F({1, 4, 1, 1}, {1, 2, 3, 4})});
  EXPECT_EQ(Values<float>(out, 0), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(Values<float>(out, 1), (std::vector<float>{1, 2, 3, 4}));
  auto crd = Evaluate(R"(g (float[1,8,1,1] x) => (float[1,2,2,2] d) {
  d = DepthToSpace<blocksize = 2, mode = "CRD">(x)
})", {F({1, 8, 1, 1}, {1, 2, 3, 4, 5, 6, 7, 8})});
  EXPECT_EQ(Values<float>(crd), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
  auto dcr = Evaluate(R"(g (float[1,8,1,1] x) => (float[1,2,2,2] d) {
  d = DepthToSpace<blocksize = 2>(x)
})", {F({1, 8, 1, 1}, {1, 2, 3, 4, 5, 6, 7, 8})});
  EXPECT_EQ(Values<float>(dcr), (std::vector<float>{1, 3, 5, 7, 2, 4, 6, 8}));
}

TEST(ReferenceTypedOps, NanAndInfinityTests) {
  auto out = Evaluate(R"(g (float[4] x) => (bool[4] n, bool[4] i, bool[4] p) {
  n = IsNaN(x)
  i = IsInf(x)
  p = IsInf<detect_negative = 0>(x)
})", {F({4}, {NAN, INFINITY, -INFINITY, 1.0f})});
  EXPECT_EQ(Values<uint8_t>(out, 0), (std::vector<uint8_t>{1, 0, 0, 0}));
  EXPECT_EQ(Values<uint8_t>(out, 1), (std::vector<uint8_t>{0, 1, 1, 0}));
  EXPECT_EQ(Values<uint8_t>(out, 2), (std::vector<uint8_t>{0, 1, 0, 0}));
}

TEST(ReferenceTypedOps, TrigonometricValuesByHand) {
  auto out = Evaluate(R"(g (float[1] x) => (float[1] s, float[1] c, float[1] a, float[1] h) {
  s = Sin(x)
  c = Cos(x)
  one = Constant<value = float[1] {1}>()
  a = Atan(one)
  h = Asinh(x)
})", {F({1}, {0.5235987755982988f})});  // pi / 6
  EXPECT_NEAR(Values<float>(out, 0)[0], 0.5f, 1e-6);
  EXPECT_NEAR(Values<float>(out, 1)[0], 0.8660254f, 1e-6);
  EXPECT_NEAR(Values<float>(out, 2)[0], 0.7853982f, 1e-6);  // pi / 4
  EXPECT_NEAR(Values<float>(out, 3)[0], 0.5022189f, 1e-6);  // log(x + sqrt(x^2 + 1))
}

TEST(ReferenceTypedOps, ResizeNearestAndLinearByHand) {
  auto out = Evaluate(R"(g (float[1,1,1,2] x) => (float[1,1,1,4] nearest, float[1,1,1,4] linear, float[1,1,1,3] corners) {
  scales = Constant<value = float[4] {1, 1, 1, 2}>()
  nearest = Resize<mode = "nearest">(x, , scales)
  linear = Resize<mode = "linear">(x, , scales)
  sizes = Constant<value = int64[4] {1, 1, 1, 3}>()
  corners = Resize<mode = "linear", coordinate_transformation_mode = "align_corners">(x, , , sizes)
})", {F({1, 1, 1, 2}, {10, 20})});
  // half_pixel: output i reads (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25.
  EXPECT_EQ(Values<float>(out, 0), (std::vector<float>{10, 10, 20, 20}));
  EXPECT_EQ(Values<float>(out, 1), (std::vector<float>{10, 12.5, 17.5, 20}));
  EXPECT_EQ(Values<float>(out, 2), (std::vector<float>{10, 15, 20}));
}

TEST(ReferenceTypedOps, ConvTransposeScattersEachInputOverTheKernel) {
  auto out = Evaluate(R"(g (float[1,1,2] x) => (float[1,1,5] y) {
  w = Constant<value = float[1,1,3] {1, 10, 100}>()
  y = ConvTranspose<strides = [2]>(x, w)
})", {F({1, 1, 2}, {1, 2})});
  // x0 lands on 0..2 as 1, 10, 100; x1 on 2..4 as 2, 20, 200.
  EXPECT_EQ(Values<float>(out), (std::vector<float>{1, 10, 102, 20, 200}));
}

TEST(ReferenceTypedOps, InstanceNormalizationPerPlane) {
  auto out = Evaluate(R"(g (float[1,2,2] x) => (float[1,2,2] y) {
  scale = Constant<value = float[2] {1, 2}>()
  shift = Constant<value = float[2] {0, 1}>()
  y = InstanceNormalization<epsilon = 0.0>(x, scale, shift)
})", {F({1, 2, 2}, {1, 3, 4, 6})});
  // Plane 0: mean 2, deviation 1 -> -1, 1. Plane 1: mean 5, deviation 1 -> (-1, 1) * 2 + 1.
  EXPECT_EQ(Values<float>(out), (std::vector<float>{-1, 1, -1, 3}));
}

TEST(ReferenceTypedOps, RecurrentStepsByHand) {
  // RNN with Relu: h1 = relu(x1) = 2, h2 = relu(x2 + 0.5 h1) = relu(-1 + 1) = 0 ... x3: 3.
  auto rnn = Evaluate(R"(g (float[3,1,1] x) => (float[3,1,1,1] y, float[1,1,1] h) {
  w = Constant<value = float[1,1,1] {1}>()
  r = Constant<value = float[1,1,1] {0.5}>()
  y, h = RNN<hidden_size = 1, activations = ["Relu"]>(x, w, r)
})", {F({3, 1, 1}, {2, -1, 3})}, 14);
  EXPECT_EQ(Values<float>(rnn, 0), (std::vector<float>{2, 0, 3}));
  EXPECT_EQ(Values<float>(rnn, 1), (std::vector<float>{3}));
  // LSTM with zero weights: every gate is sigmoid(0) = 0.5, the candidate tanh(0) = 0:
  // c = 0.5 c0 = 0.5, h = 0.5 tanh(0.5).
  auto lstm = Evaluate(R"(g (float[1,1,1] x) => (float[1,1,1,1] y, float[1,1,1] h, float[1,1,1] c) {
  w = Constant<value = float[1,4,1] {0, 0, 0, 0}>()
  r = Constant<value = float[1,4,1] {0, 0, 0, 0}>()
  c0 = Constant<value = float[1,1,1] {1}>()
  y, h, c = LSTM<hidden_size = 1>(x, w, r, , , , c0)
})", {F({1, 1, 1}, {5})}, 14);
  EXPECT_NEAR(Values<float>(lstm, 1)[0], 0.5 * std::tanh(0.5), 1e-7);
  EXPECT_EQ(Values<float>(lstm, 2)[0], 0.5f);
}

TEST(ReferenceTypedOps, ShapeArithmeticFoldsWhileImporting) {
  // Shape -> Gather -> Concat -> Reshape: the reshape target is known at compile time.
  auto out = Evaluate(R"(g (float[2,3,4] x) => (float[2,12] y) {
  s = Shape(x)
  zero = Constant<value = int64[1] {0}>()
  batch = Gather(s, zero)
  rest = Constant<value = int64[1] {-1}>()
  target = Concat<axis = 0>(batch, rest)
  y = Reshape(x, target)
})", {F({2, 3, 4}, std::vector<float>(24, 1.0f))});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type().shape, (Shape{2, 12}));
}

}  // namespace
}  // namespace modelc
