// The converters of Keras's recurrent layers (keras_recurrent_layers.cc); the table of
// every converter is keras_layers.h's.
#ifndef MODELC_FRONTEND_KERAS_KERAS_RECURRENT_LAYERS_H_
#define MODELC_FRONTEND_KERAS_KERAS_RECURRENT_LAYERS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/frontend/keras/layer_builder.h"

namespace modelc::keras_layers {

// SimpleRNN, GRU (reset_after either way) and LSTM: return_sequences, return_state,
// go_backwards.
absl::StatusOr<std::vector<ValueId>> ConvertRecurrent(LayerBuilder& b);

}  // namespace modelc::keras_layers

#endif  // MODELC_FRONTEND_KERAS_KERAS_RECURRENT_LAYERS_H_
