// Test helpers.
#include "tests/test_support.h"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/passes/passes.h"

namespace modelc::testing {

Graph OptimisedTestModel(const std::string& path) {
  absl::StatusOr<Graph> graph = ImportOnnxFile(path, {});
  EXPECT_TRUE(graph.ok()) << path << ": " << graph.status();
  if (!graph.ok()) return Graph();
  for (const Pass& pass : DefaultPipeline()) {
    if (pass.RunsWith(/*memory_first=*/true, /*keep_int8_weights=*/true, /*fixed_point_requantization=*/false,
                      /*int8_dsp_pairs=*/true)) {
      EXPECT_TRUE(pass.run(*graph).ok()) << path << ": " << pass.name;
    }
  }
  return *std::move(graph);
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::vector<float> ReadFloats(const std::string& path) {
  const std::string bytes = ReadFileBytes(path);
  std::vector<float> values(bytes.size() / sizeof(float));
  std::copy(bytes.data(), bytes.data() + values.size() * sizeof(float), reinterpret_cast<char*>(values.data()));
  return values;
}

std::vector<float> Mulberry32Floats(uint32_t seed, size_t count) {
  std::vector<float> values(count);
  uint32_t a = seed;
  for (float& v : values) {
    a += 0x6D2B79F5u;
    uint32_t t = (a ^ (a >> 15)) * (1u | a);
    t = (t + ((t ^ (t >> 7)) * (61u | t))) ^ t;
    v = static_cast<float>(static_cast<double>(t ^ (t >> 14)) / 4294967296.0 * 2.0 - 1.0);
  }
  return values;
}

bool FileExists(const std::string& path) { return std::filesystem::exists(path); }

AlignedBuffer::AlignedBuffer(uint64_t size, uint64_t alignment) : size_(size) {
  const uint64_t rounded = (size + kGuardBytes + alignment - 1) / alignment * alignment;
  data_ = std::aligned_alloc(alignment, rounded);
  std::memset(static_cast<unsigned char*>(data_) + size, kGuardValue, rounded - size);
}

AlignedBuffer::~AlignedBuffer() {
  const auto* guard = static_cast<const unsigned char*>(data_) + size_;
  for (uint64_t i = 0; i < kGuardBytes; ++i) {
    if (guard[i] != kGuardValue) {
      ADD_FAILURE() << "a kernel wrote past the end of a " << size_ << "-byte arena (byte " << size_ + i << ")";
      break;
    }
  }
  std::free(data_);
}

int RunCompiled(const modelc_model_info& info, const std::vector<std::vector<float>>& inputs,
                std::vector<std::vector<float>>* outputs) {
  std::vector<const void*> input_pointers;
  for (const auto& input : inputs) input_pointers.push_back(input.data());
  outputs->assign(info.output_count, {});
  std::vector<void*> output_pointers;
  for (uint32_t i = 0; i < info.output_count; ++i) {
    (*outputs)[i].assign(info.outputs[i].byte_size / sizeof(float), std::nanf(""));
    output_pointers.push_back((*outputs)[i].data());
  }
  AlignedBuffer scratch(info.scratch_size, info.scratch_alignment);
  return info.run(input_pointers.data(), output_pointers.data(), scratch.data());
}

::testing::AssertionResult NearlyEqual(const std::vector<float>& actual, const std::vector<float>& expected,
                                       double relative, double absolute) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure() << "sizes differ: " << actual.size() << " vs " << expected.size();
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    const double difference = std::fabs(static_cast<double>(actual[i]) - expected[i]);
    const bool both_nan = std::isnan(actual[i]) && std::isnan(expected[i]);
    if (!both_nan && !(difference <= absolute + relative * std::fabs(expected[i]))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << actual[i] << " vs expected "
                                           << expected[i] << " (difference " << difference << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

std::vector<float> RandomFloats(size_t count, uint32_t seed, float low, float high) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> distribution(low, high);
  std::vector<float> values(count);
  for (float& v : values) v = distribution(generator);
  return values;
}

CommandResult RunCommand(const std::string& command) {
  CommandResult result{-1, ""};
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  size_t read;
  while ((read = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TemporaryFolder::TemporaryFolder() {
  std::string pattern = (std::filesystem::temp_directory_path() / "modelc-test-XXXXXX").string();
  path_ = mkdtemp(pattern.data());
}

TemporaryFolder::~TemporaryFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::vector<std::string> TemporaryFolder::Files() const {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(path_)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string WriteFile(const TemporaryFolder& folder, const std::string& name, const std::string& contents) {
  std::ofstream(folder.File(name), std::ios::binary) << contents;
  return folder.File(name);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

}  // namespace modelc::testing
