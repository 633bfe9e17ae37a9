// Reads an ONNX model from disk: binary protobuf or ONNX's text syntax, with
// external tensor data resolved safely (inside the model's folder, within bounds)
// and inlined, so later stages see a self-contained ModelProto.
#ifndef MODELC_FRONTEND_ONNX_MODEL_LOADER_H_
#define MODELC_FRONTEND_ONNX_MODEL_LOADER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "onnx/onnx_pb.h"

namespace modelc {

// Errors are InvalidArgument / NotFound without the file name; callers prefix it.
// A file of more than `max_file_bytes` is refused before it is read.
absl::StatusOr<onnx::ModelProto> LoadOnnxModel(const std::string& path, int64_t max_file_bytes);

}  // namespace modelc

#endif  // MODELC_FRONTEND_ONNX_MODEL_LOADER_H_
