// libFuzzer target: one input is one model file (ONNX binary protobuf, or with
// MODELC_FUZZ_TEXT_SYNTAX the text syntax), taken through every stage up to LLVM IR:
// import and validation, passes, lowering plan, buffer placement, IR generation and
// verification (modelc::LowerModel). A refusal is a fine outcome; a crash, a sanitizer
// report or a leak is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "compiler/driver/compile.h"

namespace {

// The loader reads files: each input is written to this process's own file first.
const std::string& ModelPath() {
  static const std::string path = "/tmp/modelc-fuzz-" + std::to_string(getpid()) + ".onnx";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
#ifdef MODELC_FUZZ_TEXT_SYNTAX
  if (bytes.find('<') == std::string::npos) return -1;  // not text syntax: not worth keeping
#endif
  std::ofstream(ModelPath(), std::ios::binary | std::ios::trunc) << bytes;
  modelc::CompileOptions options;
  options.model_path = ModelPath();
  options.model_paths = {ModelPath()};
  options.name = "fuzz";
  std::ostringstream dump;
  (void)modelc::LowerModel(options, dump);
  return 0;
}
