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

// At most this many samples are read (calibration needs hundreds, not millions).
inline constexpr size_t kMaxCalibrationSamples = 100000;

absl::StatusOr<std::vector<HostTensors>> ReadCalibrationSamples(const std::string& folder,
                                                                const modelc_model_info& model);

}  // namespace modelc

#endif  // MODELC_QUANTIZE_CALIBRATION_SAMPLES_H_
