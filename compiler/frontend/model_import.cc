// Dispatch to the importer of the file's format.
#include "compiler/frontend/model_import.h"

#include "compiler/frontend/keras/keras_importer.h"
#include "compiler/frontend/model_file.h"
#include "compiler/frontend/onnx/onnx_importer.h"
#include "compiler/frontend/tflite/tflite_importer.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::StatusOr<Graph> ImportModelFile(const std::string& path, const ImportOptions& options) {
  switch (DetectModelFormat(path)) {
    case ModelFormat::kOnnx:
      return ImportOnnxFile(path, options);
    case ModelFormat::kTflite:
      return ImportTfliteFile(path, options);
    case ModelFormat::kKeras:
      return ImportKerasFile(path, options);
  }
  MODELC_UNREACHABLE("unknown model format");
}

}  // namespace modelc
