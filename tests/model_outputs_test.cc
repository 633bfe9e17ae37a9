// End to end: models compiled by modelc_add_model at build time, run on reference
// inputs, compared with outputs ONNX Runtime produced (not this project's code).
#include <algorithm>
#include <cmath>
#include <fstream>

#include "compiler/frontend/onnx/onnx_importer.h"
#include "gtest/gtest.h"
#include "tflite_int8_dense_batched.h"
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

// The floats of one sample of `count` tensors (NAME.inputs.bin and NAME.outputs.bin keep
// samples one after another, each its tensors in the model's order), and sample s's
// tensors from such a file's floats.
size_t SampleFloats(const modelc_tensor_info* tensors, uint32_t count) {
  size_t floats = 0;
  for (uint32_t i = 0; i < count; ++i) floats += tensors[i].byte_size / 4;
  return floats;
}
std::vector<std::vector<float>> SampleTensors(const std::vector<float>& all, const modelc_tensor_info* tensors,
                                              uint32_t count, size_t s) {
  std::vector<std::vector<float>> sample;
  size_t at = s * SampleFloats(tensors, count);
  for (uint32_t i = 0; i < count; ++i) {
    const size_t size = tensors[i].byte_size / 4;
    sample.emplace_back(all.begin() + at, all.begin() + at + size);
    at += size;
  }
  return sample;
}

// Float TFLite models (tests/data/tflite): NAME.inputs.bin holds each sample's inputs
// in the model's order, NAME.outputs.bin the TFLite interpreter's outputs for each
// (its reference kernels, OpResolverType.BUILTIN_REF).
// The models whose convolutions read or write NHWC also compile in the other kernels
// that can ("tflite_variants": scalar, SSE's 4 lanes on x86, some forced; tests/CMakeLists.txt).
TEST(TfliteModels, MatchTfliteReferenceKernels) {
  auto models = ModelsOfKind("tflite");
  EXPECT_EQ(models.size(), 15u);
  for (const CompiledModelEntry* model : ModelsOfKind("tflite_variants")) models.push_back(model);
  for (const CompiledModelEntry* model : models) {
    const modelc_model_info& info = *model->info;
    const std::vector<float> inputs = ReadFloats(model->data_prefix + ".inputs.bin");
    const std::vector<float> references = ReadFloats(model->data_prefix + ".outputs.bin");
    const size_t in_size = SampleFloats(info.inputs, info.input_count);
    ASSERT_GT(in_size, 0u) << model->name;
    const size_t samples = inputs.size() / in_size;
    ASSERT_EQ(samples, 3u) << model->name;
    ASSERT_EQ(references.size(), samples * SampleFloats(info.outputs, info.output_count)) << model->name;
    double largest_error = 0.0;
    for (size_t s = 0; s < samples; ++s) {
      std::vector<std::vector<float>> outputs;
      ASSERT_EQ(RunCompiled(info, SampleTensors(inputs, info.inputs, info.input_count, s), &outputs), MODELC_OK)
          << model->name;
      const std::vector<std::vector<float>> expected = SampleTensors(references, info.outputs, info.output_count, s);
      for (uint32_t o = 0; o < info.output_count; ++o) {
        EXPECT_TRUE(NearlyEqual(outputs[o], expected[o], 0.0, kTolerance)) << model->name << " sample " << s << " output " << o;
        for (size_t e = 0; e < expected[o].size(); ++e) {
          largest_error = std::max(largest_error, static_cast<double>(std::fabs(outputs[o][e] - expected[o][e])));
        }
      }
    }
    std::printf("%s: %zu samples, largest difference from TFLite's reference kernels %.3g\n", model->name.c_str(),
                samples, largest_error);
  }
}

