#include "compiler/quantize/quantize_command.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "compiler/driver/compile.h"
#include "compiler/driver/host_model.h"
#include "compiler/driver/options.h"
#include "compiler/frontend/model_file.h"
#include "compiler/frontend/model_import.h"
#include "compiler/frontend/onnx/model_loader.h"
#include "compiler/quantize/batchnorm_folding.h"
#include "compiler/quantize/calibration_samples.h"
#include "compiler/quantize/qdq_placement.h"
#include "compiler/quantize/tensor_statistics.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

namespace fs = std::filesystem;

// Where a tensor of the plan is found when the model runs: an input or an output.
struct TensorSlot {
  bool input = false;
  uint32_t index = 0;
};

absl::StatusOr<std::map<std::string, TensorSlot>> Slots(const modelc_model_info& model,
                                                        const std::vector<std::string>& names) {
  std::map<std::string, TensorSlot> by_name;
  for (uint32_t i = 0; i < model.input_count; ++i) by_name[model.inputs[i].name] = TensorSlot{true, i};
  for (uint32_t o = 0; o < model.output_count; ++o) by_name.emplace(model.outputs[o].name, TensorSlot{false, o});
  std::map<std::string, TensorSlot> slots;
  for (const std::string& name : names) {
    auto it = by_name.find(name);
    if (it == by_name.end()) return absl::InternalError(absl::StrCat("the compiled model does not return '", name, "'"));
    slots[name] = it->second;
  }
  return slots;
}

const modelc_host_tensor& At(const TensorSlot& slot, const HostTensors& inputs, const HostTensors& outputs) {
  return slot.input ? inputs[slot.index] : outputs[slot.index];
}

std::span<const float> FloatValues(const modelc_host_tensor& t) {
  return {static_cast<const float*>(t.data), t.byte_size / sizeof(float)};
}

// The names a compiled model must return beyond its outputs: those that are neither
// graph inputs nor graph outputs of `model`.
std::vector<std::string> ExtraOutputs(const onnx::ModelProto& model, const std::vector<std::string>& names) {
  std::set<std::string> ends;
  for (const onnx::ValueInfoProto& v : model.graph().input()) ends.insert(v.name());
  for (const onnx::ValueInfoProto& v : model.graph().output()) ends.insert(v.name());
  std::vector<std::string> extra;
  for (const std::string& name : names) {
    if (!ends.count(name)) extra.push_back(name);
  }
  return extra;
}

absl::Status WriteModel(const onnx::ModelProto& model, const fs::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !model.SerializeToOstream(&out) || !out.flush()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot write ", path.string()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<HostModel>> CompileForHost(const CompileOptions& base, const fs::path& model,
                                                          const std::string& name,
                                                          std::vector<std::string> extra_outputs) {
  CompileOptions options = base;
  options.model_path = model.string();
  options.model_paths = {model.string()};
  options.name = name;
  options.extra_outputs = std::move(extra_outputs);
  std::ostringstream ignored;
  return HostModel::Compile(options, ignored);
}

// Calibrated parameters of the plan's measured activations.
absl::StatusOr<std::map<std::string, ActivationQuantization>> Calibrate(
    const QuantizeOptions& options, const HostModel& model, const std::vector<CalibrationSample>& samples,
    const std::vector<std::string>& calibrated, const std::map<std::string, TensorSlot>& slots) {
  std::map<std::string, TensorRange> ranges;
  std::vector<HostTensors> outputs;  // kept for the histogram pass when it is cheap
  for (const CalibrationSample& sample : samples) {
    ASSIGN_OR_RETURN(HostTensors out, model.Run(sample.inputs, sample.source));
    for (const std::string& name : calibrated) {
      ranges[name].Observe(FloatValues(At(slots.at(name), sample.inputs, out)));
      if (!ranges[name].finite()) {
        return absl::InvalidArgumentError(absl::StrCat(
            sample.source, ": the float model's tensor '", name, "' is NaN or infinite on this sample"));
      }
    }
  }
  std::map<std::string, std::pair<float, float>> bounds;
  for (const std::string& name : calibrated) bounds[name] = {ranges[name].min(), ranges[name].max()};
  if (options.method == CalibrationMethod::kPercentile) {
    std::map<std::string, TensorHistogram> histograms;
    for (const std::string& name : calibrated) histograms.emplace(name, TensorHistogram(bounds[name].first, bounds[name].second));
    for (const CalibrationSample& sample : samples) {
      ASSIGN_OR_RETURN(HostTensors out, model.Run(sample.inputs, sample.source));
      for (const std::string& name : calibrated) {
        histograms.at(name).Observe(FloatValues(At(slots.at(name), sample.inputs, out)));
      }
    }
    for (const std::string& name : calibrated) bounds[name] = histograms.at(name).PercentileRange(options.percentile);
  }
  std::map<std::string, ActivationQuantization> parameters;
  for (const std::string& name : calibrated) {
    parameters[name] = ActivationParameters(bounds[name].first, bounds[name].second);
  }
  return parameters;
}

