// `modelc run`: the compiler, the host runner (runtime/host) and a temporary folder.
#include "compiler/driver/run_command.h"

#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/driver/compile.h"
#include "compiler/driver/host_model.h"
#include "compiler/util/status_macros.h"
#include "modelc/host_runner.h"

namespace modelc {
namespace {

namespace fs = std::filesystem;

// The first values of a tensor, for the summary line.
std::string FirstValues(const modelc_host_tensor& tensor, size_t most) {
  const size_t element = modelc_host_element_size(tensor.element_type);
  const size_t count = element ? tensor.byte_size / element : 0;
  std::vector<std::string> values;
  for (size_t i = 0; i < std::min(count, most); ++i) {
    const char* at = static_cast<const char*>(tensor.data) + i * element;
    switch (tensor.element_type) {
      case MODELC_FLOAT32: { float v; std::memcpy(&v, at, 4); values.push_back(absl::StrCat(v)); break; }
      case MODELC_FLOAT64: { double v; std::memcpy(&v, at, 8); values.push_back(absl::StrCat(v)); break; }
      case MODELC_INT8: values.push_back(absl::StrCat(static_cast<int8_t>(*at))); break;
      case MODELC_UINT8: case MODELC_BOOL: values.push_back(absl::StrCat(static_cast<uint8_t>(*at))); break;
      case MODELC_INT16: { int16_t v; std::memcpy(&v, at, 2); values.push_back(absl::StrCat(v)); break; }
      case MODELC_UINT16: { uint16_t v; std::memcpy(&v, at, 2); values.push_back(absl::StrCat(v)); break; }
      case MODELC_INT32: { int32_t v; std::memcpy(&v, at, 4); values.push_back(absl::StrCat(v)); break; }
      case MODELC_UINT32: { uint32_t v; std::memcpy(&v, at, 4); values.push_back(absl::StrCat(v)); break; }
      case MODELC_INT64: { int64_t v; std::memcpy(&v, at, 8); values.push_back(absl::StrCat(v)); break; }
      case MODELC_UINT64: { uint64_t v; std::memcpy(&v, at, 8); values.push_back(absl::StrCat(v)); break; }
      default: values.push_back("?");
    }
  }
  return absl::StrCat(absl::StrJoin(values, " "), count > most ? " ..." : "");
}

}  // namespace

absl::StatusOr<RunOptions> ParseRunOptions(const std::vector<std::string>& args) {
  RunOptions options;
  std::vector<std::string> compile_args;
  std::set<std::string> given_once;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    bool has_inline_value = false;
    if (flag.rfind("--", 0) == 0 && flag.find('=') != std::string::npos) {
      value = flag.substr(flag.find('=') + 1);
      flag = flag.substr(0, flag.find('='));
      has_inline_value = true;
    }
    auto take_value = [&]() -> absl::StatusOr<std::string> {
      if (has_inline_value) return value;
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      return args[++i];
    };
    if (flag == "-o" || flag == "--output-dir" || flag == "--target" || flag == "--cpu") {
      return absl::InvalidArgumentError(absl::StrCat(
          "modelc run compiles for this machine into a temporary folder: ", flag,
          " is for modelc compile (save the outputs with --save-outputs DIR)"));
    }
    if ((flag == "--save-outputs" || flag == "--rtol" || flag == "--atol") && !given_once.insert(flag).second) {
      return absl::InvalidArgumentError(absl::StrCat(flag, " is given twice"));
    }
    if (flag == "--input" || flag == "--expect") {
      ASSIGN_OR_RETURN(const std::string file, take_value());
      (flag == "--input" ? options.input_files : options.expected_files).push_back(file);
    } else if (flag == "--save-outputs") {
      ASSIGN_OR_RETURN(options.save_dir, take_value());
    } else if (flag == "--rtol" || flag == "--atol") {
      ASSIGN_OR_RETURN(const std::string given, take_value());
      double tolerance = 0;
      if (!absl::SimpleAtod(given, &tolerance) || !(tolerance >= 0) || tolerance > 1e30) {
        return absl::InvalidArgumentError(absl::StrCat(flag, " expects a non-negative number, got '", given, "'"));
      }
      (flag == "--rtol" ? options.relative_tolerance : options.absolute_tolerance) = tolerance;
    } else {
      compile_args.push_back(args[i]);
    }
  }
  ASSIGN_OR_RETURN(options.compile, ParseCompileOptions(compile_args));
  if (!options.compile.quantize_calibration.empty()) {
    return absl::InvalidArgumentError("modelc run takes the model as it is: quantise it with modelc quantize first");
  }
  if (options.compile.external_weights) {
    return absl::InvalidArgumentError("modelc run needs the weights in the object: drop --weights external");
  }
  return options;
}

