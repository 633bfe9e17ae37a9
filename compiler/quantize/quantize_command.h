// `modelc quantize`: post-training int8 quantisation of a float ONNX model into a
// standard QDQ ONNX model (which ONNX Runtime runs too), calibrated on sample inputs,
// with a report of every quantised tensor's SQNR against the float model.
//
// Steps: import (modelc's checks), BatchNormalization folded into the Conv / Gemm
// before it, Q/DQ placement (qdq_placement.h), the float model compiled for this
// machine and run on every sample for the activations' ranges (min/max, or a
// percentile of a histogram in a second pass), the QDQ model written, then compiled
// and run on the samples beside the float model for the SQNR of each int8 tensor.
#ifndef MODELC_QUANTIZE_QUANTIZE_COMMAND_H_
#define MODELC_QUANTIZE_QUANTIZE_COMMAND_H_

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/driver/options.h"

namespace modelc {

enum class CalibrationMethod { kMinMax, kPercentile };

struct QuantizeOptions {
  std::string model_path;
  std::string calibration_folder;  // --calibration
  std::string output_path;         // -o: the QDQ model; the report beside it
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.999;             // --percentile, for --method percentile
  std::map<std::string, int64_t> dims;    // --dim
  std::vector<std::string> compile_args;  // --dim / --max-model-size as given, for compiling
};

absl::StatusOr<QuantizeOptions> ParseQuantizeOptions(const std::vector<std::string>& args);

// The report's path for a model written to `output_path`: NAME.quantize.txt beside it.
std::string QuantizeReportPath(const std::string& output_path);

// Writes the model and its report, both or neither; prints a summary to `out`.
[[nodiscard]] absl::Status RunQuantize(const QuantizeOptions& options, std::ostream& out);

// `modelc compile`: RunCompile, after RunQuantize with --quantize int8 (its model and
// report written beside the object, all files or none).
[[nodiscard]] absl::Status RunCompileCommand(const CompileOptions& options, std::ostream& out);

}  // namespace modelc

#endif  // MODELC_QUANTIZE_QUANTIZE_COMMAND_H_