// Signal and noise energy of one tensor over the samples.
struct NoiseEnergy {
  double signal = 0, noise = 0;
  double Sqnr() const {
    if (noise == 0) return std::numeric_limits<double>::infinity();
    return signal == 0 ? -std::numeric_limits<double>::infinity() : 10.0 * std::log10(signal / noise);
  }
};

std::string Decibels(double sqnr) {
  if (std::isinf(sqnr)) return sqnr > 0 ? "inf" : "-inf";
  return absl::StrFormat("%.1f", sqnr);
}

}  // namespace

std::string QuantizeReportPath(const std::string& output_path) {
  fs::path report(output_path);
  report.replace_extension(".quantize.txt");
  return report.string();
}

absl::StatusOr<QuantizeOptions> ParseQuantizeOptions(const std::vector<std::string>& args) {
  QuantizeOptions options;
  bool percentile_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    bool inline_value = false;
    if (flag.rfind("--", 0) == 0 && flag.find('=') != std::string::npos) {
      value = flag.substr(flag.find('=') + 1);
      flag = flag.substr(0, flag.find('='));
      inline_value = true;
    }
    auto take = [&]() -> absl::StatusOr<std::string> {
      if (inline_value) return value;
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat(flag, " needs a value"));
      return args[++i];
    };
    if (flag == "--calibration") {
      ASSIGN_OR_RETURN(options.calibration_folder, take());
    } else if (flag == "-o" || flag == "--output") {
      ASSIGN_OR_RETURN(options.output_path, take());
    } else if (flag == "--method") {
      ASSIGN_OR_RETURN(const std::string method, take());
      if (method == "minmax") options.method = CalibrationMethod::kMinMax;
      else if (method == "percentile") options.method = CalibrationMethod::kPercentile;
      else return absl::InvalidArgumentError(absl::StrCat("--method is minmax or percentile, not '", method, "'"));
    } else if (flag == "--percentile") {
      ASSIGN_OR_RETURN(const std::string given, take());
      percentile_given = true;
      if (!absl::SimpleAtod(given, &options.percentile) || !(options.percentile > 50) || options.percentile > 100) {
        return absl::InvalidArgumentError(absl::StrCat("--percentile expects a number in (50, 100], got '", given, "'"));
      }
    } else if (flag == "--dim" || flag == "--max-model-size") {
      ASSIGN_OR_RETURN(const std::string given, take());
      options.compile_args.push_back(flag);
      options.compile_args.push_back(given);
    } else if (flag.rfind("-", 0) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("modelc quantize does not take ", flag,
                                                     " (its options: --calibration, -o, --method, --percentile, "
                                                     "--dim, --max-model-size)"));
    } else if (options.model_path.empty()) {
      options.model_path = flag;
    } else {
      return absl::InvalidArgumentError("modelc quantize takes one model");
    }
  }
  if (options.model_path.empty()) return absl::InvalidArgumentError("modelc quantize needs a model");
  if (percentile_given && options.method != CalibrationMethod::kPercentile) {
    return absl::InvalidArgumentError("--percentile goes with --method percentile");
  }
  if (options.calibration_folder.empty()) return absl::InvalidArgumentError("modelc quantize needs --calibration DIR");
  if (options.output_path.empty()) return absl::InvalidArgumentError("modelc quantize needs -o FILE (the int8 model)");
  return options;
}

