// The import sequence: load -> refuse unsupported ops (all listed at once) -> sanity-
// check attributes that crash ONNX's own checker -> bind symbolic dimensions -> ONNX
// checker and shape inference -> build the IR with our own shape rules, cross-checked
// against ONNX's -> verify.
#include "compiler/frontend/onnx/onnx_importer.h"

#include <algorithm>
#include <fstream>
#include <new>
#include <set>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "compiler/frontend/onnx/compile_time_ops.h"
#include "compiler/frontend/onnx/function_inlining.h"
#include "compiler/frontend/onnx/loop_unrolling.h"
#include "compiler/frontend/onnx/schema_functions.h"
#include "compiler/frontend/onnx/model_loader.h"
#include "compiler/frontend/onnx/op_versions.h"
#include "compiler/frontend/onnx/microsoft_ops.h"
#include "compiler/frontend/onnx/tensor_conversion.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/quantize/half_rounding.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/shape_inference.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ir/verifier.h"
#include "compiler/reference/evaluator.h"
#include "compiler/util/status_macros.h"
#include "onnx/checker.h"
#include "onnx/shape_inference/implementation.h"

namespace modelc {
namespace {

constexpr int64_t kMaxImportFoldBytes = int64_t{1} << 20;

std::string NodeLabel(const onnx::NodeProto& node, int index) {
  const std::string name = node.name().empty() ? absl::StrCat(node.op_type(), "_", index) : node.name();
  return absl::StrCat("node '", name, "' (", node.op_type(), ")");
}

absl::Status WithContext(const absl::Status& status, const std::string& context) {
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

absl::StatusOr<int64_t> DefaultOpset(const onnx::ModelProto& model) {
  for (const auto& opset : model.opset_import()) {
    if (IsDefaultOnnxDomain(opset.domain())) {
      if (opset.version() < kMinOnnxOpset || opset.version() > kMaxOnnxOpset) {
        return absl::UnimplementedError(absl::StrCat("opset ", opset.version(),
                                                     " is not supported (supported: ", kMinOnnxOpset,
                                                     " to ", kMaxOnnxOpset, ")"));
      }
      return opset.version();
    }
  }
  return absl::InvalidArgumentError("the model imports no opset of the default ONNX domain");
}

// An op under a name the op table does not use: Scatter (opsets 9 and 10, deprecated in
// 11) is ScatterElements, with the same attribute; ONNX Runtime's QGemm,
// QLinearGlobalAveragePool, QLinearSigmoid, QLinearLeakyRelu and QLinearConcat are ops of
// modelc's own, read by ReadMicrosoftOp (microsoft_ops.h).
std::optional<OpKind> RenamedOp(const onnx::NodeProto& node) {
  if (IsDefaultOnnxDomain(node.domain()) && node.op_type() == "Scatter") return OpKind::kScatterElements;
  return MicrosoftOpReadAs(node);
}

bool IsKnownOp(const onnx::NodeProto& node) {
  if (!IsDefaultOnnxDomain(node.domain())) {
    return OpKindFromOnnxName(node.op_type(), node.domain()).has_value() || RenamedOp(node);
  }
  return node.op_type() == "Constant" || node.op_type() == "CastLike" || node.op_type() == "If" ||
         node.op_type() == "Scan" || node.op_type() == "Loop" || IsCompileTimeOp(node.op_type()) ||
         OpKindFromOnnxName(node.op_type()) || RenamedOp(node);
}

// Lists the unsupported operators of a graph and of the graphs nested in its nodes
// (If's branches, loop bodies).
void CollectUnsupportedOps(const onnx::GraphProto& graph, std::vector<std::string>* unsupported) {
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    if (!IsKnownOp(node)) {
      std::string label = NodeLabel(node, i);
      if (!IsDefaultOnnxDomain(node.domain())) label = absl::StrCat(label, " in domain '", node.domain(), "'");
      unsupported->push_back(std::move(label));
    }
    for (const onnx::AttributeProto& attribute : node.attribute()) {
      if (attribute.has_g()) CollectUnsupportedOps(attribute.g(), unsupported);
    }
  }
}

absl::Status RefuseUnsupportedOps(const onnx::GraphProto& graph) {
  std::vector<std::string> unsupported;
  CollectUnsupportedOps(graph, &unsupported);
  if (unsupported.empty()) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat("unsupported operators (", unsupported.size(),
                                               "): ", absl::StrJoin(unsupported, ", ")));
}

// ONNX's checker and shape inference divide by strides and trust sizes; check first,
// in the graph and in every graph nested in its nodes (If's branches).
absl::Status CheckAttributeSanity(const onnx::GraphProto& graph) {
  static const std::set<std::string> kPositive = {"strides", "dilations", "kernel_shape", "group"};
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    for (const onnx::AttributeProto& attribute : node.attribute()) {
      if (attribute.has_g()) {
        absl::Status status = CheckAttributeSanity(attribute.g());
        if (!status.ok()) return WithContext(status, absl::StrCat(NodeLabel(node, i), ": ", attribute.name()));
      }
      const bool positive = kPositive.count(attribute.name()) != 0;
      if (!positive && attribute.name() != "pads") continue;
      std::vector<int64_t> values(attribute.ints().begin(), attribute.ints().end());
      if (attribute.has_i()) values.push_back(attribute.i());
      for (int64_t v : values) {
        if (positive ? v < 1 : v < 0) {
          return absl::InvalidArgumentError(absl::StrCat(NodeLabel(node, i), ": attribute '",
                                                         attribute.name(), "' has value ", v,
                                                         ", which must be at least ",
                                                         positive ? 1 : 0));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status BindSymbolicDimensions(const ImportOptions& options, onnx::GraphProto* graph) {
  std::set<std::string> initializers;
  for (const auto& tensor : graph->initializer()) initializers.insert(tensor.name());
  std::set<std::string> used;
  for (onnx::ValueInfoProto& input : *graph->mutable_input()) {
    if (initializers.count(input.name())) continue;
    if (!input.type().has_tensor_type()) {
      return absl::UnimplementedError(absl::StrCat("input '", input.name(), "' is not a tensor"));
    }
    if (!input.type().tensor_type().has_shape()) {
      return absl::InvalidArgumentError(absl::StrCat("input '", input.name(),
                                                     "' has no shape; only static shapes are supported"));
    }
    auto* dims = input.mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim();
    for (int d = 0; d < dims->size(); ++d) {
      onnx::TensorShapeProto_Dimension& dim = (*dims)[d];
      if (dim.has_dim_value()) {
        if (dim.dim_value() < 0) {
          return absl::InvalidArgumentError(absl::StrCat("input '", input.name(), "' dimension ", d,
                                                         " is negative"));
        }
        continue;
      }
      const std::string symbol = dim.dim_param();
      auto bound = options.dims.find(symbol);
      if (symbol.empty() || bound == options.dims.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "input '", input.name(), "' dimension ", d, " is symbolic ('", symbol,
            "'); bind it with --dim ", symbol.empty() ? "NAME" : symbol, "=VALUE"));
      }
      used.insert(symbol);
      dim.set_dim_value(bound->second);
    }
  }
  for (const auto& [symbol, value] : options.dims) {
    if (!used.count(symbol)) {
      return absl::InvalidArgumentError(absl::StrCat(DimensionFlag(options, symbol),
                                                     " names no symbolic dimension of the model's inputs"));
    }
  }
  return absl::OkStatus();
}

std::optional<Shape> StaticShape(const onnx::ValueInfoProto& info);

// A frozen input's values from "v1,v2,..." (in the declared type) or "@FILE".
absl::StatusOr<onnx::TensorProto> FrozenValue(const onnx::ValueInfoProto& input, const std::string& text) {
  const int32_t onnx_type = input.type().tensor_type().elem_type();
  ASSIGN_OR_RETURN(DataType type, DataTypeFromOnnx(onnx_type));
  const Shape shape = *StaticShape(input);
  onnx::TensorProto tensor;
  if (!text.empty() && text[0] == '@') {
    std::ifstream file(text.substr(1), std::ios::binary);
    if (!file || !tensor.ParseFromIstream(&file)) {
      return absl::InvalidArgumentError(absl::StrCat("cannot read an ONNX tensor from '", text.substr(1), "'"));
    }
    ASSIGN_OR_RETURN(TensorData data, TensorDataFromOnnx(tensor));
    if (data.type() != TensorType{type, shape}) {
      return absl::InvalidArgumentError(absl::StrCat("the tensor in '", text.substr(1), "' is ", data.type().ToString(),
                                                     " but the input is ", TensorType{type, shape}.ToString()));
    }
  } else {
    std::vector<std::string> items = absl::StrSplit(text, ',');
    if (static_cast<int64_t>(items.size()) != ElementCount(shape)) {
      return absl::InvalidArgumentError(absl::StrCat("got ", items.size(), " values for ",
                                                     TensorType{type, shape}.ToString()));
    }
    for (const std::string& item : items) {
      double value = 0.0;
      int64_t whole = 0;
      const bool is_whole = absl::SimpleAtoi(item, &whole);
      if (!is_whole && (!IsFloatingPoint(type) || !absl::SimpleAtod(item, &value))) {
        return absl::InvalidArgumentError(absl::StrCat("'", item, "' is not a ", DataTypeName(type), " value"));
      }
      if (IsFloat(type)) tensor.add_float_data(static_cast<float>(is_whole ? static_cast<double>(whole) : value));
      else if (IsFloat64(type)) tensor.add_double_data(is_whole ? static_cast<double>(whole) : value);
      else if (type == DataType::kInt64) tensor.add_int64_data(whole);
      else if (type == DataType::kUInt64 || type == DataType::kUInt32) tensor.add_uint64_data(static_cast<uint64_t>(whole));
      else tensor.add_int32_data(static_cast<int32_t>(whole));
    }
    tensor.set_data_type(onnx_type);
    for (int64_t dim : shape) tensor.add_dims(dim);
  }
  tensor.set_name(input.name());
  return tensor;
}

// Turns each frozen graph input into an initializer, so ONNX's shape inference and
// the importer both see its value.
absl::Status FreezeInputs(const ImportOptions& options, onnx::GraphProto* graph) {
  for (const auto& [name, text] : options.frozen) {
    auto* inputs = graph->mutable_input();
    auto it = std::find_if(inputs->begin(), inputs->end(), [&](const onnx::ValueInfoProto& v) { return v.name() == name; });
    if (it == inputs->end()) {
      return absl::InvalidArgumentError(absl::StrCat("--freeze ", name, " names no input of the model"));
    }
    absl::StatusOr<onnx::TensorProto> value = FrozenValue(*it, text);
    if (!value.ok()) return WithContext(value.status(), absl::StrCat("--freeze ", name));
    *graph->add_initializer() = *std::move(value);
    inputs->erase(it);
  }
  return absl::OkStatus();
}

// ONNX's messages span several lines (a context paragraph, then the node); errors here
// are one line.
std::string OneLine(const std::string& text) {
  std::vector<std::string> parts;
  for (absl::string_view line : absl::StrSplit(text, absl::ByAnyChar("\r\n"), absl::SkipWhitespace())) {
    parts.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return absl::StrJoin(parts, "; ");
}

// ONNX's checker and shape inference, as a cross-check of a model modelc has already
// accepted (they trust sizes and attributes and crash on hostile ones). Anything they
// throw becomes a refusal.
absl::Status RunOnnxChecks(onnx::ModelProto* model) {
  try {
    onnx::checker::check_model(*model);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("ONNX checker: ", OneLine(e.what())));
  }
  try {
    onnx::ShapeInferenceOptions options(/*check_type_val=*/true, /*strict_mode_val=*/1);
    onnx::shape_inference::InferShapes(*model, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("ONNX shape inference: ", OneLine(e.what())));
  }
  return absl::OkStatus();
}

// ONNX's inferred static shape for a value, if it inferred a complete one.
std::optional<Shape> StaticShape(const onnx::ValueInfoProto& info) {
  if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) return std::nullopt;
  Shape shape;
  for (const auto& dim : info.type().tensor_type().shape().dim()) {
    if (!dim.has_dim_value()) return std::nullopt;
    shape.push_back(dim.dim_value());
  }
  return shape;
}

absl::StatusOr<TensorData> ConstantNodeValue(const onnx::NodeProto& node) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() == "value") return TensorDataFromOnnx(attribute.t());
    if (attribute.name() == "value_float") return TensorData::FromFloats({}, std::vector<float>{attribute.f()});
    if (attribute.name() == "value_int") return TensorData::FromInt64s({}, std::vector<int64_t>{attribute.i()});
    if (attribute.name() == "value_floats") {
      std::vector<float> values(attribute.floats().begin(), attribute.floats().end());
      return TensorData::FromFloats({static_cast<int64_t>(values.size())}, values);
    }
    if (attribute.name() == "value_ints") {
      std::vector<int64_t> values(attribute.ints().begin(), attribute.ints().end());
      return TensorData::FromInt64s({static_cast<int64_t>(values.size())}, values);
    }
  }
  return absl::UnimplementedError("only tensor, float(s) and int(s) constants are supported");
}

