// Helpers shared by the tests: files, running compiled models through their
// descriptor, comparing floats, running commands, temporary folders.
#ifndef MODELC_TESTS_TEST_SUPPORT_H_
#define MODELC_TESTS_TEST_SUPPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "gtest/gtest.h"
#include "modelc/abi.h"

namespace modelc::testing {

// An ONNX model file imported and run through the default pipeline as memory-first
// modes run it (int8 weights kept, float requantisation); a failure fails the test and
// gives an empty graph.
Graph OptimisedTestModel(const std::string& path);

std::vector<float> ReadFloats(const std::string& path);
// `count` floats uniform in [-1, 1) from mulberry32 seeded with `seed`: the generator of
// ../shared/models' inputs (seed 12345 gives NAME.input.bin) and of the int8 networks'
// test samples (tools/quantize).
std::vector<float> Mulberry32Floats(uint32_t seed, size_t count);
std::string ReadFileBytes(const std::string& path);
bool FileExists(const std::string& path);

// A buffer aligned as the model asks, for scratch or a pool, followed by guard bytes:
// the test fails when the buffer is destroyed with a guard byte changed (a kernel wrote
// past the end of the arena, which ends at its top tensor's last byte).
class AlignedBuffer {
 public:
  AlignedBuffer(uint64_t size, uint64_t alignment);
  ~AlignedBuffer();
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  void* data() const { return data_; }

 private:
  static constexpr uint64_t kGuardBytes = 256;
  static constexpr unsigned char kGuardValue = 0xC5;
  void* data_;
  uint64_t size_;
};

// Runs a compiled model through its generic entry; returns its status code.
int RunCompiled(const modelc_model_info& info, const std::vector<std::vector<float>>& inputs,
                std::vector<std::vector<float>>* outputs);

// Expects |actual - expected| <= absolute + relative * |expected| everywhere.
::testing::AssertionResult NearlyEqual(const std::vector<float>& actual, const std::vector<float>& expected,
                                       double relative, double absolute);

// Deterministic uniform values in [low, high).
std::vector<float> RandomFloats(size_t count, uint32_t seed, float low = -1.0f, float high = 1.0f);

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};
CommandResult RunCommand(const std::string& command);

// A fresh empty folder, removed with its contents at destruction.
class TemporaryFolder {
 public:
  TemporaryFolder();
  ~TemporaryFolder();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Names of the files in the folder, sorted.
  std::vector<std::string> Files() const;

 private:
  std::string path_;
};

// Writes `contents` as file `name` of `folder`; returns its path.
std::string WriteFile(const TemporaryFolder& folder, const std::string& name, const std::string& contents);

// The lines of `text`, without their newlines.
std::vector<std::string> Lines(const std::string& text);

}  // namespace modelc::testing

#endif  // MODELC_TESTS_TEST_SUPPORT_H_
