// ONNX backend conformance: walks a folder of ONNX's backend tests (Debian's
// libonnx-testdata: node, pytorch-converted, pytorch-operator, simple; each is
// model.onnx with test_data_set_*/input_*.pb and output_*.pb), compiles every model
// with modelc, loads and runs it with the host runner (runtime/host, as `modelc run`
// does) on each data set and compares with the expected outputs (float32: relative
// 1e-3, absolute 1e-5; integers and bools exactly).
//
// Each test runs in a child process, so a crash or hang is a failure of that test, not
// of the runner. Outcomes: passed; failed (compiled, but a wrong answer, an error code,
// a crash or a time-out); unsupported (modelc refused the model, e.g. an operator or
// element type it does not support). The run fails when any test fails, or when a test
// named in the expected-passing list does not pass.
//
//   modelc_conformance --data DIR --expected FILE --work DIR [--filter SUBSTRING]
//                      [--shard K/N] [--skip-same-in OTHER_DIR] [--lower-only]
// --lower-only (the sanitizer build's runs) takes each model only through the
// compiler's stages up to the verified LLVM IR (modelc::LowerModel), freezing inputs as
// a compile would: a test passes when it lowers. Nothing is run or compared, and no
// test is reported as newly passing: the normal build's runs check the answers, and
// LLVM's code generation is not instrumented.
// --skip-same-in leaves out each test whose folder OTHER_DIR holds too, the same files
// with the same bytes: a test another run covers (Debian's ONNX 1.14 node tests that
// the current release's set repeats). A skipped test is no regression.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/backend/c_names.h"
#include "compiler/driver/compile.h"
#include "modelc/host_runner.h"
#include "onnx/onnx_pb.h"

namespace fs = std::filesystem;

