// TFLite subgraph 0 -> modelc graph IR: model inputs and outputs in the model's order,
// tensors under their TFLite names with their declared (NHWC) shapes, constants from
// their buffers, and each operator turned into nodes by its converter
// (tflite_operators.h). The converters see one operator at a time through the methods
// below; every tensor an operator writes is checked against its declared type.
#ifndef MODELC_FRONTEND_TFLITE_SUBGRAPH_IMPORTER_H_
#define MODELC_FRONTEND_TFLITE_SUBGRAPH_IMPORTER_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/frontend/tflite/tflite_file.h"
#include "compiler/ir/graph.h"

namespace modelc {

// A quantised tensor's parameters (TFLite's QuantizationParameters): real value =
// scale * (q - zero_point), one pair per tensor or one per index of `axis`.
struct TfliteQuantization {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int64_t axis = 0;
  bool PerTensor() const { return scales.size() == 1; }
  // The same scales and zero points (and axis, for per-channel ones: a per-tensor
  // tensor's quantized_dimension means nothing).
  bool operator==(const TfliteQuantization& other) const {
    return scales == other.scales && zero_points == other.zero_points && (PerTensor() || axis == other.axis);
  }
};

class SubgraphImporter {
 public:
  explicit SubgraphImporter(const TfliteFile& file) : file_(file) {}

  // Imports subgraph 0; the file's operators must all have converters.
  absl::StatusOr<Graph> Import();

  // --- For the converters, while one operator is imported. ---
  const tflite_format::Operator& op() const { return file_.op(operator_index_); }
  // "CONV_2D_3": the builtin's name and the operator's index; the nodes an operator
  // becomes are named LABEL/ROLE.
  const std::string& label() const { return label_; }
  int InputCount() const;
  int OutputCount() const;
  // False for an input left out (-1) or beyond the operator's list.
  bool HasInput(int i) const;
  // Input i's value in the model's layout; a constant tensor becomes a graph constant.
  absl::StatusOr<ValueId> Input(int i);
  // Input i's or output o's declared shape (the input must be present).
  Shape InputShape(int i) const;
  Shape OutputShape(int o) const;
  // Input i's or output o's element type (an error for a type the IR lacks).
  absl::StatusOr<DataType> InputType(int i) const;
  absl::StatusOr<DataType> OutputType(int o) const;
  // Input i's or output o's quantisation, nullopt for a float (or unquantised) tensor.
  std::optional<TfliteQuantization> InputQuantization(int i) const;
  std::optional<TfliteQuantization> OutputQuantization(int o) const;
  // Input i's (an LSTM state's, say) or intermediate tensor k's (an int8 LSTM's)
  // quantisation, checked as a value's is (positive finite scales, zero points its type
  // can hold); an error naming `what` where the tensor is missing or not quantised.
  absl::StatusOr<TfliteQuantization> RequiredInputQuantization(int i, const std::string& what) const;
  absl::StatusOr<TfliteQuantization> RequiredIntermediateQuantization(int k, const std::string& what) const;
  int IntermediateCount() const;
  // Whether any of the operator's tensors is quantised (only converters marked so take
  // quantised operators: tflite_operators.cc).
  bool IsQuantizedOperator() const;
  // Input i's contents, which must be constant (`what` names the input in the error);
  // not a graph value unless Input(i) makes it one.
  absl::StatusOr<TensorData> ConstantInput(int i, const std::string& what);
  // The same, for an int32 or int64 tensor, as int64 values.
  absl::StatusOr<std::vector<int64_t>> ConstantInputInts(int i, const std::string& what);
  // Claims input i as an LSTM's state: a variable of `type` (float32, or an int8 LSTM's
  // int8 and int16 states) and shape `shape` whose buffer is absent or holds only bytes
  // `fill` (what TFLite's reset writes: zero, an int8 state's zero point), which modelc
  // starts from there on every run. A variable claimed already (shared by two states or
  // two operators) is refused: TFLite would carry one state into the other.
  absl::Status ClaimZeroState(int i, const Shape& shape, const std::string& what,
                              tflite_format::TensorType type = tflite_format::TensorType::FLOAT32, uint8_t fill = 0);
  // Appends a node LABEL/ROLE whose one output, named the same, has the type the IR's
  // shape rule gives it; returns that output.
  absl::StatusOr<ValueId> AddNode(OpKind op, const std::string& role, std::vector<ValueId> inputs,
                                  AttributeMap attributes = {});
  ValueId AddConstant(const std::string& role, TensorData data);
  // Output o of the operator is `value`, which must have the tensor's declared type;
  // the value takes the tensor's name.
  absl::Status DefineOutput(int o, ValueId value);

 private:
  absl::StatusOr<ValueId> TensorValue(int tensor_index);
  absl::StatusOr<TensorData> ConstantData(int tensor_index) const;
  absl::StatusOr<DataType> ElementType(int tensor_index) const;
  std::optional<TfliteQuantization> Quantization(int tensor_index) const;
  absl::Status CheckQuantization(int tensor_index, const TfliteQuantization& q, DataType type) const;
  absl::StatusOr<TfliteQuantization> CheckedQuantizationOf(int tensor_index, const std::string& what) const;
  absl::Status ImportOperator(int index);

  const TfliteFile& file_;
  Graph graph_;
  std::vector<std::string> names_;          // per tensor: its name, made unique
  std::vector<ValueId> values_;             // per tensor: its value once known
  std::set<int> claimed_states_;            // variables claimed as an LSTM's state
  int operator_index_ = -1;
  std::string label_;
  int first_node_of_operator_ = 0;          // the current operator's nodes start here
};

}  // namespace modelc

#endif  // MODELC_FRONTEND_TFLITE_SUBGRAPH_IMPORTER_H_
