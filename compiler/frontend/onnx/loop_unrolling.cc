// Scan and Loop, unrolled at import (see loop_unrolling.h).
#include "compiler/frontend/onnx/loop_unrolling.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/onnx/op_versions.h"
#include "compiler/frontend/onnx/tensor_conversion.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/reference/evaluator.h"
#include "compiler/util/checked_math.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// A Loop's trip count and condition may be computed from constants (and frozen
// inputs) by float work the importer leaves to the passes (Range's function body
// divides and rounds); this much of it is evaluated on demand.
constexpr int kMaxFoldedNodes = 256;
constexpr int64_t kMaxFoldedBytes = int64_t{1} << 16;

const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

absl::StatusOr<std::vector<int64_t>> IntsAttribute(const onnx::NodeProto& node, const std::string& name,
                                                   int64_t count, int64_t fill, const char* per_what) {
  const onnx::AttributeProto* attribute = FindAttribute(node, name);
  if (!attribute) return std::vector<int64_t>(count, fill);
  if (attribute->ints_size() != count) {
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' has ", attribute->ints_size(),
                                                   " entries for ", count, " ", per_what));
  }
  return std::vector<int64_t>(attribute->ints().begin(), attribute->ints().end());
}

absl::StatusOr<std::vector<bool>> DirectionsAttribute(const onnx::NodeProto& node, const std::string& name,
                                                      int64_t count, const char* per_what) {
  ASSIGN_OR_RETURN(std::vector<int64_t> values, IntsAttribute(node, name, count, 0, per_what));
  std::vector<bool> reversed;
  for (int64_t value : values) {
    if (value != 0 && value != 1) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' holds ", value,
                                                     "; a direction is 0 (forward) or 1 (reverse)"));
    }
    reversed.push_back(value == 1);
  }
  return reversed;
}

// Every name a graph defines: its inputs, initializers and node outputs, and those of
// the graphs nested in its nodes.
void CollectDefinedNames(const onnx::GraphProto& graph, std::set<std::string>* names) {
  for (const onnx::ValueInfoProto& input : graph.input()) names->insert(input.name());
  for (const onnx::TensorProto& tensor : graph.initializer()) names->insert(tensor.name());
  for (const onnx::NodeProto& node : graph.node()) {
    for (const std::string& output : node.output()) {
      if (!output.empty()) names->insert(output);
    }
    for (const onnx::AttributeProto& attribute : node.attribute()) {
      if (attribute.has_g()) CollectDefinedNames(attribute.g(), names);
      for (const onnx::GraphProto& nested : attribute.graphs()) CollectDefinedNames(nested, names);
    }
  }
}

// A graph's nodes, those of the graphs nested in them included: what copying it costs.
int64_t CountNodes(const onnx::GraphProto& graph) {
  int64_t count = graph.node_size();
  for (const onnx::NodeProto& node : graph.node()) {
    for (const onnx::AttributeProto& attribute : node.attribute()) {
      if (attribute.has_g()) count += CountNodes(attribute.g());
      for (const onnx::GraphProto& nested : attribute.graphs()) count += CountNodes(nested);
    }
  }
  return count;
}

// Gives the names in `renamed` the prefix `prefix`, everywhere in `graph` and the
// graphs nested in it; names from enclosing scopes stay. Node names get `node_prefix`
// (unnamed nodes a name from their op and position).
void RenameInPlace(onnx::GraphProto* graph, const std::set<std::string>& renamed, const std::string& prefix,
                   const std::string& node_prefix) {
  auto rename = [&](std::string* name) {
    if (renamed.count(*name)) *name = prefix + *name;
  };
  for (onnx::ValueInfoProto& input : *graph->mutable_input()) rename(input.mutable_name());
  for (onnx::ValueInfoProto& output : *graph->mutable_output()) rename(output.mutable_name());
  for (onnx::ValueInfoProto& info : *graph->mutable_value_info()) rename(info.mutable_name());
  for (onnx::TensorProto& tensor : *graph->mutable_initializer()) rename(tensor.mutable_name());
  for (int i = 0; i < graph->node_size(); ++i) {
    onnx::NodeProto& node = *graph->mutable_node(i);
    node.set_name(node_prefix + (node.name().empty() ? absl::StrCat(node.op_type(), "_", i) : node.name()));
    for (std::string& input : *node.mutable_input()) rename(&input);
    for (std::string& output : *node.mutable_output()) rename(&output);
    for (onnx::AttributeProto& attribute : *node.mutable_attribute()) {
      if (attribute.has_g()) RenameInPlace(attribute.mutable_g(), renamed, prefix, node.name() + "/");
      for (onnx::GraphProto& nested : *attribute.mutable_graphs()) {
        RenameInPlace(&nested, renamed, prefix, node.name() + "/");
      }
    }
  }
}

