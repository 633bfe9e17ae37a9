// Writes test data for running the operator models on a target without the reference
// evaluator (the Cortex-M firmware checks, tests/cross/cortex_m): for each model,
// OUT_DIR/NAME.input.bin (every input, concatenated, random as op_kernels_test.cc's
// first seed) and OUT_DIR/NAME.reference.bin (the reference evaluator's outputs).
// The graph goes through the compiler's passes before the reference evaluator runs it,
// so a QDQ file is evaluated as the integer ops it compiles to (QLinearConv, ...), whose
// references are the evaluator's own code, not the kernels': the raw graph computes in
// float between its QuantizeLinear nodes and can land a step away at a tie
// (op_kernels_test.cc compares with both on the host).
//   modelc_reference_data OUT_DIR MODEL...
// With --networks, for the int8 benchmark networks (tests/data/int8): the input is the
// generator's seed 12345 (as ../shared's inputs).
//   modelc_reference_data --networks OUT_DIR MODEL...
// With --requantize fixed-point (first), the quantised products requantise in fixed
// point (passes.h's RequantizeInFixedPoint), as they compile for cores without an FPU.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/passes/passes.h"
#include "compiler/reference/evaluator.h"
#include "tests/test_support.h"

namespace {

bool WriteFloats(const std::filesystem::path& path, const std::vector<std::vector<float>>& tensors) {
  std::ofstream file(path, std::ios::binary);
  for (const std::vector<float>& tensor : tensors) {
    file.write(reinterpret_cast<const char*>(tensor.data()), static_cast<std::streamsize>(tensor.size() * sizeof(float)));
  }
  return static_cast<bool>(file);
}

}  // namespace

int main(int argc, char** argv) {
  auto take_flag = [&](const char* flag) {
    if (argc < 2 || std::string(argv[1]) != flag) return false;
    ++argv;
    --argc;
    return true;
  };
  bool fixed_point = false;
  if (take_flag("--requantize")) {
    fixed_point = take_flag("fixed-point");
    if (!fixed_point && !take_flag("float")) argc = 0;  // a usage error below
  }
  const bool networks = take_flag("--networks");
  if (argc < 3) {
    std::fprintf(stderr, "usage: modelc_reference_data [--requantize float|fixed-point] [--networks] OUT_DIR MODEL...\n");
    return 2;
  }
  const std::filesystem::path out(argv[1]);
  std::filesystem::create_directories(out);
  for (int m = 2; m < argc; ++m) {
    absl::StatusOr<modelc::Graph> graph = modelc::ImportOnnxFile(argv[m], {});
    if (!graph.ok()) {
      std::fprintf(stderr, "modelc_reference_data: %s\n", std::string(graph.status().message()).c_str());
      return 1;
    }
    std::vector<modelc::Pass> passes;
    for (const modelc::Pass& pass : modelc::DefaultPipeline()) {
      if (pass.RunsWith(/*memory_first=*/true, /*keep_int8_weights=*/true, fixed_point, /*int8_dsp_pairs=*/false)) {
        passes.push_back(pass);
      }
    }
    for (const modelc::Pass& pass : passes) {
      if (absl::Status status = pass.run(*graph); !status.ok()) {
        std::fprintf(stderr, "modelc_reference_data: %s: %s\n", argv[m], std::string(status.message()).c_str());
        return 1;
      }
    }
    std::vector<std::vector<float>> inputs;
    for (size_t i = 0; i < graph->inputs().size(); ++i) {
      const size_t count = graph->value(graph->inputs()[i]).type.ElementCount();
      inputs.push_back(networks ? modelc::testing::Mulberry32Floats(12345, count)
                                : modelc::testing::RandomFloats(count, 100 + i));
    }
    absl::StatusOr<std::vector<modelc::FloatTensor>> outputs = modelc::EvaluateGraph(*graph, inputs);
    if (!outputs.ok()) {
      std::fprintf(stderr, "modelc_reference_data: %s: %s\n", argv[m], std::string(outputs.status().message()).c_str());
      return 1;
    }
    const std::string name = std::filesystem::path(argv[m]).stem().string();
    if (!WriteFloats(out / (name + ".input.bin"), inputs) || !WriteFloats(out / (name + ".reference.bin"), *outputs)) {
      std::fprintf(stderr, "modelc_reference_data: cannot write into %s\n", out.c_str());
      return 1;
    }
  }
  return 0;
}
