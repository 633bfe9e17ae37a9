// The reference evaluator on cases small enough to compute by hand.
#include "compiler/reference/evaluator.h"

#include "gtest/gtest.h"

namespace modelc {
namespace {

TensorType F32(Shape shape) { return TensorType{DataType::kFloat32, std::move(shape)}; }

TEST(ReferenceEvaluator, ConvWithPaddingByHand) {
  Graph graph;
  const ValueId x = graph.AddValue("x", F32({1, 1, 2, 2}));
  graph.AddInput(x);
  const ValueId w = graph.AddConstant("w", TensorData::FromFloats({1, 1, 2, 2}, std::vector<float>{1, 2, 3, 4}));
  const ValueId y = graph.AddValue("y", F32({1, 1, 3, 3}));
  AttributeMap pads;
  pads.Set("pads", std::vector<int64_t>{1, 1, 1, 1});
  graph.AddNode(Node{OpKind::kConv, "c", {x, w}, {y}, pads});
  graph.AddOutput(y);
  // x = [[1, 2], [3, 4]] correlated with w over a zero border.
  auto out = EvaluateGraph(graph, {{1, 2, 3, 4}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0], (std::vector<float>{4, 11, 6, 14, 30, 14, 6, 11, 4}));
}

TEST(ReferenceEvaluator, AveragePoolCountsPaddingOnlyWhenAsked) {
  for (int64_t include : {0, 1}) {
    Graph graph;
    const ValueId x = graph.AddValue("x", F32({1, 1, 2, 2}));
    graph.AddInput(x);
    const ValueId y = graph.AddValue("y", F32({1, 1, 2, 2}));
    AttributeMap attributes;
    attributes.Set("kernel_shape", std::vector<int64_t>{2, 2});
    attributes.Set("pads", std::vector<int64_t>{1, 1, 0, 0});
    attributes.Set("count_include_pad", include);
    graph.AddNode(Node{OpKind::kAveragePool, "p", {x}, {y}, attributes});
    graph.AddOutput(y);
    auto out = EvaluateGraph(graph, {{4, 8, 12, 16}});
    ASSERT_TRUE(out.ok());
    if (include) {
      EXPECT_EQ((*out)[0], (std::vector<float>{1, 3, 4, 10}));
    } else {
      EXPECT_EQ((*out)[0], (std::vector<float>{4, 6, 8, 10}));
    }
  }
}

TEST(ReferenceEvaluator, SoftmaxSumsToOne) {
  Graph graph;
  const ValueId x = graph.AddValue("x", F32({1, 3}));
  graph.AddInput(x);
  const ValueId y = graph.AddValue("y", F32({1, 3}));
  graph.AddNode(Node{OpKind::kSoftmax, "s", {x}, {y}, {}});
  graph.AddOutput(y);
  auto out = EvaluateGraph(graph, {{1000.0f, 1000.0f, -1000.0f}});
  ASSERT_TRUE(out.ok());
  EXPECT_FLOAT_EQ((*out)[0][0], 0.5f);
  EXPECT_FLOAT_EQ((*out)[0][1], 0.5f);
  EXPECT_FLOAT_EQ((*out)[0][2], 0.0f);
}

}  // namespace
}  // namespace modelc
