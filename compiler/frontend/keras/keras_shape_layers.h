// The converters of Keras's cropping, up-sampling, repeating and embedding layers
// (keras_shape_layers.cc); the table of every converter is keras_layers.h's.
#ifndef MODELC_FRONTEND_KERAS_KERAS_SHAPE_LAYERS_H_
#define MODELC_FRONTEND_KERAS_KERAS_SHAPE_LAYERS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/frontend/keras/layer_builder.h"

namespace modelc::keras_layers {

absl::StatusOr<std::vector<ValueId>> ConvertCropping(LayerBuilder& b);    // Cropping1D/2D
absl::StatusOr<std::vector<ValueId>> ConvertUpSampling(LayerBuilder& b);  // UpSampling1D/2D
absl::StatusOr<std::vector<ValueId>> ConvertRepeatVector(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertEmbedding(LayerBuilder& b);

}  // namespace modelc::keras_layers

#endif  // MODELC_FRONTEND_KERAS_KERAS_SHAPE_LAYERS_H_
