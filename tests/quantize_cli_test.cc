// `modelc quantize` as a user runs it: the shipped digits models quantised on their
// calibration images (tests/data/calibration, the images ONNX Runtime's quantiser is
// calibrated on in tools/quantize), compiled to integer kernels, classify the test
// images as the float model does (ONNX Runtime's float outputs give the float
// classes); the SQNR report; bad calibration data and models refused, nothing written.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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
    const std::vector<float> float_outputs = ReadFloats(kModels + "/" + name + ".ort_outputs.bin");
    // The probabilities themselves within a few int8 steps (1/256) of the float model's.
    EXPECT_TRUE(NearlyEqual(outputs, float_outputs, 0, 0.03)) << name;
    const std::vector<int> int8_classes = Classes(outputs, 10);
    const std::vector<int> float_classes = Classes(float_outputs, 10);
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

std::string Npy(const std::string& type, size_t count, size_t element);  // below

// A model's outputs on one sample, compiled for this machine.
std::vector<std::vector<float>> RunOn(const std::string& model_path, const std::vector<std::vector<float>>& inputs) {
  CompileOptions options;
  options.model_path = model_path;
  options.model_paths = {model_path};
  options.name = "model";
  std::ostringstream log;
  absl::StatusOr<std::unique_ptr<HostModel>> model = HostModel::Compile(options, log);
  EXPECT_TRUE(model.ok()) << model.status();
  std::vector<std::vector<float>> outputs;
  if (model.ok()) EXPECT_EQ(RunCompiled((*model)->info(), inputs, &outputs), MODELC_OK);
  return outputs;
}

std::string FloatBytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

