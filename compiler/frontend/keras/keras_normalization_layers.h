// The converters of Keras's normalisation layers (keras_normalization_layers.cc); the
// table of every converter is keras_layers.h's.
#ifndef MODELC_FRONTEND_KERAS_KERAS_NORMALIZATION_LAYERS_H_
#define MODELC_FRONTEND_KERAS_KERAS_NORMALIZATION_LAYERS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/frontend/keras/layer_builder.h"

namespace modelc::keras_layers {

absl::StatusOr<std::vector<ValueId>> ConvertBatchNormalization(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertNormalization(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertLayerNormalization(LayerBuilder& b);

}  // namespace modelc::keras_layers

#endif  // MODELC_FRONTEND_KERAS_KERAS_NORMALIZATION_LAYERS_H_
