// The Keras layer converters: one per supported layer class, found by class name.
// A converter reads one layer call through LayerBuilder and returns the call's output
// values; the importer names them and checks what is left.
#ifndef MODELC_FRONTEND_KERAS_KERAS_LAYERS_H_
#define MODELC_FRONTEND_KERAS_KERAS_LAYERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/frontend/keras/layer_builder.h"

namespace modelc {

using LayerConverter = absl::StatusOr<std::vector<ValueId>> (*)(LayerBuilder&);

// The converter of a layer class, or nullptr when modelc does not support it.
// InputLayer and nested models are the importer's own (keras_importer.cc).
LayerConverter FindLayerConverter(const std::string& class_name);

}  // namespace modelc

#endif  // MODELC_FRONTEND_KERAS_KERAS_LAYERS_H_
