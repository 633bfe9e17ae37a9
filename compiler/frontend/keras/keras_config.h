// A Keras model's config (config.json, or a legacy file's model_config) as a graph of
// layer calls: Sequential models become a chain, functional models keep their
// inbound nodes. Both Keras 3's format (inbound nodes as call arguments holding
// `__keras_tensor__`s with a keras_history) and Keras 2's ([layer, node, tensor, kwargs]
// lists) are read. Also: typed reading of a layer's config fields.
#ifndef MODELC_FRONTEND_KERAS_KERAS_CONFIG_H_
#define MODELC_FRONTEND_KERAS_KERAS_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace modelc {

// Output `tensor` of call `node` of the layer named `layer` (Keras's keras_history).
struct KerasTensorRef {
  std::string layer;
  int64_t node = 0;
  int64_t tensor = 0;
};

struct KerasLayer {
  std::string class_name;
  std::string name;
  nlohmann::json config;  // the layer's own config object
  // Each call of the layer (a shared layer has several): its input tensors, in order.
  std::vector<std::vector<KerasTensorRef>> calls;
  // The declared shape of an InputLayer (batch dimension first, null for any).
  std::vector<std::optional<int64_t>> input_shape;
};

struct KerasModelConfig {
  std::string class_name;  // Sequential, Functional (or Model)
  std::string name;
  std::vector<KerasLayer> layers;  // in the config's order, which is a valid call order
  std::vector<KerasTensorRef> inputs, outputs;
};

// Parses the JSON text of a whole model's config. Errors are one line naming the layer.
// For a Keras 2 file, activations Keras 3 redefined are renamed first (hard_sigmoid
// becomes "hard_sigmoid_keras2": 0.2 x + 0.5, clipped).
absl::StatusOr<KerasModelConfig> ParseKerasModelConfig(const std::string& json_text, bool written_by_keras2 = false);
// The same for an already parsed model object ({"class_name": ..., "config": ...}).
absl::StatusOr<KerasModelConfig> ReadKerasModelConfig(const nlohmann::json& model);

// A layer's config fields, each with a default used when the field is absent or null.
// A field of the wrong type is an error naming the field.
absl::StatusOr<int64_t> ConfigInt(const nlohmann::json& config, const char* key, int64_t fallback);
absl::StatusOr<double> ConfigNumber(const nlohmann::json& config, const char* key, double fallback);
absl::StatusOr<bool> ConfigBool(const nlohmann::json& config, const char* key, bool fallback);
absl::StatusOr<std::string> ConfigString(const nlohmann::json& config, const char* key, const std::string& fallback);
// A list of `size` integers, or one integer repeated (Keras's kernel_size=3); size 0:
// a list of any length.
absl::StatusOr<std::vector<int64_t>> ConfigInts(const nlohmann::json& config, const char* key, size_t size,
                                                const std::vector<int64_t>& fallback);
// Keras's snake_case of a class name (keras.src.utils.naming.to_snake_case):
// "DepthwiseConv2D" -> "depthwise_conv2d".
std::string KerasSnakeCase(const std::string& class_name);

}  // namespace modelc

#endif  // MODELC_FRONTEND_KERAS_KERAS_CONFIG_H_