// int8 TFLite models (tests/data/tflite_int8): NAME.inputs.bin holds each sample's inputs (twelve;
// three for MobileNet)
// in the model's order and NAME.outputs.bin the TFLite interpreter's outputs for it (its
// reference kernels), each tensor in its own element type (int8, or float32 at a float
// edge). Every output byte must be the interpreter's.
TEST(TfliteInt8Models, BitExactWithTfliteReferenceKernels) {
  const auto models = ModelsOfKind("tflite_int8");
  EXPECT_EQ(models.size(), 61u);  // the 30 files, each also with --optimize size; written_over in memory mode
  for (const CompiledModelEntry* model : models) {
    const modelc_model_info& info = *model->info;
    const std::string inputs = ReadFileBytes(model->data_prefix + ".inputs.bin");
    const std::string references = ReadFileBytes(model->data_prefix + ".outputs.bin");
    size_t in_size = 0, out_size = 0;
    for (uint32_t i = 0; i < info.input_count; ++i) in_size += info.inputs[i].byte_size;
    for (uint32_t o = 0; o < info.output_count; ++o) out_size += info.outputs[o].byte_size;
    ASSERT_GT(in_size, 0u) << model->name;
    const size_t samples = inputs.size() / in_size;
    ASSERT_GE(samples, 3u) << model->name;
    ASSERT_EQ(inputs.size(), samples * in_size) << model->name;
    ASSERT_EQ(references.size(), samples * out_size) << model->name;
    size_t equal = 0, elements = 0;
    for (size_t s = 0; s < samples; ++s) {
      std::vector<const void*> in;
      for (uint32_t i = 0, at = 0; i < info.input_count; at += info.inputs[i].byte_size, ++i) {
        in.push_back(inputs.data() + s * in_size + at);
      }
      std::string outputs(out_size, '\0');
      std::vector<void*> out;
      for (uint32_t o = 0, at = 0; o < info.output_count; at += info.outputs[o].byte_size, ++o) {
        out.push_back(outputs.data() + at);
      }
      AlignedBuffer scratch(info.scratch_size, info.scratch_alignment);
      ASSERT_EQ(info.run(in.data(), out.data(), scratch.data()), MODELC_OK) << model->name;
      const std::string expected = references.substr(s * out_size, out_size);
      EXPECT_EQ(outputs, expected) << model->name << " sample " << s;
      for (size_t b = 0; b < out_size; ++b) equal += outputs[b] == expected[b];
      elements += out_size;
    }
    std::printf("%s: %zu of %zu output bytes equal to TFLite's reference kernels over %zu samples\n", model->name.c_str(),
                equal, elements, samples);
  }
}

// --batch on an int8 TFLite model converted for one sample (tests/data/tflite_int8/dense,
// compiled with --batch batch): its twelve samples run at once by NAME_run_batched give,
// byte for byte, what TFLite's interpreter gave for each sample alone.
TEST(TfliteInt8Models, RunTimeBatchRunsEachSampleAsTheInterpreter) {
  const std::string prefix = std::string(MODELC_SOURCE_DIR) + "/tests/data/tflite_int8/dense";
  const std::string inputs = ReadFileBytes(prefix + ".inputs.bin"), references = ReadFileBytes(prefix + ".outputs.bin");
  ASSERT_EQ(inputs.size(), 12u * 48u);  // int8 [1, 4, 4, 3] per sample
  ASSERT_EQ(references.size(), 12u * 10u);
  AlignedBuffer scratch(TFLITE_INT8_DENSE_BATCHED_SCRATCH_SIZE, TFLITE_INT8_DENSE_BATCHED_SCRATCH_ALIGNMENT);
  for (int64_t batch : {12, 5}) {
    std::string outputs(batch * 10, '\0');
    ASSERT_EQ(tflite_int8_dense_batched_run_batched(batch, reinterpret_cast<const int8_t*>(inputs.data()),
                                                   reinterpret_cast<int8_t*>(outputs.data()), scratch.data()),
              MODELC_OK);
    EXPECT_EQ(outputs, references.substr(0, batch * 10)) << "batch " << batch;
  }
}

