// Shape rules, attribute validation, the verifier and the printer.
#include "compiler/ir/graph.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/printer.h"
#include "compiler/ir/shape_inference.h"
#include "compiler/ir/verifier.h"
#include "gtest/gtest.h"

namespace modelc {
namespace {

TensorType F32(Shape shape) { return TensorType{DataType::kFloat32, std::move(shape)}; }

// A graph with one node of `op` over fresh inputs of the given shapes.
struct OneNode {
  Graph graph;
  Node node;
  OneNode(OpKind op, std::vector<Shape> input_shapes, AttributeMap attributes = {}) {
    node.op = op;
    node.name = "n";
    node.attributes = std::move(attributes);
    for (size_t i = 0; i < input_shapes.size(); ++i) {
      const ValueId id = graph.AddValue("in" + std::to_string(i), F32(input_shapes[i]));
      graph.AddInput(id);
      node.inputs.push_back(id);
    }
    node.outputs.push_back(kNoValue);
  }
  absl::StatusOr<Shape> OutputShape() {
    auto types = InferOutputTypes(graph, node);
    if (!types.ok()) return types.status();
    return (*types)[0].shape;
  }
};

TEST(ShapeRules, ConvWithStridesDilationsAndAsymmetricPads) {
  AttributeMap attributes;
  attributes.Set("strides", std::vector<int64_t>{2, 1});
  attributes.Set("dilations", std::vector<int64_t>{1, 2});
  attributes.Set("pads", std::vector<int64_t>{1, 0, 2, 1});
  OneNode conv(OpKind::kConv, {{1, 2, 9, 8}, {3, 2, 3, 3}, {3}}, attributes);
  EXPECT_EQ(*conv.OutputShape(), (Shape{1, 3, 5, 5}));
}

TEST(ShapeRules, ConvSameUpperPadsLikeOnnx) {
  AttributeMap attributes;
  attributes.Set("auto_pad", std::string("SAME_UPPER"));
  attributes.Set("strides", std::vector<int64_t>{2, 2});
  attributes.Set("group", int64_t{4});
  OneNode conv(OpKind::kConv, {{1, 4, 7, 6}, {4, 1, 3, 3}}, attributes);
  EXPECT_EQ(*conv.OutputShape(), (Shape{1, 4, 4, 3}));
  ConvGeometry g = *ResolveConv(conv.graph, conv.node);
  EXPECT_EQ(g.window.pad_top, 1);   // total 2 on 7 rows: 1 + 1
  EXPECT_EQ(g.window.pad_left, 0);  // total 1 on 6 columns: the extra pad goes at the end
  EXPECT_EQ(g.window.pad_right, 1);
}

TEST(ShapeRules, ZeroStrideIsRejectedNotDividedBy) {
  AttributeMap attributes;
  attributes.Set("strides", std::vector<int64_t>{0, 1});
  OneNode conv(OpKind::kConv, {{1, 1, 5, 5}, {1, 1, 3, 3}}, attributes);
  absl::StatusOr<Shape> shape = conv.OutputShape();
  ASSERT_FALSE(shape.ok());
  EXPECT_EQ(shape.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(shape.status().message().find("strides"), std::string::npos);
}

TEST(ShapeRules, WindowLargerThanInputIsRejected) {
  AttributeMap attributes;
  attributes.Set("kernel_shape", std::vector<int64_t>{7, 7});
  OneNode pool(OpKind::kMaxPool, {{1, 1, 5, 5}}, attributes);
  EXPECT_FALSE(pool.OutputShape().ok());
}

TEST(ShapeRules, MaxPoolCeilModeDropsWindowStartingInPadding) {
  AttributeMap attributes;
  attributes.Set("kernel_shape", std::vector<int64_t>{3, 3});
  attributes.Set("strides", std::vector<int64_t>{2, 2});
  attributes.Set("pads", std::vector<int64_t>{1, 1, 1, 1});
  attributes.Set("ceil_mode", int64_t{1});
  OneNode pool(OpKind::kMaxPool, {{1, 2, 7, 7}}, attributes);
  EXPECT_EQ(*pool.OutputShape(), (Shape{1, 2, 4, 4}));
  OneNode even(OpKind::kMaxPool, {{1, 1, 6, 6}}, attributes);
  EXPECT_EQ(*even.OutputShape(), (Shape{1, 1, 4, 4}));
}

TEST(ShapeRules, MatMulBroadcastsBatchDimensions) {
  OneNode matmul(OpKind::kMatMul, {{2, 1, 3, 4}, {3, 4, 5}});
  EXPECT_EQ(*matmul.OutputShape(), (Shape{2, 3, 3, 5}));
  MatMulGeometry g = *ResolveMatMul(matmul.graph, matmul.node);
  EXPECT_EQ(g.batch_count, 6);
  EXPECT_EQ(g.a_batch_offsets, (std::vector<int64_t>{0, 0, 0, 12, 12, 12}));
  EXPECT_EQ(g.b_batch_offsets, (std::vector<int64_t>{0, 20, 40, 0, 20, 40}));
  OneNode vector(OpKind::kMatMul, {{4}, {4, 5}});
  EXPECT_EQ(*vector.OutputShape(), (Shape{5}));
}

TEST(ShapeRules, GemmChecksInnerDimensionAndBiasBroadcast) {
  AttributeMap transposed;
  transposed.Set("transB", int64_t{1});
  OneNode gemm(OpKind::kGemm, {{2, 3}, {4, 3}, {4}}, transposed);
  EXPECT_EQ(*gemm.OutputShape(), (Shape{2, 4}));
  OneNode mismatch(OpKind::kGemm, {{2, 3}, {4, 3}});
  EXPECT_FALSE(mismatch.OutputShape().ok());
  OneNode bad_bias(OpKind::kGemm, {{2, 3}, {4, 3}, {3}}, transposed);
  EXPECT_FALSE(bad_bias.OutputShape().ok());
}

TEST(ShapeRules, BinaryOpsBroadcastOrFail) {
  OneNode add(OpKind::kAdd, {{2, 3, 4}, {3, 1}});
  EXPECT_EQ(*add.OutputShape(), (Shape{2, 3, 4}));
  OneNode bad(OpKind::kAdd, {{2, 3}, {4}});
  EXPECT_FALSE(bad.OutputShape().ok());
}

TEST(ShapeRules, ReshapeInfersMinusOneAndCopiesZero) {
  Graph graph;
  const ValueId x = graph.AddValue("x", F32({2, 3, 4}));
  graph.AddInput(x);
  const ValueId shape = graph.AddConstant("shape", TensorData::FromInt64s({3}, std::vector<int64_t>{0, -1, 2}));
  Node node{OpKind::kReshape, "r", {x, shape}, {kNoValue}, {}};
  EXPECT_EQ((*InferOutputTypes(graph, node))[0].shape, (Shape{2, 6, 2}));
  const ValueId wrong = graph.AddConstant("wrong", TensorData::FromInt64s({2}, std::vector<int64_t>{5, 5}));
  node.inputs[1] = wrong;
  EXPECT_FALSE(InferOutputTypes(graph, node).ok());
}

TEST(ShapeRules, SoftmaxBeforeOpset13NormalisesTheFlattenedTail) {
  AttributeMap coerced;
  coerced.Set("coerce_to_2d", int64_t{1});
  coerced.Set("axis", int64_t{1});
  OneNode softmax(OpKind::kSoftmax, {{2, 3, 5}}, coerced);
  SoftmaxGeometry g = *ResolveSoftmax(softmax.graph, softmax.node);
  EXPECT_EQ(g.outer, 2);
  EXPECT_EQ(g.axis_dim, 15);
  EXPECT_EQ(g.inner, 1);
}

Graph SmallGraph() {
  Graph graph;
  graph.name = "small";
  const ValueId x = graph.AddValue("x", F32({1, 4}));
  graph.AddInput(x);
  const ValueId w = graph.AddConstant("w", TensorData::FromFloats({4, 2}, std::vector<float>(8, 0.5f)));
  const ValueId h = graph.AddValue("h", F32({1, 2}));
  graph.AddNode(Node{OpKind::kMatMul, "mm", {x, w}, {h}, {}});
  const ValueId y = graph.AddValue("y", F32({1, 2}));
  AttributeMap axis;
  axis.Set("axis", int64_t{-1});
  graph.AddNode(Node{OpKind::kSoftmax, "sm", {h}, {y}, axis});
  graph.AddOutput(y);
  return graph;
}

TEST(Verifier, AcceptsAWellFormedGraph) { EXPECT_TRUE(VerifyGraph(SmallGraph()).ok()); }

TEST(Verifier, RejectsAnOutputTypeThatDisagreesWithTheShapeRule) {
  Graph graph = SmallGraph();
  graph.mutable_value(graph.nodes()[0].outputs[0]).type = F32({2, 2});
  absl::Status status = VerifyGraph(graph);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("node 'mm' (MatMul)"), std::string::npos) << status.message();
}

TEST(Printer, PrintsAStableTextForm) {
  EXPECT_EQ(PrintGraph(SmallGraph()),
            "graph small(%x: float32[1,4]) -> (%y)\n"
            "  const %w: float32[4,2]\n"
            "  %h: float32[1,2] = MatMul(%x, %w)  # mm\n"
            "  %y: float32[1,2] = Softmax(%h) {axis=-1}  # sm\n");
}

}  // namespace
}  // namespace modelc
