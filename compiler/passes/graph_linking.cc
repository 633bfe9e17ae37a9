// Linking several graphs into one.
#include "compiler/passes/graph_linking.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "compiler/ir/verifier.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

absl::StatusOr<std::pair<std::string, std::string>> ParseEnd(const std::string& text) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return absl::InvalidArgumentError(absl::StrCat("--connect: '", text, "' is not MODEL:TENSOR"));
  }
  return std::make_pair(text.substr(0, colon), text.substr(colon + 1));
}

std::string Label(const std::pair<std::string, std::string>& end) { return absl::StrCat(end.first, ":", end.second); }

}  // namespace

absl::StatusOr<Connection> ParseConnection(const std::string& text) {
  const std::vector<std::string> sides = absl::StrSplit(text, '=');
  if (sides.size() != 2) return absl::InvalidArgumentError(absl::StrCat("--connect: '", text, "' is not SOURCE=TARGET"));
  Connection connection;
  for (const std::string& source : std::vector<std::string>(absl::StrSplit(sides[0], '+'))) {
    ASSIGN_OR_RETURN(auto end, ParseEnd(source));
    connection.sources.push_back(end);
  }
  ASSIGN_OR_RETURN(connection.target, ParseEnd(sides[1]));
  return connection;
}

absl::StatusOr<Graph> LinkGraphs(std::vector<NamedGraph> models, const std::vector<Connection>& connections) {
  Graph linked;
  linked.name = models.front().name;
  // (model, tensor) -> value in the linked graph; and which of them are model inputs/outputs.
  std::map<std::pair<std::string, std::string>, ValueId> values;
  std::vector<ValueId> inputs, outputs;
  std::map<ValueId, bool> consumed;  // outputs a connection consumes
  std::map<std::string, size_t> position;
  for (size_t m = 0; m < models.size(); ++m) {
    if (position.count(models[m].name)) {
      return absl::InvalidArgumentError(absl::StrCat("two models are both named '", models[m].name, "'"));
    }
    position[models[m].name] = m;
  }
  // Connection targets resolved as the target model is copied.
  std::map<std::pair<std::string, std::string>, const Connection*> feeding;
  for (const Connection& c : connections) {
    if (!position.count(c.target.first)) return absl::InvalidArgumentError(absl::StrCat("--connect: no model named '", c.target.first, "'"));
    for (const auto& source : c.sources) {
      if (!position.count(source.first)) return absl::InvalidArgumentError(absl::StrCat("--connect: no model named '", source.first, "'"));
      if (position[source.first] >= position[c.target.first]) {
        return absl::InvalidArgumentError(absl::StrCat("--connect ", Label(source), "=", Label(c.target),
                                                       ": list the source model before the target model"));
      }
    }
    feeding[c.target] = &c;
  }
  for (NamedGraph& model : models) {
    const Graph& g = model.graph;
    std::vector<ValueId> remap(g.values().size(), kNoValue);
    for (ValueId id = 0; id < static_cast<ValueId>(g.values().size()); ++id) {
      const Value& value = g.value(id);
      const std::string name = absl::StrCat(model.name, ".", value.name);
      auto it = feeding.find({model.name, value.name});
      if (it != feeding.end()) {
        if (!g.IsGraphInput(id)) {
          return absl::InvalidArgumentError(absl::StrCat("--connect: '", Label(it->first), "' is not an input"));
        }
        std::vector<ValueId> sources;
        Shape joined;
        for (const auto& source : it->second->sources) {
          auto found = values.find(source);
          if (found == values.end() || !linked.IsGraphOutput(found->second)) {
            return absl::InvalidArgumentError(absl::StrCat("--connect: '", Label(source), "' is not an output"));
          }
          sources.push_back(found->second);
          const Shape& shape = linked.value(found->second).type.shape;
          if (joined.empty()) {
            joined = shape;
          } else if (shape.size() != joined.size() || shape.size() < 2) {
            return absl::InvalidArgumentError(absl::StrCat("--connect: '", Label(source), "' cannot be concatenated"));
          } else {
            joined[1] += shape[1];
          }
        }
        if (joined != value.type.shape) {
          return absl::InvalidArgumentError(absl::StrCat("--connect: '", Label(it->first), "' has shape ",
                                                         ShapeToString(value.type.shape), " but receives ",
                                                         ShapeToString(joined)));
        }
        for (ValueId source : sources) consumed[source] = true;
        if (sources.size() == 1) {
          remap[id] = sources[0];
        } else {
          remap[id] = linked.AddValue(name, value.type);
          Node concat{OpKind::kConcat, absl::StrCat(model.name, ".", value.name, ".concat"), sources, {remap[id]}, {}};
          concat.attributes.Set("axis", int64_t{1});
          linked.AddNode(std::move(concat));
        }
        continue;
      }
      remap[id] = value.constant ? linked.AddConstant(name, *value.constant) : linked.AddValue(name, value.type);
      values[{model.name, value.name}] = remap[id];
    }
    for (ValueId id : g.inputs()) {
      if (!feeding.count({model.name, g.value(id).name})) inputs.push_back(remap[id]);
    }
    for (const Node& node : g.nodes()) {
      Node copy = node;
      copy.name = absl::StrCat(model.name, ".", node.name);
      for (ValueId& v : copy.inputs) {
        if (v != kNoValue) v = remap[v];
      }
      for (ValueId& v : copy.outputs) v = remap[v];
      if (copy.guard != kNoValue) copy.guard = remap[copy.guard];
      linked.AddNode(std::move(copy));
    }
    for (ValueId id : g.outputs()) {
      outputs.push_back(remap[id]);
      linked.AddOutput(remap[id]);  // provisional: lets later connections find outputs
    }
  }
  std::vector<ValueId> kept;  // outputs no connection consumes
  for (ValueId id : outputs) {
    if (!consumed[id]) kept.push_back(id);
  }
  linked.SetOutputs(kept);
  linked.SetInputs(inputs);
  RETURN_IF_ERROR(VerifyGraph(linked));
  return linked;
}

}  // namespace modelc
