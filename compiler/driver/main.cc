// The `modelc` command: argument dispatch and exit codes. The work is in compile.cc
// run_command.cc and quantize/quantize_command.cc.
#include <iostream>
#include <string>
#include <vector>

#include "compiler/backend/target.h"
#include "compiler/backend/tested_targets.h"
#include "compiler/driver/compile.h"
#include "compiler/driver/options.h"
#include "compiler/driver/run_command.h"
#include "compiler/quantize/quantize_command.h"
#include "modelc_git_commit.h"  // generated at build time: cmake/GitCommit.cmake

namespace {
constexpr int kExitCompileError = 1;
constexpr int kExitUsageError = 2;
constexpr char kVersion[] = "modelc 0.1.0";
// A subcommand (compile, run): --help anywhere prints the usage; a flag error is a usage
// error (exit 2); a failure of the work itself exits 1.
template <typename Parse, typename Work>
int RunSubcommand(const std::vector<std::string>& args, Parse parse, Work work) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << modelc::kUsage;
      return 0;
    }
  }
  auto options = parse({args.begin() + 1, args.end()});
  if (!options.ok()) {
    std::cerr << "modelc: " << options.status().message() << "\n";
    return kExitUsageError;
  }
  const absl::Status status = work(*options, std::cout);
  if (!status.ok()) {
    std::cerr << "modelc: error: " << status.message() << "\n";
    return kExitCompileError;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << modelc::kUsage;
    return kExitUsageError;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << modelc::kUsage;
    return 0;
  }
  if (args[0] == "--version") {
    std::cout << kVersion << " (built from commit " << MODELC_GIT_COMMIT << ")\n" << modelc::BackendVersionText() << "\n"
              << "tested targets: modelc targets\n";
    return 0;
  }
  if (args[0] == "targets") {
    std::cout << modelc::TestedTargetsText();
    return 0;
  }
  if (args[0] == "run") return RunSubcommand(args, modelc::ParseRunOptions, modelc::RunModelOnFiles);
  if (args[0] == "quantize") return RunSubcommand(args, modelc::ParseQuantizeOptions, modelc::RunQuantize);
  if (args[0] == "compile") return RunSubcommand(args, modelc::ParseCompileOptions, modelc::RunCompileCommand);
  std::cerr << "modelc: unknown command '" << args[0] << "' (see modelc --help)\n";
  return kExitUsageError;
}
