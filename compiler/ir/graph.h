// The compiler's graph IR: values (tensors with static types, optionally constant)
// and nodes (an op applied to values) kept in a valid execution order. The graph is
// data plus a small mutation API; checking lives in verifier.h, printing in printer.h.
#ifndef MODELC_IR_GRAPH_H_
#define MODELC_IR_GRAPH_H_

#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/attribute.h"
#include "compiler/ir/op_kind.h"
#include "compiler/ir/tensor.h"

namespace modelc {

using ValueId = int;
inline constexpr ValueId kNoValue = -1;  // an omitted optional input

struct Value {
  std::string name;
  TensorType type;
  std::optional<TensorData> constant;  // set for weights and folded tensors
  int producer = -1;                   // index of the producing node, -1 if none
};

struct Node {
  OpKind op;
  std::string name;
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  AttributeMap attributes;
  // A bool scalar: the node runs only when it is true (the nodes of an If branch whose
  // condition is known at run time); kNoValue: always. Read like an input.
  ValueId guard = kNoValue;
};

// The values a node reads: its present inputs, then its guard if it has one.
std::vector<ValueId> ReadValues(const Node& node);

class Graph {
 public:
  std::string name;  // the model's name as given by its producer, informative only

  ValueId AddValue(std::string value_name, TensorType type);
  ValueId AddConstant(std::string value_name, TensorData data);
  // Appends a node; it must come after the producers of its inputs.
  int AddNode(Node node);
  void AddInput(ValueId id) { inputs_.push_back(id); }
  void SetInputs(std::vector<ValueId> ids) { inputs_ = std::move(ids); }
  void SetOutputs(std::vector<ValueId> ids) { outputs_ = std::move(ids); }
  void AddOutput(ValueId id) { outputs_.push_back(id); }

  // Replaces the node list (kept in execution order) and recomputes every value's
  // producer. Values stay where they are; ones no node produces any more are orphans.
  void SetNodes(std::vector<Node> nodes);
  std::vector<Node>& mutable_nodes() { return nodes_; }
  // Drops the nodes marked true, keeping the order of the rest.
  void RemoveNodes(const std::vector<bool>& removed);

  const Value& value(ValueId id) const { return values_[id]; }
  Value& mutable_value(ValueId id) { return values_[id]; }
  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }

  bool IsConstant(ValueId id) const { return id != kNoValue && values_[id].constant.has_value(); }
  bool IsGraphInput(ValueId id) const;
  bool IsGraphOutput(ValueId id) const;
  // The type of a node's i-th input, which must exist.
  const TensorType& InputType(const Node& node, int i) const;
  bool HasInput(const Node& node, int i) const;

 private:
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<ValueId> inputs_;
  std::vector<ValueId> outputs_;
};

}  // namespace modelc

#endif  // MODELC_IR_GRAPH_H_
