// modelc_lower_only: `modelc compile`'s stages up to the generated LLVM IR, for the same
// arguments, and nothing after them: import, passes, lowering plan, memory plan and the
// module built and verified; no LLVM optimisation, no code generation, no files.
//
//   modelc_lower_only compile MODEL [compile options] [';' compile MODEL [options]]...
//
// Each ';'-separated argument list is one model's, taken in turn in this one process.
// The sanitizer build runs it where tests compile many models only to run their code
// (tests/CMakeLists.txt): scripts/cross-test.sh --lower-only on every model of a cross
// target's checks, and lower_only.test_models on the models the end-to-end tests link.
// There modelc's own code runs under ASan and UBSan without the 80% of a compile that
// is LLVM's uninstrumented optimisation and code generation (the normal build compiles
// and runs each of those objects), and without the sanitizers' start-up per model.
// Exit status 0 when every model lowers; each failure is printed, naming the model.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/driver/compile.h"
#include "compiler/driver/options.h"

namespace {

// One argument list (after "compile"): its model lowered, or the error.
absl::Status Lower(const std::vector<std::string>& args) {
  absl::StatusOr<modelc::CompileOptions> options = modelc::ParseCompileOptions(args);
  if (!options.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(args.empty() ? "" : args[0] + ": ", options.status().message()));
  }
  std::ostream ignored(nullptr);
  return modelc::LowerModel(*options, ignored);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::vector<std::string>> lists(1);
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == ";") {
      lists.emplace_back();
    } else {
      lists.back().push_back(argv[i]);
    }
  }
  if (lists.size() > 1 && lists.back().empty()) lists.pop_back();  // a trailing ';'
  int failures = 0;
  for (const std::vector<std::string>& list : lists) {
    if (list.empty() || list[0] != "compile") {
      std::cerr << "usage: modelc_lower_only compile MODEL [modelc compile's options] [';' compile ...]...\n";
      return 2;
    }
    const absl::Status status = Lower({list.begin() + 1, list.end()});
    if (!status.ok()) {
      std::cerr << "modelc_lower_only: error: " << status.message() << "\n";
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
