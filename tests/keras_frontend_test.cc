// The Keras frontend's parts: Keras's snake_case of class names (which names the
// weight groups of a .keras archive), format detection by content, and the import of
// the committed models (names, order, shapes; Keras names on layer outputs).
#include <filesystem>

#include "compiler/frontend/keras/keras_config.h"
#include "compiler/frontend/model_file.h"
#include "compiler/frontend/model_import.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace modelc {
namespace {

const std::string kKerasDir = MODELC_SOURCE_DIR "/tests/data/keras";

// Names seen in archives Keras 3.8 wrote (h5ls of model.weights.h5).
TEST(KerasConfig, SnakeCaseMatchesKerasWeightGroups) {
  EXPECT_EQ(KerasSnakeCase("Conv2D"), "conv2d");
  EXPECT_EQ(KerasSnakeCase("DepthwiseConv2D"), "depthwise_conv2d");
  EXPECT_EQ(KerasSnakeCase("GlobalAveragePooling2D"), "global_average_pooling2d");
  EXPECT_EQ(KerasSnakeCase("ReLU"), "re_lu");
  EXPECT_EQ(KerasSnakeCase("InputLayer"), "input_layer");
  EXPECT_EQ(KerasSnakeCase("BatchNormalization"), "batch_normalization");
  EXPECT_EQ(KerasSnakeCase("ZeroPadding2D"), "zero_padding2d");
  EXPECT_EQ(KerasSnakeCase("Dense"), "dense");
}

TEST(KerasConfig, ReadsKeras2And3CallFormats) {
  const std::string keras2 = R"({"class_name": "Model", "config": {"name": "m", "layers": [
      {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 4], "name": "x"}, "inbound_nodes": []},
      {"class_name": "Add", "name": "add", "config": {"name": "add"}, "inbound_nodes": [[["x", 0, 0, {}], ["x", 0, 0, {}]]]}],
      "input_layers": [["x", 0, 0]], "output_layers": [["add", 0, 0]]}})";
  absl::StatusOr<KerasModelConfig> model = ParseKerasModelConfig(keras2);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->layers.size(), 2u);
  ASSERT_EQ(model->layers[1].calls.size(), 1u);
  EXPECT_EQ(model->layers[1].calls[0].size(), 2u);
  EXPECT_EQ(model->layers[0].input_shape.size(), 2u);
  EXPECT_FALSE(ParseKerasModelConfig("{not json").ok());
  EXPECT_FALSE(ParseKerasModelConfig(R"({"class_name": "MySubclass", "config": {}})").ok());
}

TEST(KerasFrontend, FormatIsToldByContent) {
  testing::TemporaryFolder folder;
  const std::string archive = folder.File("model.bin"), legacy = folder.File("legacy.bin");
  std::filesystem::copy_file(kKerasDir + "/digits_cnn.keras", archive);
  std::filesystem::copy_file(kKerasDir + "/mlp_legacy.h5", legacy);
  EXPECT_EQ(DetectModelFormat(archive), ModelFormat::kKeras);
  EXPECT_EQ(DetectModelFormat(legacy), ModelFormat::kKeras);
  EXPECT_EQ(DetectModelFormat(folder.File("absent.keras")), ModelFormat::kKeras);
  EXPECT_TRUE(ImportModelFile(archive, {}).ok());
  EXPECT_TRUE(ImportModelFile(legacy, {}).ok());
}

// Inputs and outputs in the model's order under their layer names, Keras's shapes with
// a batch of 1; every layer's output is a value named after the layer.
TEST(KerasFrontend, ImportsTheModelAsDeclared) {
  absl::StatusOr<Graph> graph = ImportModelFile(kKerasDir + "/two_inputs.keras", {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_EQ(graph->inputs().size(), 2u);
  EXPECT_EQ(graph->value(graph->inputs()[0]).name, "image");
  EXPECT_EQ(graph->value(graph->inputs()[0]).type.shape, (Shape{1, 12, 12, 3}));
  EXPECT_EQ(graph->value(graph->inputs()[1]).name, "features");
  EXPECT_EQ(graph->value(graph->inputs()[1]).type.shape, (Shape{1, 8}));
  ASSERT_EQ(graph->outputs().size(), 2u);
  EXPECT_EQ(graph->value(graph->outputs()[0]).name, "scores");
  EXPECT_EQ(graph->value(graph->outputs()[0]).type.shape, (Shape{1, 4}));
  EXPECT_EQ(graph->value(graph->outputs()[1]).name, "value");
  bool named_layer_output = false;
  for (const Value& value : graph->values()) named_layer_output |= value.name == "concatenate";
  EXPECT_TRUE(named_layer_output);
}

}  // namespace
}  // namespace modelc