// Models the digits do not cover: a bias too large for int32 at input scale x weight
// scale (the weight scale widens), a BatchNorm after a Gemm whose bias adds per row
// (not folded), eleven inputs whose sample files sort naturally (input_2 before
// input_10), initializers listed as graph inputs (IR version 3).
TEST(Quantize, EdgeModelsStayFaithfulToTheFloatModel) {
  TemporaryFolder folder;
  // Products of ~1e-3, a bias of 5: at scale x_scale * w_scale the bias needs 2^41.
  const std::string big_bias = WriteFile(folder, "big_bias.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,4] x) => (float[1,2] y) <float[4,2] w = {0.001, -0.002, 0.0005, 0.001, -0.001, 0.002, 0.0015, -0.0005},
                                    float[2] b = {5.0, -3.0}> {
  y = Gemm(x, w, b)
}
)");
  TemporaryFolder calibration;
  WriteFile(calibration, "samples.bin", FloatBytes({0.001f, 0.0f, 0.0005f, 0.0002f, 0.0f, 0.001f, 0.0003f, 0.0007f}));
  const std::string quantized = folder.File("big_bias_int8.onnx");
  const CommandResult result = Modelc("quantize " + big_bias + " --calibration " + calibration.path() + " -o " + quantized);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::vector<float> sample = {0.001f, 0.0f, 0.0005f, 0.0002f};
  const std::vector<std::vector<float>> float_out = RunOn(big_bias, {sample}), int8_out = RunOn(quantized, {sample});
  ASSERT_EQ(int8_out.size(), 1u);
  EXPECT_TRUE(NearlyEqual(int8_out[0], float_out[0], 0.01, 0.01)) << int8_out[0][0] << " " << int8_out[0][1];

  // C is [2, 1]: added per row of the [2, 2] product; folding the BatchNorm (per
  // column) into it would be wrong, so it stays (and the Gemm float; the MatMul after
  // it is quantised).
  const std::string row_bias = WriteFile(folder, "row_bias.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[2,3] x) => (float[2,2] y) <float[3,2] w = {1, 2, 3, 4, 5, 6}, float[2,1] c = {1, -1},
    float[2] s = {2, 0.5}, float[2] t = {0.1, 0.2}, float[2] m = {0.5, -0.5}, float[2] v = {1, 4},
    float[2,2] w2 = {0.5, -1, 1, 0.25}> {
  p = Gemm(x, w, c)
  q = BatchNormalization(p, s, t, m, v)
  y = MatMul(q, w2)
}
)");
  TemporaryFolder row_samples;
  WriteFile(row_samples, "samples.bin", FloatBytes({0.5f, -1, 2, 1, 0, -0.5f, 1, 1, -1, 0.25f, 0.5f, 2}));
  const std::string row_quantized = folder.File("row_bias_int8.onnx");
  const CommandResult row = Modelc("quantize " + row_bias + " --calibration " + row_samples.path() + " -o " + row_quantized);
  ASSERT_EQ(row.exit_code, 0) << row.output;
  EXPECT_NE(ReadFileBytes(folder.File("row_bias_int8.quantize.txt")).find("0 BatchNormalization folded"), std::string::npos);
  const std::vector<float> x = {0.5f, -1, 2, 1, 0, -0.5f};
  const std::vector<std::vector<float>> row_float = RunOn(row_bias, {x}), row_int8 = RunOn(row_quantized, {x});
  ASSERT_EQ(row_int8.size(), 1u);
  EXPECT_TRUE(NearlyEqual(row_int8[0], row_float[0], 0.02, 0.05));

  // A Clip from 0 to 6 (Relu6) after a layer: absorbed into the layer's output range,
  // which then ends at 6 at most, and dropped; both products integer kernels.
  const std::string relu6 = WriteFile(folder, "relu6.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,4] x) => (float[1,2] y) <float[4,3] w = {1, -2, 0.5, 1, -1, 2, 1.5, -0.5, 1, 2, 1, -1},
    float[3] b = {0.1, -0.2, 0.3}, float lo = {0.0}, float hi = {6.0}, float[3,2] w2 = {0.5, -1, 1, 0.25, -0.5, 1}> {
  p = Gemm(x, w, b)
  q = Clip(p, lo, hi)
  y = MatMul(q, w2)
}
)");
  TemporaryFolder relu6_samples;
  std::vector<float> relu6_data;
  for (int i = 0; i < 64; ++i) relu6_data.push_back(static_cast<float>((i * 37) % 19) * 0.8f - 7.0f);
  WriteFile(relu6_samples, "samples.bin", FloatBytes(relu6_data));
  const std::string relu6_quantized = folder.File("relu6_int8.onnx");
  const CommandResult relu6_result =
      Modelc("quantize " + relu6 + " --calibration " + relu6_samples.path() + " -o " + relu6_quantized);
  ASSERT_EQ(relu6_result.exit_code, 0) << relu6_result.output;
  const auto relu6_rows = ReportRows(ReadFileBytes(folder.File("relu6_int8.quantize.txt")));
  ASSERT_TRUE(relu6_rows.count("q") && !relu6_rows.count("p"));
  EXPECT_EQ(relu6_rows.at("q")[1], -128);
  EXPECT_LE(relu6_rows.at("q")[3], 6.0 + 1e-6);
  const CommandResult relu6_compiled = Modelc("compile " + relu6_quantized + " -o " + folder.path());
  ASSERT_EQ(relu6_compiled.exit_code, 0) << relu6_compiled.output;
  const std::string relu6_report = ReadFileBytes(folder.File("relu6_int8.report.txt"));
  EXPECT_NE(relu6_report.find("QLinearMatMul x2"), std::string::npos) << relu6_report;
  EXPECT_EQ(relu6_report.find("Clip"), std::string::npos) << relu6_report;
  for (const std::vector<float>& sample : {std::vector<float>{3, -1, 2, 0.5f}, std::vector<float>{-4, 6, 1, -2}}) {
    const auto f = RunOn(relu6, {sample}), q = RunOn(relu6_quantized, {sample});
    ASSERT_EQ(q.size(), 1u);
    EXPECT_TRUE(NearlyEqual(q[0], f[0], 0.02, 0.15)) << q[0][0] << " " << q[0][1] << " vs " << f[0][0] << " " << f[0][1];
  }

  // A Clip that calibration only ever sees give 0 (its range all zeros: scale 1, zero
  // point 0, which do not clip) stays; the int8 output still ends at 6. And a layer
  // output a subgraph reads is neither absorbed nor renamed away.
  const std::string clip_out = WriteFile(folder, "clip_out.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,2] x) => (float[1,2] y) <float[2,2] w = {1, -1, -1, 1}, float lo = {0.0}, float hi = {6.0}> {
  p = MatMul(x, w)
  y = Clip(p, lo, hi)
}
)");
  TemporaryFolder zero_samples;
  WriteFile(zero_samples, "samples.bin", FloatBytes({-8, -8, -1, -1}));
  const std::string kept = folder.File("clip_out_int8.onnx");
  const CommandResult kept_result = Modelc("quantize " + clip_out + " --calibration " + zero_samples.path() + " -o " + kept);
  ASSERT_EQ(kept_result.exit_code, 0) << kept_result.output;
  const auto kept_out = RunOn(kept, {{-8, 0}});
  ASSERT_EQ(kept_out.size(), 1u);
  EXPECT_EQ(kept_out[0], (std::vector<float>{0, 6})) << "the float model's [0, 6]";
  const std::string branches = WriteFile(folder, "branches.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[1,4] x, bool c) => (float[1,3] q, float[1,3] z) <float[4,3] w = {1, -2, 0.5, 1, -1, 2, 1.5, -0.5, 1, 2, 1, -1},
                                                           float lo = {0.0}, float hi = {6.0}> {
  p = MatMul(x, w)
  q = Clip(p, lo, hi)
  z = If(c) <then_branch = g1 () => (float[1,3] t) { t = Identity(p) },
             else_branch = g2 () => (float[1,3] e) { e = Neg(p) }>
}
)");
  TemporaryFolder branch_samples;
  std::filesystem::create_directory(branch_samples.File("s0"));
  WriteFile(branch_samples, "s0/input_0.npy", Npy("<f4", 4, 4).substr(0, 128) + FloatBytes({3, -1, 2, 0.5f}));
  WriteFile(branch_samples, "s0/input_1.npy",
            Npy("|b1", 1, 1).substr(0, 128) + std::string(1, '\1'));
  const CommandResult branch_result = Modelc("quantize " + branches + " --calibration " + branch_samples.path() +
                                             " -o " + folder.File("branches_int8.onnx"));
  EXPECT_EQ(branch_result.exit_code, 0) << branch_result.output;

  // Eleven inputs, input i of i + 1 values, each through its own MatMul into one sum.
  std::string many = "<ir_version: 8, opset_import: [\"\" : 13]>\ng (";
  std::string initializers, body;
  for (int i = 0; i < 11; ++i) {
    many += (i ? ", " : "") + absl::StrCat("float[1,", i + 1, "] x", i);
    initializers += (i ? ", " : "") + absl::StrCat("float[", i + 1, ",2] w", i, " = {");
    for (int k = 0; k < 2 * (i + 1); ++k) initializers += (k ? ", " : "") + absl::StrCat(0.1 * ((k % 5) - 2));
    initializers += "}";
    body += absl::StrCat("  p", i, " = MatMul(x", i, ", w", i, ")\n");
    body += i == 0 ? "  s0 = Identity(p0)\n" : absl::StrCat("  s", i, " = Add(s", i - 1, ", p", i, ")\n");
  }
  many += ") => (float[1,2] s10) <" + initializers + "> {\n" + body + "}\n";
  const std::string many_inputs = WriteFile(folder, "many.onnxtxt", many);
  TemporaryFolder many_samples;
  std::filesystem::create_directory(many_samples.File("sample_0"));
  std::vector<std::vector<float>> inputs;
  for (int i = 0; i < 11; ++i) {
    inputs.push_back(std::vector<float>(i + 1, 0.1f * (i + 1)));
    WriteFile(many_samples, absl::StrCat("sample_0/input_", i, ".npy"), Npy("<f4", i + 1, 4).substr(0, 128) +
                                                                           FloatBytes(inputs.back()));
  }
  const std::string many_quantized = folder.File("many_int8.onnx");
  const CommandResult many_result =
      Modelc("quantize " + many_inputs + " --calibration " + many_samples.path() + " -o " + many_quantized);
  ASSERT_EQ(many_result.exit_code, 0) << many_result.output;
  const std::vector<std::vector<float>> many_float = RunOn(many_inputs, inputs), many_int8 = RunOn(many_quantized, inputs);
  ASSERT_EQ(many_int8.size(), 1u);
  EXPECT_TRUE(NearlyEqual(many_int8[0], many_float[0], 0.02, 0.02));
}

