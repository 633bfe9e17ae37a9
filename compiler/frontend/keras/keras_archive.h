// Reading a Keras model file: a Keras 3 `.keras` archive (a zip holding config.json,
// metadata.json and model.weights.h5) or a legacy HDF5 `.h5` model (the root's
// `model_config` attribute and the `model_weights` group). The file is read into memory
// once, under the size cap; zip members are looked up by exact name and never
// extracted, and the HDF5 weights are opened from memory, so nothing outside the file
// is ever read. libzip and HDF5 stay inside this file's .cc.
#ifndef MODELC_FRONTEND_KERAS_KERAS_ARCHIVE_H_
#define MODELC_FRONTEND_KERAS_KERAS_ARCHIVE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/tensor.h"

namespace modelc {

enum class KerasFileKind {
  kArchive,     // Keras 3 .keras: weights under layers/<snake_case class name>[_k]/vars/<i>
  kLegacyHdf5,  // .h5: weights under model_weights/<layer name>, listed by its weight_names
};

// The weights file (an open HDF5 file), read one layer at a time.
class KerasWeights {
 public:
  KerasWeights(int64_t file, KerasFileKind kind, int64_t max_elements)
      : file_(file), kind_(kind), max_elements_(max_elements) {}
  ~KerasWeights();
  KerasWeights(const KerasWeights&) = delete;
  KerasWeights& operator=(const KerasWeights&) = delete;

  // A layer's weights as float32 tensors, in Keras's order (layer.weights). `key` is the
  // layer's group: "layers/conv2d" in an archive, the layer's name in a legacy file
  // ("base/conv" for layer conv of a nested model base). A layer without a group has no
  // weights (an empty list).
  absl::StatusOr<std::vector<TensorData>> LayerWeights(const std::string& key) const;
  KerasFileKind kind() const { return kind_; }

 private:
  int64_t file_;  // an HDF5 hid_t
  KerasFileKind kind_;
  int64_t max_elements_;  // no weight holds more elements than the file has bytes
};

struct KerasFile {
  KerasFileKind kind = KerasFileKind::kArchive;
  std::string config_json;  // the model's config: config.json, or the model_config attribute
  // A legacy file written by Keras 2 (its keras_version attribute): some activations
  // mean other functions there (hard_sigmoid: 0.2 x + 0.5, not relu6(x + 3) / 6).
  bool written_by_keras2 = false;
  std::unique_ptr<KerasWeights> weights;
};

// Errors are one line without the file name (the caller prefixes it).
absl::StatusOr<KerasFile> ReadKerasFile(const std::string& path, int64_t max_bytes);

}  // namespace modelc

#endif  // MODELC_FRONTEND_KERAS_KERAS_ARCHIVE_H_
