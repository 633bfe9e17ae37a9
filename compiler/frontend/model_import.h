// The frontends' one entry: a model file of any supported format -> graph IR. The
// driver and the tools call this; each format's importer stays behind it.
#ifndef MODELC_FRONTEND_MODEL_IMPORT_H_
#define MODELC_FRONTEND_MODEL_IMPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "compiler/frontend/import_options.h"
#include "compiler/ir/graph.h"

namespace modelc {

// Imports an ONNX, TFLite or Keras model, told apart by DetectModelFormat (model_file.h).
// Every error message starts with the file path.
absl::StatusOr<Graph> ImportModelFile(const std::string& path, const ImportOptions& options);

}  // namespace modelc

#endif  // MODELC_FRONTEND_MODEL_IMPORT_H_