// The scale of the DequantizeLinear writing the graph's first output (its quantisation
// step), read from the model.
float OutputStep(const std::string& model_path) {
  absl::StatusOr<Graph> graph = ImportOnnxFile(model_path, {});
  if (!graph.ok()) return NAN;
  const Value& output = graph->value(graph->outputs()[0]);
  if (output.producer < 0) return NAN;
  const Node& node = graph->nodes()[output.producer];
  if (node.op != OpKind::kDequantizeLinear || !graph->IsConstant(node.inputs[1])) return NAN;
  return graph->value(node.inputs[1]).constant->Floats()[0];
}

std::vector<int> Labels(const std::string& path) {
  std::vector<int> labels;
  std::ifstream file(path);
  for (int label; file >> label;) labels.push_back(label);
  return labels;
}

int Correct(const std::vector<float>& probabilities, const std::vector<int>& labels) {
  const size_t classes = probabilities.size() / labels.size();
  int correct = 0;
  for (size_t s = 0; s < labels.size(); ++s) {
    auto row = probabilities.begin() + s * classes;
    correct += static_cast<int>(std::max_element(row, row + classes) - row) == labels[s];
  }
  return correct;
}

// How close an int8 model must come to ORT: bit for bit (ORT's float requantisation), or,
// requantised in fixed point (--requantize fixed-point), its outputs equal on at least
// 99.9% of the elements and never more than one quantisation step apart. (A product
// rounded the other way inside the network moves its later int8 tensors by a step or
// more: those are reported, not bounded.)
enum class Agreement { kBitExact, kWithinOneStep };

// Runs an int8 model compiled with its last int8 tensor as a second output on each
// sample, and checks against ORT's references at `reference_prefix` (.ort_outputs.bin,
// .ort_last_int8.bin): the last int8 tensor and the output (after the int8 Softmax,
// which is ORT's QLinearSoftmax arithmetic) as `agreement` says. Returns the outputs,
// one sample after another.
std::vector<float> CheckAgainstOnnxRuntime(const CompiledModelEntry& model, const std::vector<std::vector<float>>& samples,
                                           const std::string& reference_prefix,
                                           Agreement agreement = Agreement::kBitExact) {
  const modelc_model_info& info = *model.info;
  std::vector<float> all_outputs;
  if (info.output_count != 2 || info.outputs[1].element_type != MODELC_INT8) {
    ADD_FAILURE() << model.name << ": not compiled with its last int8 tensor as the second output";
    return all_outputs;
  }
  const std::vector<float> references = ReadFloats(reference_prefix + ".ort_outputs.bin");
  const std::string last_references = ReadFileBytes(reference_prefix + ".ort_last_int8.bin");
  const size_t out_size = info.outputs[0].byte_size / 4, last_size = info.outputs[1].byte_size;
  const float step = OutputStep(model.model_path);
  EXPECT_GT(step, 0.0f) << model.name;
  if (references.size() != samples.size() * out_size || last_references.size() != samples.size() * last_size) {
    ADD_FAILURE() << model.name << ": the references do not match the samples";
    return all_outputs;
  }
  const bool exact_only = agreement == Agreement::kBitExact;
  size_t exact = 0, last_exact = 0;
  float most_steps = 0;
  int most_last_steps = 0;
  for (size_t s = 0; s < samples.size(); ++s) {
    std::vector<float> output(out_size);
    std::string last(last_size, '\0');
    const void* in[] = {samples[s].data()};
    void* out[] = {output.data(), last.data()};
    AlignedBuffer scratch(info.scratch_size, info.scratch_alignment);
    EXPECT_EQ(info.run(in, out, scratch.data()), MODELC_OK) << model.name;
    const std::string expected_last = last_references.substr(s * last_size, last_size);
    if (exact_only) {
      EXPECT_EQ(last, expected_last) << model.name << " sample " << s;
    }
    for (size_t i = 0; i < last_size; ++i) {
      const int steps = std::abs(static_cast<int8_t>(last[i]) - static_cast<int8_t>(expected_last[i]));
      last_exact += steps == 0;
      most_last_steps = std::max(most_last_steps, steps);
    }
    for (size_t i = 0; i < out_size; ++i) {
      const float expected = references[s * out_size + i];
      exact += output[i] == expected;
      most_steps = std::max(most_steps, std::fabs(output[i] - expected) / step);
      if (exact_only) {
        EXPECT_EQ(output[i], expected) << model.name << " sample " << s << " element " << i;
      }
    }
    all_outputs.insert(all_outputs.end(), output.begin(), output.end());
  }
  const size_t outputs = samples.size() * out_size, lasts = samples.size() * last_size;
  if (!exact_only) {  // the bound, on the model's outputs (the last int8 tensor is only reported)
    EXPECT_GE(exact, outputs * 999 / 1000) << model.name << ": outputs";
    EXPECT_LE(most_steps, 1.0f + 1e-3f) << model.name << ": outputs";
  }
  std::printf("%s: last int8 tensor equal to ORT's on %zu of %zu elements (at most %d step apart) over %zu inputs; "
              "outputs %zu of %zu (at most %.0f step apart)\n",
              model.name.c_str(), last_exact, lasts, most_last_steps, samples.size(), exact, outputs, most_steps);
  return all_outputs;
}

