// Graph construction and queries.
#include "compiler/ir/graph.h"

#include <algorithm>

#include "compiler/util/status_macros.h"

namespace modelc {

std::vector<ValueId> ReadValues(const Node& node) {
  std::vector<ValueId> read;
  for (ValueId input : node.inputs) {
    if (input != kNoValue) read.push_back(input);
  }
  if (node.guard != kNoValue) read.push_back(node.guard);
  return read;
}

ValueId Graph::AddValue(std::string value_name, TensorType type) {
  values_.push_back(Value{std::move(value_name), std::move(type), std::nullopt, -1});
  return static_cast<ValueId>(values_.size() - 1);
}

ValueId Graph::AddConstant(std::string value_name, TensorData data) {
  TensorType type = data.type();
  values_.push_back(Value{std::move(value_name), std::move(type), std::move(data), -1});
  return static_cast<ValueId>(values_.size() - 1);
}

int Graph::AddNode(Node node) {
  const int index = static_cast<int>(nodes_.size());
  for (ValueId output : node.outputs) values_[output].producer = index;
  nodes_.push_back(std::move(node));
  return index;
}

void Graph::SetNodes(std::vector<Node> nodes) {
  for (Value& value : values_) value.producer = -1;
  nodes_ = std::move(nodes);
  for (size_t n = 0; n < nodes_.size(); ++n) {
    for (ValueId output : nodes_[n].outputs) values_[output].producer = static_cast<int>(n);
  }
}

void Graph::RemoveNodes(const std::vector<bool>& removed) {
  std::vector<Node> kept;
  for (size_t n = 0; n < nodes_.size(); ++n) {
    if (!removed[n]) kept.push_back(std::move(nodes_[n]));
  }
  SetNodes(std::move(kept));
}

bool Graph::IsGraphInput(ValueId id) const {
  return std::find(inputs_.begin(), inputs_.end(), id) != inputs_.end();
}

bool Graph::IsGraphOutput(ValueId id) const {
  return std::find(outputs_.begin(), outputs_.end(), id) != outputs_.end();
}

const TensorType& Graph::InputType(const Node& node, int i) const {
  MODELC_CHECK(HasInput(node, i), "InputType of an absent input: the op's rule must check HasInput first");
  return values_[node.inputs[i]].type;
}

bool Graph::HasInput(const Node& node, int i) const {
  return i < static_cast<int>(node.inputs.size()) && node.inputs[i] != kNoValue;
}

}  // namespace modelc
