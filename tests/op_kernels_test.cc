// Every operator model in tests/models (ONNX text syntax), compiled by modelc at build
// time, against the reference evaluator run on the same graph, for several random
// inputs. Covers the lowering of each op family and its attribute variants.
#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/reference/evaluator.h"
#include "gtest/gtest.h"
#include "tests/compiled_model_registry.h"
#include "tests/test_support.h"

namespace modelc::testing {
namespace {

class OpKernels : public ::testing::TestWithParam<CompiledModelEntry> {};

TEST_P(OpKernels, MatchTheReferenceEvaluator) {
  const CompiledModelEntry& model = GetParam();
  absl::StatusOr<Graph> graph = ImportOnnxFile(model.model_path, {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_EQ(graph->outputs().size(), model.info->output_count);
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    std::vector<std::vector<float>> inputs;
    for (size_t i = 0; i < graph->inputs().size(); ++i) {
      inputs.push_back(RandomFloats(graph->value(graph->inputs()[i]).type.ElementCount(), seed * 100 + i));
    }
    absl::StatusOr<std::vector<FloatTensor>> expected = EvaluateGraph(*graph, inputs);
    ASSERT_TRUE(expected.ok()) << expected.status();
    std::vector<std::vector<float>> actual;
    ASSERT_EQ(RunCompiled(*model.info, inputs, &actual), MODELC_OK);
    for (size_t o = 0; o < actual.size(); ++o) {
      EXPECT_TRUE(NearlyEqual(actual[o], (*expected)[o], 1e-4, 1e-5))
          << model.name << " output '" << model.info->outputs[o].name << "' seed " << seed;
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