// A body input's declared type, where the model gives one, must be the bound value's.
absl::Status CheckDeclaredType(const onnx::ValueInfoProto& input, const TensorType& bound) {
  if (!input.type().has_tensor_type() || input.type().tensor_type().elem_type() == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(DataType declared, DataTypeFromOnnx(input.type().tensor_type().elem_type()));
  bool shape_matches = true;
  if (input.type().tensor_type().has_shape()) {
    const auto& dims = input.type().tensor_type().shape().dim();
    shape_matches = dims.size() == bound.Rank();
    for (int d = 0; shape_matches && d < dims.size(); ++d) {
      if (dims[d].has_dim_value() && dims[d].dim_value() != bound.shape[d]) shape_matches = false;
    }
  }
  if (declared != bound.element_type || !shape_matches) {
    return absl::InvalidArgumentError(absl::StrCat("body input '", input.name(), "' is declared with another type than the ",
                                                   bound.ToString(), " it receives"));
  }
  return absl::OkStatus();
}

// A value's contents when they follow from constants alone: its own, or its
// producers' evaluated by the reference evaluator. When they do not, `graph_input`
// names a graph input they depend on (if any), the one to freeze.
class CompileTimeFolder {
 public:
  explicit CompileTimeFolder(const Graph& graph) : graph_(graph) {}

  const TensorData* Fold(ValueId id) {
    const Value& value = graph_.value(id);
    if (value.constant) return &*value.constant;
    if (graph_.IsGraphInput(id)) {
      if (graph_input.empty()) graph_input = value.name;
      return nullptr;
    }
    if (auto known = folded_.find(id); known != folded_.end()) return known->second ? &*known->second : nullptr;
    folded_[id] = std::nullopt;
    if (value.producer < 0 || ++visited_ > kMaxFoldedNodes) return nullptr;
    const Node& node = graph_.nodes()[value.producer];
    if (node.guard != kNoValue) return nullptr;  // it may not run
    for (ValueId output : node.outputs) {
      if (graph_.value(output).type.ByteSize() > kMaxFoldedBytes) return nullptr;
    }
    std::vector<const TensorData*> inputs;
    for (ValueId input : node.inputs) {
      if (input == kNoValue) {
        inputs.push_back(nullptr);
        continue;
      }
      if (graph_.value(input).type.ByteSize() > kMaxFoldedBytes) return nullptr;
      const TensorData* folded = Fold(input);
      if (!folded) return nullptr;
      inputs.push_back(folded);
    }
    absl::StatusOr<std::vector<TensorData>> results = EvaluateNode(graph_, node, inputs);
    if (!results.ok()) return nullptr;
    for (size_t o = 0; o < results->size() && o < node.outputs.size(); ++o) {
      folded_[node.outputs[o]] = std::move((*results)[o]);
    }
    return folded_[id] ? &*folded_[id] : nullptr;
  }

  std::string graph_input;

 private:
  const Graph& graph_;
  std::map<ValueId, std::optional<TensorData>> folded_;  // node-based: pointers stay valid
  int visited_ = 0;
};

std::string FreezeHint(const std::string& graph_input) {
  if (graph_input.empty()) return "";
  return absl::StrCat("; it depends on the graph input '", graph_input, "': fix its value with --freeze ",
                      graph_input, "=VALUES");
}

// A Loop's M or cond: a one-element int64 or bool tensor.
absl::Status CheckLoopControl(const TensorType& type, DataType expected, const char* what) {
  if (type.element_type != expected || type.ElementCount() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("Loop's ", what, " must be one ", DataTypeName(expected),
                                                   ", not ", type.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace

bool LoopUnroller::Charge(int64_t iterations, int64_t body_nodes) {
  // The iteration count is the model's number: bounded before it is multiplied.
  if (iterations > kMaxUnrolledNodes) return false;
  const std::optional<int64_t> added = CheckedMul(iterations, body_nodes + 1);
  if (!added || *added > kMaxUnrolledNodes - unrolled_nodes_) return false;
  unrolled_nodes_ += *added;
  return true;
}

absl::StatusOr<LoopUnroller::Body> LoopUnroller::PrepareBody(const onnx::NodeProto& node) {
  const onnx::AttributeProto* attribute = FindAttribute(node, "body");
  if (!attribute || !attribute->has_g()) return absl::InvalidArgumentError(absl::StrCat(node.op_type(), " has no body"));
  Body body;
  body.graph = &attribute->g();
  // The body's constants read nothing: they are imported once, under their own names,
  // not copied into every iteration.
  for (const onnx::TensorProto& tensor : body.graph->initializer()) {
    ASSIGN_OR_RETURN(TensorData data, TensorDataFromOnnx(tensor));
    RETURN_IF_ERROR(importer_.Bind(tensor.name(), importer_.graph().AddConstant(tensor.name(), std::move(data))));
  }
  onnx::GraphProto constants;
  body.per_iteration = *body.graph;
  body.per_iteration.clear_initializer();
  body.per_iteration.clear_node();
  for (const onnx::NodeProto& body_node : body.graph->node()) {
    const bool constant = body_node.op_type() == "Constant" && IsDefaultOnnxDomain(body_node.domain());
    *(constant ? constants.add_node() : body.per_iteration.add_node()) = body_node;
  }
  RETURN_IF_ERROR(importer_.ImportNodes(constants));
  CollectDefinedNames(body.per_iteration, &body.defined);
  body.node_count = CountNodes(body.per_iteration);
  return body;
}

absl::StatusOr<std::vector<ValueId>> LoopUnroller::ImportIteration(const Body& body, const std::string& prefix,
                                                                   const std::vector<ValueId>& inputs) {
  onnx::GraphProto copy = body.per_iteration;
  RenameInPlace(&copy, body.defined, prefix, prefix);
  for (int i = 0; i < copy.input_size(); ++i) {
    RETURN_IF_ERROR(CheckDeclaredType(copy.input(i), importer_.graph().value(inputs[i]).type));
    RETURN_IF_ERROR(importer_.Bind(copy.input(i).name(), inputs[i]));
  }
  RETURN_IF_ERROR(importer_.ImportNodes(copy));
  std::vector<ValueId> outputs;
  for (const onnx::ValueInfoProto& output : copy.output()) {
    absl::StatusOr<ValueId> produced = importer_.Find(output.name());
    if (!produced.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("body output '", output.name(), "' is never produced"));
    }
    outputs.push_back(*produced);
  }
  return outputs;
}

absl::StatusOr<ValueId> LoopUnroller::Slice(ValueId value, int64_t axis, int64_t index, const std::string& name) {
  const ValueId position = importer_.graph().AddConstant(absl::StrCat(name, ".index"), TensorData::FromInt64s({}, std::vector<int64_t>{index}));
  AttributeMap attributes;
  attributes.Set("axis", axis);
  return importer_.AddSyntheticNode(OpKind::kGather, name, {value, position}, "", std::move(attributes));
}

absl::StatusOr<ValueId> LoopUnroller::Stack(const std::vector<ValueId>& values, int64_t axis, const std::string& name,
                                            const std::string& output_name) {
  Graph& graph = importer_.graph();
  const TensorType type = graph.value(values.front()).type;
  for (size_t i = 1; i < values.size(); ++i) {
    if (graph.value(values[i]).type != type) {
      return absl::UnimplementedError(absl::StrCat("a scan output is ", type.ToString(), " in one iteration and ",
                                                   graph.value(values[i]).type.ToString(),
                                                   " in another; static shapes need them equal"));
    }
  }
  ASSIGN_OR_RETURN(const int64_t at, NormalizeAxis(axis, type.Rank() + 1));
  Shape stacked_shape = type.shape;
  stacked_shape.insert(stacked_shape.begin() + at, 1);
  const ValueId shape = graph.AddConstant(absl::StrCat(name, ".shape"),
                                          TensorData::FromInt64s({type.Rank() + 1}, stacked_shape));
  if (values.size() == 1) return importer_.AddSyntheticNode(OpKind::kReshape, name, {values[0], shape}, output_name, {});
  std::vector<ValueId> parts;
  for (size_t i = 0; i < values.size(); ++i) {
    ASSIGN_OR_RETURN(ValueId part, importer_.AddSyntheticNode(OpKind::kReshape, absl::StrCat(name, ".", i),
                                                              {values[i], shape}, "", {}));
    parts.push_back(part);
  }
  AttributeMap attributes;
  attributes.Set("axis", at);
  // Concat takes a bounded number of inputs: longer sequences join in groups first.
  const size_t max_inputs = GetOpInfo(OpKind::kConcat).max_inputs;
  for (int round = 0; parts.size() > max_inputs; ++round) {
    std::vector<ValueId> joined;
    for (size_t begin = 0; begin < parts.size(); begin += max_inputs) {
      std::vector<ValueId> group(parts.begin() + begin, parts.begin() + std::min(begin + max_inputs, parts.size()));
      if (group.size() == 1) {
        joined.push_back(group[0]);
        continue;
      }
      ASSIGN_OR_RETURN(ValueId part, importer_.AddSyntheticNode(OpKind::kConcat,
                                                                absl::StrCat(name, ".group", round, "_", joined.size()),
                                                                std::move(group), "", attributes));
      joined.push_back(part);
    }
    parts = std::move(joined);
  }
  return importer_.AddSyntheticNode(OpKind::kConcat, name, std::move(parts), output_name, attributes);
}

absl::StatusOr<ValueId> LoopUnroller::AsScalar(ValueId value, const std::string& name) {
  if (importer_.graph().value(value).type.Rank() == 0) return value;
  const ValueId shape = importer_.graph().AddConstant(absl::StrCat(name, ".shape"), TensorData::FromInt64s({0}, {}));
  return importer_.AddSyntheticNode(OpKind::kReshape, name, {value, shape}, "", {});
}

// Guards and the values they are made of are computed whatever runs: a guard left
// unwritten because its own node was skipped would be whatever the scratch held.
absl::StatusOr<ValueId> LoopUnroller::Unguarded(OpKind op, const std::string& name, std::vector<ValueId> inputs) {
  const ValueId guard = importer_.guard();
  importer_.set_guard(kNoValue);
  absl::StatusOr<ValueId> result = importer_.AddSyntheticNode(op, name, std::move(inputs), "", {});
  importer_.set_guard(guard);
  return result;
}

absl::StatusOr<std::vector<ValueId>> LoopUnroller::UnrollScan(const Body& body, const std::string& name,
                                                              std::vector<ValueId> state,
                                                              const std::vector<ValueId>& scan_inputs,
                                                              const ScanLayout& layout,
                                                              const std::vector<std::string>& output_names) {
  const Graph& graph = importer_.graph();
  const size_t state_count = state.size();
  const size_t output_count = output_names.size();
  if (body.graph->input_size() != static_cast<int>(state_count + scan_inputs.size()) ||
      body.graph->output_size() != static_cast<int>(state_count + output_count)) {
    return absl::InvalidArgumentError(absl::StrCat("the body takes ", body.graph->input_size(), " inputs and gives ",
                                                   body.graph->output_size(), " outputs; the Scan has ", state_count,
                                                   " states, ", scan_inputs.size(), " scan inputs and ", output_count,
                                                   " scan outputs"));
  }
  std::vector<int64_t> axes;
  int64_t length = 0;
  for (size_t j = 0; j < scan_inputs.size(); ++j) {
    const TensorType& type = graph.value(scan_inputs[j]).type;
    absl::StatusOr<int64_t> axis = NormalizeAxis(layout.input_axes[j], type.Rank());
    if (!axis.ok()) return absl::InvalidArgumentError(absl::StrCat("scan input ", j, ": ", axis.status().message()));
    axes.push_back(*axis);
    if (j > 0 && type.shape[*axis] != length) {
      return absl::InvalidArgumentError(absl::StrCat("scan input ", j, " has ", type.shape[*axis],
                                                     " steps along its scan axis, scan input 0 has ", length));
    }
    length = type.shape[*axis];
  }
  if (length == 0) return absl::UnimplementedError("a Scan over 0 steps (empty tensors) is not supported");
  if (!Charge(length, body.node_count)) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "unrolling ", length, " iterations of a body of ", body.node_count,
        " nodes takes the model past the limit of ", kMaxUnrolledNodes,
        " unrolled nodes (loops are unrolled at compile time, each iteration is code)"));
  }
  std::vector<std::vector<ValueId>> produced(output_count);
  for (int64_t t = 0; t < length; ++t) {
    const std::string prefix = absl::StrCat(name, "/", t, "/");
    std::vector<ValueId> inputs = state;
    for (size_t j = 0; j < scan_inputs.size(); ++j) {
      const int64_t index = layout.input_reversed[j] ? length - 1 - t : t;
      ASSIGN_OR_RETURN(ValueId slice, Slice(scan_inputs[j], axes[j], index, absl::StrCat(prefix, "scan_input_", j)));
      inputs.push_back(slice);
    }
    ASSIGN_OR_RETURN(std::vector<ValueId> outputs, ImportIteration(body, prefix, inputs));
    std::copy(outputs.begin(), outputs.begin() + state_count, state.begin());
    for (size_t k = 0; k < output_count; ++k) produced[k].push_back(outputs[state_count + k]);
  }
  std::vector<ValueId> results = std::move(state);
  for (size_t k = 0; k < output_count; ++k) {
    if (layout.output_reversed[k]) std::reverse(produced[k].begin(), produced[k].end());
    ASSIGN_OR_RETURN(ValueId stacked,
                     Stack(produced[k], layout.output_axes[k], absl::StrCat(name, "/scan_output_", k), output_names[k]));
    results.push_back(stacked);
  }
  return results;
}

