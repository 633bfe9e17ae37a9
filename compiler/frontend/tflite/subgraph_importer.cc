// Subgraph 0 into the IR, one operator at a time.
#include "compiler/frontend/tflite/subgraph_importer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/tflite/builtin_operator_names.h"
#include "compiler/frontend/tflite/tflite_operators.h"
#include "compiler/ir/shape_inference.h"
#include "compiler/ir/verifier.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

namespace tfl = tflite_format;

absl::Status WithContext(const absl::Status& status, const std::string& context) {
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

std::optional<DataType> DataTypeOfTflite(tfl::TensorType type) {
  switch (type) {
    case tfl::TensorType::FLOAT32: return DataType::kFloat32;
    case tfl::TensorType::INT32: return DataType::kInt32;
    case tfl::TensorType::INT64: return DataType::kInt64;
    case tfl::TensorType::INT16: return DataType::kInt16;
    case tfl::TensorType::INT8: return DataType::kInt8;
    case tfl::TensorType::UINT8: return DataType::kUInt8;
    case tfl::TensorType::UINT16: return DataType::kUInt16;
    case tfl::TensorType::UINT32: return DataType::kUInt32;
    case tfl::TensorType::UINT64: return DataType::kUInt64;
    case tfl::TensorType::BOOL: return DataType::kBool;
    default: return std::nullopt;
  }
}

Shape DeclaredShape(const tfl::Tensor& tensor) {
  return tensor.shape() ? Shape(tensor.shape()->begin(), tensor.shape()->end()) : Shape{};
}

}  // namespace

int SubgraphImporter::InputCount() const { return op().inputs() ? static_cast<int>(op().inputs()->size()) : 0; }
int SubgraphImporter::OutputCount() const { return op().outputs() ? static_cast<int>(op().outputs()->size()) : 0; }

bool SubgraphImporter::HasInput(int i) const { return i >= 0 && i < InputCount() && op().inputs()->Get(i) >= 0; }

Shape SubgraphImporter::InputShape(int i) const { return DeclaredShape(file_.tensor(op().inputs()->Get(i))); }
Shape SubgraphImporter::OutputShape(int o) const { return DeclaredShape(file_.tensor(op().outputs()->Get(o))); }
absl::StatusOr<DataType> SubgraphImporter::InputType(int i) const { return ElementType(op().inputs()->Get(i)); }
absl::StatusOr<DataType> SubgraphImporter::OutputType(int o) const { return ElementType(op().outputs()->Get(o)); }

absl::StatusOr<DataType> SubgraphImporter::ElementType(int t) const {
  const tfl::Tensor& tensor = file_.tensor(t);
  const std::string what = absl::StrCat("tensor '", names_[t], "'");
  if (tensor.is_variable()) return absl::UnimplementedError(absl::StrCat(what, " is a variable (state kept between runs)"));
  if (tensor.sparsity()) return absl::UnimplementedError(absl::StrCat(what, " is sparse"));
  const std::optional<DataType> type = DataTypeOfTflite(tensor.type());
  if (!type) {
    return absl::UnimplementedError(absl::StrCat(what, " has type ", tfl::EnumNameTensorType(tensor.type()),
                                                 ", which modelc does not support"));
  }
  if (const std::optional<TfliteQuantization> q = Quantization(t)) {
    // int8 data and weights, int32 biases: TFLite's full-integer int8 models.
    if (*type != DataType::kInt8 && *type != DataType::kInt32) {
      return absl::UnimplementedError(absl::StrCat(what, " is quantised ", DataTypeName(*type),
                                                   "; modelc reads quantised int8 (and int32 bias) tensors only"));
    }
    RETURN_IF_ERROR(CheckQuantization(t, *q, *type));
  }
  return *type;
}