absl::StatusOr<AttributeMap> ConvertAttributes(const onnx::NodeProto& node) {
  AttributeMap map;
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    // The passes' attributes, and those the TFLite frontend sets to make an op compute as
    // TFLite's reference kernels (any domain: modelc's own ops take no schema check).
    // A matrix product's transposed operands (transpose sinking's, a TFLite fully
    // connected layer's weights) are the compiler's too: ONNX's MatMuls have none.
    const bool product = node.op_type() == "MatMul" || node.op_type() == "QLinearMatMul" ||
                         node.op_type() == "MatMulInteger";
    if (attribute.name().rfind("fused_", 0) == 0 || attribute.name() == kFixedPointRequantization ||
        attribute.name() == kRoundHalfAwayFromZero ||
        (product && (attribute.name() == "transA" || attribute.name() == "transB"))) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", attribute.name(),
                                                     "' is reserved for the compiler's own use"));
    }
    switch (attribute.type()) {
      case onnx::AttributeProto::INT:
        map.Set(attribute.name(), static_cast<int64_t>(attribute.i()));
        break;
      case onnx::AttributeProto::FLOAT:
        map.Set(attribute.name(), attribute.f());
        break;
      case onnx::AttributeProto::STRING:
        map.Set(attribute.name(), attribute.s());
        break;
      case onnx::AttributeProto::INTS:
        map.Set(attribute.name(), std::vector<int64_t>(attribute.ints().begin(), attribute.ints().end()));
        break;
      case onnx::AttributeProto::STRINGS:  // e.g. LSTM's activations: kept as "A,B,C"
        map.Set(attribute.name(), absl::StrJoin(attribute.strings(), ","));
        break;
      case onnx::AttributeProto::FLOATS:
        map.Set(attribute.name(), std::vector<float>(attribute.floats().begin(), attribute.floats().end()));
        break;
      default:
        return absl::UnimplementedError(absl::StrCat("attribute '", attribute.name(),
                                                     "' has a type the compiler does not support"));
    }
  }
  return map;
}

