// The converters of Keras's convolution and pooling layers (keras_window_layers.cc);
// the table of every converter is keras_layers.h's.
#ifndef MODELC_FRONTEND_KERAS_KERAS_WINDOW_LAYERS_H_
#define MODELC_FRONTEND_KERAS_KERAS_WINDOW_LAYERS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/frontend/keras/layer_builder.h"

namespace modelc::keras_layers {

absl::StatusOr<std::vector<ValueId>> ConvertConv(LayerBuilder& b);           // Conv1D, Conv2D
absl::StatusOr<std::vector<ValueId>> ConvertConvTranspose(LayerBuilder& b);  // Conv1DTranspose, Conv2DTranspose
absl::StatusOr<std::vector<ValueId>> ConvertDepthwiseConv(LayerBuilder& b);  // DepthwiseConv1D/2D
absl::StatusOr<std::vector<ValueId>> ConvertSeparableConv(LayerBuilder& b);  // SeparableConv1D/2D
absl::StatusOr<std::vector<ValueId>> ConvertMaxPooling(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertAveragePooling(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertGlobalAveragePooling(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertGlobalMaxPooling(LayerBuilder& b);

}  // namespace modelc::keras_layers

#endif  // MODELC_FRONTEND_KERAS_KERAS_WINDOW_LAYERS_H_
