#include "compiler/quantize/calibration_samples.h"

#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

namespace fs = std::filesystem;

// The entries of a folder that are not hidden, in name order.
absl::StatusOr<std::vector<fs::path>> Entries(const fs::path& folder) {
  std::error_code error;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    if (it->path().filename().string().rfind('.', 0) != 0) entries.push_back(it->path());
  }
  if (error) return absl::InvalidArgumentError(absl::StrCat(folder.string(), ": ", error.message()));
  std::sort(entries.begin(), entries.end());
  return entries;
}

absl::Status CheckFits(const modelc_host_tensor& tensor, const modelc_model_info& model, uint32_t input,
                       const fs::path& file) {
  const modelc_tensor_info& expected = model.inputs[input];
  if (tensor.element_type != expected.element_type || tensor.byte_size != expected.byte_size) {
    return absl::InvalidArgumentError(absl::StrCat(file.string(), " is ", TypeAndShape(tensor), "; the model's inputs: ",
                                                   ModelInputs(model)));
  }
  return absl::OkStatus();
}

absl::Status ReadTensorFile(const fs::path& file, modelc_host_tensor* tensor) {
  char error[1024] = "";
  if (modelc_host_tensor_read(file.c_str(), tensor, error, sizeof error)) return absl::InvalidArgumentError(error);
  return absl::OkStatus();
}

// A raw file of whole samples of the model's only input.
absl::Status ReadRawSamples(const fs::path& file, const modelc_model_info& model, std::vector<HostTensors>* samples) {
  const modelc_tensor_info& input = model.inputs[0];
  std::error_code error;
  const uintmax_t size = fs::file_size(file, error);
  if (error || input.byte_size == 0 || size == 0 || size % input.byte_size != 0) {
    return absl::InvalidArgumentError(absl::StrCat(file.string(), ": a raw sample file holds whole samples of ",
                                                   input.byte_size, " bytes (the model's inputs: ", ModelInputs(model),
                                                   "), this one ", error ? 0 : size));
  }
  std::ifstream in(file, std::ios::binary);
  for (uintmax_t at = 0; at < size; at += input.byte_size) {
    if (samples->size() >= kMaxCalibrationSamples) break;
    HostTensors sample(1);
    modelc_host_tensor& t = sample[0];
    t.element_type = input.element_type;
    t.rank = std::min<int32_t>(input.rank, MODELC_HOST_MAX_RANK);
    std::memcpy(t.shape, input.shape, sizeof(int64_t) * t.rank);
    t.byte_size = input.byte_size;
    t.data = aligned_alloc(64, (input.byte_size / 64 + 1) * 64);
    if (!t.data || !in.read(static_cast<char*>(t.data), static_cast<std::streamsize>(input.byte_size))) {
      return absl::InvalidArgumentError(absl::StrCat(file.string(), ": cannot read sample ", at / input.byte_size));
    }
    samples->push_back(std::move(sample));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<HostTensors>> ReadCalibrationSamples(const std::string& folder,
                                                                const modelc_model_info& model) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    return absl::InvalidArgumentError(absl::StrCat("--calibration ", folder, ": not a folder"));
  }
  ASSIGN_OR_RETURN(const std::vector<fs::path> entries, Entries(folder));
  std::vector<HostTensors> samples;
  for (const fs::path& entry : entries) {
    if (samples.size() >= kMaxCalibrationSamples) break;
    if (fs::is_directory(entry, error)) {
      ASSIGN_OR_RETURN(const std::vector<fs::path> files, Entries(entry));
      if (files.size() != model.input_count) {
        return absl::InvalidArgumentError(absl::StrCat(entry.string(), ": a sample folder holds one file per model input (",
                                                       model.input_count, "), this one ", files.size()));
      }
      HostTensors sample(files.size());
      for (uint32_t i = 0; i < files.size(); ++i) {
        RETURN_IF_ERROR(ReadTensorFile(files[i], &sample[i]));
        RETURN_IF_ERROR(CheckFits(sample[i], model, i, files[i]));
      }
      samples.push_back(std::move(sample));
      continue;
    }
    if (model.input_count != 1) {
      return absl::InvalidArgumentError(absl::StrCat(entry.string(), ": the model has ", model.input_count,
                                                     " inputs; give each sample as a subfolder with one file per input"));
    }
    if (entry.extension() == ".bin") {
      RETURN_IF_ERROR(ReadRawSamples(entry, model, &samples));
      continue;
    }
    HostTensors sample(1);
    RETURN_IF_ERROR(ReadTensorFile(entry, &sample[0]));
    RETURN_IF_ERROR(CheckFits(sample[0], model, 0, entry));
    samples.push_back(std::move(sample));
  }
  if (samples.empty()) return absl::InvalidArgumentError(absl::StrCat("--calibration ", folder, ": no samples in it"));
  return samples;
}

}  // namespace modelc