// An op of its own from an older opset, brought to today's form by its Upgrade hook.
absl::Status UpgradeOwnOp(Node& node, int64_t opset) {
  if (GetOpInfo(node.op).family != OpFamily::kOwn) return absl::OkStatus();
  switch (AsOwnOp(node.op)) {
#define MODELC_OWN_OP_CASE(kind) \
  case OwnOp::k##kind:           \
    return Upgrade##kind(node, opset);
#include "compiler/ops/own_op_cases.inc"
#undef MODELC_OWN_OP_CASE
  }
  return absl::OkStatus();
}

class GraphBuilder : public BodyImporter {
 public:
  GraphBuilder(const onnx::GraphProto& proto, int64_t opset) : proto_(proto), opset_(opset), loops_(*this, opset) {
    for (const auto& info : proto.value_info()) onnx_infos_[info.name()] = &info;
    for (const auto& info : proto.output()) onnx_infos_[info.name()] = &info;
    CollectConsumed(proto);
  }

  absl::StatusOr<Graph> Build() {
    graph_.name = proto_.name();
    for (const auto& tensor : proto_.initializer()) {
      ASSIGN_OR_RETURN(TensorData data, TensorDataFromOnnx(tensor));
      values_[tensor.name()] = graph_.AddConstant(tensor.name(), std::move(data));
    }
    for (const auto& input : proto_.input()) {
      if (values_.count(input.name())) continue;  // an initializer listed as input (IR < 4)
      auto element_type = DataTypeFromOnnx(input.type().tensor_type().elem_type());
      if (!element_type.ok()) return WithContext(element_type.status(), absl::StrCat("input '", input.name(), "'"));
      RETURN_IF_ERROR(CheckShapeSize(*StaticShape(input), absl::StrCat("input '", input.name(), "' shape")));
      const ValueId id = graph_.AddValue(input.name(), TensorType{*element_type, *StaticShape(input)});
      values_[input.name()] = id;
      graph_.AddInput(id);
    }
    for (int i = 0; i < proto_.node_size(); ++i) {
      absl::Status status = AddNode(proto_.node(i), i);
      if (!status.ok()) return WithContext(status, NodeLabel(proto_.node(i), i));
    }
    for (const auto& output : proto_.output()) {
      auto it = values_.find(output.name());
      if (it == values_.end()) {
        return absl::InvalidArgumentError(absl::StrCat("graph output '", output.name(), "' is never produced"));
      }
      graph_.AddOutput(it->second);
    }
    RETURN_IF_ERROR(VerifyGraph(graph_));
    return std::move(graph_);
  }

