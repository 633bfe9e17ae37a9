// The TFLite import sequence: read and check -> refuse unsupported operators (all
// listed) -> import subgraph 0 -> verify.
#include "compiler/frontend/tflite/tflite_importer.h"

#include <new>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/frontend/tflite/builtin_operator_names.h"
#include "compiler/frontend/tflite/subgraph_importer.h"
#include "compiler/frontend/tflite/tflite_file.h"
#include "compiler/frontend/tflite/tflite_operators.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr int32_t kCustomCode = 32;  // BuiltinOperator CUSTOM: the name is custom_code

absl::Status RefuseUnsupportedOperators(const TfliteFile& file) {
  std::vector<std::string> unsupported;
  for (int o = 0; o < file.OperatorCount(); ++o) {
    const tflite_format::OperatorCode& code = file.OperatorCodeOf(file.op(o));
    const int32_t builtin = BuiltinCode(code);
    const bool quantized = file.HasQuantizedTensor(file.op(o));
    if (FindOperatorConverter(builtin, quantized)) continue;
    std::string name = BuiltinOperatorName(builtin);
    if (builtin == kCustomCode && code.custom_code()) name = absl::StrCat("CUSTOM '", code.custom_code()->str(), "'");
    // A builtin supported in float only is named with "int8" when its tensors are quantised.
    const bool float_only = FindOperatorConverter(builtin, false) != nullptr;
    unsupported.push_back(absl::StrCat("operator ", o, " (", float_only ? "int8 " : "", name, ", version ",
                                       code.version(), ")"));
  }
  if (unsupported.empty()) return absl::OkStatus();
  return absl::UnimplementedError(
      absl::StrCat("unsupported operators (", unsupported.size(), "): ", absl::StrJoin(unsupported, ", ")));
}

// TFLite shapes are static and its inputs cannot be bound by name yet: the flags that
// act on ONNX's symbolic dimensions and inputs are refused, not ignored. --batch binds its
// symbol to one sample (compile.cc), the model's own batch (ExpectOneSample).
absl::Status RefuseOnnxOnlyOptions(const ImportOptions& options) {
  for (const auto& [symbol, value] : options.dims) {
    if (symbol == options.batch_symbol && value == 1) continue;
    return absl::InvalidArgumentError(
        absl::StrCat(DimensionFlag(options, symbol), ": a TFLite model's shapes have no symbolic dimensions"));
  }
  if (!options.frozen.empty()) {
    return absl::UnimplementedError("--freeze is not supported for TFLite models yet");
  }
  return absl::OkStatus();
}

// --batch on a TFLite model: the model is converted for one sample (every input's and
// output's first dimension 1), and NAME_run_batched runs it once per sample, as the
// interpreter invoked once per sample would with its variables reset before each (a
// compiled model keeps no state).
absl::Status ExpectOneSample(const Graph& graph, const std::string& symbol) {
  for (const std::vector<ValueId>* edge : {&graph.inputs(), &graph.outputs()}) {
    for (ValueId id : *edge) {
      const Value& value = graph.value(id);
      if (value.type.shape.empty() || value.type.shape[0] != 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--batch ", symbol, ": every input and output of a TFLite model must have 1 as its first dimension (one "
            "sample, which NAME_run_batched runs once per sample); '", value.name, "' is ", value.type.ToString()));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Graph> Import(const std::string& path, const ImportOptions& options) {
  RETURN_IF_ERROR(RefuseOnnxOnlyOptions(options));
  ASSIGN_OR_RETURN(TfliteFile file, ReadTfliteFile(path, options.max_file_bytes));
  RETURN_IF_ERROR(RefuseUnsupportedOperators(file));
  ASSIGN_OR_RETURN(Graph graph, SubgraphImporter(file).Import());
  if (!options.batch_symbol.empty()) RETURN_IF_ERROR(ExpectOneSample(graph, options.batch_symbol));
  return graph;
}

}  // namespace

absl::StatusOr<Graph> ImportTfliteFile(const std::string& path, const ImportOptions& options) {
  absl::StatusOr<Graph> graph = [&]() -> absl::StatusOr<Graph> {
    try {
      return Import(path, options);
    } catch (const std::bad_alloc&) {
      return absl::ResourceExhaustedError("out of memory while reading the model");
    }
  }();
  if (!graph.ok()) return absl::Status(graph.status().code(), absl::StrCat(path, ": ", graph.status().message()));
  return graph;
}

}  // namespace modelc