// Older exporters' models (IR version 3: every initializer also a graph input) keep a
// valid interface: the float weights' inputs go with them, the new initializers are
// listed; a run-time batch (--batch) calibrates one sample per run and compiles batched.
TEST(Quantize, OldExportersAndRunTimeBatches) {
  TemporaryFolder folder, samples;
  WriteFile(samples, "samples.bin", FloatBytes({0.5f, -1, 2, 1, 0, -0.5f, 1, 1}));
  const std::string old_ir = WriteFile(folder, "old_ir.onnxtxt", R"(<ir_version: 3, opset_import: ["" : 11]>
g (float[1,4] x, float[4,3] w, float[3] b) => (float[1,3] y) <float[4,3] w = {1, -2, 0.5, 1, -1, 2, 1.5, -0.5, 1, 2, 1, -1},
                                                              float[3] b = {0.1, -0.2, 0.3}> {
  y = Gemm(x, w, b)
}
)");
  const std::string quantized = folder.File("old_ir_int8.onnx");
  const CommandResult result = Modelc("quantize " + old_ir + " --calibration " + samples.path() + " -o " + quantized);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::vector<float> x = {0.5f, -1, 2, 1};
  const auto f = RunOn(old_ir, {x}), q = RunOn(quantized, {x});
  ASSERT_EQ(q.size(), 1u) << "the int8 model takes x alone, as the float model";
  EXPECT_TRUE(NearlyEqual(q[0], f[0], 0.02, 0.05));

  const std::string batched = WriteFile(folder, "batched.onnxtxt", R"(<ir_version: 8, opset_import: ["" : 13]>
g (float[N,4] x) => (float[N,3] y) <float[4,3] w = {1, -2, 0.5, 1, -1, 2, 1.5, -0.5, 1, 2, 1, -1}> {
  y = MatMul(x, w)
}
)");
  TemporaryFolder out;
  const CommandResult compiled = Modelc("compile " + batched + " --batch N --quantize int8 --calibration " +
                                        samples.path() + " -o " + out.path());
  ASSERT_EQ(compiled.exit_code, 0) << compiled.output;
  EXPECT_NE(ReadFileBytes(out.File("batched.h")).find("batched_run_batched"), std::string::npos);
  EXPECT_NE(ReadFileBytes(out.File("batched.report.txt")).find("QLinearMatMul"), std::string::npos);
}

// `compile --quantize` never removes a file it did not write: here the model itself
// has the name the quantised model would take.
TEST(Quantize, CompileQuantizeKeepsFilesItDidNotWrite) {
  TemporaryFolder out;
  const std::string model = WriteFile(out, "x_int8.onnx", ReadFileBytes(kModels + "/digits_cnn.onnx"));
  const CommandResult result = Modelc("compile " + model + " --name x --quantize int8 --calibration " + kCalibration +
                                      " -o " + out.path());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("is the input model"), std::string::npos) << result.output;
  EXPECT_EQ(out.Files(), std::vector<std::string>{"x_int8.onnx"});
  EXPECT_EQ(ReadFileBytes(model), ReadFileBytes(kModels + "/digits_cnn.onnx"));
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
