// `modelc run`: compiles a model for this machine into a temporary folder, loads it and
// runs it on tensors read from files (.npy or ONNX TensorProto .pb, runtime/host),
// printing its outputs, and optionally saving them and checking them against expected
// tensors.
#ifndef MODELC_DRIVER_RUN_COMMAND_H_
#define MODELC_DRIVER_RUN_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/driver/options.h"

namespace modelc {

struct RunOptions {
  CompileOptions compile;                   // for the host, into a temporary folder
  std::vector<std::string> input_files;     // --input, one per model input, in order
  std::vector<std::string> expected_files;  // --expect, one per output, in order (or none)
  std::string save_dir;                     // --save-outputs: DIR/output_<i>.npy
  double relative_tolerance = 1e-3;         // --rtol (float outputs; others exactly)
  double absolute_tolerance = 1e-5;         // --atol
};

// Parses the arguments after "run": its own flags, and every compile flag except those
// that choose where or for what the object is built.
absl::StatusOr<RunOptions> ParseRunOptions(const std::vector<std::string>& args);

// Compiles, loads and runs; prints each output (and each comparison) to `out`. Fails on
// a compile error, unreadable or mismatched inputs, or an output unlike its expected
// tensor. The temporary folder is removed in every case.
[[nodiscard]] absl::Status RunModelOnFiles(const RunOptions& options, std::ostream& out);

}  // namespace modelc

#endif  // MODELC_DRIVER_RUN_COMMAND_H_