// The scales positive and finite, one zero point each that `type` can hold (int8's
// range, else 0), per-axis ones along an axis of the tensor's length.
absl::Status SubgraphImporter::CheckQuantization(int t, const TfliteQuantization& q, DataType type) const {
  const std::string what = absl::StrCat("tensor '", names_[t], "'");
  const Shape shape = DeclaredShape(file_.tensor(t));
  if (q.zero_points.size() != q.scales.size() ||
      (!q.PerTensor() && (q.axis < 0 || q.axis >= static_cast<int64_t>(shape.size()) ||
                          shape[q.axis] != static_cast<int64_t>(q.scales.size())))) {
    return absl::InvalidArgumentError(absl::StrCat(what, " has ", q.scales.size(), " scales and ", q.zero_points.size(),
                                                   " zero points for axis ", q.axis, " of ", ShapeToString(shape)));
  }
  for (size_t c = 0; c < q.scales.size(); ++c) {
    if (!(q.scales[c] > 0.0f) || !std::isfinite(q.scales[c])) {
      return absl::InvalidArgumentError(absl::StrCat(what, " has scale ", q.scales[c], ", which is not positive"));
    }
    const int64_t zero_point = q.zero_points[c];
    if (type == DataType::kInt8 ? zero_point < -128 || zero_point > 127 : zero_point != 0) {
      return absl::InvalidArgumentError(absl::StrCat(what, " has zero point ", zero_point, ", which ",
                                                     DataTypeName(type), " cannot have"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TfliteQuantization> SubgraphImporter::CheckedQuantizationOf(int t, const std::string& what) const {
  const std::optional<TfliteQuantization> q = Quantization(t);
  const std::optional<DataType> type = DataTypeOfTflite(file_.tensor(t).type());
  if (!q || !type) return absl::InvalidArgumentError(absl::StrCat(what, " (tensor '", names_[t], "') is not quantised"));
  RETURN_IF_ERROR(CheckQuantization(t, *q, *type));
  return *q;
}

absl::StatusOr<TfliteQuantization> SubgraphImporter::RequiredInputQuantization(int i, const std::string& what) const {
  if (!HasInput(i)) return absl::InvalidArgumentError(absl::StrCat(what, " (input ", i, ") is missing"));
  return CheckedQuantizationOf(op().inputs()->Get(i), what);
}

int SubgraphImporter::IntermediateCount() const {
  const flatbuffers::Vector<int32_t>* intermediates = op().intermediates();
  return intermediates ? static_cast<int>(intermediates->size()) : 0;
}

absl::StatusOr<TfliteQuantization> SubgraphImporter::RequiredIntermediateQuantization(int k, const std::string& what) const {
  const int t = k >= 0 && k < IntermediateCount() ? op().intermediates()->Get(k) : -1;
  if (t < 0 || t >= file_.TensorCount()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " (intermediate ", k, ") names no tensor"));
  }
  return CheckedQuantizationOf(t, what);
}

std::optional<TfliteQuantization> SubgraphImporter::Quantization(int t) const {
  const tfl::QuantizationParameters* q = file_.tensor(t).quantization();
  if (!file_.IsQuantized(t)) return std::nullopt;
  TfliteQuantization result;
  result.scales.assign(q->scale()->begin(), q->scale()->end());
  if (q->zero_point() && q->zero_point()->size() > 0) {
    // Copied as bytes: flatbuffers' verifier checks a vector's length word for 4-byte
    // alignment, not its 8-byte elements, which a corrupt file can misalign.
    result.zero_points.resize(q->zero_point()->size());
    std::memcpy(result.zero_points.data(), q->zero_point()->Data(), result.zero_points.size() * sizeof(int64_t));
  } else {
    result.zero_points.assign(result.scales.size(), 0);  // absent: zero
  }
  result.axis = q->quantized_dimension();
  return result;
}

std::optional<TfliteQuantization> SubgraphImporter::InputQuantization(int i) const {
  return HasInput(i) ? Quantization(op().inputs()->Get(i)) : std::nullopt;
}
std::optional<TfliteQuantization> SubgraphImporter::OutputQuantization(int o) const {
  return Quantization(op().outputs()->Get(o));
}

bool SubgraphImporter::IsQuantizedOperator() const { return file_.HasQuantizedTensor(op()); }

absl::StatusOr<TensorData> SubgraphImporter::ConstantData(int t) const {
  ASSIGN_OR_RETURN(DataType type, ElementType(t));  // refuses a variable first
  const std::span<const uint8_t> bytes = file_.ConstantBytes(t);
  if (bytes.empty()) {  // ReadTfliteFile checked the order, so this is a tensor of size 0
    return absl::InvalidArgumentError(absl::StrCat("tensor '", names_[t], "' is read but holds no value"));
  }
  return TensorData(TensorType{type, DeclaredShape(file_.tensor(t))}, std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

absl::Status SubgraphImporter::ClaimZeroState(int i, const Shape& shape, const std::string& what, tfl::TensorType type,
                                              uint8_t fill) {
  if (!HasInput(i)) return absl::InvalidArgumentError(absl::StrCat(what, " (input ", i, ") is missing"));
  const int t = op().inputs()->Get(i);
  const tfl::Tensor& tensor = file_.tensor(t);
  const std::span<const uint8_t> bytes = file_.ConstantBytes(t);
  if (!tensor.is_variable() || tensor.type() != type || DeclaredShape(tensor) != shape ||
      std::any_of(bytes.begin(), bytes.end(), [fill](uint8_t b) { return b != fill; })) {
    const char* type_name = type == tfl::TensorType::FLOAT32 ? "a float32" : type == tfl::TensorType::INT8 ? "an int8" : "an int16";
    return absl::UnimplementedError(absl::StrCat(what, " (tensor '", names_[t], "') must be ", type_name, " ",
                                                 ShapeToString(shape), " variable starting at ",
                                                 fill == 0 ? "zero" : "its zero point"));
  }
  if (!claimed_states_.insert(t).second) {
    return absl::UnimplementedError(absl::StrCat(what, " (tensor '", names_[t], "') is a state another input or operator uses"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ValueId> SubgraphImporter::TensorValue(int t) {
  if (values_[t] != kNoValue) return values_[t];
  ASSIGN_OR_RETURN(TensorData data, ConstantData(t));
  values_[t] = graph_.AddConstant(names_[t], std::move(data));
  return values_[t];
}

absl::StatusOr<ValueId> SubgraphImporter::Input(int i) {
  if (!HasInput(i)) return absl::InvalidArgumentError(absl::StrCat("input ", i, " is missing"));
  return TensorValue(op().inputs()->Get(i));
}

absl::StatusOr<TensorData> SubgraphImporter::ConstantInput(int i, const std::string& what) {
  if (!HasInput(i)) return absl::InvalidArgumentError(absl::StrCat(what, " (input ", i, ") is missing"));
  const int t = op().inputs()->Get(i);
  if (file_.ConstantBytes(t).empty()) {
    return absl::UnimplementedError(absl::StrCat(what, " (tensor '", names_[t], "') must be a constant"));
  }
  return ConstantData(t);  // read here, not made a graph constant: the converter uses it as it needs
}

absl::StatusOr<std::vector<int64_t>> SubgraphImporter::ConstantInputInts(int i, const std::string& what) {
  ASSIGN_OR_RETURN(TensorData data, ConstantInput(i, what));
  switch (data.type().element_type) {
    case DataType::kInt32: {
      const std::vector<int32_t> values = data.Elements<int32_t>();
      return std::vector<int64_t>(values.begin(), values.end());
    }
    case DataType::kInt64:
      return data.Int64s();
    default:
      return absl::InvalidArgumentError(absl::StrCat(what, " must be int32 or int64, not ",
                                                     DataTypeName(data.type().element_type)));
  }
}

absl::StatusOr<ValueId> SubgraphImporter::AddNode(OpKind op, const std::string& role, std::vector<ValueId> inputs,
                                                  AttributeMap attributes) {
  const std::string name = absl::StrCat(label_, "/", role);
  Node node{op, name, std::move(inputs), {kNoValue}, std::move(attributes)};
  absl::StatusOr<std::vector<TensorType>> types = InferOutputTypes(graph_, node);
  if (!types.ok()) return WithContext(types.status(), absl::StrCat(OpName(op), " '", name, "'"));
  node.outputs[0] = graph_.AddValue(name, (*types)[0]);
  const ValueId output = node.outputs[0];
  graph_.AddNode(std::move(node));
  return output;
}

ValueId SubgraphImporter::AddConstant(const std::string& role, TensorData data) {
  return graph_.AddConstant(absl::StrCat(label_, "/", role), std::move(data));
}

absl::Status SubgraphImporter::DefineOutput(int o, ValueId value) {
  const int t = op().outputs()->Get(o);
  ASSIGN_OR_RETURN(DataType type, ElementType(t));
  const TensorType declared{type, DeclaredShape(file_.tensor(t))};
  if (graph_.value(value).type != declared) {
    return absl::InvalidArgumentError(absl::StrCat("output '", names_[t], "' is declared ", declared.ToString(),
                                                   " but the operator computes ",
                                                   graph_.value(value).type.ToString()));
  }
  // A value from before this operator (an operator that changes nothing, such as a
  // reshape to the same shape) is copied by a view, so that the tensor has a node and
  // a name of its own.
  if (graph_.value(value).producer < first_node_of_operator_) {
    ASSIGN_OR_RETURN(value, AddNode(OpKind::kIdentity, "identity", {value}));
  }
  graph_.mutable_value(value).name = names_[t];
  values_[t] = value;
  return absl::OkStatus();
}

absl::Status SubgraphImporter::ImportOperator(int index) {
  operator_index_ = index;
  const int32_t code = BuiltinCode(file_.OperatorCodeOf(op()));
  label_ = absl::StrCat(BuiltinOperatorName(code), "_", index);
  first_node_of_operator_ = static_cast<int>(graph_.nodes().size());
  const OperatorConverter convert = FindOperatorConverter(code, IsQuantizedOperator());
  if (!convert) return absl::UnimplementedError("unsupported operator");  // refused before, as a list
  absl::Status status = convert(*this);
  if (status.ok()) {
    for (int o = 0; o < OutputCount(); ++o) {
      if (values_[op().outputs()->Get(o)] == kNoValue) {
        status = absl::InternalError(absl::StrCat("the converter left output ", o, " undefined"));
      }
    }
  }
  if (!status.ok()) return WithContext(status, absl::StrCat("operator ", index, " (", BuiltinOperatorName(code), ")"));
  return absl::OkStatus();
}

absl::StatusOr<Graph> SubgraphImporter::Import() {
  const tfl::SubGraph& subgraph = file_.subgraph();
  if (subgraph.name()) graph_.name = subgraph.name()->str();
  // TFLite does not promise unique or non-empty names; IR values and the header's
  // names need them.
  std::set<std::string> taken;
  for (int t = 0; t < file_.TensorCount(); ++t) {
    const tfl::Tensor& tensor = file_.tensor(t);
    std::string name = tensor.name() && tensor.name()->size() > 0 ? tensor.name()->str() : absl::StrCat("tensor_", t);
    if (taken.count(name)) name = absl::StrCat(name, "_", t);
    while (taken.count(name)) name += "_";
    taken.insert(name);
    names_.push_back(std::move(name));
  }
  values_.assign(file_.TensorCount(), kNoValue);
  if (subgraph.inputs()) {
    for (int32_t t : *subgraph.inputs()) {
      if (values_[t] != kNoValue) return absl::InvalidArgumentError(absl::StrCat("input '", names_[t], "' is listed twice"));
      absl::StatusOr<DataType> type = ElementType(t);
      if (!type.ok()) return WithContext(type.status(), "model input");
      values_[t] = graph_.AddValue(names_[t], TensorType{*type, DeclaredShape(file_.tensor(t))});
      graph_.AddInput(values_[t]);
    }
  }
  for (int o = 0; o < file_.OperatorCount(); ++o) RETURN_IF_ERROR(ImportOperator(o));
  if (!subgraph.outputs() || subgraph.outputs()->size() == 0) {
    return absl::InvalidArgumentError("the model has no outputs: there is nothing to compute");
  }
  std::set<ValueId> outputs;
  for (int32_t t : *subgraph.outputs()) {
    const ValueId value = values_[t];
    if (value == kNoValue || graph_.value(value).producer < 0) {
      return absl::UnimplementedError(absl::StrCat("model output '", names_[t],
                                                   "' is a model input or a constant, which modelc does not compile"));
    }
    if (!outputs.insert(value).second) {
      return absl::InvalidArgumentError(absl::StrCat("model output '", names_[t], "' is listed twice"));
    }
    graph_.AddOutput(value);
  }
  RETURN_IF_ERROR(VerifyGraph(graph_));
  return std::move(graph_);
}

}  // namespace modelc
