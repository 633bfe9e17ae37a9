// The TFLite frontend's parts: TFLite's padding arithmetic on hand-worked cases, format
// detection by content, and the import of a committed model (names, order, shapes).
#include <filesystem>
#include <fstream>

#include "compiler/frontend/model_file.h"
#include "compiler/frontend/model_import.h"
#include "compiler/frontend/tflite/tflite_padding.h"
#include "compiler/ops/quantize/tflite_activation_tables.h"
#include "compiler/reference/evaluator.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace modelc {
namespace {

const std::string kTfliteDir = MODELC_SOURCE_DIR "/tests/data/tflite";

struct PaddingCase {
  TflitePaddingKind kind;
  int64_t input, filter, stride, dilation;
  int64_t output, before, after;
};

// TFLite: out = ceil(in / stride) (SAME) or (in - effective filter + stride) / stride
// (VALID); total = max((out - 1) * stride + effective filter - in, 0), the odd one after.
TEST(TflitePadding, MatchesTflitesArithmetic) {
  const PaddingCase cases[] = {
      {TflitePaddingKind::kSame, 9, 3, 1, 1, 9, 1, 1},
      {TflitePaddingKind::kSame, 10, 3, 2, 1, 5, 0, 1},   // odd total: the extra row at the end
      {TflitePaddingKind::kSame, 49, 10, 2, 1, 25, 4, 5},  // DS-CNN's first layer
      {TflitePaddingKind::kSame, 5, 1, 3, 1, 2, 0, 0},    // the total would be negative
      {TflitePaddingKind::kSame, 5, 3, 1, 2, 5, 2, 2},    // dilated: effective filter 5
      {TflitePaddingKind::kValid, 11, 3, 2, 1, 5, 0, 0},
      {TflitePaddingKind::kValid, 12, 3, 2, 1, 5, 0, 0},  // the last column is never read
      {TflitePaddingKind::kValid, 3, 3, 1, 1, 1, 0, 0},
  };
  for (const PaddingCase& c : cases) {
    absl::StatusOr<TflitePadding> padding = ComputeTflitePadding(c.kind, c.input, c.filter, c.stride, c.dilation);
    ASSERT_TRUE(padding.ok()) << padding.status();
    EXPECT_EQ(padding->output, c.output) << c.input << " " << c.filter << " " << c.stride;
    EXPECT_EQ(padding->before, c.before) << c.input << " " << c.filter << " " << c.stride;
    EXPECT_EQ(padding->after, c.after) << c.input << " " << c.filter << " " << c.stride;
  }
  EXPECT_FALSE(ComputeTflitePadding(TflitePaddingKind::kValid, 4, 3, 1, 2).ok());  // a window of 5 in 4
  EXPECT_FALSE(ComputeTflitePadding(TflitePaddingKind::kSame, 4, 3, 0, 1).ok());
}

TEST(TfliteFrontend, FormatIsToldByContent) {
  testing::TemporaryFolder folder;
  const std::string renamed = folder.File("model.bin");
  std::filesystem::copy_file(kTfliteDir + "/depthwise.tflite", renamed);
  EXPECT_EQ(DetectModelFormat(renamed), ModelFormat::kTflite);
  EXPECT_EQ(DetectModelFormat(MODELC_SOURCE_DIR "/models/digits_mlp.onnx"), ModelFormat::kOnnx);
  EXPECT_EQ(DetectModelFormat(folder.File("absent.tflite")), ModelFormat::kTflite);  // by name: refused by the TFLite reader
  EXPECT_TRUE(ImportModelFile(renamed, {}).ok());
}

// Inputs and outputs in the model's order under TFLite's tensor names, NHWC shapes as
// declared.
TEST(TfliteFrontend, ImportsSubgraphZeroAsDeclared) {
  absl::StatusOr<Graph> graph = ImportModelFile(kTfliteDir + "/shapes.tflite", {});
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_EQ(graph->inputs().size(), 1u);
  EXPECT_EQ(graph->value(graph->inputs()[0]).name, "serving_default_image:0");
  EXPECT_EQ(graph->value(graph->inputs()[0]).type.ToString(), "float32[1,6,5,4]");
  ASSERT_EQ(graph->outputs().size(), 3u);
  EXPECT_EQ(graph->value(graph->outputs()[0]).name, "StatefulPartitionedCall:2");
  EXPECT_EQ(graph->value(graph->outputs()[0]).type.ToString(), "float32[1,5,8]");
  EXPECT_EQ(graph->value(graph->outputs()[1]).type.ToString(), "float32[1,8]");
  EXPECT_EQ(graph->value(graph->outputs()[2]).type.ToString(), "float32[1,40]");
  bool found_pad = false;
  for (const Value& value : graph->values()) {
    if (value.name == "model_6/pad/Pad") {
      found_pad = true;
      EXPECT_EQ(value.type.ToString(), "float32[1,9,6,4]");
    }
  }
  EXPECT_TRUE(found_pad);
}

// The reference evaluator's QuantizedLstm (the oracle beside the kernel, sharing only
// gemmlowp_int16.h's functions with it) gives TFLite's bytes on the int8 LSTM models'
// first two samples: `lstm`'s three LSTMs (cell state scales 2^-13, 2^-15 and 2^-20) and
// `lstm_variant` (time-major, a batch of three, a cell clip that binds).
TEST(TfliteFrontend, QuantizedLstmReferenceGivesTflitesBytes) {
  for (const auto& [name, output_count] : {std::pair<std::string, size_t>{"lstm", 3}, {"lstm_variant", 1}}) {
    const std::string prefix = kTfliteDir + "/../tflite_int8/" + name;
    absl::StatusOr<Graph> graph = ImportModelFile(prefix + ".tflite", {});
    ASSERT_TRUE(graph.ok()) << graph.status();
    std::ifstream inputs(prefix + ".inputs.bin", std::ios::binary), outputs(prefix + ".outputs.bin", std::ios::binary);
    for (int sample = 0; sample < 2; ++sample) {
      const TensorType& x_type = graph->value(graph->inputs()[0]).type;
      std::vector<uint8_t> x(x_type.ByteSize());
      inputs.read(reinterpret_cast<char*>(x.data()), static_cast<std::streamsize>(x.size()));
      absl::StatusOr<std::vector<TensorData>> y = EvaluateGraph(*graph, {TensorData(x_type, x)});
      ASSERT_TRUE(y.ok()) << y.status();
      ASSERT_EQ(y->size(), output_count);
      for (const TensorData& output : *y) {
        std::vector<uint8_t> expected(output.bytes().size());
        outputs.read(reinterpret_cast<char*>(expected.data()), static_cast<std::streamsize>(expected.size()));
        ASSERT_TRUE(inputs && outputs);
        EXPECT_EQ(output.bytes(), expected) << name << " sample " << sample;
      }
    }
  }
}

// TANH's table as TensorFlow 2.15's interpreter fills it (BUILTIN_REF, a one-operator
// model of each quantisation, every code): these three entries are where tanh computed
// in double and rounded to float gives the neighbouring code; the C library's tanhf, as
// TFLite's lambda calls it, gives TFLite's.
TEST(TfliteActivationTables, TanhUsesTheFloatFunctionAsTflite) {
  struct Case {
    float scale;
    int32_t zero_point, code, expected;
  } cases[] = {{0x1.3a72a6p-6f, -86, -94, -20}, {0x1.a76d1ep-7f, -29, -96, -90}, {0x1.9d87a6p-7f, 102, 86, -25}};
  for (const Case& c : cases) {
    const Int8Table table = TfliteTanhTable({c.scale, c.zero_point}, {1.0f / 128, 0});
    EXPECT_EQ(table[c.code + 128], c.expected) << c.scale << " " << c.zero_point << " " << c.code;
  }
}

}  // namespace
}  // namespace modelc