namespace {

constexpr int kSecondsPerTest = 60;
constexpr double kRelative = 1e-3, kAbsolute = 1e-5;

enum class Kind { kPassed = 0, kFailed = 1, kUnsupported = 2 };

struct Outcome {
  Kind kind;
  std::string reason;
};

std::string FirstLine(std::string text) {
  const size_t newline = text.find('\n');
  if (newline != std::string::npos) text.resize(newline);
  return text;
}

// A tensor read by the host runner (runtime/host), released with this object.
struct HostTensor {
  HostTensor() = default;
  HostTensor(HostTensor&& other) noexcept : t(other.t) { other.t = {}; }
  HostTensor(const HostTensor&) = delete;
  ~HostTensor() { modelc_host_tensor_free(&t); }
  modelc_host_tensor t{};
};

bool ReadTensor(const fs::path& path, HostTensor* tensor, std::string* problem) {
  char error[512] = "";
  if (modelc_host_tensor_read(path.c_str(), &tensor->t, error, sizeof error) == 0) return true;
  *problem = "test data: " + std::string(error);
  return false;
}

// In the child: compile, link, load, run every data set (with lower_only: lower the
// model for each data set it is frozen to, and nothing more). Exits with the outcome
// kind and writes the reason to `report`.
[[noreturn]] void RunInChild(const fs::path& test, const fs::path& work, bool lower_only, int report) {
  auto finish = [&](Kind kind, const std::string& reason) {
    if (!reason.empty()) (void)!write(report, reason.data(), reason.size());
    _exit(static_cast<int>(kind));
  };
  alarm(kSecondsPerTest);
  // The model's graph inputs in order (input_<i>.pb is the i-th), without initializers.
  std::vector<std::pair<std::string, int32_t>> graph_inputs;  // name, ONNX element type
  {
    onnx::ModelProto model;
    std::ifstream file(test / "model.onnx", std::ios::binary);
    if (!model.ParseFromIstream(&file)) finish(Kind::kUnsupported, "cannot parse model.onnx");
    std::set<std::string> initializers;
    for (const auto& tensor : model.graph().initializer()) initializers.insert(tensor.name());
    for (const auto& input : model.graph().input()) {
      if (!initializers.count(input.name())) graph_inputs.emplace_back(input.name(), input.type().tensor_type().elem_type());
    }
  }
  const std::string base_name = modelc::SanitizeCIdentifier(test.filename().string());
  // Compiles (freezing the named inputs to a data set's values when `frozen_from` is
  // set), links and loads the model; returns its descriptor. With lower_only it only
  // lowers the model and returns null; `compile_status` tells how that went.
  std::vector<size_t> frozen;  // indices into graph_inputs
  auto load = [&](const fs::path* frozen_from, const std::string& name, absl::Status* compile_status)
      -> const modelc_model_info* {
    modelc::CompileOptions options;
    options.model_path = (test / "model.onnx").string();
    options.output_dir = work.string();
    options.name = name;
    if (frozen_from) {
      for (size_t i : frozen) {
        options.frozen[graph_inputs[i].first] = "@" + (*frozen_from / ("input_" + std::to_string(i) + ".pb")).string();
      }
    }
    std::ostringstream ignored;
    if (lower_only) {
      *compile_status = modelc::LowerModel(options, ignored);
      return nullptr;
    }
    *compile_status = modelc::RunCompile(options, ignored);
    if (!compile_status->ok()) return nullptr;
    char error[512] = "";
    void* handle = nullptr;  // the child exits without unloading
    const modelc_model_info* info =
        modelc_host_load((work / (name + ".o")).c_str(), name.c_str(), &handle, error, sizeof error);
    if (!info) finish(Kind::kFailed, error);
    return info;
  };
  // A static-shape compiler needs shapes, axes, scales and similar inputs at compile
  // time. When the compiler names a graph input to fix with --freeze, the runner does
  // what a user would: freezes it (to each data set's value in turn) and tries again.
  // Such tests report as passed "with frozen inputs".
  absl::Status compiled;
  const modelc_model_info* shared_info = load(nullptr, base_name, &compiled);
  const fs::path first_data_set = test / "test_data_set_0";
  for (int attempt = 0; !compiled.ok() && attempt < 8; ++attempt) {
    const std::string message(compiled.message());
    const std::string marker = "fix its value with --freeze ";
    const size_t at = message.find(marker);
    if (at == std::string::npos) break;
    const std::string input = message.substr(at + marker.size(), message.find('=', at) - at - marker.size());
    size_t index = graph_inputs.size();
    for (size_t g = 0; g < graph_inputs.size(); ++g) {
      if (graph_inputs[g].first == input) index = g;
    }
    if (index == graph_inputs.size() || std::count(frozen.begin(), frozen.end(), index)) break;
    frozen.push_back(index);
    shared_info = load(&first_data_set, base_name, &compiled);
  }
  const bool freeze = !frozen.empty();
  if (!compiled.ok()) {
    std::string message(compiled.message());
    const std::string prefix = (test / "model.onnx").string() + ": ";
    if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
    finish(Kind::kUnsupported, (freeze ? "with inputs frozen: " : "") + FirstLine(message));
  }

  int data_sets = 0;
  for (const auto& entry : fs::directory_iterator(test)) {
    if (!entry.is_directory() || entry.path().filename().string().rfind("test_data_set_", 0) != 0) continue;
    ++data_sets;
    const modelc_model_info* info = shared_info;
    if (freeze && entry.path().filename() != "test_data_set_0") {
      info = load(&entry.path(), base_name + "_" + std::to_string(data_sets), &compiled);
      if (!compiled.ok()) {
        finish(Kind::kFailed, "with inputs frozen to another data set: " + FirstLine(std::string(compiled.message())));
      }
    }
    if (lower_only) continue;
    std::vector<HostTensor> inputs(info->input_count), expected(info->output_count), outputs(info->output_count);
    std::string problem;
    for (uint32_t i = 0; i < info->input_count; ++i) {
      // The data set's file for this input, found by name (frozen inputs are gone).
      size_t file_index = graph_inputs.size();
      for (size_t g = 0; g < graph_inputs.size(); ++g) {
        if (graph_inputs[g].first == info->inputs[i].name) file_index = g;
      }
      if (file_index == graph_inputs.size()) finish(Kind::kFailed, "an input of the object is not in the model");
      if (!ReadTensor(entry.path() / ("input_" + std::to_string(file_index) + ".pb"), &inputs[i], &problem)) {
        finish(Kind::kUnsupported, problem);
      }
      if (inputs[i].t.byte_size != info->inputs[i].byte_size || inputs[i].t.element_type != info->inputs[i].element_type) {
        finish(Kind::kFailed, "input " + std::to_string(i) + " has another size or element type");
      }
    }
    for (uint32_t o = 0; o < info->output_count; ++o) {
      if (!ReadTensor(entry.path() / ("output_" + std::to_string(o) + ".pb"), &expected[o], &problem)) {
        finish(Kind::kUnsupported, problem);
      }
      if (expected[o].t.byte_size != info->outputs[o].byte_size ||
          expected[o].t.element_type != info->outputs[o].element_type) {
        finish(Kind::kFailed, "output '" + std::string(info->outputs[o].name) + "' has the wrong size or element type");
      }
    }
    std::vector<modelc_host_tensor> in, out(info->output_count);
    for (const HostTensor& input : inputs) in.push_back(input.t);
    char error[512] = "";
    if (modelc_host_run(info, in.data(), out.data(), error, sizeof error)) finish(Kind::kFailed, error);
    for (uint32_t o = 0; o < info->output_count; ++o) {
      outputs[o].t = out[o];
      if (modelc_host_compare(&outputs[o].t, &expected[o].t, kRelative, kAbsolute, error, sizeof error)) {
        finish(Kind::kFailed, "wrong answer: output '" + std::string(info->outputs[o].name) + "' " + error + " (" +
                                  entry.path().filename().string() + ")");
      }
    }
  }
  if (data_sets == 0) finish(Kind::kUnsupported, "no test data sets");
  finish(Kind::kPassed, freeze ? "frozen" : "");
}

Outcome RunTest(const fs::path& test, const fs::path& work, bool lower_only) {
  int channel[2];
  if (pipe(channel) != 0) return {Kind::kFailed, "pipe failed"};
  const pid_t child = fork();
  if (child == 0) {
    close(channel[0]);
    RunInChild(test, work, lower_only, channel[1]);
  }
  close(channel[1]);
  std::string reason;
  char buffer[512];
  ssize_t got;
  while ((got = read(channel[0], buffer, sizeof buffer)) > 0) reason.append(buffer, got);
  close(channel[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) {
    return {Kind::kFailed, WTERMSIG(status) == SIGALRM ? "timed out" : "crashed with signal " + std::to_string(WTERMSIG(status))};
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  return {code == 0 ? Kind::kPassed : code == 2 ? Kind::kUnsupported : Kind::kFailed, reason};
}

// The regular files under `folder`, as paths relative to it, in order.
std::vector<fs::path> FilesUnder(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(folder, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (it->is_regular_file()) files.push_back(it->path().lexically_relative(folder));
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string FileBytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// Whether the two folders hold the same files (names and bytes).
bool SameFiles(const fs::path& a, const fs::path& b) {
  const std::vector<fs::path> files = FilesUnder(a);
  if (files.empty() || files != FilesUnder(b)) return false;
  for (const fs::path& file : files) {
    if (fs::file_size(a / file) != fs::file_size(b / file) || FileBytes(a / file) != FileBytes(b / file)) return false;
  }
  return true;
}

std::set<std::string> ReadList(const fs::path& path) {
  std::set<std::string> names;
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    if (!line.empty() && line[0] != '#') names.insert(line);
  }
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path data, expected_file, work, skip_same_in;
  std::string filter;
  bool lower_only = false;
  int shard = 0, shards = 1;  // --shard K/N: every N-th test from the K-th (0-based), in name order
  const char* usage =
      "usage: modelc_conformance --data DIR --expected FILE --work DIR [--filter TEXT] [--shard K/N] "
      "[--skip-same-in DIR] [--lower-only]\n";
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--lower-only") {
      lower_only = true;
      continue;
    }
    const bool takes_value = flag == "--data" || flag == "--expected" || flag == "--work" || flag == "--filter" ||
                             flag == "--skip-same-in" || flag == "--shard";
    if (!takes_value || i + 1 == argc) {
      std::cerr << (takes_value ? "no value for " : "unknown flag ") << flag << "\n" << usage;
      return 2;
    }
    const char* value = argv[++i];
    if (flag == "--data") data = value;
    else if (flag == "--expected") expected_file = value;
    else if (flag == "--work") work = value;
    else if (flag == "--filter") filter = value;
    else if (flag == "--skip-same-in") skip_same_in = value;
    else if (std::sscanf(value, "%d/%d", &shard, &shards) != 2) shards = 0;
  }
  if (shards < 1 || shard < 0 || shard >= shards) {
    std::cerr << "--shard takes K/N with 0 <= K < N\n";
    return 2;
  }
  if (data.empty() || work.empty()) {
    std::cerr << usage;
    return 2;
  }
  if (!fs::is_directory(data)) {
    std::cout << "conformance: no ONNX test data at " << data << " (install libonnx-testdata); skipped\n";
    return 77;
  }
  fs::create_directories(work);
  std::vector<fs::path> tests;
  for (const auto& entry : fs::directory_iterator(data)) {
    if (fs::exists(entry.path() / "model.onnx") && entry.path().filename().string().find(filter) != std::string::npos) {
      tests.push_back(entry.path());
    }
  }
  std::sort(tests.begin(), tests.end());
  std::vector<fs::path> sharded;
  for (size_t t = shard; t < tests.size(); t += shards) sharded.push_back(tests[t]);
  tests.swap(sharded);
  const std::set<std::string> expected = expected_file.empty() ? std::set<std::string>{} : ReadList(expected_file);

  int passed = 0, passed_frozen = 0, failed = 0, unsupported = 0, regressions = 0, skipped = 0;
  std::vector<std::string> newly_passing;
  for (const fs::path& test : tests) {
    const std::string name = test.filename().string();
    if (!skip_same_in.empty() && SameFiles(test, skip_same_in / name)) {
      ++skipped;
      continue;
    }
    const Outcome outcome = RunTest(test, work, lower_only);
    switch (outcome.kind) {
      case Kind::kPassed:
        ++passed;
        if (outcome.reason == "frozen") ++passed_frozen;
        if (!expected.count(name) && !lower_only) newly_passing.push_back(name);
        continue;
      case Kind::kFailed:
        ++failed;
        std::cout << "FAILED      " << name << ": " << outcome.reason << "\n";
        break;
      case Kind::kUnsupported:
        ++unsupported;
        std::cout << "unsupported " << name << ": " << outcome.reason << "\n";
        break;
    }
    if (expected.count(name)) {
      ++regressions;
      std::cout << "REGRESSION  " << name << " is in the expected-passing list\n";
    }
  }
  for (const std::string& name : newly_passing) std::cout << "new pass    " << name << " (add it to the expected list)\n";
  std::cout << "conformance" << (lower_only ? " (--lower-only: passed is lowered, not run)" : "") << ": " << passed
            << " passed (" << passed_frozen
            << " of them with shape or parameter inputs fixed by --freeze), " << failed << " failed, " << unsupported
            << " unsupported, of " << tests.size() << " ONNX backend tests in " << data.string();
  if (!skip_same_in.empty()) std::cout << " (" << skipped << " skipped: the same in " << skip_same_in.string() << ")";
  std::cout << "; " << regressions << " regressions against the expected list\n";
  return failed == 0 && regressions == 0 ? 0 : 1;
}