  // What the loop unroller reads and adds through (BodyImporter).
  Graph& graph() override { return graph_; }
  ValueId guard() const override { return guard_; }
  void set_guard(ValueId guard) override { guard_ = guard; }

  absl::StatusOr<ValueId> Find(const std::string& name) const override {
    auto it = values_.find(name);
    if (it == values_.end()) return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not defined before use"));
    return it->second;
  }

  absl::Status Bind(const std::string& name, ValueId value) override {
    if (!values_.emplace(name, value).second) return absl::InvalidArgumentError(absl::StrCat("'", name, "' is defined twice"));
    return absl::OkStatus();
  }

  absl::Status ImportNodes(const onnx::GraphProto& graph) override {
    CollectConsumed(graph);
    for (int i = 0; i < graph.node_size(); ++i) {
      absl::Status status = AddNode(graph.node(i), i);
      if (!status.ok()) return WithContext(status, NodeLabel(graph.node(i), i));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status AddNode(const onnx::NodeProto& proto, int index) {
    RETURN_IF_ERROR(CheckAttributesKnown(proto, opset_));
    if (proto.op_type() == "Constant") {
      ASSIGN_OR_RETURN(TensorData data, ConstantNodeValue(proto));
      return AddConstantOutput(proto, std::move(data));
    }
    if (proto.op_type() == "If") return AddIf(proto, index);
    const std::string node_name = proto.name().empty() ? absl::StrCat(proto.op_type(), "_", index) : proto.name();
    if (proto.op_type() == "Scan") return loops_.AddScan(proto, node_name);
    if (proto.op_type() == "Loop") return loops_.AddLoop(proto, node_name);
    if (IsCompileTimeOp(proto.op_type())) {
      // Shape and Size read only their input's type; the others, its values.
      const bool reads_values = proto.op_type() != "Shape" && proto.op_type() != "Size";
      std::vector<std::optional<KnownInput>> known;
      for (const std::string& input : proto.input()) {
        auto it = values_.find(input);
        if (input.empty() || it == values_.end()) {
          known.push_back(std::nullopt);
          continue;
        }
        if (reads_values) RETURN_IF_ERROR(FoldProducers(it->second));
        const Value& value = graph_.value(it->second);
        known.push_back(KnownInput{value.name, value.type, value.constant ? &*value.constant : nullptr,
                                   value.constant || !reads_values ? "" : FreezeHint(graph_, it->second)});
      }
      ASSIGN_OR_RETURN(TensorData data, EvaluateCompileTimeOp(proto, known));
      return AddConstantOutput(proto, std::move(data));
    }
    Node node;
    node.guard = guard_;
    const std::optional<OpKind> renamed = RenamedOp(proto);
    node.op = proto.op_type() == "CastLike" ? OpKind::kCast
              : renamed                     ? *renamed
                                            : *OpKindFromOnnxName(proto.op_type(), proto.domain());
    node.name = node_name;
    // (QGemm's inputs are not QLinearMatMul's: ReadMicrosoftOp places them.)
    const bool microsoft = MicrosoftOpReadAs(proto).has_value();
    if (const int internal = FirstInternalInput(node.op); internal >= 0 && proto.input_size() > internal && !microsoft) {
      return absl::InvalidArgumentError(absl::StrCat(proto.op_type(), " takes at most ", internal, " inputs, got ",
                                                     proto.input_size()));
    }
    ASSIGN_OR_RETURN(node.attributes, ConvertAttributes(proto));
    // Legacy forms of old opsets whose meaning differs from today's: refuse, never guess.
    if (node.attributes.Has("consumed_inputs")) {
      return absl::UnimplementedError("the legacy attribute 'consumed_inputs' (opset < 6) is not supported");
    }
    if (GetOpInfo(node.op).family == OpFamily::kBinary && node.attributes.Has("axis")) {
      return absl::UnimplementedError("legacy broadcasting along 'axis' (opset < 7) is not supported");
    }
    for (const std::string& input : proto.input()) {
      if (input.empty()) {
        node.inputs.push_back(kNoValue);
        continue;
      }
      auto it = values_.find(input);
      if (it == values_.end()) {
        return absl::InvalidArgumentError(absl::StrCat("input '", input, "' is not defined before use"));
      }
      node.inputs.push_back(it->second);
    }
    while (!node.inputs.empty() && node.inputs.back() == kNoValue) node.inputs.pop_back();
    if (microsoft) {  // the readers take constants (scales, weights, C) as constants
      for (ValueId input : node.inputs) RETURN_IF_ERROR(FoldProducers(input));
      RETURN_IF_ERROR(ReadMicrosoftOp(proto, graph_, node));
    }
    if (GetOpInfo(node.op).Has(op_traits::kOnlyFirstInputIsData)) {
      for (size_t i = 1; i < node.inputs.size(); ++i) RETURN_IF_ERROR(FoldProducers(node.inputs[i]));
    }
    // Gather is a compile-time index map; with indices computed at run time (token ids,
    // labels) it is the kernel that reads them.
    if (node.op == OpKind::kGather && node.inputs.size() == 2 && !graph_.IsConstant(node.inputs[1])) {
      node.op = OpKind::kGatherAtRunTime;
    }
    RETURN_IF_ERROR(UpgradeOwnOp(node, opset_));
    if (node.op == OpKind::kSplit) RETURN_IF_ERROR(SetSplitSizes(proto, node));
    if (proto.op_type() == "CastLike") {  // Cast to the second input's type
      if (node.inputs.size() != 2) return absl::InvalidArgumentError("CastLike takes 2 inputs");
      node.attributes.Set("to", static_cast<int64_t>(graph_.value(node.inputs[1]).type.element_type));
      node.inputs.pop_back();
    }
    // Optional outputs nobody reads (Dropout's mask, for one) are not computed.
    int output_count = proto.output_size();
    // Dropout's mask is computed apart (AddDropoutMask): the node itself is a view.
    if (node.op == OpKind::kDropout) output_count = std::min(output_count, 1);
    while (output_count > 1 && (proto.output(output_count - 1).empty() ||
                                !consumed_.count(proto.output(output_count - 1)))) {
      --output_count;
    }
    // MaxPool's indices are an op of their own: MaxPool keeps one output.
    if (node.op == OpKind::kMaxPool && output_count == 2) node.op = OpKind::kMaxPoolWithIndices;
    for (int o = 0; o < output_count; ++o) node.outputs.push_back(kNoValue);
    ASSIGN_OR_RETURN(std::vector<TensorType> types, InferOutputTypes(graph_, node));
    for (int o = 0; o < output_count; ++o) {
      // An output left unnamed before a used one (LSTM's Y when only Y_h is read) is
      // still computed, into scratch, under a name of its own.
      const std::string name = proto.output(o).empty() ? absl::StrCat(node.name, ".unused_output_", o) : proto.output(o);
      if (values_.count(name)) return absl::InvalidArgumentError(absl::StrCat("output '", name, "' is defined twice"));
      auto info = onnx_infos_.find(name);
      if (info != onnx_infos_.end()) {
        std::optional<Shape> onnx_shape = StaticShape(*info->second);
        if (onnx_shape && *onnx_shape != types[o].shape) {
          return absl::InvalidArgumentError(absl::StrCat(
              "output '", name, "': modelc computes shape ", ShapeToString(types[o].shape),
              " but the model or ONNX shape inference says ", ShapeToString(*onnx_shape)));
        }
      }
      node.outputs[o] = graph_.AddValue(name, types[o]);
      values_[name] = node.outputs[o];
    }
    if (node.op == OpKind::kDropout) RETURN_IF_ERROR(AddDropoutMask(proto, types[0].shape));
    // Shape arithmetic on constants (int64 and bool results) folds here, so that the
    // shape rules of later nodes see its values; float work is left to the passes.
    if (FoldsAtImport(node)) {
      std::vector<const TensorData*> inputs;
      for (ValueId input : node.inputs) inputs.push_back(input == kNoValue ? nullptr : &*graph_.value(input).constant);
      ASSIGN_OR_RETURN(std::vector<TensorData> results, EvaluateNode(graph_, node, inputs));
      for (size_t o = 0; o < results.size(); ++o) graph_.mutable_value(node.outputs[o]).constant = std::move(results[o]);
      return absl::OkStatus();
    }
    graph_.AddNode(std::move(node));
    return absl::OkStatus();
  }

  // Dropout's optional mask, when read: the shape rule admits inference only (no
  // training_mode, or a constant false), where every element is kept, so the mask is
  // a constant of all true.
  absl::Status AddDropoutMask(const onnx::NodeProto& proto, const Shape& shape) {
    if (proto.output_size() < 2 || proto.output(1).empty() || !consumed_.count(proto.output(1))) {
      return absl::OkStatus();
    }
    const std::string& name = proto.output(1);
    if (values_.count(name)) return absl::InvalidArgumentError(absl::StrCat("output '", name, "' is defined twice"));
    std::vector<uint8_t> all_true(ElementCount(shape), 1);
    values_[name] = graph_.AddConstant(name, TensorData(TensorType{DataType::kBool, shape}, std::move(all_true)));
    return absl::OkStatus();
  }

  // A Split without sizes divides its axis among the model's outputs: equal parts, or
  // with opset 18's num_outputs, parts of ceil(size / n) and a smaller last one. The
  // count is known only here (outputs nobody reads are dropped below), so the sizes are
  // written down as the 'split' attribute.
  absl::Status SetSplitSizes(const onnx::NodeProto& proto, Node& node) {
    if (node.inputs.size() > 1 || node.attributes.Has("split") || node.inputs.empty()) return absl::OkStatus();
    const Shape& x = graph_.value(node.inputs[0]).type.shape;
    ASSIGN_OR_RETURN(int64_t axis_attribute, node.attributes.GetInt("axis", 0));
    ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attribute, static_cast<int64_t>(x.size())));
    const int64_t parts = proto.output_size(), extent = x[axis];
    std::vector<int64_t> sizes;
    if (node.attributes.Has("num_outputs")) {
      ASSIGN_OR_RETURN(int64_t num_outputs, node.attributes.GetInt("num_outputs", 0));
      if (num_outputs != parts) {
        return absl::InvalidArgumentError(absl::StrCat("Split's num_outputs is ", num_outputs, " but it has ",
                                                       parts, " outputs"));
      }
      const int64_t chunk = extent / parts + (extent % parts != 0 ? 1 : 0);
      if (chunk * (parts - 1) > extent) {
        return absl::InvalidArgumentError(absl::StrCat("Split cannot divide ", extent, " into ", parts,
                                                       " parts of ", chunk, " and a last smaller one"));
      }
      sizes.assign(parts, chunk);
      sizes.back() = extent - chunk * (parts - 1);
    } else {
      if (parts == 0 || extent % parts != 0) {
        return absl::InvalidArgumentError(absl::StrCat("Split cannot divide ", extent, " evenly into ", parts, " parts"));
      }
      sizes.assign(parts, extent / parts);
    }
    node.attributes.Set("split", sizes);
    return absl::OkStatus();
  }

