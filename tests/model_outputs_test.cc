// End to end: models compiled by modelc_add_model at build time, run on reference
// inputs, compared with outputs ONNX Runtime produced (not this project's code).
#include "gtest/gtest.h"
#include "tests/compiled_model_registry.h"
#include "tests/test_support.h"

namespace modelc::testing {
namespace {

constexpr double kTolerance = 1e-4;

std::vector<const CompiledModelEntry*> ModelsOfKind(const std::string& kind) {
  std::vector<const CompiledModelEntry*> models;
  for (const CompiledModelEntry& entry : CompiledModels()) {
    if (entry.kind == kind) models.push_back(&entry);
  }
  return models;
}

// Shipped models: NAME.inputs.bin holds several samples, NAME.ort_outputs.bin ORT's
// output for each.
TEST(ShippedModels, EverySampleMatchesOnnxRuntime) {
  const auto models = ModelsOfKind("shipped");
  ASSERT_EQ(models.size(), 2u);
  for (const CompiledModelEntry* model : models) {
    const modelc_model_info& info = *model->info;
    ASSERT_EQ(info.input_count, 1u);
    const std::vector<float> inputs = ReadFloats(model->data_prefix + ".inputs.bin");
    const std::vector<float> references = ReadFloats(model->data_prefix + ".ort_outputs.bin");
    const size_t in_size = info.inputs[0].byte_size / 4, out_size = info.outputs[0].byte_size / 4;
    const size_t samples = inputs.size() / in_size;
    ASSERT_GE(samples, 3u) << model->name;
    ASSERT_EQ(references.size(), samples * out_size) << model->name;
    for (size_t s = 0; s < samples; ++s) {
      std::vector<std::vector<float>> outputs;
      ASSERT_EQ(RunCompiled(info, {{inputs.begin() + s * in_size, inputs.begin() + (s + 1) * in_size}}, &outputs),
                MODELC_OK);
      EXPECT_TRUE(NearlyEqual(outputs[0], {references.begin() + s * out_size, references.begin() + (s + 1) * out_size},
                              0.0, kTolerance))
          << model->name << " sample " << s;
    }
  }
}

TEST(ShippedModels, DifferentInputsGiveDifferentOutputs) {
  // The same compiled graph is a function of its input, not of the first call.
  for (const CompiledModelEntry* model : ModelsOfKind("shipped")) {
    const std::vector<float> inputs = ReadFloats(model->data_prefix + ".inputs.bin");
    const size_t in_size = model->info->inputs[0].byte_size / 4;
    std::vector<std::vector<float>> first, second;
    RunCompiled(*model->info, {{inputs.begin(), inputs.begin() + in_size}}, &first);
    RunCompiled(*model->info, {{inputs.begin() + in_size, inputs.begin() + 2 * in_size}}, &second);
    EXPECT_NE(first[0], second[0]) << model->name;
  }
}

// --outputs and --inputs: the compiled model's last output is the cut's output, its only
// input the cut's input; ORT ran the same cut (made with ONNX's own extractor).
TEST(CutModels, MatchOnnxRuntimeOnTheSameCut) {
  const auto models = ModelsOfKind("cut");
  ASSERT_EQ(models.size(), 2u);
  for (const CompiledModelEntry* model : models) {
    const modelc_model_info& info = *model->info;
    ASSERT_EQ(info.input_count, 1u) << model->name;
    const std::vector<float> inputs = ReadFloats(model->data_prefix + ".inputs.bin");
    const std::vector<float> references = ReadFloats(model->data_prefix + ".ort_outputs.bin");
    const size_t in_size = info.inputs[0].byte_size / 4;
    const size_t out_size = info.outputs[info.output_count - 1].byte_size / 4;
    const size_t samples = inputs.size() / in_size;
    ASSERT_EQ(references.size(), samples * out_size) << model->name;
    for (size_t s = 0; s < samples; ++s) {
      std::vector<std::vector<float>> outputs;
      ASSERT_EQ(RunCompiled(info, {{inputs.begin() + s * in_size, inputs.begin() + (s + 1) * in_size}}, &outputs),
                MODELC_OK);
      EXPECT_TRUE(NearlyEqual(outputs.back(), {references.begin() + s * out_size, references.begin() + (s + 1) * out_size},
                              0.0, kTolerance))
          << model->name << " sample " << s;
    }
  }
}

// ../shared/models: one input and ORT's output per model (skipped without ../shared).
TEST(SharedModels, MatchOnnxRuntime) {
  const auto models = ModelsOfKind("shared");
  if (models.empty()) GTEST_SKIP() << "../shared/models is not present in this checkout";
  EXPECT_EQ(models.size(), 6u);
  for (const CompiledModelEntry* model : models) {
    const std::vector<float> input = ReadFloats(model->data_prefix + ".input.bin");
    const std::vector<float> reference = ReadFloats(model->data_prefix + ".ort_out.bin");
    ASSERT_EQ(input.size() * 4, model->info->inputs[0].byte_size) << model->name;
    std::vector<std::vector<float>> outputs;
    ASSERT_EQ(RunCompiled(*model->info, {input}, &outputs), MODELC_OK);
    EXPECT_TRUE(NearlyEqual(outputs[0], reference, 0.0, kTolerance)) << model->name;
  }
}

}  // namespace
}  // namespace modelc::testing