absl::Status LoopUnroller::AddScan(const onnx::NodeProto& node, const std::string& name) {
  if (opset_ < 8) return absl::UnimplementedError("Scan exists from opset 8");
  const onnx::AttributeProto* count = FindAttribute(node, "num_scan_inputs");
  if (!count || !count->has_i()) return absl::InvalidArgumentError("Scan needs the attribute 'num_scan_inputs'");
  const int64_t scan_input_count = count->i();
  const int64_t first_scan_input = node.input_size() - scan_input_count;
  if (scan_input_count < 1 || first_scan_input < (opset_ < 9 ? 1 : 0)) {
    return absl::InvalidArgumentError(absl::StrCat("num_scan_inputs is ", scan_input_count, " for a Scan of ",
                                                   node.input_size(), " inputs"));
  }
  ASSIGN_OR_RETURN(Body body, PrepareBody(node));
  if (opset_ < 9) return AddBatchedScan(node, name, body, scan_input_count);
  std::vector<ValueId> state, scan_inputs;
  for (int i = 0; i < node.input_size(); ++i) {
    ASSIGN_OR_RETURN(ValueId value, importer_.Find(node.input(i)));
    (i < first_scan_input ? state : scan_inputs).push_back(value);
  }
  const int64_t output_count = node.output_size() - first_scan_input;
  if (output_count < 0) {
    return absl::InvalidArgumentError(absl::StrCat("Scan has ", first_scan_input, " states but ", node.output_size(),
                                                   " outputs"));
  }
  ScanLayout layout;
  ASSIGN_OR_RETURN(layout.input_axes, IntsAttribute(node, "scan_input_axes", scan_input_count, 0, "scan inputs"));
  ASSIGN_OR_RETURN(layout.input_reversed, DirectionsAttribute(node, "scan_input_directions", scan_input_count, "scan inputs"));
  ASSIGN_OR_RETURN(layout.output_axes, IntsAttribute(node, "scan_output_axes", output_count, 0, "scan outputs"));
  ASSIGN_OR_RETURN(layout.output_reversed, DirectionsAttribute(node, "scan_output_directions", output_count, "scan outputs"));
  const std::vector<std::string> output_names(node.output().begin() + first_scan_input, node.output().end());
  ASSIGN_OR_RETURN(std::vector<ValueId> results, UnrollScan(body, name, state, scan_inputs, layout, output_names));
  for (int64_t o = 0; o < first_scan_input; ++o) {
    if (node.output(o).empty()) continue;
    // An Identity (a view: no copy unless it is a graph output) keeps the Scan's name.
    RETURN_IF_ERROR(importer_.AddSyntheticNode(OpKind::kIdentity, absl::StrCat(name, "/final_state_", o), {results[o]},
                                               node.output(o), {}).status());
  }
  return absl::OkStatus();
}

