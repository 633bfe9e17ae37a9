// Operator versions past the system ONNX library's newest opset (see op_versions.h).
#include "compiler/frontend/onnx/op_versions.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "onnx/defs/schema.h"

namespace modelc {
namespace {

// An attribute an op gained or lost in an opset after 17, from ONNX's operator
// history (onnx.defs.get_all_schemas_with_history(), ONNX 1.23). Changes that only add
// element types are not listed: the importer refuses types it does not know.
struct AttributeChange {
  const char* op;
  int64_t opset;
  const char* attribute;
  bool added;  // false: removed (ReduceX's axes became an input)
};

constexpr AttributeChange kChanges[] = {
    // Opset 18: the reductions' axes became an input (ReduceSum's at 13).
    {"ReduceMean", 18, "axes", false}, {"ReduceMean", 18, "noop_with_empty_axes", true},
    {"ReduceMax", 18, "axes", false}, {"ReduceMax", 18, "noop_with_empty_axes", true},
    {"ReduceMin", 18, "axes", false}, {"ReduceMin", 18, "noop_with_empty_axes", true},
    {"ReduceProd", 18, "axes", false}, {"ReduceProd", 18, "noop_with_empty_axes", true},
    {"ReduceSumSquare", 18, "axes", false}, {"ReduceSumSquare", 18, "noop_with_empty_axes", true},
    {"ReduceL1", 18, "axes", false}, {"ReduceL1", 18, "noop_with_empty_axes", true},
    {"ReduceL2", 18, "axes", false}, {"ReduceL2", 18, "noop_with_empty_axes", true},
    {"ReduceLogSum", 18, "axes", false}, {"ReduceLogSum", 18, "noop_with_empty_axes", true},
    {"ReduceLogSumExp", 18, "axes", false}, {"ReduceLogSumExp", 18, "noop_with_empty_axes", true},
    {"AveragePool", 19, "dilations", true},
    {"LpPool", 18, "dilations", true},
    {"LpPool", 18, "ceil_mode", true},
    {"Cast", 19, "saturate", true},  // float8 targets only
    {"CastLike", 19, "saturate", true},
    {"Cast", 24, "round_mode", true},  // float8e8m0 targets only
    {"CastLike", 24, "round_mode", true},
    {"QuantizeLinear", 19, "saturate", true},
    {"QuantizeLinear", 21, "output_dtype", true},
    {"QuantizeLinear", 21, "block_size", true},
    {"QuantizeLinear", 23, "precision", true},
    {"DequantizeLinear", 21, "block_size", true},
    {"DequantizeLinear", 23, "output_dtype", true},
    {"Split", 18, "num_outputs", true},
    {"Resize", 18, "antialias", true},
    {"Resize", 18, "axes", true},
    {"Resize", 18, "keep_aspect_ratio_policy", true},
    {"SpaceToDepth", 28, "mode", true},
    {"Range", 27, "stash_type", true},  // float16/bfloat16 only
    // Ops newer than the library: all their attributes.
    {"RMSNormalization", 23, "axis", true},
    {"RMSNormalization", 23, "epsilon", true},
    {"RMSNormalization", 23, "stash_type", true},
    {"CumProd", 26, "exclusive", true},
    {"CumProd", 26, "reverse", true},
    {"TensorScatter", 24, "axis", true},
    {"TensorScatter", 24, "mode", true},
    {"CenterCropPad", 18, "axes", true},
    {"Col2Im", 18, "dilations", true},
    {"Col2Im", 18, "pads", true},
    {"Col2Im", 18, "strides", true},
    {"AffineGrid", 20, "align_corners", true},
    {"Swish", 24, "alpha", true},
    {"BitCast", 26, "to", true},
    {"GroupNormalization", 18, "epsilon", true},
    {"GroupNormalization", 18, "num_groups", true},
    {"GroupNormalization", 21, "stash_type", true},
};

// The attributes of the com.microsoft ops modelc reads, from ONNX Runtime's operator
// schemas (onnxruntime 1.20's get_all_operator_schema(); each is at version 1).
// QLinearAdd, QLinearMul and QLinearSigmoid have none.
constexpr std::pair<const char*, const char*> kMicrosoftAttributes[] = {
    {"QGemm", "alpha"}, {"QGemm", "transA"}, {"QGemm", "transB"},
    {"QLinearAveragePool", "auto_pad"}, {"QLinearAveragePool", "ceil_mode"},
    {"QLinearAveragePool", "channels_last"}, {"QLinearAveragePool", "count_include_pad"},
    {"QLinearAveragePool", "kernel_shape"}, {"QLinearAveragePool", "pads"}, {"QLinearAveragePool", "strides"},
    {"QLinearConcat", "axis"},
    {"QLinearGlobalAveragePool", "channels_last"},
    {"QLinearLeakyRelu", "alpha"},
    {"QLinearSoftmax", "axis"}, {"QLinearSoftmax", "opset"},
};

std::set<std::string> MicrosoftAttributes(const std::string& op) {
  std::set<std::string> names;
  for (const auto& [name, attribute] : kMicrosoftAttributes) {
    if (op == name) names.insert(attribute);
  }
  return names;
}

// The attributes `op` has at `opset`; nullopt when the library has no schema for it
// at an opset it knows (the op does not exist there: ONNX's checker says so).
std::optional<std::set<std::string>> AttributesAt(const std::string& op, int64_t opset) {
  std::set<std::string> names;
  const int64_t library_opset = std::min(opset, kMaxOnnxLibraryOpset);
  const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(op, static_cast<int>(library_opset), "");
  if (schema) {
    for (const auto& [name, attribute] : schema->attributes()) names.insert(name);
  }
  if (opset <= kMaxOnnxLibraryOpset) {
    if (!schema) return std::nullopt;
    return names;
  }
  for (const AttributeChange& change : kChanges) {
    if (op != change.op || opset < change.opset) continue;
    if (change.added) names.insert(change.attribute);
    else names.erase(change.attribute);
  }
  return names;
}

}  // namespace

absl::Status CheckAttributesKnown(const onnx::NodeProto& node, int64_t opset) {
  const bool microsoft = node.domain() == kMicrosoftDomain;
  if (!microsoft && !IsDefaultOnnxDomain(node.domain())) return absl::OkStatus();
  const std::optional<std::set<std::string>> known =
      microsoft ? MicrosoftAttributes(node.op_type()) : AttributesAt(node.op_type(), opset);
  if (!known) return absl::OkStatus();
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (known->count(attribute.name())) continue;
    const std::string op = microsoft ? absl::StrCat(kMicrosoftDomain, ".", node.op_type())
                                     : absl::StrCat(node.op_type(), " at opset ", opset);
    return absl::InvalidArgumentError(absl::StrCat(op, " has no attribute '", attribute.name(), "'"));
  }
  return absl::OkStatus();
}

}  // namespace modelc
