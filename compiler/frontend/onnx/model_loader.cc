// ONNX model loading: format detection, parsing, external data.
#include "compiler/frontend/onnx/model_loader.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/model_file.h"
#include "compiler/util/status_macros.h"
#include "onnx/defs/parser.h"

namespace modelc {
namespace {

namespace fs = std::filesystem;

// External tensors larger than this are refused rather than read (4 GiB).
constexpr int64_t kMaxExternalTensorBytes = int64_t{4} << 30;

bool LooksLikeTextSyntax(const std::string& contents) {
  for (char c : contents) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    // A binary ModelProto starts with a field tag; '<' opens the text syntax's header.
    return c == '<';
  }
  return false;
}

absl::Status InlineExternalData(const fs::path& model_dir, onnx::TensorProto* tensor) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& entry : tensor->external_data()) {
    try {
      if (entry.key() == "location") location = entry.value();
      if (entry.key() == "offset") offset = std::stoll(entry.value());
      if (entry.key() == "length") length = std::stoll(entry.value());
    } catch (const std::exception&) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", tensor->name(),
                                                     "': external data key '", entry.key(),
                                                     "' is not a number"));
    }
  }
  const std::string context = absl::StrCat("tensor '", tensor->name(), "': external data '",
                                           location, "'");
  const fs::path relative(location);
  if (location.empty() || relative.is_absolute() || relative.has_root_name()) {
    return absl::InvalidArgumentError(absl::StrCat(context, " must be a relative path"));
  }
  for (const fs::path& part : relative) {
    if (part == "..") {
      return absl::InvalidArgumentError(absl::StrCat(context, " may not contain '..'"));
    }
  }
  std::error_code error;
  const fs::path base = fs::weakly_canonical(model_dir, error);
  const fs::path resolved = fs::weakly_canonical(model_dir / relative, error);
  if (error) return absl::NotFoundError(absl::StrCat(context, " cannot be resolved"));
  const std::string base_text = base.string() + "/";
  if (resolved.string().compare(0, base_text.size(), base_text) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(context, " leaves the model's folder"));
  }
  if (!fs::is_regular_file(resolved, error)) {
    return absl::NotFoundError(absl::StrCat(context, " does not exist"));
  }
  const int64_t file_size = static_cast<int64_t>(fs::file_size(resolved, error));
  if (offset < 0 || offset > file_size) {
    return absl::InvalidArgumentError(absl::StrCat(context, " offset ", offset, " is outside the file"));
  }
  if (length < 0) length = file_size - offset;
  if (length > file_size - offset || length > kMaxExternalTensorBytes) {
    return absl::InvalidArgumentError(absl::StrCat(context, " length ", length,
                                                   " runs past the end of the file"));
  }
  std::ifstream file(resolved, std::ios::binary);
  std::string bytes(static_cast<size_t>(length), '\0');
  file.seekg(offset);
  file.read(bytes.data(), length);
  if (!file) return absl::DataLossError(absl::StrCat(context, " could not be read"));
  tensor->clear_external_data();
  tensor->set_data_location(onnx::TensorProto::DEFAULT);
  tensor->set_raw_data(std::move(bytes));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<onnx::ModelProto> LoadOnnxModel(const std::string& path, int64_t max_file_bytes) {
  ASSIGN_OR_RETURN(std::string contents, ReadModelFile(path, max_file_bytes));
  if (contents.empty()) return absl::InvalidArgumentError("the file is empty");
  onnx::ModelProto model;
  if (LooksLikeTextSyntax(contents)) {
    // ONNX's text parser converts numbers with std::stoll / std::stof, which throw on
    // one out of range (a dimension of 99999999999999999999, 1e999).
    onnx::Status status;
    try {
      status = onnx::OnnxParser::Parse(model, contents.c_str());
    } catch (const std::out_of_range&) {
      return absl::InvalidArgumentError("not a valid ONNX text model: a number is out of range");
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat("not a valid ONNX text model: ", e.what()));
    }
    if (!status.IsOK()) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a valid ONNX text model: ", status.ErrorMessage()));
    }
  } else if (!model.ParseFromString(contents)) {
    return absl::InvalidArgumentError("not a valid ONNX model (protobuf parse failed; corrupt or truncated?)");
  }
  if (!model.has_graph()) return absl::InvalidArgumentError("the model has no graph");
  const fs::path model_dir = fs::path(path).parent_path().empty() ? fs::path(".")
                                                                   : fs::path(path).parent_path();
  for (onnx::TensorProto& tensor : *model.mutable_graph()->mutable_initializer()) {
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
      RETURN_IF_ERROR(InlineExternalData(model_dir, &tensor));
    }
  }
  return model;
}

}  // namespace modelc