// int8 QDQ models from ONNX Runtime's quantiser (tools/quantize): the integer path (every
// op up to the last int8 tensor) bit for bit as ORT computes it; the output, after the
// Softmax that ORT (and modelc) compute as QLinearSoftmax's table arithmetic, bit for bit
// too; and the digits classified within one image of the float model.
// An int8 benchmark network's four inputs: the generator of ../shared's, seeds as
// tools/quantize's SHARED_TEST_SEEDS.
std::vector<std::vector<float>> NetworkSamples(const CompiledModelEntry& model) {
  std::vector<std::vector<float>> samples;
  for (uint32_t seed : {12345u, 1u, 2u, 3u}) samples.push_back(Mulberry32Floats(seed, model.info->inputs[0].byte_size / 4));
  return samples;
}

// A digits model quantised to int8 (models/NAME_int8.onnx, data prefix models/NAME) on
// its test images: against ORT's int8 outputs as `agreement` says, and classifying
// within one image of the float model.
void CheckInt8Digits(const CompiledModelEntry& model, Agreement agreement) {
  const std::vector<float> inputs = ReadFloats(model.data_prefix + ".inputs.bin");
  const size_t in_size = model.info->inputs[0].byte_size / 4;
  std::vector<std::vector<float>> samples;
  for (size_t at = 0; at + in_size <= inputs.size(); at += in_size) samples.emplace_back(&inputs[at], &inputs[at] + in_size);
  const std::vector<float> outputs = CheckAgainstOnnxRuntime(model, samples, model.data_prefix + "_int8", agreement);
  const std::vector<int> labels = Labels(model.data_prefix + ".labels.txt");
  ASSERT_EQ(labels.size(), samples.size()) << model.name;
  const int float_correct = Correct(ReadFloats(model.data_prefix + ".ort_outputs.bin"), labels);
  EXPECT_LE(std::abs(Correct(outputs, labels) - float_correct), 1) << model.name;
}

TEST(Int8Models, MatchOnnxRuntime) {
  const auto models = ModelsOfKind("int8");
  ASSERT_EQ(models.size(), 2u);
  for (const CompiledModelEntry* model : models) CheckInt8Digits(*model, Agreement::kBitExact);
}

