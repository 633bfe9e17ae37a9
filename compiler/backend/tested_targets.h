// The targets modelc is tested on, as data: `modelc targets` prints them, and an
// unknown or misspelt --target or --cpu is answered with the nearest of them.
#ifndef MODELC_BACKEND_TESTED_TARGETS_H_
#define MODELC_BACKEND_TESTED_TARGETS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace modelc {

struct TestedTarget {
  const char* triple;
  const char* cpu;        // the CPU the tests use (--cpu; for bare-metal triples also the default)
  const char* features;   // the instruction-set extensions the generated code uses
  const char* float_abi;  // how floats are passed: in FPU registers (hard), or integer ones (soft)
  const char* tested_by;  // what runs it in the test command
};

std::span<const TestedTarget> TestedTargets();

// The table, one target per line, for `modelc targets`.
std::string TestedTargetsText();

// The candidates nearest to `given` by edit distance (at most `count`, nearest first,
// ties in the candidates' order), for "did you mean" hints.
std::vector<std::string> NearestNames(std::string_view given, const std::vector<std::string>& candidates,
                                      size_t count);

}  // namespace modelc

#endif  // MODELC_BACKEND_TESTED_TARGETS_H_
