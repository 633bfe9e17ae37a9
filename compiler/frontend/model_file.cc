// Model files: reading with a size cap, and telling the format from the contents.
#include "compiler/frontend/model_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace modelc {
namespace {

namespace fs = std::filesystem;

// A FlatBuffer starts with the offset of its root table (4 bytes); the file
// identifier follows.
constexpr char kTfliteIdentifier[] = "TFL3";
constexpr size_t kTfliteIdentifierOffset = 4;
constexpr char kZipLocalHeader[] = "PK\x03\x04";
constexpr char kHdf5Signature[] = "\x89HDF\r\n\x1a\n";

}  // namespace

absl::StatusOr<std::string> ReadModelFile(const std::string& path, int64_t max_bytes) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    return absl::NotFoundError("cannot open file: it does not exist or is not a regular file");
  }
  const uintmax_t size = fs::file_size(path, error);
  if (error) return absl::NotFoundError("cannot read the file's size");
  if (size > static_cast<uintmax_t>(max_bytes)) {
    return absl::InvalidArgumentError(absl::StrCat("the file holds ", size, " bytes, more than the limit of ",
                                                   max_bytes, " (--max-model-size raises it)"));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError("cannot open file");
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) return absl::DataLossError("read error");
  return std::move(contents).str();
}

ModelFormat DetectModelFormat(const std::string& path) {
  const fs::path extension = fs::path(path).extension();
  if (extension == ".tflite") return ModelFormat::kTflite;
  if (extension == ".keras" || extension == ".h5") return ModelFormat::kKeras;
  std::ifstream file(path, std::ios::binary);
  char head[8] = {};
  if (!file.read(head, sizeof(head))) return ModelFormat::kOnnx;
  if (std::string(head + kTfliteIdentifierOffset, 4) == kTfliteIdentifier) return ModelFormat::kTflite;
  if (std::string(head, 4) == kZipLocalHeader || std::string(head, 8) == std::string(kHdf5Signature, 8)) {
    return ModelFormat::kKeras;
  }
  return ModelFormat::kOnnx;
}

}  // namespace modelc
