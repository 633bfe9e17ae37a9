// `modelc quantize` as a user runs it: the shipped digits models quantised on their
// calibration images (tests/data/calibration, the images ONNX Runtime's quantiser is
// calibrated on in tools/quantize), compiled to integer kernels, classify the test
// images as the float model does (ONNX Runtime's float outputs give the float
// classes); the SQNR report; bad calibration data and models refused, nothing written.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "compiler/driver/host_model.h"
#include "gtest/gtest.h"
#include "tests/test_support.h"

namespace modelc::testing {
namespace {

const std::string kModels = MODELC_MODELS_DIR;
const std::string kCalibration = MODELC_CALIBRATION_DIR;

CommandResult Modelc(const std::string& arguments) { return RunCommand(std::string(MODELC_BINARY) + " " + arguments); }

std::vector<int> Classes(const std::vector<float>& probabilities, size_t classes) {
  std::vector<int> out;
  for (size_t at = 0; at + classes <= probabilities.size(); at += classes) {
    out.push_back(static_cast<int>(std::max_element(probabilities.begin() + at, probabilities.begin() + at + classes) -
                                   (probabilities.begin() + at)));
  }
  return out;
}

// The report's rows: tensor -> {scale, zero point, min, max, SQNR in dB}.
std::map<std::string, std::vector<double>> ReportRows(const std::string& report) {
  std::map<std::string, std::vector<double>> rows;
  for (const std::string& line : Lines(report)) {
    if (line.empty() || line[0] == '#' || line.rfind("tensor ", 0) == 0) continue;
    std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    std::vector<double> values;
    for (size_t i = 1; i < fields.size(); ++i) {
      double v = 0;
      values.push_back(fields[i] == "inf" ? INFINITY : (absl::SimpleAtod(fields[i], &v) ? v : NAN));
    }
    rows[fields[0]] = values;
  }
  return rows;
}

struct Quantized {
  CommandResult result;
  std::string model, report;
};

Quantized Quantize(const TemporaryFolder& out, const std::string& name, const std::string& flags = "") {
  Quantized q;
  q.model = out.File(name + "_int8.onnx");
  q.result = Modelc("quantize " + kModels + "/" + name + ".onnx --calibration " + kCalibration + " -o " + q.model +
                    " " + flags);
  q.report = ReadFileBytes(out.File(name + "_int8.quantize.txt"));
  return q;
}

TEST(Quantize, DigitsModelsRunInIntegersAndClassifyLikeTheFloatModel) {
  for (const std::string name : {"digits_mlp", "digits_cnn"}) {
    TemporaryFolder out;
    const Quantized q = Quantize(out, name);
    ASSERT_EQ(q.result.exit_code, 0) << q.result.output;
    EXPECT_NE(q.result.output.find("calibrated on 200 samples"), std::string::npos) << q.result.output;

    // Every product an integer kernel: no float Conv or Gemm left after the QDQ fusion.
    const CommandResult compiled = Modelc("compile " + q.model + " -o " + out.path());
    ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
    const std::string report = ReadFileBytes(out.File(name + "_int8.report.txt"));
    EXPECT_NE(report.find("QLinearMatMul x"), std::string::npos) << report;
    EXPECT_NE(report.find("QLinearSoftmax x1"), std::string::npos) << report;
    for (const char* float_op : {" Conv x", " Gemm x", " MatMul x", " Relu x", " Softmax x"}) {
      EXPECT_EQ(report.find(float_op), std::string::npos) << float_op << "\n" << report;
    }
    if (name == "digits_cnn") {
      EXPECT_NE(report.find("QLinearConv x2"), std::string::npos) << report;
    }

    CompileOptions options;
    options.model_path = q.model;
    options.model_paths = {q.model};
    options.name = "quantized";
    std::ostringstream log;
    absl::StatusOr<std::unique_ptr<HostModel>> model = HostModel::Compile(options, log);
    ASSERT_TRUE(model.ok()) << model.status();
    const std::vector<float> inputs = ReadFloats(kModels + "/" + name + ".inputs.bin");
    const size_t in_size = (*model)->info().inputs[0].byte_size / 4;
    std::vector<float> outputs;
    for (size_t at = 0; at + in_size <= inputs.size(); at += in_size) {
      std::vector<std::vector<float>> sample_outputs;
      ASSERT_EQ(RunCompiled((*model)->info(), {{inputs.begin() + at, inputs.begin() + at + in_size}}, &sample_outputs),
                MODELC_OK);
      outputs.insert(outputs.end(), sample_outputs[0].begin(), sample_outputs[0].end());
    }
    const std::vector<int> int8_classes = Classes(outputs, 10);
    const std::vector<int> float_classes = Classes(ReadFloats(kModels + "/" + name + ".ort_outputs.bin"), 10);
    ASSERT_EQ(int8_classes.size(), 8u);
    ASSERT_EQ(float_classes.size(), 8u);
    int differ = 0;
    for (size_t i = 0; i < 8; ++i) differ += int8_classes[i] != float_classes[i];
    EXPECT_LE(differ, 1) << name;

    // The report: a row per int8 tensor, the input and the output among them, each with
    // its parameters and a finite SQNR that says the int8 model follows the float one.
    const auto rows = ReportRows(q.report);
    ASSERT_TRUE(rows.count("image") && rows.count("probs") && rows.count("logits")) << q.report;
    for (const auto& [tensor, values] : rows) {
      ASSERT_EQ(values.size(), 5u) << tensor;
      EXPECT_GT(values[0], 0) << tensor;
      EXPECT_TRUE(values[1] >= -128 && values[1] <= 127) << tensor;
      EXPECT_TRUE(std::isfinite(values[4]) && values[4] > 20) << tensor << "\n" << q.report;
    }
    EXPECT_EQ(rows.at("probs")[0], 1.0 / 256) << "Softmax's fixed output scale";
    EXPECT_EQ(rows.at("probs")[1], -128);
    EXPECT_NEAR(rows.at("image")[2], 0, 1e-9) << "the images are in [0, 1]";
    EXPECT_NEAR(rows.at("image")[3], 1, 1e-6);
    if (name == "digits_cnn") {
      EXPECT_NE(q.report.find("1 BatchNormalization folded"), std::string::npos) << q.report;
    }
  }
}

// Percentile calibration clips the ranges it is told to: tighter ranges than min/max,
// and with a crude percentile, noise the report's SQNR shows.
TEST(Quantize, PercentileCalibrationClipsAndTheReportShowsIt) {
  TemporaryFolder out;
  const Quantized minmax = Quantize(out, "digits_mlp");
  ASSERT_EQ(minmax.result.exit_code, 0) << minmax.result.output;
  TemporaryFolder clipped_out;
  const Quantized clipped = Quantize(clipped_out, "digits_mlp", "--method percentile --percentile 80");
  ASSERT_EQ(clipped.result.exit_code, 0) << clipped.result.output;
  const auto a = ReportRows(minmax.report), b = ReportRows(clipped.report);
  ASSERT_TRUE(a.count("relu1") && b.count("relu1") && a.count("logits") && b.count("logits"));
  EXPECT_LT(b.at("relu1")[3], a.at("relu1")[3]) << clipped.report;
  EXPECT_LT(b.at("logits")[4], a.at("logits")[4] - 3) << minmax.report << clipped.report;
  EXPECT_NE(clipped.report.find("80 percentile ranges"), std::string::npos) << clipped.report;
}

// The same inputs give the same bytes.
TEST(Quantize, IsDeterministic) {
  TemporaryFolder first, second;
  ASSERT_EQ(Quantize(first, "digits_cnn").result.exit_code, 0);
  ASSERT_EQ(Quantize(second, "digits_cnn").result.exit_code, 0);
  EXPECT_EQ(ReadFileBytes(first.File("digits_cnn_int8.onnx")), ReadFileBytes(second.File("digits_cnn_int8.onnx")));
}

// `modelc compile --quantize int8 --calibration DIR`: both steps in one, for a cross
// target too (calibration runs on this machine, the int8 model compiles for the core).
TEST(Quantize, CompileQuantizesInOneStep) {
  TemporaryFolder out;
  const CommandResult result = Modelc("compile " + kModels + "/digits_cnn.onnx --quantize int8 --calibration " +
                                      kCalibration + " --target thumbv7em-none-eabihf -o " + out.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(out.Files(), (std::vector<std::string>{"digits_cnn.h", "digits_cnn.o", "digits_cnn.report.txt",
                                                   "digits_cnn_int8.onnx", "digits_cnn_int8.quantize.txt"}));
  const std::string report = ReadFileBytes(out.File("digits_cnn.report.txt"));
  EXPECT_NE(report.find("QLinearConv x2"), std::string::npos) << report;
  EXPECT_EQ(Modelc("compile " + kModels + "/digits_cnn.onnx --quantize int8 -o " + out.path()).exit_code, 2);
  EXPECT_EQ(Modelc("compile " + kModels + "/digits_cnn.onnx --quantize int4 --calibration " + kCalibration).exit_code, 2);
  TemporaryFolder failed;
  const CommandResult no_samples = Modelc("compile " + kModels + "/digits_cnn.onnx --quantize int8 --calibration " +
                                          failed.path() + " -o " + failed.File("out"));
  EXPECT_EQ(no_samples.exit_code, 1) << no_samples.output;
  EXPECT_TRUE(failed.Files().empty()) << "nothing written when quantising fails";
}

// An npy file of `type` ('<f4', '<i4') holding `count` zero elements.
std::string Npy(const std::string& type, size_t count, size_t element) {
  std::string header = "{'descr': '" + type + "', 'fortran_order': False, 'shape': (" + std::to_string(count) + ",), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string npy = std::string("\x93NUMPY\x01\x00", 8);
  npy += static_cast<char>(header.size() & 0xff);
  npy += static_cast<char>(header.size() >> 8);
  return npy + header + std::string(count * element, '\0');
}

TEST(Quantize, BadInputsFailCleanly) {
  TemporaryFolder data;
  const std::string model = kModels + "/digits_mlp.onnx";
  auto expect_clean_failure = [&](const std::string& arguments, int exit_code, const std::vector<std::string>& mentions) {
    TemporaryFolder out;
    const CommandResult result = Modelc("quantize " + arguments + " -o " + out.File("q.onnx"));
    EXPECT_EQ(result.exit_code, exit_code) << arguments << "\n" << result.output;
    EXPECT_EQ(Lines(result.output).size(), 1u) << result.output;
    for (const std::string& text : mentions) EXPECT_NE(result.output.find(text), std::string::npos) << result.output;
    EXPECT_TRUE(out.Files().empty()) << "partial output left in " << out.path();
  };
  expect_clean_failure(model, 2, {"--calibration"});
  expect_clean_failure(model + " --calibration " + kCalibration + " --method entropy", 2, {"--method"});
  expect_clean_failure(model + " --calibration " + kCalibration + " --target thumbv7em-none-eabihf", 2, {"--target"});
  expect_clean_failure(model + " --calibration " + data.File("absent"), 1, {"absent", "not a folder"});
  expect_clean_failure(model + " --calibration " + data.path(), 1, {"no samples"});

  TemporaryFolder short_bin;
  WriteFile(short_bin, "short.bin", std::string(100, '\0'));
  expect_clean_failure(model + " --calibration " + short_bin.path(), 1, {"short.bin", "256 bytes"});
  TemporaryFolder wrong_type;
  WriteFile(wrong_type, "ints.npy", Npy("<i4", 64, 4));
  expect_clean_failure(model + " --calibration " + wrong_type.path(), 1, {"ints.npy", "int32[64]"});
  TemporaryFolder nan_sample;
  const float nan = NAN;
  WriteFile(nan_sample, "nan.bin", std::string(reinterpret_cast<const char*>(&nan), 4) + std::string(252, '\0'));
  expect_clean_failure(model + " --calibration " + nan_sample.path(), 1, {"NaN"});

  expect_clean_failure(kModels + "/digits_mlp_int8.onnx --calibration " + kCalibration, 1,
                       {"digits_mlp_int8.onnx", "quantised already"});
  const std::string corrupt = WriteFile(data, "corrupt.onnx", std::string("\x08\x07\x3a\xff\xff\xff\xff", 7));
  expect_clean_failure(corrupt + " --calibration " + kCalibration, 1, {corrupt});

  // A sample file that fits, among them: .npy works as .bin does.
  TemporaryFolder npy_samples, out;
  WriteFile(npy_samples, "zeros.npy", Npy("<f4", 64, 4));
  const CommandResult npy = Modelc("quantize " + model + " --calibration " + npy_samples.path() + " -o " +
                                   out.File("q.onnx"));
  EXPECT_EQ(npy.exit_code, 0) << npy.output;
  EXPECT_NE(npy.output.find("calibrated on 1 sample;"), std::string::npos) << npy.output;
}

}  // namespace
}  // namespace modelc::testing
