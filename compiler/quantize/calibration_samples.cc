#include "compiler/quantize/calibration_samples.h"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

namespace fs = std::filesystem;

// Natural order: runs of digits compare as numbers ("input_2" < "input_10").
bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t i_end = i, j_end = j;
      while (i_end < a.size() && std::isdigit(static_cast<unsigned char>(a[i_end]))) ++i_end;
      while (j_end < b.size() && std::isdigit(static_cast<unsigned char>(b[j_end]))) ++j_end;
      std::string x = a.substr(i, i_end - i), y = b.substr(j, j_end - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = i_end, j = j_end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j || (a.size() - i == b.size() - j && a < b);
}

// The regular files and folders of a folder that are not hidden, in natural order.
absl::StatusOr<std::vector<fs::path>> Entries(const fs::path& folder) {
  std::error_code error;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    std::error_code kind;
    const bool usable = fs::is_regular_file(it->path(), kind) || fs::is_directory(it->path(), kind);
    if (usable && it->path().filename().string().rfind('.', 0) != 0) entries.push_back(it->path());
  }
  if (error) return absl::InvalidArgumentError(absl::StrCat(folder.string(), ": ", error.message()));
  std::sort(entries.begin(), entries.end(),
            [](const fs::path& a, const fs::path& b) { return NaturalLess(a.filename().string(), b.filename().string()); });
  return entries;
}

// Counts a sample's bytes against the limit.
absl::Status Budget(uint64_t bytes, uint64_t* total, size_t samples, const std::string& where) {
  *total += bytes;
  if (*total > kMaxCalibrationBytes || samples >= kMaxCalibrationSamples) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": the calibration samples exceed ", kMaxCalibrationSamples,
                                                   " samples or ", kMaxCalibrationBytes >> 20,
                                                   " MiB; calibrate on fewer (hundreds are enough)"));
  }
  return absl::OkStatus();
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
absl::Status ReadRawSamples(const fs::path& file, const modelc_model_info& model,
                            std::vector<CalibrationSample>* samples, uint64_t* total) {
  const modelc_tensor_info& input = model.inputs[0];
  std::error_code error;
  const uintmax_t size = fs::file_size(file, error);
  if (error || input.byte_size == 0 || size == 0 || size % input.byte_size != 0) {
    return absl::InvalidArgumentError(absl::StrCat(file.string(), ": a raw sample file holds whole samples of ",
                                                   input.byte_size, " bytes (the model's inputs: ", ModelInputs(model),
                                                   "), this one ", error ? 0 : size));
  }
  RETURN_IF_ERROR(Budget(size, total, samples->size() + size / input.byte_size - 1, file.string()));
  std::ifstream in(file, std::ios::binary);
  for (uintmax_t at = 0; at < size; at += input.byte_size) {
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
    samples->push_back(CalibrationSample{std::move(sample), absl::StrCat(file.string(), " (sample ", at / input.byte_size, ")")});
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<CalibrationSample>> ReadCalibrationSamples(const std::string& folder,
                                                                      const modelc_model_info& model) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    return absl::InvalidArgumentError(absl::StrCat("--calibration ", folder, ": not a folder"));
  }
  ASSIGN_OR_RETURN(const std::vector<fs::path> entries, Entries(folder));
  std::vector<CalibrationSample> samples;
  uint64_t total = 0;
  for (const fs::path& entry : entries) {
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
        RETURN_IF_ERROR(Budget(sample[i].byte_size, &total, samples.size(), entry.string()));
      }
      samples.push_back(CalibrationSample{std::move(sample), entry.string()});
      continue;
    }
    if (model.input_count != 1) {
      return absl::InvalidArgumentError(absl::StrCat(entry.string(), ": the model has ", model.input_count,
                                                     " inputs; give each sample as a subfolder with one file per input"));
    }
    if (entry.extension() == ".bin") {
      RETURN_IF_ERROR(ReadRawSamples(entry, model, &samples, &total));
      continue;
    }
    HostTensors sample(1);
    RETURN_IF_ERROR(ReadTensorFile(entry, &sample[0]));
    RETURN_IF_ERROR(CheckFits(sample[0], model, 0, entry));
    RETURN_IF_ERROR(Budget(sample[0].byte_size, &total, samples.size(), entry.string()));
    samples.push_back(CalibrationSample{std::move(sample), entry.string()});
  }
  if (samples.empty()) return absl::InvalidArgumentError(absl::StrCat("--calibration ", folder, ": no samples in it"));
  return samples;
}

}  // namespace modelc
