// Every operator model in tests/models (ONNX text syntax), compiled by modelc at build
// time, against the reference evaluator run on the same graph, for several random
// inputs. Covers the lowering of each op family and its attribute variants.
#include <algorithm>

#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/reference/evaluator.h"
#include "gtest/gtest.h"
#include "tests/compiled_model_registry.h"
#include "tests/test_support.h"

namespace modelc::testing {
namespace {

class OpKernels : public ::testing::TestWithParam<CompiledModelEntry> {};

// The quantisation step of a graph output that a DequantizeLinear with a constant
// scale produces (the largest of a per-axis one's), else 0.
float OutputStep(const Graph& graph, ValueId output) {
  const int producer = graph.value(output).producer;
  if (producer < 0) return 0;
  const Node& node = graph.nodes()[producer];
  if (node.op != OpKind::kDequantizeLinear || !graph.IsConstant(node.inputs[1])) return 0;
  const std::vector<float> scales = graph.value(node.inputs[1]).constant->Floats();
  return scales.empty() ? 0 : *std::max_element(scales.begin(), scales.end());
}

// A quantised model's raw graph computes in float between its QuantizeLinear nodes and
// rounds once at each; the compiled kernels (as ONNX Runtime's) sum products in int32 and
// requantise the sum: where an output lies within rounding of a tie, the two can differ
// by a step. So a quantised output (one a DequantizeLinear makes) is compared with the
// graph the compiler's passes make of it (integer ops, QLinearConv ..., computed by the
// evaluator's own code) at the usual tolerance, and with the raw graph within one step
// (which checks the passes too); any other output with the raw graph.
TEST_P(OpKernels, MatchTheReferenceEvaluator) {
  const CompiledModelEntry& model = GetParam();
  absl::StatusOr<Graph> graph = ImportOnnxFile(model.model_path, {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_EQ(graph->outputs().size(), model.info->output_count);
  const Graph integer_ops = OptimisedTestModel(model.model_path);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    std::vector<std::vector<float>> inputs;
    for (size_t i = 0; i < graph->inputs().size(); ++i) {
      inputs.push_back(RandomFloats(graph->value(graph->inputs()[i]).type.ElementCount(), seed * 100 + i));
    }
    absl::StatusOr<std::vector<FloatTensor>> expected = EvaluateGraph(*graph, inputs);
    ASSERT_TRUE(expected.ok()) << expected.status();
    absl::StatusOr<std::vector<FloatTensor>> expected_integer = EvaluateGraph(integer_ops, inputs);
    ASSERT_TRUE(expected_integer.ok()) << expected_integer.status();
    std::vector<std::vector<float>> actual;
    ASSERT_EQ(RunCompiled(*model.info, inputs, &actual), MODELC_OK);
    for (size_t o = 0; o < actual.size(); ++o) {
      const float step = OutputStep(*graph, graph->outputs()[o]);
      const std::string where = model.name + " output '" + model.info->outputs[o].name + "' seed " + std::to_string(seed);
      if (step == 0) {
        EXPECT_TRUE(NearlyEqual(actual[o], (*expected)[o], 1e-4, 1e-5)) << where;
        continue;
      }
      EXPECT_TRUE(NearlyEqual(actual[o], (*expected_integer)[o], 1e-4, 1e-5)) << where << " (integer ops)";
      EXPECT_TRUE(NearlyEqual(actual[o], (*expected)[o], 1e-4, 1e-5 + step)) << where << " (raw graph, one step)";
    }
  }
}

std::vector<CompiledModelEntry> OpModels() {
  std::vector<CompiledModelEntry> models;
  for (const CompiledModelEntry& entry : CompiledModels()) {
    if (entry.kind == "op") models.push_back(entry);
  }
  return models;
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpKernels, ::testing::ValuesIn(OpModels()),
                         [](const auto& info) { return info.param.name; });

TEST(OpKernelsCoverage, TheOpModelsWereCompiled) { EXPECT_GE(OpModels().size(), 15u); }

}  // namespace
}  // namespace modelc::testing
