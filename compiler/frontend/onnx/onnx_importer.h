// ONNX -> modelc graph IR. The only code (with model_loader and tensor_conversion)
// that includes ONNX headers, and the only place that catches ONNX's exceptions.
#ifndef MODELC_FRONTEND_ONNX_ONNX_IMPORTER_H_
#define MODELC_FRONTEND_ONNX_ONNX_IMPORTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "compiler/frontend/import_options.h"
#include "compiler/ir/graph.h"

namespace modelc {

// Loads, validates and converts a model file (binary or text syntax). Every error
// message starts with the file path and names the node and op where there is one.
absl::StatusOr<Graph> ImportOnnxFile(const std::string& path, const ImportOptions& options);

}  // namespace modelc

#endif  // MODELC_FRONTEND_ONNX_ONNX_IMPORTER_H_