  // If. With a condition known at compile time, the chosen branch's nodes join the
  // graph in its place. Otherwise both branches do, each node guarded (Node::guard) by
  // the condition or its negation (and by the guard of an enclosing branch), so only
  // the taken branch runs; a Where picks each output. ONNX names are unique across
  // branches, so they cannot clash.
  absl::Status AddIf(const onnx::NodeProto& proto, int index) {
    auto condition = proto.input_size() == 1 ? values_.find(proto.input(0)) : values_.end();
    if (condition == values_.end()) return absl::InvalidArgumentError("If takes one condition input");
    const ValueId cond = condition->second;
    RETURN_IF_ERROR(FoldProducers(cond));
    const Value& value = graph_.value(cond);
    if (value.type.element_type != DataType::kBool || value.type.ElementCount() != 1) {
      return absl::InvalidArgumentError("If's condition must be one bool");
    }
    const std::string if_name = proto.name().empty() ? absl::StrCat("If_", index) : proto.name();
    if (value.constant) {
      const bool taken = value.constant->bytes()[0] != 0;
      ASSIGN_OR_RETURN(std::vector<ValueId> produced, ImportBranch(proto, taken ? "then_branch" : "else_branch", index));
      for (int o = 0; o < proto.output_size(); ++o) {
        // An Identity (a view: no copy unless it is a graph output) keeps the If's name.
        RETURN_IF_ERROR(AddSyntheticNode(OpKind::kIdentity, absl::StrCat(if_name, "_output", o), {produced[o]},
                                         proto.output(o)).status());
      }
      return absl::OkStatus();
    }
    // The guards are computed unconditionally: a guard left unwritten because its own
    // node was skipped would be whatever the scratch held.
    const ValueId outer = guard_;
    guard_ = kNoValue;
    ValueId scalar_cond = cond;
    if (value.type.Rank() > 0) {  // a one-element tensor: as a scalar, it broadcasts to any shape
      const ValueId shape = graph_.AddConstant(absl::StrCat(if_name, ".scalar_shape"), TensorData::FromInt64s({0}, {}));
      ASSIGN_OR_RETURN(scalar_cond, AddSyntheticNode(OpKind::kReshape, absl::StrCat(if_name, "_condition"), {cond, shape}, ""));
    }
    ASSIGN_OR_RETURN(const ValueId negated, AddSyntheticNode(OpKind::kNot, absl::StrCat(if_name, "_else"), {scalar_cond}, ""));
    ValueId then_guard = scalar_cond, else_guard = negated;
    if (outer != kNoValue) {
      ASSIGN_OR_RETURN(then_guard, AddSyntheticNode(OpKind::kAnd, absl::StrCat(if_name, "_then_guard"), {outer, scalar_cond}, ""));
      ASSIGN_OR_RETURN(else_guard, AddSyntheticNode(OpKind::kAnd, absl::StrCat(if_name, "_else_guard"), {outer, negated}, ""));
    }
    guard_ = then_guard;
    absl::StatusOr<std::vector<ValueId>> then_values = ImportBranch(proto, "then_branch", index);
    guard_ = else_guard;
    absl::StatusOr<std::vector<ValueId>> else_values = then_values.ok() ? ImportBranch(proto, "else_branch", index)
                                                                        : then_values;
    guard_ = outer;
    RETURN_IF_ERROR(then_values.status());
    RETURN_IF_ERROR(else_values.status());
    for (int o = 0; o < proto.output_size(); ++o) {
      const TensorType& then_type = graph_.value((*then_values)[o]).type;
      const TensorType& else_type = graph_.value((*else_values)[o]).type;
      if (then_type != else_type) {
        return absl::UnimplementedError(absl::StrCat("If output ", o, " is ", then_type.ToString(), " in one branch and ",
                                                     else_type.ToString(), " in the other; static shapes need them equal"));
      }
      RETURN_IF_ERROR(AddSyntheticNode(OpKind::kWhere, absl::StrCat(if_name, "_output", o),
                                       {scalar_cond, (*then_values)[o], (*else_values)[o]}, proto.output(o)).status());
    }
    return absl::OkStatus();
  }

