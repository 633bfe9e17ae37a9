// Inlining of model-local functions (see function_inlining.h).
#include "compiler/frontend/onnx/function_inlining.h"

#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/onnx/op_versions.h"
#include "compiler/util/status_macros.h"
#include "google/protobuf/unknown_field_set.h"

namespace modelc {
namespace {

// Calls nest at most this deep: a function calling itself would never end.
constexpr int kMaxCallDepth = 32;
// FunctionProto.attribute_proto (attributes with default values, ONNX 1.13 and up):
// newer than the system's ONNX protobuf, so read from the message's unknown fields.
constexpr int kFunctionAttributeProtoField = 11;

struct LocalFunction {
  const onnx::FunctionProto* proto = nullptr;
  std::map<std::string, onnx::AttributeProto> defaults;  // by attribute name
};

// One call being expanded: how the body's names and attribute references resolve.
struct CallScope {
  std::string prefix;                             // for the body's own names
  std::map<std::string, std::string> names;       // formal input/output -> the call's
  const onnx::NodeProto* call = nullptr;
  const LocalFunction* function = nullptr;

  std::string Rename(const std::string& name) const {
    if (name.empty()) return name;
    auto it = names.find(name);
    return it != names.end() ? it->second : prefix + name;
  }
};

class FunctionInliner {
 public:
  explicit FunctionInliner(int64_t opset) : opset_(opset) {}

  absl::Status Index(const onnx::ModelProto& model) {
    for (const onnx::FunctionProto& function : model.functions()) {
      const std::string label = absl::StrCat("function '", function.domain(), ".", function.name(), "'");
      for (const onnx::OperatorSetIdProto& import : function.opset_import()) {
        if (IsDefaultOnnxDomain(import.domain()) && import.version() != opset_) {
          return absl::UnimplementedError(absl::StrCat(label, " imports opset ", import.version(),
                                                       " of the default domain and the model opset ", opset_,
                                                       "; they must be the same"));
        }
      }
      LocalFunction local{&function, {}};
      const google::protobuf::UnknownFieldSet& unknown =
          function.GetReflection()->GetUnknownFields(function);
      for (int i = 0; i < unknown.field_count(); ++i) {
        const google::protobuf::UnknownField& field = unknown.field(i);
        if (field.number() != kFunctionAttributeProtoField ||
            field.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
          continue;
        }
        onnx::AttributeProto attribute;
        if (!attribute.ParseFromString(field.length_delimited())) {
          return absl::InvalidArgumentError(absl::StrCat(label, ": an attribute default cannot be read"));
        }
        local.defaults[attribute.name()] = std::move(attribute);
      }
      if (!functions_.emplace(Key(function.domain(), function.name()), std::move(local)).second) {
        return absl::UnimplementedError(absl::StrCat(label, " is defined more than once (overloads are not supported)"));
      }
    }
    return absl::OkStatus();
  }

  // Inlines the calls among `graph`'s nodes and in the graphs nested in them.
  absl::Status InlineGraph(onnx::GraphProto* graph, int depth) {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> inlined;
    for (onnx::NodeProto& node : *graph->mutable_node()) RETURN_IF_ERROR(InlineNode(std::move(node), depth, &inlined));
    graph->mutable_node()->Swap(&inlined);
    return absl::OkStatus();
  }

 private:
  static std::pair<std::string, std::string> Key(const std::string& domain, const std::string& name) {
    return {IsDefaultOnnxDomain(domain) ? "" : domain, name};
  }

