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

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/tflite/converter_support.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
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

// TFLite's integer LSTM ("8x8->16"), as unidirectional_sequence_lstm.cc's Prepare makes
// its parameters (PopulateQuantizedLstmParams8x8_16, PopulatePrecomputedZPTimesWeightsWithBias):
// a QuantizedLstm (ops/quantized_lstm/quantized_lstm.h) with
// - each gate's two multipliers from float32 quotients, weight scale x input (or hidden
//   state) scale / 2^-12, the gates' scale; the hidden multiplier from 2^-15 / s x 2^-15
//   in double stored to float (s the scale of intermediate tensor 4);
// - the zero points of x and of the hidden state folded into the biases: bias - zp x the
//   weights' row sum, in int32;
// - the cell state's scale a power of two 2^e, e in -30 .. -9; the cell clip as clip / 2^e
//   in float, truncated, within int16.
absl::Status ConvertQuantizedLstm(SubgraphImporter& s, const tfl::UnidirectionalSequenceLSTMOptions& options,
                                  int64_t batch, int64_t hidden, int64_t features) {
  for (int i = 9; i < 12; ++i) {
    if (s.HasInput(i)) return absl::UnimplementedError("an int8 LSTM with peepholes is not supported");
  }
  for (int i : {2, 3, 4, 6, 7, 8, 13, 14, 15}) {  // 1, 5 and 12 checked by the caller
    if (!s.HasInput(i)) return Invalid(absl::StrCat("input ", i, " (a gate's weights or bias) is missing"));
  }
  // TFLite's 8x8->16 kernel: five intermediate tensors, the fifth the hidden state's
  // quantisation (the first four are its gates', Q3.12, unread without layer
  // normalisation).
  if (s.IntermediateCount() != 5) {
    return absl::UnimplementedError(absl::StrCat("an int8 LSTM with ", s.IntermediateCount(),
                                                 " intermediate tensors (TFLite's 8x8->16 kernel has 5) is not supported"));
  }
  ASSIGN_OR_RETURN(TfliteQuantization x, RequiredQuantization(s.InputQuantization(0), "the input", true));
  ASSIGN_OR_RETURN(TfliteQuantization state, s.RequiredInputQuantization(18, "the output state"));
  ASSIGN_OR_RETURN(TfliteQuantization cell, s.RequiredInputQuantization(19, "the cell state"));
  ASSIGN_OR_RETURN(TfliteQuantization y, RequiredQuantization(s.OutputQuantization(0), "the output", true));
  ASSIGN_OR_RETURN(TfliteQuantization hidden_q, s.RequiredIntermediateQuantization(4, "the hidden state"));
  ASSIGN_OR_RETURN(DataType x_type, s.InputType(0));
  ASSIGN_OR_RETURN(DataType y_type, s.OutputType(0));
  if (x_type != DataType::kInt8 || y_type != DataType::kInt8) {
    return absl::UnimplementedError("an integer LSTM other than int8 in and out (int16x8) is not supported");
  }
  for (const auto& [q, what] : {std::pair{&state, "the output state"}, {&cell, "the cell state"},
                                 {&hidden_q, "the hidden state (intermediate 4)"}}) {
    if (!q->PerTensor()) return Invalid(absl::StrCat(what, " must be quantised per tensor"));
  }
  const int64_t state_zero_point = state.zero_points[0];
  RETURN_IF_ERROR(s.ClaimZeroState(18, {batch, hidden}, "the output state", tfl::TensorType::INT8,
                                   static_cast<uint8_t>(static_cast<int8_t>(state_zero_point))));
  RETURN_IF_ERROR(s.ClaimZeroState(19, {batch, hidden}, "the cell state", tfl::TensorType::INT16));
  // The cell state's scale: 2^e (TFLite's CheckedLog2), e <= -9 as lstm.cc requires
  // (TensorFlow 2.15's unidirectional kernel has that check commented out, but its tanh
  // of such a cell state, with more than 6 integer bits, asserts in debug builds and
  // computes nothing in release ones) and e >= -30 (its rounding division of i g by
  // 2^(30 + e)).
  const float cell_scale = cell.scales[0];
  const double log2_scale = std::log2(static_cast<double>(cell_scale));
  const double exponent = std::round(log2_scale);
  if (std::fabs(log2_scale - exponent) >= 1e-3 || exponent > -9 || exponent < -30) {
    return absl::UnimplementedError(absl::StrCat("an int8 LSTM whose cell state's scale ", cell_scale,
                                                 " is not a power of two in 2^-30 .. 2^-9"));
  }
  std::vector<int8_t> weights, recurrent;
  std::vector<int32_t> biases(8 * hidden);
  std::vector<int64_t> multipliers;
  const float gates_scale = static_cast<float>(std::pow(2.0, -12));  // Q3.12
  const int64_t x_zero_point = x.zero_points[0];
  // TFLite's Prepare forms the effective scales in float and quantises them; from about
  // 2^30 up (hostile scales) its multiplier needs a left shift of 31, which overflows.
  auto multiplier_of = [](float effective, const std::string& what) -> absl::StatusOr<FixedPointMultiplier> {
    if (!(effective < 536870912.0f)) {  // 2^29
      return absl::UnimplementedError(absl::StrCat("an int8 LSTM whose ", what, " effective scale ", effective,
                                                   " is 2^29 or more"));
    }
    return QuantizeMultiplier(effective);
  };
  for (int q = 0; q < 4; ++q) {  // TFLite's gate order i, f, g (its "cell"), o: inputs 1 + q, 5 + q, 12 + q
    struct Half {
      int input;
      int64_t columns, zero_point;
      float scale;
      std::vector<int8_t>* matrix;
      int32_t* biases;
    };
    const Half halves[] = {{1 + q, features, x_zero_point, x.scales[0], &weights, &biases[q * hidden]},
                           {5 + q, hidden, state_zero_point, state.scales[0], &recurrent, &biases[(4 + q) * hidden]}};
    for (const Half& half : halves) {
      ASSIGN_OR_RETURN(TfliteQuantization wq, RequiredQuantization(s.InputQuantization(half.input), "an LSTM weight", true));
      ASSIGN_OR_RETURN(TensorData w, s.ConstantInput(half.input, "an LSTM weight"));
      if (w.type() != TensorType{DataType::kInt8, {hidden, half.columns}} || wq.zero_points[0] != 0) {
        return Invalid(absl::StrCat("LSTM weight (input ", half.input, ") is ", w.type().ToString(), ", not int8 [",
                                    hidden, ",", half.columns, "] with zero point 0"));
      }
      const std::vector<int8_t> values = w.Elements<int8_t>();
      half.matrix->insert(half.matrix->end(), values.begin(), values.end());
      for (int64_t j = 0; j < hidden; ++j) {
        // TFLite's int32 row sum times the zero point, wrapping as its int32 does.
        uint32_t row_sum = 0;
        for (int64_t c = 0; c < half.columns; ++c) row_sum += static_cast<uint32_t>(values[j * half.columns + c]);
        half.biases[j] = static_cast<int32_t>(static_cast<uint32_t>(-half.zero_point) * row_sum);
      }
      ASSIGN_OR_RETURN(const FixedPointMultiplier m,
                       multiplier_of(wq.scales[0] * half.scale / gates_scale, absl::StrCat("input ", half.input, "'s")));
      multipliers.push_back(m.multiplier);
      multipliers.push_back(m.shift);
    }
    ASSIGN_OR_RETURN(TensorData bias, s.ConstantInput(12 + q, "an LSTM bias"));
    if (bias.type() != TensorType{DataType::kInt32, {hidden}}) {
      return Invalid(absl::StrCat("LSTM bias (input ", 12 + q, ") is ", bias.type().ToString(), ", not int32 [", hidden, "]"));
    }
    const std::vector<int32_t> values = bias.Elements<int32_t>();
    for (int64_t j = 0; j < hidden; ++j) biases[q * hidden + j] = WrappingAdd(biases[q * hidden + j], values[j]);
  }
  ASSIGN_OR_RETURN(const FixedPointMultiplier hidden_multiplier,
                   multiplier_of(static_cast<float>(std::pow(2.0, -15) / static_cast<double>(hidden_q.scales[0]) *
                                                    std::pow(2.0, -15)),
                                 "hidden state's"));
  int64_t cell_clip = 0;
  if (options.cell_clip() > 0.0f) {
    cell_clip = static_cast<int16_t>(std::min(std::max(options.cell_clip() / cell_scale, -32768.0f), 32767.0f));
  }
  std::vector<ValueId> inputs(8, kNoValue);
  ASSIGN_OR_RETURN(inputs[0], s.Input(0));
  const QuantizationValues qx = AddQuantization(s, x, "x");
  inputs[1] = qx.scale;
  inputs[2] = qx.zero_point;
  auto bytes_of = [](const auto& values) {
    const auto* begin = reinterpret_cast<const uint8_t*>(values.data());
    return std::vector<uint8_t>(begin, begin + values.size() * sizeof(values[0]));
  };
  inputs[3] = s.AddConstant("w_ifgo", TensorData(TensorType{DataType::kInt8, {4 * hidden, features}}, bytes_of(weights)));
  inputs[4] = s.AddConstant("r_ifgo", TensorData(TensorType{DataType::kInt8, {4 * hidden, hidden}}, bytes_of(recurrent)));
  inputs[5] = s.AddConstant("b_ifgo", TensorData(TensorType{DataType::kInt32, {8 * hidden}}, bytes_of(biases)));
  const QuantizationValues qy = AddQuantization(s, y, "y");
  inputs[6] = qy.scale;
  inputs[7] = qy.zero_point;
  AttributeMap attributes;
  attributes.Set("layout", int64_t{options.time_major() ? 0 : 1});
  attributes.Set("gate_multipliers", multipliers);
  attributes.Set("hidden_multiplier", std::vector<int64_t>{hidden_multiplier.multiplier, hidden_multiplier.shift});
  attributes.Set("hidden_zero_point", hidden_q.zero_points[0]);
  attributes.Set("state_zero_point", state_zero_point);
  attributes.Set("cell_exponent", static_cast<int64_t>(exponent));
  attributes.Set("cell_clip", cell_clip);
  ASSIGN_OR_RETURN(ValueId out, s.AddNode(OpKind::kQuantizedLstm, "lstm", std::move(inputs), std::move(attributes)));
  return s.DefineOutput(0, out);
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
  if (s.IsQuantizedOperator()) return ConvertQuantizedLstm(s, *options, batch, hidden, features);
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