absl::Status LoopUnroller::AddBatchedScan(const onnx::NodeProto& node, const std::string& name, const Body& body,
                                          int64_t scan_input_count) {
  const Graph& graph = importer_.graph();
  const int64_t first_scan_input = node.input_size() - scan_input_count;
  const int64_t state_count = first_scan_input - 1;  // after sequence_lens
  const int64_t output_count = node.output_size() - state_count;
  if (output_count < 0) {
    return absl::InvalidArgumentError(absl::StrCat("Scan has ", state_count, " states but ", node.output_size(), " outputs"));
  }
  std::vector<ValueId> inputs;
  int64_t batch = -1;
  for (int i = 1; i < node.input_size(); ++i) {
    ASSIGN_OR_RETURN(ValueId value, importer_.Find(node.input(i)));
    const TensorType& type = graph.value(value).type;
    if (type.Rank() < (i < first_scan_input ? 1 : 2) || (batch >= 0 && type.shape[0] != batch)) {
      return absl::InvalidArgumentError(absl::StrCat("Scan-8's input ", i, " is ", type.ToString(),
                                                     "; every input has the batch axis 0 (scan inputs then the scan axis 1) "
                                                     "of one size"));
    }
    batch = type.shape[0];
    inputs.push_back(value);
  }
  if (batch < 1) return absl::UnimplementedError("a Scan-8 over a batch of 0 (empty tensors) is not supported");
  if (!node.input(0).empty()) {
    ASSIGN_OR_RETURN(ValueId lengths, importer_.Find(node.input(0)));
    const int64_t steps = graph.value(inputs[state_count]).type.shape[1];
    bool full = graph.IsConstant(lengths) && graph.value(lengths).type.element_type == DataType::kInt64;
    if (full) {
      for (int64_t length : graph.value(lengths).constant->Int64s()) full = full && length == steps;
    }
    if (!full) {
      return absl::UnimplementedError(absl::StrCat("Scan-8's sequence_lens must be constant and ", steps,
                                                   " (the whole sequence) for every batch entry"));
    }
  }
  ScanLayout layout;
  ASSIGN_OR_RETURN(layout.input_reversed, DirectionsAttribute(node, "directions", scan_input_count, "scan inputs"));
  layout.input_axes.assign(scan_input_count, 0);
  layout.output_axes.assign(output_count, 0);
  layout.output_reversed.assign(output_count, false);
  std::vector<std::vector<ValueId>> per_batch(node.output_size());
  for (int64_t b = 0; b < batch; ++b) {
    const std::string prefix = absl::StrCat(name, "/batch_", b);
    std::vector<ValueId> state, scan_inputs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      ASSIGN_OR_RETURN(ValueId slice, Slice(inputs[i], 0, b, absl::StrCat(prefix, "/input_", i)));
      (static_cast<int64_t>(i) < state_count ? state : scan_inputs).push_back(slice);
    }
    ASSIGN_OR_RETURN(std::vector<ValueId> results,
                     UnrollScan(body, prefix, state, scan_inputs, layout, std::vector<std::string>(output_count)));
    for (size_t o = 0; o < results.size(); ++o) per_batch[o].push_back(results[o]);
  }
  for (int o = 0; o < node.output_size(); ++o) {
    if (node.output(o).empty()) continue;
    RETURN_IF_ERROR(Stack(per_batch[o], 0, absl::StrCat(name, "/output_", o), node.output(o)).status());
  }
  return absl::OkStatus();
}