absl::Status RunQuantize(const QuantizeOptions& options, std::ostream& out) {
  const std::string& path = options.model_path;
  std::vector<std::string> compile_args = {path};
  compile_args.insert(compile_args.end(), options.compile_args.begin(), options.compile_args.end());
  ASSIGN_OR_RETURN(CompileOptions compile, ParseCompileOptions(compile_args));
  std::error_code same_error;
  if (fs::exists(options.output_path) && fs::equivalent(path, options.output_path, same_error)) {
    return absl::InvalidArgumentError(absl::StrCat("-o ", options.output_path, " is the input model"));
  }
  if (!fs::is_directory(options.calibration_folder, same_error)) {
    return absl::InvalidArgumentError(absl::StrCat("--calibration ", options.calibration_folder, ": not a folder"));
  }
  if (DetectModelFormat(path) != ModelFormat::kOnnx) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": modelc quantize takes float ONNX models"));
  }
  // modelc's own checks first (the ONNX library trusts what it reads).
  ImportOptions import;
  import.dims = compile.dims;
  import.max_file_bytes = compile.max_model_size.value_or(kDefaultMaxModelFileBytes);
  ASSIGN_OR_RETURN(const Graph imported, ImportModelFile(path, import));
  absl::StatusOr<onnx::ModelProto> loaded = LoadOnnxModel(path, import.max_file_bytes);
  if (!loaded.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", loaded.status().message()));
  onnx::ModelProto model = *std::move(loaded);
  for (const onnx::NodeProto& node : model.graph().node()) {
    if (node.op_type() == "QuantizeLinear" || node.op_type() == "DequantizeLinear" ||
        node.op_type().rfind("QLinear", 0) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": node '", node.name(), "' (", node.op_type(),
                                                     "): the model is quantised already"));
    }
  }
  ASSIGN_OR_RETURN(const int folded, FoldBatchNormalizations(&model));
  absl::StatusOr<QuantizationPlan> planned = PlanQuantization(model, imported);
  if (!planned.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", planned.status().message()));
  const QuantizationPlan& plan = *planned;
  if (plan.int8_weight_nodes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": nothing to quantise: no Conv, Gemm or MatMul with constant weights and float activations"));
  }

  ASSIGN_OR_RETURN(std::unique_ptr<TemporaryFolder> folder, TemporaryFolder::Make());
  const fs::path float_path = folder->path() / "float.onnx";
  RETURN_IF_ERROR(WriteModel(model, float_path));
  ASSIGN_OR_RETURN(std::unique_ptr<HostModel> float_model,
                   CompileForHost(compile, float_path, "modelc_quantize_float", ExtraOutputs(model, plan.activations)));
  ASSIGN_OR_RETURN(const std::vector<CalibrationSample> samples,
                   ReadCalibrationSamples(options.calibration_folder, float_model->info()));
  ASSIGN_OR_RETURN(const auto float_slots, Slots(float_model->info(), plan.activations));
  ASSIGN_OR_RETURN(const auto calibrated, Calibrate(options, *float_model, samples, plan.Calibrated(), float_slots));
  const std::map<std::string, ActivationQuantization> parameters = ResolveParameters(plan, calibrated);
  absl::StatusOr<QdqModel> qdq = WriteQdqModel(model, plan, parameters);
  if (!qdq.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", qdq.status().message()));

  // The int8 model beside the float one on every sample: each int8 tensor's noise.
  const fs::path int8_path = folder->path() / "int8.onnx";
  RETURN_IF_ERROR(WriteModel(qdq->model, int8_path));
  std::vector<std::string> int8_tensors;
  for (const std::string& a : plan.activations) int8_tensors.push_back(qdq->int8_tensor.at(a));
  absl::StatusOr<std::unique_ptr<HostModel>> int8_model =
      CompileForHost(compile, int8_path, "modelc_quantize_int8", int8_tensors);
  if (!int8_model.ok()) {
    return absl::InternalError(absl::StrCat(path, ": the quantised model does not compile: ", int8_model.status().message()));
  }
  ASSIGN_OR_RETURN(const auto int8_slots, Slots((*int8_model)->info(), int8_tensors));
  std::map<std::string, NoiseEnergy> energy;
  for (const CalibrationSample& sample : samples) {
    ASSIGN_OR_RETURN(const HostTensors float_out, float_model->Run(sample.inputs, sample.source));
    ASSIGN_OR_RETURN(const HostTensors int8_out, (*int8_model)->Run(sample.inputs, sample.source));
    for (const std::string& a : plan.activations) {
      const std::span<const float> x = FloatValues(At(float_slots.at(a), sample.inputs, float_out));
      const modelc_host_tensor& q = At(int8_slots.at(qdq->int8_tensor.at(a)), sample.inputs, int8_out);
      const ActivationQuantization& p = parameters.at(a);
      if (q.element_type != MODELC_INT8 || q.byte_size != x.size()) {
        return absl::InternalError(absl::StrCat("tensor '", a, "': its int8 form is ", TypeAndShape(q)));
      }
      const int8_t* values = static_cast<const int8_t*>(q.data);
      NoiseEnergy& e = energy[a];
      for (size_t i = 0; i < x.size(); ++i) {
        const double dequantized = (static_cast<double>(values[i]) - p.zero_point) * p.scale;
        e.signal += static_cast<double>(x[i]) * x[i];
        e.noise += (x[i] - dequantized) * (x[i] - dequantized);
      }
    }
  }

  std::ostringstream report;
  report << "# modelc quantize " << path << " -> " << options.output_path << "\n"
         << "# " << samples.size() << " calibration samples from " << options.calibration_folder << ", "
         << (options.method == CalibrationMethod::kMinMax ? std::string("min/max")
                                                          : absl::StrCat(options.percentile, " percentile"))
         << " ranges; " << folded << " BatchNormalization folded; " << plan.int8_weight_nodes.size()
         << " Conv/Gemm/MatMul with int8 weights (symmetric, "
         << (plan.per_channel ? "per output channel" : "per tensor") << "), int32 biases\n"
         << "# SQNR = 10 log10(sum x^2 / sum (x - x8)^2) over the samples: x the float model's tensor, x8 the\n"
         << "# int8 model's, dequantised; the noise of every quantised layer up to that tensor.\n";
  report << absl::StrFormat("%-40s %12s %5s %12s %12s %8s\n", "tensor", "scale", "zp", "min", "max", "SQNR_dB");
  std::string worst;
  for (const std::string& a : plan.activations) {
    const ActivationQuantization& p = parameters.at(a);
    const double low = (-128.0 - p.zero_point) * p.scale, high = (127.0 - p.zero_point) * p.scale;
    report << absl::StrFormat("%-40s %12.6g %5d %12.6g %12.6g %8s\n", a, p.scale, p.zero_point, low, high,
                              Decibels(energy[a].Sqnr()));
    if (worst.empty() || energy[a].Sqnr() < energy[worst].Sqnr()) worst = a;
  }

  // Both files or neither: written beside their destinations, then renamed.
  const std::string report_path = QuantizeReportPath(options.output_path);
  const std::string model_part = options.output_path + ".part", report_part = report_path + ".part";
  std::error_code made;
  if (const fs::path parent = fs::path(options.output_path).parent_path(); !parent.empty()) {
    fs::create_directories(parent, made);
  }
  absl::Status written = made ? absl::InvalidArgumentError(absl::StrCat("cannot create the folder of ", options.output_path))
                              : WriteModel(qdq->model, model_part);
  if (written.ok()) {
    std::ofstream file(report_part, std::ios::trunc);
    if (!file || !(file << report.str()) || !file.flush()) written = absl::InvalidArgumentError(absl::StrCat("cannot write ", report_part));
  }
  std::error_code renamed;
  if (written.ok()) fs::rename(model_part, options.output_path, renamed);
  if (written.ok() && !renamed) fs::rename(report_part, report_path, renamed);
  if (!written.ok() || renamed) {
    std::error_code ignored;
    fs::remove(model_part, ignored);
    fs::remove(report_part, ignored);
    if (written.ok()) fs::remove(options.output_path, ignored);
    return written.ok() ? absl::InvalidArgumentError(absl::StrCat("cannot write ", options.output_path, ": ", renamed.message()))
                        : written;
  }
  out << "wrote " << options.output_path << ": " << plan.activations.size() << " int8 activations, "
      << plan.int8_weight_nodes.size() << " layers with int8 weights, calibrated on " << samples.size()
      << (samples.size() == 1 ? " sample" : " samples") << "; lowest SQNR " << Decibels(energy[worst].Sqnr()) << " dB at '" << worst << "'; report "
      << report_path << "\n";
  return absl::OkStatus();
}