  // Imports one of an If's branches; returns its outputs.
  absl::StatusOr<std::vector<ValueId>> ImportBranch(const onnx::NodeProto& proto, const char* branch_name, int index) {
    const onnx::GraphProto* branch = nullptr;
    for (const onnx::AttributeProto& attribute : proto.attribute()) {
      if (attribute.name() == branch_name && attribute.has_g()) branch = &attribute.g();
    }
    if (!branch) return absl::InvalidArgumentError(absl::StrCat("If has no ", branch_name));
    if (branch->output_size() != proto.output_size()) {
      return absl::InvalidArgumentError(absl::StrCat("If's ", branch_name, " has ", branch->output_size(),
                                                     " outputs, the If has ", proto.output_size()));
    }
    for (const onnx::TensorProto& tensor : branch->initializer()) {
      if (values_.count(tensor.name())) return absl::InvalidArgumentError(absl::StrCat("'", tensor.name(), "' is defined twice"));
      ASSIGN_OR_RETURN(TensorData data, TensorDataFromOnnx(tensor));
      values_[tensor.name()] = graph_.AddConstant(tensor.name(), std::move(data));
    }
    for (int i = 0; i < branch->node_size(); ++i) {
      absl::Status status = AddNode(branch->node(i), index * 1000 + i);
      if (!status.ok()) return WithContext(status, absl::StrCat(branch_name, ": ", NodeLabel(branch->node(i), i)));
    }
    std::vector<ValueId> outputs;
    for (int o = 0; o < proto.output_size(); ++o) {
      auto produced = values_.find(branch->output(o).name());
      if (produced == values_.end()) {
        return absl::InvalidArgumentError(absl::StrCat(branch_name, " output '", branch->output(o).name(), "' is never produced"));
      }
      outputs.push_back(produced->second);
    }
    return outputs;
  }