absl::Status LoopUnroller::AddLoop(const onnx::NodeProto& node, const std::string& name) {
  Graph& graph = importer_.graph();
  if (node.input_size() < 2) return absl::InvalidArgumentError("Loop takes M, cond and the loop-carried values");
  const int state_count = node.input_size() - 2;
  const int scan_output_count = node.output_size() - state_count;
  ASSIGN_OR_RETURN(Body body, PrepareBody(node));
  if (scan_output_count < 0 || body.graph->input_size() != state_count + 2 ||
      body.graph->output_size() != 1 + state_count + scan_output_count) {
    return absl::InvalidArgumentError(absl::StrCat("Loop has ", state_count, " loop-carried values and ",
                                                   node.output_size(), " outputs; its body takes ",
                                                   body.graph->input_size(), " inputs and gives ",
                                                   body.graph->output_size(), " outputs"));
  }
  CompileTimeFolder folder(graph);
  std::optional<int64_t> trip_count;
  if (!node.input(0).empty()) {
    ASSIGN_OR_RETURN(ValueId m, importer_.Find(node.input(0)));
    RETURN_IF_ERROR(CheckLoopControl(graph.value(m).type, DataType::kInt64, "trip count M"));
    const TensorData* value = folder.Fold(m);
    if (!value) {
      return absl::UnimplementedError(absl::StrCat("Loop's trip count M (input 0) must be known at compile time",
                                                   FreezeHint(folder.graph_input)));
    }
    trip_count = value->Int64s()[0];
  }
  // Whether the next iteration runs: known (`stopped` or always), or the bool scalar
  // `running`, computed at run time.
  bool stopped = false;
  ValueId running = kNoValue;
  ValueId condition = kNoValue;  // the body's cond input
  if (node.input(1).empty()) {
    if (!trip_count) return absl::InvalidArgumentError("Loop has neither a trip count M nor a condition: it never ends");
    condition = graph.AddConstant(absl::StrCat(name, ".condition"), TensorData(TensorType{DataType::kBool, {}}, {1}));
  } else {
    ASSIGN_OR_RETURN(ValueId cond, importer_.Find(node.input(1)));
    RETURN_IF_ERROR(CheckLoopControl(graph.value(cond).type, DataType::kBool, "condition cond"));
    folder.graph_input.clear();
    if (const TensorData* value = folder.Fold(cond)) {
      stopped = value->bytes()[0] == 0;
      condition = graph.AddConstant(absl::StrCat(name, ".condition"),
                                    TensorData(TensorType{DataType::kBool, {}}, {value->bytes()[0]}));
    } else if (scan_output_count > 0 || !trip_count) {
      return absl::UnimplementedError(absl::StrCat(
          "Loop's condition cond (input 1) is known only at run time, which would make ",
          trip_count ? "the length of its scan outputs" : "its number of iterations", " a run-time number",
          FreezeHint(folder.graph_input)));
    } else {
      ASSIGN_OR_RETURN(running, AsScalar(cond, absl::StrCat(name, ".running_0")));
      condition = running;
    }
  }
  std::vector<ValueId> state;
  for (int i = 2; i < node.input_size(); ++i) {
    ASSIGN_OR_RETURN(ValueId value, importer_.Find(node.input(i)));
    state.push_back(value);
  }
  const ValueId outer = importer_.guard();
  const int64_t body_nodes = body.node_count;
  std::vector<std::vector<ValueId>> produced(scan_output_count);
  int64_t t = 0;
  for (; !stopped && (!trip_count || t < *trip_count); ++t) {
    if (!Charge(1, body_nodes)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "unrolling iteration ", t + 1, trip_count ? absl::StrCat(" of ", *trip_count) : "", " of a body of ",
          body_nodes, " nodes takes the model past the limit of ", kMaxUnrolledNodes,
          " unrolled nodes (loops are unrolled at compile time, each iteration is code)"));
    }
    const std::string prefix = absl::StrCat(name, "/", t, "/");
    ValueId guard = outer;
    if (running != kNoValue) {
      guard = running;
      if (outer != kNoValue) {
        ASSIGN_OR_RETURN(guard, Unguarded(OpKind::kAnd, absl::StrCat(prefix, "guard"), {outer, running}));
      }
    }
    const ValueId iteration = graph.AddConstant(absl::StrCat(prefix, "iteration"), TensorData::FromInt64s({}, std::vector<int64_t>{t}));
    std::vector<ValueId> inputs = {iteration, condition};
    inputs.insert(inputs.end(), state.begin(), state.end());
    importer_.set_guard(guard);
    absl::StatusOr<std::vector<ValueId>> outputs = ImportIteration(body, prefix, inputs);
    importer_.set_guard(outer);
    RETURN_IF_ERROR(outputs.status());
    for (int i = 0; i < state_count; ++i) {
      const ValueId carried = (*outputs)[1 + i];
      if (running == kNoValue) {
        state[i] = carried;
        continue;
      }
      // The iteration may not have run: its result only where it did.
      if (graph.value(carried).type != graph.value(state[i]).type) {
        return absl::UnimplementedError(absl::StrCat("loop-carried value ", i, " goes from ",
                                                     graph.value(state[i]).type.ToString(), " to ",
                                                     graph.value(carried).type.ToString(),
                                                     " in an iteration that runs only if the condition holds"));
      }
      ASSIGN_OR_RETURN(state[i], importer_.AddSyntheticNode(OpKind::kWhere, absl::StrCat(prefix, "carried_", i),
                                                            {running, carried, state[i]}, "", {}));
    }
    for (int k = 0; k < scan_output_count; ++k) produced[k].push_back((*outputs)[1 + state_count + k]);
    const ValueId next = (*outputs)[0];
    RETURN_IF_ERROR(CheckLoopControl(graph.value(next).type, DataType::kBool, "body's condition output"));
    condition = next;
    if (graph.IsConstant(next)) {
      stopped = stopped || graph.value(next).constant->bytes()[0] == 0;
      continue;
    }
    if (scan_output_count > 0 || !trip_count) {
      return absl::UnimplementedError(absl::StrCat(
          "the condition the Loop's body computes is known only at run time, which would make ",
          trip_count ? "the length of its scan outputs" : "its number of iterations", " a run-time number"));
    }
    ASSIGN_OR_RETURN(const ValueId holds, AsScalar(next, absl::StrCat(prefix, "holds")));
    if (running == kNoValue) {
      running = holds;
    } else {
      ASSIGN_OR_RETURN(running, Unguarded(OpKind::kAnd, absl::StrCat(prefix, "running"), {running, holds}));
    }
  }
  if (t == 0 && scan_output_count > 0) {
    return absl::UnimplementedError("the Loop runs no iteration, so its scan outputs would be empty tensors, which are not supported");
  }
  for (int i = 0; i < state_count; ++i) {
    if (node.output(i).empty()) continue;
    RETURN_IF_ERROR(importer_.AddSyntheticNode(OpKind::kIdentity, absl::StrCat(name, "/final_", i), {state[i]},
                                               node.output(i), {}).status());
  }
  for (int k = 0; k < scan_output_count; ++k) {
    if (node.output(state_count + k).empty()) continue;
    RETURN_IF_ERROR(Stack(produced[k], 0, absl::StrCat(name, "/scan_output_", k), node.output(state_count + k)).status());
  }
  return absl::OkStatus();
}

}  // namespace modelc