absl::Status RunCompileCommand(const CompileOptions& options, std::ostream& out) {
  if (options.quantize_calibration.empty()) return RunCompile(options, out);
  QuantizeOptions quantize;
  quantize.model_path = options.model_path;
  quantize.calibration_folder = options.quantize_calibration;
  std::map<std::string, int64_t> dims = options.dims;
  if (!options.batch_symbol.empty()) dims.emplace(options.batch_symbol, 1);  // calibration: one sample per run
  for (const auto& [symbol, value] : dims) {
    quantize.compile_args.insert(quantize.compile_args.end(), {"--dim", absl::StrCat(symbol, "=", value)});
  }
  if (options.max_model_size) {
    quantize.compile_args.insert(quantize.compile_args.end(), {"--max-model-size", absl::StrCat(*options.max_model_size)});
  }
  std::error_code made;
  const bool new_folder = !fs::exists(options.output_dir, made);
  fs::create_directories(options.output_dir, made);
  if (made) return absl::InvalidArgumentError(absl::StrCat("cannot create the output folder ", options.output_dir));
  quantize.output_path = (fs::path(options.output_dir) / (options.name + "_int8.onnx")).string();
  absl::Status status = RunQuantize(quantize, out);
  if (!status.ok()) {  // it wrote nothing; a folder made for it goes too (if still empty)
    std::error_code ignored;
    if (new_folder) fs::remove(options.output_dir, ignored);
    return status;
  }
  CompileOptions quantized = options;
  quantized.quantize_calibration.clear();
  quantized.model_path = quantize.output_path;
  quantized.model_paths = {quantize.output_path};
  status = RunCompile(quantized, out);
  if (!status.ok()) {  // all files or none: the quantised model and report this run wrote
    std::error_code ignored;
    fs::remove(quantize.output_path, ignored);
    fs::remove(QuantizeReportPath(quantize.output_path), ignored);
    if (new_folder) fs::remove(options.output_dir, ignored);
  }
  return status;
}

}  // namespace modelc
