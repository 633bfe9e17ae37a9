// The models the test build compiled with modelc_add_model, reachable by name.
#ifndef MODELC_TESTS_COMPILED_MODEL_REGISTRY_H_
#define MODELC_TESTS_COMPILED_MODEL_REGISTRY_H_

#include <ostream>
#include <string>
#include <vector>

#include "modelc/abi.h"

namespace modelc::testing {

struct CompiledModelEntry {
  std::string kind;  // "shipped", "int8" (their quantised forms), "shared" (../shared/models), "op" (tests/models), ...
  std::string name;
  const modelc_model_info* info;
  std::string model_path;
  std::string data_prefix;  // where the reference data files start, if any
};

const std::vector<CompiledModelEntry>& CompiledModels();

// Test names print the model's name, not the struct's bytes.
inline void PrintTo(const CompiledModelEntry& entry, std::ostream* out) { *out << entry.name; }

}  // namespace modelc::testing

#endif  // MODELC_TESTS_COMPILED_MODEL_REGISTRY_H_
