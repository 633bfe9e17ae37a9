// The calibration samples of `modelc quantize --calibration DIR`, read in name order:
//   - a file per sample for a one-input model: NumPy .npy or ONNX TensorProto .pb;
//   - a raw .bin of the input's bytes, one or more samples back to back;
//   - a subfolder per sample holding one file per input (.npy or .pb, in name order),
//     as ONNX's test data sets do; needed when the model has several inputs.
// Each tensor must have the model input's element type and size.
#ifndef MODELC_QUANTIZE_CALIBRATION_SAMPLES_H_
#define MODELC_QUANTIZE_CALIBRATION_SAMPLES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/driver/host_model.h"

namespace modelc {

// Entries are taken in natural order (input_2.pb before input_10.pb); entries that are
// neither regular files nor folders (pipes, devices) are skipped. At most this many
// samples, and this many bytes of them, are read (calibration needs hundreds of
// samples, not millions); more is refused, not truncated.
inline constexpr size_t kMaxCalibrationSamples = 100000;
inline constexpr uint64_t kMaxCalibrationBytes = uint64_t{1} << 30;

struct CalibrationSample {
  HostTensors inputs;  // one per model input, in order
  std::string source;  // the file (and sample index in a raw file), for messages
};

absl::StatusOr<std::vector<CalibrationSample>> ReadCalibrationSamples(const std::string& folder,
                                                                      const modelc_model_info& model);

}  // namespace modelc

#endif  // MODELC_QUANTIZE_CALIBRATION_SAMPLES_H_