  // A node the importer adds itself (under the current guard); returns its output,
  // named `output_name` (an ONNX name the rest of the model may read) or after the node.
  absl::StatusOr<ValueId> AddSyntheticNode(OpKind op, const std::string& name, std::vector<ValueId> inputs,
                                           const std::string& output_name, AttributeMap attributes = {}) override {
    Node node{op, name, std::move(inputs), {kNoValue}, std::move(attributes), guard_};
    ASSIGN_OR_RETURN(std::vector<TensorType> types, InferOutputTypes(graph_, node));
    const std::string value_name = output_name.empty() ? name : output_name;
    if (values_.count(value_name)) return absl::InvalidArgumentError(absl::StrCat("'", value_name, "' is defined twice"));
    node.outputs[0] = graph_.AddValue(value_name, types[0]);
    values_[value_name] = node.outputs[0];
    graph_.AddNode(std::move(node));
    return values_[value_name];
  }

  // A parameter (a shape, bound or fill value, a Range's limit, an If's condition) is
  // needed now, but may come from nodes left to the passes because their results are
  // float (Cast(size), CastLike(-inf)): when every value it is computed from is
  // constant, those nodes are evaluated here, in graph order, and leave the graph.
  // Otherwise (it depends on a graph input) nothing changes, and the op's rule says
  // what is missing.
  absl::Status FoldProducers(ValueId id) {
    std::vector<bool> needed(graph_.nodes().size(), false);
    std::vector<bool> seen(graph_.values().size(), false);
    std::vector<ValueId> pending = {id};
    while (!pending.empty()) {
      const ValueId value = pending.back();
      pending.pop_back();
      if (value == kNoValue || graph_.IsConstant(value) || seen[value]) continue;
      seen[value] = true;
      const int producer = graph_.value(value).producer;
      if (producer < 0) return absl::OkStatus();  // a graph input
      const Node& node = graph_.nodes()[producer];
      int64_t bytes = 0;
      for (ValueId output : node.outputs) bytes += graph_.value(output).type.ByteSize();
      if (bytes > kMaxImportFoldBytes) return absl::OkStatus();
      needed[producer] = true;
      for (ValueId input : node.inputs) pending.push_back(input);
    }
    for (size_t n = 0; n < needed.size(); ++n) {
      if (!needed[n]) continue;
      const Node& node = graph_.nodes()[n];
      std::vector<const TensorData*> inputs;
      for (ValueId input : node.inputs) inputs.push_back(input == kNoValue ? nullptr : &*graph_.value(input).constant);
      absl::StatusOr<std::vector<TensorData>> results = EvaluateNode(graph_, node, inputs);
      if (!results.ok()) return WithContext(results.status(), absl::StrCat("evaluating node '", node.name, "'"));
      for (size_t o = 0; o < results->size(); ++o) graph_.mutable_value(node.outputs[o]).constant = std::move((*results)[o]);
    }
    graph_.RemoveNodes(needed);
    return absl::OkStatus();
  }