  absl::Status InlineNode(onnx::NodeProto node, int depth, google::protobuf::RepeatedPtrField<onnx::NodeProto>* out) {
    auto function = functions_.find(Key(node.domain(), node.op_type()));
    if (function == functions_.end()) {
      for (onnx::AttributeProto& attribute : *node.mutable_attribute()) {
        if (attribute.has_g()) RETURN_IF_ERROR(InlineGraph(attribute.mutable_g(), depth));
        for (onnx::GraphProto& graph : *attribute.mutable_graphs()) RETURN_IF_ERROR(InlineGraph(&graph, depth));
      }
      *out->Add() = std::move(node);
      return absl::OkStatus();
    }
    const onnx::FunctionProto& body = *function->second.proto;
    if (depth >= kMaxCallDepth) {
      return absl::InvalidArgumentError(absl::StrCat("function '", body.name(), "': calls nest deeper than ",
                                                     kMaxCallDepth, " (does it call itself?)"));
    }
    if (node.input_size() > body.input_size() || node.output_size() > body.output_size()) {
      return absl::InvalidArgumentError(absl::StrCat("a call of function '", body.name(), "' has ", node.input_size(),
                                                     " inputs and ", node.output_size(), " outputs; it takes ",
                                                     body.input_size(), " and gives ", body.output_size()));
    }
    CallScope scope;
    scope.prefix = absl::StrCat(node.name().empty() ? body.name() : node.name(), "#", ++calls_, "/");
    scope.call = &node;
    scope.function = &function->second;
    for (int i = 0; i < body.input_size(); ++i) scope.names[body.input(i)] = i < node.input_size() ? node.input(i) : "";
    for (int o = 0; o < body.output_size(); ++o) {
      if (o < node.output_size() && !node.output(o).empty()) scope.names[body.output(o)] = node.output(o);
    }
    for (int i = 0; i < body.node_size(); ++i) {
      onnx::NodeProto copy = body.node(i);
      copy.set_name(scope.prefix + (copy.name().empty() ? absl::StrCat(copy.op_type(), "_", i) : copy.name()));
      RETURN_IF_ERROR(Substitute(scope, &copy));
      RETURN_IF_ERROR(InlineNode(std::move(copy), depth + 1, out));
    }
    return absl::OkStatus();
  }

  // Renames a body node's values and resolves its attribute references, in it and in
  // the graphs nested in it.
  absl::Status Substitute(const CallScope& scope, onnx::NodeProto* node) {
    for (std::string& input : *node->mutable_input()) input = scope.Rename(input);
    for (std::string& output : *node->mutable_output()) output = scope.Rename(output);
    google::protobuf::RepeatedPtrField<onnx::AttributeProto> attributes;
    for (onnx::AttributeProto& attribute : *node->mutable_attribute()) {
      if (!attribute.ref_attr_name().empty()) {
        const onnx::AttributeProto* given = nullptr;
        for (const onnx::AttributeProto& candidate : scope.call->attribute()) {
          if (candidate.name() == attribute.ref_attr_name()) given = &candidate;
        }
        auto fallback = scope.function->defaults.find(attribute.ref_attr_name());
        if (!given && fallback != scope.function->defaults.end()) given = &fallback->second;
        if (!given) continue;  // neither given nor defaulted: the attribute is absent
        onnx::AttributeProto resolved = *given;
        resolved.set_name(attribute.name());
        *attributes.Add() = std::move(resolved);
        continue;
      }
      if (attribute.has_g()) RETURN_IF_ERROR(SubstituteGraph(scope, attribute.mutable_g()));
      for (onnx::GraphProto& graph : *attribute.mutable_graphs()) RETURN_IF_ERROR(SubstituteGraph(scope, &graph));
      *attributes.Add() = std::move(attribute);
    }
    node->mutable_attribute()->Swap(&attributes);
    return absl::OkStatus();
  }

  absl::Status SubstituteGraph(const CallScope& scope, onnx::GraphProto* graph) {
    for (onnx::ValueInfoProto& input : *graph->mutable_input()) input.set_name(scope.Rename(input.name()));
    for (onnx::ValueInfoProto& output : *graph->mutable_output()) output.set_name(scope.Rename(output.name()));
    for (onnx::ValueInfoProto& info : *graph->mutable_value_info()) info.set_name(scope.Rename(info.name()));
    for (onnx::TensorProto& tensor : *graph->mutable_initializer()) tensor.set_name(scope.Rename(tensor.name()));
    for (onnx::NodeProto& node : *graph->mutable_node()) {
      node.set_name(scope.Rename(node.name()));
      RETURN_IF_ERROR(Substitute(scope, &node));
    }
    return absl::OkStatus();
  }

  const int64_t opset_;
  std::map<std::pair<std::string, std::string>, LocalFunction> functions_;
  int calls_ = 0;
};

}  // namespace

absl::Status InlineLocalFunctions(onnx::ModelProto* model, int64_t opset) {
  if (model->functions_size() == 0) return absl::OkStatus();
  FunctionInliner inliner(opset);
  RETURN_IF_ERROR(inliner.Index(*model));
  RETURN_IF_ERROR(inliner.InlineGraph(model->mutable_graph(), 0));
  model->clear_functions();
  return absl::OkStatus();
}

}  // namespace modelc
