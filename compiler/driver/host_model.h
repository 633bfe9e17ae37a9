// A model compiled for this machine into a temporary folder and loaded by the host
// runner (runtime/host): what `modelc run` and `modelc quantize` execute models with.
#ifndef MODELC_DRIVER_HOST_MODEL_H_
#define MODELC_DRIVER_HOST_MODEL_H_

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/driver/options.h"
#include "modelc/host_runner.h"

namespace modelc {

// Tensors from the host runner, released with this object (movable, not copyable).
class HostTensors {
 public:
  explicit HostTensors(size_t count = 0) : tensors_(count) {}
  ~HostTensors() { Release(); }
  HostTensors(HostTensors&& other) noexcept : tensors_(std::move(other.tensors_)) { other.tensors_.clear(); }
  HostTensors& operator=(HostTensors&& other) noexcept;
  HostTensors(const HostTensors&) = delete;
  HostTensors& operator=(const HostTensors&) = delete;

  modelc_host_tensor* data() { return tensors_.data(); }
  const modelc_host_tensor* data() const { return tensors_.data(); }
  modelc_host_tensor& operator[](size_t i) { return tensors_[i]; }
  const modelc_host_tensor& operator[](size_t i) const { return tensors_[i]; }
  size_t size() const { return tensors_.size(); }

 private:
  void Release();
  std::vector<modelc_host_tensor> tensors_;
};

// "float32[1,10]", as messages print a tensor.
std::string TypeAndShape(const modelc_host_tensor& tensor);
// The model's inputs, "'x' float32[1,3]", for messages.
std::string ModelInputs(const modelc_model_info& model);

// A folder of its own under $TMPDIR (or /tmp), removed with this object.
class TemporaryFolder {
 public:
  static absl::StatusOr<std::unique_ptr<TemporaryFolder>> Make();
  ~TemporaryFolder();
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit TemporaryFolder(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

class HostModel {
 public:
  // Compiles `options` (its output folder and target replaced: a temporary folder, this
  // machine) and loads the object. The compiler's summary goes to `log`.
  static absl::StatusOr<std::unique_ptr<HostModel>> Compile(CompileOptions options, std::ostream& log);
  ~HostModel();
  HostModel(const HostModel&) = delete;
  HostModel& operator=(const HostModel&) = delete;

  const modelc_model_info& info() const { return *info_; }
  // Runs the model on inputs of its types and sizes (checked; `inputs_from` names them
  // in messages); returns its outputs.
  absl::StatusOr<HostTensors> Run(const HostTensors& inputs, const std::string& inputs_from) const;

 private:
  HostModel() = default;
  std::unique_ptr<TemporaryFolder> folder_;  // the object and its library, removed last
  void* handle_ = nullptr;
  const modelc_model_info* info_ = nullptr;
};

}  // namespace modelc

#endif  // MODELC_DRIVER_HOST_MODEL_H_
