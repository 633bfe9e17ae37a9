// Keras -> modelc graph IR: the Keras frontend's entry. Reads the file
// (keras_archive.h) and its config (keras_config.h), refuses every unsupported layer
// at once, then builds the graph one layer call at a time (keras_layers.h). Graph
// inputs and outputs are the model's, in its order, under the Keras layer names; each
// layer call's output is a value named after its layer.
#ifndef MODELC_FRONTEND_KERAS_KERAS_IMPORTER_H_
#define MODELC_FRONTEND_KERAS_KERAS_IMPORTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "compiler/frontend/import_options.h"
#include "compiler/ir/graph.h"

namespace modelc {

// Every error message is one line starting with the file path; a layer's names the
// layer and its class.
absl::StatusOr<Graph> ImportKerasFile(const std::string& path, const ImportOptions& options);

}  // namespace modelc

#endif  // MODELC_FRONTEND_KERAS_KERAS_IMPORTER_H_
