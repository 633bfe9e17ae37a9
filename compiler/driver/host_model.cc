#include "compiler/driver/host_model.h"

#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/driver/compile.h"
#include "compiler/util/status_macros.h"

namespace modelc {

namespace fs = std::filesystem;

HostTensors& HostTensors::operator=(HostTensors&& other) noexcept {
  if (this != &other) {
    Release();
    tensors_ = std::move(other.tensors_);
    other.tensors_.clear();
  }
  return *this;
}

void HostTensors::Release() {
  for (modelc_host_tensor& tensor : tensors_) modelc_host_tensor_free(&tensor);
  tensors_.clear();
}

std::string TypeAndShape(const modelc_host_tensor& tensor) {
  std::vector<int64_t> shape(tensor.shape, tensor.shape + tensor.rank);
  return absl::StrCat(modelc_host_type_name(tensor.element_type), "[", absl::StrJoin(shape, ","), "]");
}

std::string ModelInputs(const modelc_model_info& model) {
  std::vector<std::string> inputs;
  for (uint32_t i = 0; i < model.input_count; ++i) {
    modelc_host_tensor described{};
    described.element_type = model.inputs[i].element_type;
    described.rank = std::min<int32_t>(model.inputs[i].rank, MODELC_HOST_MAX_RANK);
    std::memcpy(described.shape, model.inputs[i].shape, sizeof(int64_t) * described.rank);
    inputs.push_back(absl::StrCat("'", model.inputs[i].name, "' ", TypeAndShape(described)));
  }
  return absl::StrJoin(inputs, ", ");
}

absl::StatusOr<std::unique_ptr<TemporaryFolder>> TemporaryFolder::Make() {
  const char* base = getenv("TMPDIR");
  std::string pattern = absl::StrCat(base && *base ? base : "/tmp", "/modelc-run-XXXXXX");
  if (!mkdtemp(pattern.data())) return absl::InternalError("cannot create a temporary folder for the compiled model");
  return std::unique_ptr<TemporaryFolder>(new TemporaryFolder(pattern));
}

TemporaryFolder::~TemporaryFolder() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

absl::StatusOr<std::unique_ptr<HostModel>> HostModel::Compile(CompileOptions options, std::ostream& log) {
  std::unique_ptr<HostModel> model(new HostModel());
  ASSIGN_OR_RETURN(model->folder_, TemporaryFolder::Make());
  options.output_dir = model->folder_->path().string();
  options.target.clear();
  options.cpu.clear();
  RETURN_IF_ERROR(RunCompile(options, log));
  char error[1024] = "";
  model->info_ = modelc_host_load((model->folder_->path() / (options.name + ".o")).c_str(), options.name.c_str(),
                                  &model->handle_, error, sizeof error);
  if (!model->info_) return absl::InternalError(error);
  return model;
}

HostModel::~HostModel() {
  if (handle_) modelc_host_unload(handle_);
}

absl::StatusOr<HostTensors> HostModel::Run(const HostTensors& inputs, const std::string& inputs_from) const {
  const modelc_model_info& model = *info_;
  if (inputs.size() != model.input_count) {
    return absl::InvalidArgumentError(absl::StrCat("the model takes ", model.input_count, " input(s), ", inputs_from,
                                                   " gives ", inputs.size(), "; its inputs: ", ModelInputs(model)));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].element_type != model.inputs[i].element_type || inputs[i].byte_size != model.inputs[i].byte_size) {
      return absl::InvalidArgumentError(absl::StrCat(inputs_from, ": input ", i, " is ", TypeAndShape(inputs[i]),
                                                     "; the model's inputs: ", ModelInputs(model)));
    }
  }
  HostTensors outputs(model.output_count);
  char error[1024] = "";
  if (modelc_host_run(&model, inputs.data(), outputs.data(), error, sizeof error)) {
    return absl::InternalError(error);
  }
  return outputs;
}

}  // namespace modelc
