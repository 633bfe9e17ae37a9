// Reading a model file, shared by the frontends: the size cap checked before a byte is
// read, and which format the file holds, told by its contents.
#ifndef MODELC_FRONTEND_MODEL_FILE_H_
#define MODELC_FRONTEND_MODEL_FILE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace modelc {

// The whole file. A file of more than `max_bytes` is refused before it is read. Errors
// are NotFound / InvalidArgument / DataLoss without the file name; callers prefix it.
absl::StatusOr<std::string> ReadModelFile(const std::string& path, int64_t max_bytes);

enum class ModelFormat {
  kOnnx,    // binary protobuf or ONNX's text syntax
  kTflite,  // a TFLite FlatBuffer
  kKeras,   // a Keras 3 .keras archive (a zip) or a legacy Keras HDF5 file
};

// A file whose bytes 4 to 7 are the FlatBuffer file identifier "TFL3" is a TFLite
// model, whatever its name; so is a file named *.tflite (which the TFLite frontend
// then refuses if it lacks the identifier). A file starting with a zip's local header
// ("PK\3\4") or HDF5's signature ("\x89HDF\r\n\x1a\n"), or named *.keras or *.h5, is
// a Keras model (the Keras frontend checks for config.json or model_config). Everything
// else is ONNX. Reads at most 8 bytes; a file that cannot be read is ONNX (whose
// loader reports why).
ModelFormat DetectModelFormat(const std::string& path);

}  // namespace modelc

#endif  // MODELC_FRONTEND_MODEL_FILE_H_