// Weight-only int8 (float data, int8 weights; tools/quantize/weight_only.py): the weights
// kept int8 and dequantised in the kernel, and folded into floats, both as ORT computes
// the model (which dequantises first: the kept form scales once per output, a rounding
// apart), and the digits classified as the float model classifies them.
TEST(WeightOnlyModels, MatchOnnxRuntime) {
  const auto models = ModelsOfKind("weight_only");
  ASSERT_EQ(models.size(), 2u);
  for (const CompiledModelEntry* model : models) {
    const std::vector<float> inputs = ReadFloats(model->data_prefix + ".inputs.bin");
    const std::vector<float> references = ReadFloats(model->data_prefix + "_weight_only.ort_outputs.bin");
    const size_t in_size = model->info->inputs[0].byte_size / 4, out_size = model->info->outputs[0].byte_size / 4;
    ASSERT_EQ(references.size() * in_size, inputs.size() * out_size) << model->name;
    std::vector<float> outputs;
    for (size_t at = 0; at + in_size <= inputs.size(); at += in_size) {
      std::vector<std::vector<float>> sample_outputs;
      ASSERT_EQ(RunCompiled(*model->info, {{inputs.begin() + at, inputs.begin() + at + in_size}}, &sample_outputs),
                MODELC_OK);
      outputs.insert(outputs.end(), sample_outputs[0].begin(), sample_outputs[0].end());
    }
    EXPECT_TRUE(NearlyEqual(outputs, references, 1e-5, 1e-6)) << model->name;
    const std::vector<int> labels = Labels(model->data_prefix + ".labels.txt");
    EXPECT_EQ(Correct(outputs, labels), Correct(ReadFloats(model->data_prefix + ".ort_outputs.bin"), labels))
        << model->name;
  }
}

// The six benchmark networks quantised the same way (tests/data/int8), on four inputs
// from the generator of ../shared's (seeds as tools/quantize's SHARED_TEST_SEEDS); the two
// depthwise networks also with --optimize memory, all six with --optimize size.
TEST(Int8Networks, MatchOnnxRuntime) {
  const auto models = ModelsOfKind("int8_network");
  ASSERT_EQ(models.size(), 14u);
  for (const CompiledModelEntry* model : models) {
    CheckAgainstOnnxRuntime(*model, NetworkSamples(*model), model->data_prefix);
  }
}

// Five of them in ONNX Runtime's QOperator format (tests/data/int8_qoperator): the same
// integer arithmetic given as QLinearConv, QGemm, ... instead of Q/DQ pairs around float
// ops, bit for bit as ORT computes it.
TEST(Int8QOperatorNetworks, MatchOnnxRuntime) {
  const auto models = ModelsOfKind("int8_qoperator");
  ASSERT_EQ(models.size(), 5u);
  for (const CompiledModelEntry* model : models) {
    CheckAgainstOnnxRuntime(*model, NetworkSamples(*model), model->data_prefix);
  }
}

// resnet8_int8 compiled for the x86 generations this machine runs besides its own plan
// (tests/CMakeLists.txt): AVX-VNNI's pixel and channel lanes in 256 bits, and the same by
// VPMADDWD pairs (AVX2).
TEST(Int8Networks, OtherX86GenerationsMatchOnnxRuntime) {
  const auto models = ModelsOfKind("int8_x86");
  if (models.empty()) GTEST_SKIP() << "this machine runs neither AVX2 nor AVX-VNNI";
  for (const CompiledModelEntry* model : models) {
    CheckAgainstOnnxRuntime(*model, NetworkSamples(*model), model->data_prefix);
  }
}

