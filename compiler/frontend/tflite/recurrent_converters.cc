// TFLite's float LSTM (lstm_eval.cc's LstmStepFloat) per step, gates i, f, g, o:
//   i = sigmoid(W_i x + R_i h + p_i . c + b_i)     f = sigmoid(W_f x + R_f h + p_f . c + b_f)
//   g = tanh(W_g x + R_g h + b_g)                  c' = f . c + i . g, clipped to cell_clip
//   o = sigmoid(W_o x + R_o h + p_o . c' + b_o)    h' = o . tanh(c')
// which is ONNX's LSTM with the weights stacked in its order (i, o, f, c), the biases in
// the first half of B, the peepholes in P (i, o, f), and the cell clip as the IR LSTM's
// kFusedCellClip (ONNX's own clip bounds the gates' inputs instead). TFLite's state
// tensors are variables that its interpreter carries from one run to the next; a
// compiled model keeps no state, so every run starts from zero, as a fresh interpreter
// (or a stateless Keras LSTM) does. Inputs: 0 x; 1-4 input-to-{input, forget, cell,
// output} weights; 5-8 recurrent-to-the-same; 9-11 cell-to-{input, forget, output}
// peepholes; 12-15 the gates' biases; 16, 17 projection; 18, 19 the output and cell
// states; 20-23 layer normalisation.
#include "compiler/frontend/tflite/recurrent_converters.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/tflite/converter_support.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc::tflite_converters {
namespace {

// The float32 constants of inputs `inputs`, each of shape `shape`, one after the other
// in a tensor [1, count * rows, columns...] (`shape` with its first dimension times the
// count, after a leading 1).
absl::StatusOr<TensorData> Stacked(SubgraphImporter& s, const std::vector<int>& inputs, const Shape& shape,
                                   const char* what) {
  std::vector<uint8_t> bytes;
  for (int i : inputs) {
    ASSIGN_OR_RETURN(TensorData part, s.ConstantInput(i, absl::StrCat(what, " (input ", i, ")")));
    if (part.type() != TensorType{DataType::kFloat32, shape}) {
      return Invalid(absl::StrCat(what, " (input ", i, ") is ", part.type().ToString(), ", not float32",
                                  ShapeToString(shape)));
    }
    bytes.insert(bytes.end(), part.bytes().begin(), part.bytes().end());
  }
  Shape stacked = {1, shape[0] * static_cast<int64_t>(inputs.size())};
  stacked.insert(stacked.end(), shape.begin() + 1, shape.end());
  return TensorData(TensorType{DataType::kFloat32, stacked}, std::move(bytes));
}

}  // namespace

absl::Status ConvertUnidirectionalSequenceLstm(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 24, 1));  // optional inputs are left out as -1
  if (s.InputCount() < 20) return Invalid(absl::StrCat("it has ", s.InputCount(), " inputs, not 20 to 24"));
  ASSIGN_OR_RETURN(const tfl::UnidirectionalSequenceLSTMOptions* options,
                   Required(s.op().builtin_options_as_UnidirectionalSequenceLSTMOptions(),
                            "UnidirectionalSequenceLSTMOptions"));
  if (options->fused_activation_function() != tfl::ActivationFunctionType::TANH) {
    return absl::UnimplementedError("an LSTM whose activation is not TANH is not supported");
  }
  if (!(options->cell_clip() >= 0.0f) || !std::isfinite(options->cell_clip())) {
    return Invalid(absl::StrCat("cell_clip ", options->cell_clip(), " is not valid"));
  }
  if (s.HasInput(16) || s.HasInput(17) || options->proj_clip() != 0.0f) {
    return absl::UnimplementedError("an LSTM with a projection is not supported");
  }
  for (int i = 20; i < 24; ++i) {
    if (s.HasInput(i)) return absl::UnimplementedError("an LSTM with layer normalisation is not supported");
  }
  if (!s.HasInput(1) || !s.HasInput(5) || !s.HasInput(12)) {
    return absl::UnimplementedError("an LSTM without an input gate (CIFG) is not supported");
  }
  if (options->diagonal_recurrent_tensors()) {
    return absl::UnimplementedError("an LSTM with diagonal recurrent weights is not supported");
  }
  const Shape x = s.InputShape(0), w = s.InputShape(1);  // x [batch, time, input] (or [time, batch, input])
  RETURN_IF_ERROR(ExpectRank(x, 3, "the input"));
  RETURN_IF_ERROR(ExpectRank(w, 2, "the input-to-input weights"));
  const int64_t hidden = w[0], features = x[2];
  const int64_t batch = options->time_major() ? x[1] : x[0];
  if (hidden < 1 || w[1] != features) {
    return Invalid(absl::StrCat("input-to-input weights ", ShapeToString(w), " do not take inputs of ", features));
  }
  // ONNX's gate order: i, o, f, c.
  ASSIGN_OR_RETURN(TensorData weights, Stacked(s, {1, 4, 2, 3}, {hidden, features}, "the input weights"));
  ASSIGN_OR_RETURN(TensorData recurrent, Stacked(s, {5, 8, 6, 7}, {hidden, hidden}, "the recurrent weights"));
  ASSIGN_OR_RETURN(TensorData biases, Stacked(s, {12, 15, 13, 14}, {hidden}, "the biases"));
  std::vector<uint8_t> bias_bytes = biases.bytes();
  bias_bytes.resize(bias_bytes.size() * 2, 0);  // the recurrent biases: zero
  std::vector<ValueId> inputs(8, kNoValue);
  ASSIGN_OR_RETURN(inputs[0], s.Input(0));
  inputs[1] = s.AddConstant("w_iofc", std::move(weights));
  inputs[2] = s.AddConstant("r_iofc", std::move(recurrent));
  inputs[3] = s.AddConstant("b_iofc", TensorData(TensorType{DataType::kFloat32, {1, 8 * hidden}}, std::move(bias_bytes)));
  const bool peepholes = s.HasInput(9) || s.HasInput(10) || s.HasInput(11);
  if (peepholes) {
    ASSIGN_OR_RETURN(TensorData p, Stacked(s, {9, 11, 10}, {hidden}, "the peepholes"));
    inputs[7] = s.AddConstant("p_iof", std::move(p));
  }
  RETURN_IF_ERROR(s.ClaimZeroState(18, {batch, hidden}, "the output state"));
  RETURN_IF_ERROR(s.ClaimZeroState(19, {batch, hidden}, "the cell state"));
  AttributeMap attributes;
  attributes.Set("hidden_size", hidden);
  attributes.Set("layout", int64_t{options->time_major() ? 0 : 1});
  if (options->cell_clip() > 0.0f) attributes.Set(kFusedCellClip, options->cell_clip());
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kLSTM, "lstm", std::move(inputs), std::move(attributes)));
  // Y is [batch, time, 1, hidden] (layout 1) or [time, 1, batch, hidden]: without the
  // direction axis, TFLite's output.
  Shape out = {x[0], x[1], hidden};
  ASSIGN_OR_RETURN(y, Reshaped(s, y, out, "output"));
  return s.DefineOutput(0, y);
}

}  // namespace modelc::tflite_converters