  bool FoldsAtImport(const Node& node) const {
    int64_t bytes = 0;
    for (ValueId output : node.outputs) {
      if (IsFloatingPoint(graph_.value(output).type.element_type)) return false;
      bytes += graph_.value(output).type.ByteSize();
    }
    for (ValueId input : node.inputs) {
      if (input != kNoValue && !graph_.IsConstant(input)) return false;
    }
    return bytes <= kMaxImportFoldBytes;
  }

  absl::Status AddConstantOutput(const onnx::NodeProto& proto, TensorData data) {
    if (proto.output_size() != 1) return absl::InvalidArgumentError(absl::StrCat(proto.op_type(), " has one output"));
    if (values_.count(proto.output(0))) {
      return absl::InvalidArgumentError(absl::StrCat("output '", proto.output(0), "' is defined twice"));
    }
    values_[proto.output(0)] = graph_.AddConstant(proto.output(0), std::move(data));
    return absl::OkStatus();
  }

  // The values read by a node or given as an output, in the graph and in the graphs
  // nested in it (an If branch may read an LSTM's Y_c computed in the same branch).
  void CollectConsumed(const onnx::GraphProto& graph) {
    for (const auto& node : graph.node()) {
      for (const auto& input : node.input()) consumed_.insert(input);
      for (const onnx::AttributeProto& attribute : node.attribute()) {
        if (attribute.has_g()) CollectConsumed(attribute.g());
        for (const onnx::GraphProto& nested : attribute.graphs()) CollectConsumed(nested);
      }
    }
    for (const auto& output : graph.output()) consumed_.insert(output.name());
  }

  const onnx::GraphProto& proto_;
  const int64_t opset_;
  Graph graph_;
  std::unordered_map<std::string, ValueId> values_;
  std::unordered_map<std::string, const onnx::ValueInfoProto*> onnx_infos_;
  std::set<std::string> consumed_;
  ValueId guard_ = kNoValue;  // while importing a run-time If's branch or Loop iteration: its guard
  LoopUnroller loops_;
};

absl::StatusOr<Graph> ImportModel(onnx::ModelProto model, const ImportOptions& options) {
  if (model.ir_version() > kMaxOnnxIrVersion) {
    return absl::UnimplementedError(absl::StrCat("IR version ", model.ir_version(), " is not supported (supported: up to ",
                                                 kMaxOnnxIrVersion, ")"));
  }
  ASSIGN_OR_RETURN(int64_t opset, DefaultOpset(model));
  RETURN_IF_ERROR(InlineLocalFunctions(&model, opset));
  RETURN_IF_ERROR(ExpandSchemaFunctions(&model, opset, IsKnownOp));
  RETURN_IF_ERROR(RefuseUnsupportedOps(model.graph()));
  RETURN_IF_ERROR(CheckAttributeSanity(model.graph()));
  RETURN_IF_ERROR(BindSymbolicDimensions(options, model.mutable_graph()));
  RETURN_IF_ERROR(FreezeInputs(options, model.mutable_graph()));
  // modelc's own validation first, into every branch: every tensor's bytes against its
  // shape, every node's attributes and shapes by modelc's rules. ONNX's checker and
  // shape inference only see a model modelc has accepted, and then cross-check it: the
  // import runs again with the shapes ONNX inferred.
  RETURN_IF_ERROR(GraphBuilder(model.graph(), opset).Build().status());
  if (model.graph().output_size() == 0) {
    return absl::InvalidArgumentError("the graph has no outputs: there is nothing to compute");
  }
  // ONNX's checker and shape inference cross-check only what the system's library
  // knows; newer opsets and IR versions rest on modelc's rules alone.
  if (opset <= kMaxOnnxLibraryOpset && model.ir_version() <= kMaxOnnxLibraryIrVersion) {
    RETURN_IF_ERROR(RunOnnxChecks(&model));
  }
  return GraphBuilder(model.graph(), opset).Build();
}

}  // namespace

absl::StatusOr<Graph> ImportOnnxFile(const std::string& path, const ImportOptions& options) {
  absl::StatusOr<Graph> graph = [&]() -> absl::StatusOr<Graph> {
    // The frontend is the only code that calls ONNX and protobuf: whatever they throw
    // that the steps above did not catch nearer its source ends here, as a refusal.
    try {
      ASSIGN_OR_RETURN(onnx::ModelProto model, LoadOnnxModel(path, options.max_file_bytes));
      return ImportModel(std::move(model), options);
    } catch (const std::bad_alloc&) {
      return absl::ResourceExhaustedError("out of memory while reading the model");
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat("the ONNX library failed: ", OneLine(e.what())));
    }
  }();
  if (!graph.ok()) return WithContext(graph.status(), path);
  return graph;
}

}  // namespace modelc