// The op models byte_quad_lanes (tools/quantize/make_byte_quad_lanes.py: int8
// convolutions and a Gemm in the forms x86's VPDPBUSD kernels take), microsoft_ops
// (make_microsoft_ops.py: ONNX Runtime's QGemm, QLinearGlobalAveragePool, QLinearSigmoid,
// QLinearLeakyRelu, QLinearConcat and QLinearMul) and qdq_ops (make_qdq_ops.py: the QDQ
// patterns ORT replaces by those ops) on ONNX Runtime's four inputs, every output
// element equal to ORT's: as this machine's plan compiles them, byte_quad_lanes also in
// memory mode and for the other x86 generations it runs (tests/CMakeLists.txt).
TEST(Int8OpModels, MatchOnnxRuntimeExactly) {
  const auto models = ModelsOfKind("int8_ops");
  auto registered = [&](const std::string& name) {
    return std::any_of(models.begin(), models.end(), [&](const CompiledModelEntry* m) { return m->name == name; });
  };
  ASSERT_TRUE(registered("byte_quad_lanes"));
  ASSERT_TRUE(registered("microsoft_ops"));
  ASSERT_TRUE(registered("qdq_ops"));
  for (const CompiledModelEntry* model : models) {
    const modelc_model_info& info = *model->info;
    const std::vector<float> inputs = ReadFloats(model->data_prefix + ".inputs.bin");
    const std::vector<float> references = ReadFloats(model->data_prefix + ".ort_outputs.bin");
    const size_t in_size = SampleFloats(info.inputs, info.input_count);
    ASSERT_GT(in_size, 0u) << model->name;
    const size_t samples = inputs.size() / in_size;
    ASSERT_EQ(samples, 4u) << model->name;
    ASSERT_EQ(references.size(), samples * SampleFloats(info.outputs, info.output_count)) << model->name;
    for (size_t s = 0; s < samples; ++s) {
      std::vector<std::vector<float>> outputs;
      ASSERT_EQ(RunCompiled(info, SampleTensors(inputs, info.inputs, info.input_count, s), &outputs), MODELC_OK);
      const std::vector<std::vector<float>> expected = SampleTensors(references, info.outputs, info.output_count, s);
      for (uint32_t o = 0; o < info.output_count; ++o) {
        EXPECT_TRUE(NearlyEqual(outputs[o], expected[o], 0.0, 0.0))
            << model->name << " output '" << info.outputs[o].name << "' sample " << s;
      }
    }
  }
}

// The same int8 networks and digits models requantised in fixed point (--requantize
// fixed-point, as on cores without an FPU: TFLite's int32 multiplier and shift), against
// ORT's float requantisation: within one step, equal on at least 99.9% of the elements;
// the digits still classified within one image of the float model.
TEST(Int8FixedPoint, WithinOneStepOfOnnxRuntime) {
  const auto models = ModelsOfKind("int8_fixed_point");
  ASSERT_EQ(models.size(), 6u);
  for (const CompiledModelEntry* model : models) {
    CheckAgainstOnnxRuntime(*model, NetworkSamples(*model), model->data_prefix, Agreement::kWithinOneStep);
  }
  const auto digits = ModelsOfKind("int8_digits_fixed_point");
  ASSERT_EQ(digits.size(), 2u);
  for (const CompiledModelEntry* model : digits) CheckInt8Digits(*model, Agreement::kWithinOneStep);
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

// Models of today's exporters (tests/data/opset18): inputs and ORT's outputs
// concatenated in graph order, each output checked.
TEST(ExportedModels, MatchOnnxRuntime) {
  const auto models = ModelsOfKind("exported");
  EXPECT_EQ(models.size(), 2u);
  for (const CompiledModelEntry* model : models) {
    const std::vector<float> input = ReadFloats(model->data_prefix + ".input.bin");
    const std::vector<float> reference = ReadFloats(model->data_prefix + ".ort_out.bin");
    ASSERT_EQ(model->info->input_count, 1u) << model->name;
    ASSERT_EQ(input.size() * 4, model->info->inputs[0].byte_size) << model->name;
    std::vector<std::vector<float>> outputs;
    ASSERT_EQ(RunCompiled(*model->info, {input}, &outputs), MODELC_OK);
    std::vector<float> all;
    for (const std::vector<float>& output : outputs) all.insert(all.end(), output.begin(), output.end());
    EXPECT_TRUE(NearlyEqual(all, reference, 0.0, kTolerance)) << model->name;
  }
}

// ../shared/models: one input and ORT's output per model (skipped without ../shared);
// the six, the three convolution networks again with --optimize memory, and the six with
// --optimize size.
TEST(SharedModels, MatchOnnxRuntime) {
  const auto models = ModelsOfKind("shared");
  if (models.empty()) GTEST_SKIP() << "../shared/models is not present in this checkout";
  EXPECT_EQ(models.size(), 15u);
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
