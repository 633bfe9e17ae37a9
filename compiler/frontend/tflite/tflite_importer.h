// TFLite -> modelc graph IR: the TFLite frontend's entry. Reads and checks the file
// (tflite_file.h), refuses every unsupported operator at once, then imports subgraph 0
// (subgraph_importer.h). FlatBuffers stays inside this folder.
#ifndef MODELC_FRONTEND_TFLITE_TFLITE_IMPORTER_H_
#define MODELC_FRONTEND_TFLITE_TFLITE_IMPORTER_H_

#include <string>

#include "absl/status/statusor.h"
#include "compiler/frontend/import_options.h"
#include "compiler/ir/graph.h"

namespace modelc {

// Every error message is one line starting with the file path; an operator's names
// its index and builtin operator.
absl::StatusOr<Graph> ImportTfliteFile(const std::string& path, const ImportOptions& options);

}  // namespace modelc

#endif  // MODELC_FRONTEND_TFLITE_TFLITE_IMPORTER_H_