absl::Status RunModelOnFiles(const RunOptions& options, std::ostream& out) {
  char error[1024] = "";
  // The inputs first: a missing file is reported before any compiling.
  HostTensors inputs(options.input_files.size());
  for (size_t i = 0; i < options.input_files.size(); ++i) {
    if (modelc_host_tensor_read(options.input_files[i].c_str(), &inputs[i], error, sizeof error)) {
      return absl::InvalidArgumentError(absl::StrCat("--input ", error));
    }
  }
  HostTensors expected(options.expected_files.size());
  for (size_t o = 0; o < options.expected_files.size(); ++o) {
    if (modelc_host_tensor_read(options.expected_files[o].c_str(), &expected[o], error, sizeof error)) {
      return absl::InvalidArgumentError(absl::StrCat("--expect ", error));
    }
  }

  ASSIGN_OR_RETURN(std::unique_ptr<HostModel> model, HostModel::Compile(options.compile, out));
  const modelc_model_info& info = model->info();
  if (inputs.size() != info.input_count) {
    return absl::InvalidArgumentError(absl::StrCat(options.compile.model_path, " takes ", info.input_count,
                                                   " input(s), got ", inputs.size(), " --input file(s); its inputs: ",
                                                   ModelInputs(info)));
  }
  if (expected.size() != 0 && expected.size() != info.output_count) {
    return absl::InvalidArgumentError(absl::StrCat(options.compile.model_path, " has ", info.output_count,
                                                   " output(s), got ", expected.size(), " --expect file(s)"));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].element_type != info.inputs[i].element_type || inputs[i].byte_size != info.inputs[i].byte_size) {
      return absl::InvalidArgumentError(absl::StrCat("--input ", options.input_files[i], " is ", TypeAndShape(inputs[i]),
                                                     "; the model's inputs: ", ModelInputs(info)));
    }
  }
  ASSIGN_OR_RETURN(const HostTensors outputs, model->Run(inputs, "--input"));

  if (!options.save_dir.empty()) {
    std::error_code made;
    fs::create_directories(options.save_dir, made);
    if (made) return absl::InvalidArgumentError(absl::StrCat("--save-outputs: cannot create ", options.save_dir));
  }
  int mismatches = 0;
  for (size_t o = 0; o < outputs.size(); ++o) {
    out << "output " << o << " '" << info.outputs[o].name << "' " << TypeAndShape(outputs[o]) << ": "
        << FirstValues(outputs[o], 8) << "\n";
    if (!options.save_dir.empty()) {
      const std::string path = (fs::path(options.save_dir) / absl::StrCat("output_", o, ".npy")).string();
      if (modelc_host_tensor_write_npy(path.c_str(), &outputs[o], error, sizeof error)) {
        return absl::InvalidArgumentError(absl::StrCat("--save-outputs ", error));
      }
      out << "  saved as " << path << "\n";
    }
    if (expected.size()) {
      if (modelc_host_compare(&outputs[o], &expected[o], options.relative_tolerance, options.absolute_tolerance, error,
                              sizeof error)) {
        ++mismatches;
        out << "  DIFFERS from " << options.expected_files[o] << ": " << error << "\n";
      } else {
        out << "  matches " << options.expected_files[o] << "\n";
      }
    }
  }
  if (mismatches) {
    return absl::FailedPreconditionError(absl::StrCat(mismatches, " of ", outputs.size(),
                                                      " outputs differ from the expected tensors"));
  }
  return absl::OkStatus();
}

}  // namespace modelc
