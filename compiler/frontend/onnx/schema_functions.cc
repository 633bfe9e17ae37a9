// Expansion of operators ONNX defines as functions (see schema_functions.h).
#include "compiler/frontend/onnx/schema_functions.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/onnx/function_inlining.h"
#include "compiler/frontend/onnx/newer_op_bodies.h"
#include "compiler/frontend/onnx/op_versions.h"
#include "compiler/util/status_macros.h"
#include "onnx/defs/schema.h"

namespace modelc {
namespace {

// The domain the expanded calls are written in until they are inlined.
constexpr char kExpansionDomain[] = "modelc.schema_function";
// A body may call another such op (SoftmaxCrossEntropyLoss calls
// NegativeLogLikelihoodLoss): expanded in a further round, at most this many.
constexpr int kMaxRounds = 4;

// Element types of the values, as far as the builders need them: graph inputs,
// initializers and value_info as declared (tensors only); a node's outputs as its first
// typed input (the builders ask only whether the data is float or double).
class ValueTypes {
 public:
  explicit ValueTypes(const onnx::GraphProto& graph) {
    for (const auto& info : graph.input()) Declare(info);
    for (const auto& info : graph.value_info()) Declare(info);
    for (const auto& info : graph.output()) Declare(info);
    for (const auto& tensor : graph.initializer()) {
      onnx::TypeProto type;
      type.mutable_tensor_type()->set_elem_type(tensor.data_type());
      types_[tensor.name()] = type;
    }
  }

  std::vector<onnx::TypeProto> InputsOf(const onnx::NodeProto& node) const {
    std::vector<onnx::TypeProto> types;
    for (const std::string& input : node.input()) {
      auto it = types_.find(input);
      types.push_back(it != types_.end() ? it->second : onnx::TypeProto());
    }
    return types;
  }

  void Propagate(const onnx::NodeProto& node) {
    for (const std::string& input : node.input()) {
      auto it = types_.find(input);
      if (it == types_.end()) continue;
      for (const std::string& output : node.output()) types_.emplace(output, it->second);
      return;
    }
  }

 private:
  void Declare(const onnx::ValueInfoProto& info) {
    if (info.type().has_tensor_type()) types_[info.name()] = info.type();
  }
  std::map<std::string, onnx::TypeProto> types_;
};

class SchemaExpander {
 public:
  SchemaExpander(onnx::ModelProto* model, int64_t opset, absl::FunctionRef<bool(const onnx::NodeProto&)> is_known)
      : model_(model), opset_(opset), is_known_(is_known) {}

  // One round over the graph and the graphs nested in it; true when a node was expanded.
  bool Round() {
    bool expanded = false;
    ExpandGraph(model_->mutable_graph(), &expanded);
    return expanded;
  }

 private:
  void ExpandGraph(onnx::GraphProto* graph, bool* expanded) {
    ValueTypes types(*graph);
    for (onnx::NodeProto& node : *graph->mutable_node()) {
      for (onnx::AttributeProto& attribute : *node.mutable_attribute()) {
        if (attribute.has_g()) ExpandGraph(attribute.mutable_g(), expanded);
      }
      if (IsDefaultOnnxDomain(node.domain()) && !is_known_(node)) {
        *expanded |= Expand(node, types);
        continue;  // its outputs' types are settled in the round after it is inlined
      }
      types.Propagate(node);
    }
  }

  // Turns `node` into a call of its schema's function body, added to the model; an
  // operator newer than the library, of modelc's own body for it (newer_op_bodies.h).
  bool Expand(onnx::NodeProto& node, const ValueTypes& types) {
    const int library_opset = static_cast<int>(std::min(opset_, kMaxOnnxLibraryOpset));
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(node.op_type(), library_opset, "");
    onnx::FunctionProto body;
    if (!schema) return BuildNewerOpBody(node, types.InputsOf(node), &body) && AddCall(node, std::move(body));
    // Only ops of tensors: the builders of sequence ops (SequenceMap) need what modelc
    // does not have.
    for (const auto* formals : {&schema->inputs(), &schema->outputs()}) {
      for (const onnx::OpSchema::FormalParameter& formal : *formals) {
        for (const onnx::DataType& type : formal.GetTypes()) {
          if (type->rfind("tensor(", 0) != 0) return false;
        }
      }
    }
    // The builders dereference the input types they read: every input must be a tensor
    // of a known element type (sequences and optionals are not supported anyway).
    const std::vector<onnx::TypeProto> input_types = types.InputsOf(node);
    for (int i = 0; i < node.input_size(); ++i) {
      if (!node.input(i).empty() && !input_types[i].has_tensor_type()) return false;
    }
    if (schema->HasContextDependentFunction()) {
      onnx::FunctionBodyBuildContextImpl context(node, input_types);
      if (!schema->BuildContextDependentFunction(context, body)) return false;
    } else if (schema->HasFunction() && schema->GetFunction()) {
      body = *schema->GetFunction();
      // Attributes the call leaves out take the schema's defaults.
      for (const auto& [name, attribute] : schema->attributes()) {
        const bool given = std::any_of(node.attribute().begin(), node.attribute().end(),
                                       [&](const onnx::AttributeProto& a) { return a.name() == name; });
        if (!given && attribute.default_value.type() != onnx::AttributeProto::UNDEFINED) {
          *node.add_attribute() = attribute.default_value;
          node.mutable_attribute(node.attribute_size() - 1)->set_name(name);
        }
      }
    } else {
      return false;
    }
    return AddCall(node, std::move(body));
  }

  // Adds `body` to the model's functions and makes `node` its call.
  bool AddCall(onnx::NodeProto& node, onnx::FunctionProto body) {
    body.set_name(absl::StrCat(node.op_type(), "#", ++expansions_));
    body.set_domain(kExpansionDomain);
    // The body is read at the model's opset, as the rest of the graph is.
    body.clear_opset_import();
    onnx::OperatorSetIdProto* import = body.add_opset_import();
    import->set_domain("");
    import->set_version(opset_);
    node.set_op_type(body.name());
    node.set_domain(kExpansionDomain);
    *model_->add_functions() = std::move(body);
    return true;
  }

  onnx::ModelProto* model_;
  const int64_t opset_;
  absl::FunctionRef<bool(const onnx::NodeProto&)> is_known_;
  int expansions_ = 0;
};

}  // namespace

absl::Status ExpandSchemaFunctions(onnx::ModelProto* model, int64_t opset,
                                   absl::FunctionRef<bool(const onnx::NodeProto&)> is_known) {
  SchemaExpander expander(model, opset, is_known);
  for (int round = 0; round < kMaxRounds && expander.Round(); ++round) {
    RETURN_IF_ERROR(InlineLocalFunctions(model, opset));
  }
  return absl::OkStatus();
}

}  // namespace modelc
