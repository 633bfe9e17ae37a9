// The tested targets (see tested_targets.h); the cross tests' toolchain files in
// cmake/toolchains are the other half of each row.
#include "compiler/backend/tested_targets.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace modelc {

std::span<const TestedTarget> TestedTargets() {
  static constexpr TestedTarget kTargets[] = {
      {"x86_64-linux-gnu", "(the build machine's)", "SSE/AVX/AVX-512 as the CPU has", "hard",
       "the test suite on the host"},
      {"aarch64-linux-gnu", "cortex-a53", "NEON", "hard", "cross tests under qemu-aarch64"},
      {"riscv64-linux-gnu", "sifive-u74", "RV64GC", "hard (lp64d)", "cross tests under qemu-riscv64"},
      {"riscv64-linux-gnu", "sifive-x280", "RV64GCV (RVV, VLEN 512)", "hard (lp64d)", "cross tests under qemu-riscv64"},
      {"thumbv7m-none-eabi", "cortex-m3", "no FPU (floats in libgcc)", "soft",
       "firmware on qemu-system-arm -M mps2-an385"},
      {"thumbv7em-none-eabihf", "cortex-m4", "FPv4-SP, DSP", "hard", "firmware on qemu-system-arm -M mps2-an386"},
      {"thumbv7em-none-eabihf", "cortex-m7", "FPv5-DP, DSP", "hard", "firmware on qemu-system-arm -M mps2-an500"},
      {"thumbv8m.main-none-eabihf", "cortex-m33", "FPv5-SP, DSP", "hard", "firmware on qemu-system-arm -M mps2-an505"},
      {"thumbv8.1m.main-none-eabihf", "cortex-m55", "Helium (MVE-F), FPv5-DP, DSP", "hard",
       "firmware on qemu-system-arm -M mps3-an547"},
      {"riscv32-unknown-elf", "sifive-e20", "RV32IMC, no FPU (floats in libgcc)", "soft (ilp32)",
       "firmware on qemu-system-riscv32 -M virt"},
  };
  return kTargets;
}

std::string TestedTargetsText() {
  std::string text = absl::StrFormat("%-28s %-22s %-35s %-13s %s\n", "target (--target)", "cpu (--cpu)", "features",
                                     "float ABI", "tested by");
  for (const TestedTarget& target : TestedTargets()) {
    absl::StrAppendFormat(&text, "%-28s %-22s %-35s %-13s %s\n", target.triple, target.cpu, target.features,
                          target.float_abi, target.tested_by);
  }
  return text;
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::vector<std::string> NearestNames(std::string_view given, const std::vector<std::string>& candidates,
                                      size_t count) {
  std::vector<std::pair<size_t, size_t>> ranked;  // (distance, position)
  for (size_t i = 0; i < candidates.size(); ++i) ranked.emplace_back(EditDistance(given, candidates[i]), i);
  std::stable_sort(ranked.begin(), ranked.end());
  std::vector<std::string> nearest;
  for (const auto& [distance, i] : ranked) {
    if (nearest.size() == count) break;
    if (std::find(nearest.begin(), nearest.end(), candidates[i]) == nearest.end()) nearest.push_back(candidates[i]);
  }
  return nearest;
}

}  // namespace modelc
