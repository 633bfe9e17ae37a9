// The converters of Keras's merging layers (keras_merge_layers.cc); the table of every
// converter is keras_layers.h's.
#ifndef MODELC_FRONTEND_KERAS_KERAS_MERGE_LAYERS_H_
#define MODELC_FRONTEND_KERAS_KERAS_MERGE_LAYERS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/frontend/keras/layer_builder.h"

namespace modelc::keras_layers {

absl::StatusOr<std::vector<ValueId>> ConvertAdd(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertSubtract(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertMultiply(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertMaximum(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertMinimum(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertAverage(LayerBuilder& b);
absl::StatusOr<std::vector<ValueId>> ConvertConcatenate(LayerBuilder& b);
// Dot: a product over one axis of each input (normalize: of their L2-normalised forms).
absl::StatusOr<std::vector<ValueId>> ConvertDot(LayerBuilder& b);

}  // namespace modelc::keras_layers

#endif  // MODELC_FRONTEND_KERAS_KERAS_MERGE_LAYERS_H_
