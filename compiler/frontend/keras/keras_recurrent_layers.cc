// Keras's SimpleRNN, GRU and LSTM as the IR's RNN, GRU and LSTM (ONNX's semantics) run
// batch-first (layout 1). Keras's kernel (features, gates * units) and recurrent
// kernel (units, gates * units) become W and R (gates * units rows), the gates
// reordered where the orders differ: Keras's LSTM is [i, f, c, o], ONNX's [i, o, f, c];
// GRU is [z, r, h] in both. GRU's reset_after is ONNX's linear_before_reset, its two
// bias rows W's and R's biases. go_backwards reverses the input (Keras then returns
// the sequence in that reversed order, and so does this).
#include "compiler/frontend/keras/keras_recurrent_layers.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/util/status_macros.h"

namespace modelc::keras_layers {
namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

struct RecurrentKind {
  OpKind op;
  int64_t gates;
  std::vector<int64_t> keras_gate_of;  // for each IR gate, Keras's gate
};

absl::StatusOr<RecurrentKind> KindOf(const std::string& class_name) {
  if (class_name == "SimpleRNN") return RecurrentKind{OpKind::kRNN, 1, {0}};
  if (class_name == "GRU") return RecurrentKind{OpKind::kGRU, 3, {0, 1, 2}};
  if (class_name == "LSTM") return RecurrentKind{OpKind::kLSTM, 4, {0, 3, 1, 2}};
  return absl::InternalError("not a recurrent layer");
}

// A Keras activation as the recurrent op's function name (and its alpha and beta).
absl::Status AddFunction(const std::string& keras, std::vector<std::string>& names, std::vector<float>& alphas,
                         std::vector<float>& betas) {
  float alpha = 0.0f, beta = 0.0f;
  if (keras == "sigmoid") {
    names.push_back("Sigmoid");
  } else if (keras == "tanh") {
    names.push_back("Tanh");
  } else if (keras == "relu") {
    names.push_back("Relu");
  } else if (keras == "hard_sigmoid" || keras == "hard_sigmoid_keras2") {  // Keras 3: relu6(x + 3) / 6; 2: 0.2 x + 0.5
    names.push_back("HardSigmoid");
    alpha = keras == "hard_sigmoid" ? 1.0f / 6.0f : 0.2f;
    beta = 0.5f;
  } else {
    return absl::UnimplementedError(absl::StrCat("the activation '", keras, "' is not supported in a recurrent layer"));
  }
  alphas.push_back(alpha);
  betas.push_back(beta);
  return absl::OkStatus();
}

// Keras's (rows_in, gates * units) matrix as (gates * units, rows_in), IR gate order.
TensorData GateRows(const std::vector<float>& keras, int64_t rows_in, int64_t units, const RecurrentKind& kind) {
  const int64_t columns = kind.gates * units;
  std::vector<float> out(columns * rows_in);
  for (int64_t g = 0; g < kind.gates; ++g) {
    for (int64_t j = 0; j < units; ++j) {
      for (int64_t k = 0; k < rows_in; ++k) {
        out[(g * units + j) * rows_in + k] = keras[k * columns + kind.keras_gate_of[g] * units + j];
      }
    }
  }
  return TensorData::FromFloats({1, columns, rows_in}, out);
}

std::vector<float> GateVector(const std::vector<float>& keras, int64_t units, const RecurrentKind& kind) {
  std::vector<float> out(kind.gates * units);
  for (int64_t g = 0; g < kind.gates; ++g) {
    for (int64_t j = 0; j < units; ++j) out[g * units + j] = keras[kind.keras_gate_of[g] * units + j];
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<ValueId>> ConvertRecurrent(LayerBuilder& b) {
  ASSIGN_OR_RETURN(RecurrentKind kind, KindOf(b.layer().class_name));
  if (b.InputCount() != 1) return absl::UnimplementedError("initial states given as inputs are not supported");
  const Shape x = b.InputShape(0);
  if (x.size() != 3) return Invalid(absl::StrCat("the input must be (batch, time, features), not ", ShapeToString(x)));
  const int64_t batch = x[0], steps = x[1], features = x[2];
  ASSIGN_OR_RETURN(int64_t units, ConfigInt(b.config(), "units", 0));
  ASSIGN_OR_RETURN(bool use_bias, ConfigBool(b.config(), "use_bias", true));
  ASSIGN_OR_RETURN(bool return_sequences, ConfigBool(b.config(), "return_sequences", false));
  ASSIGN_OR_RETURN(bool return_state, ConfigBool(b.config(), "return_state", false));
  ASSIGN_OR_RETURN(bool go_backwards, ConfigBool(b.config(), "go_backwards", false));
  ASSIGN_OR_RETURN(bool stateful, ConfigBool(b.config(), "stateful", false));
  ASSIGN_OR_RETURN(bool time_major, ConfigBool(b.config(), "time_major", false));
  ASSIGN_OR_RETURN(bool reset_after, ConfigBool(b.config(), "reset_after", true));
  ASSIGN_OR_RETURN(std::string activation, ConfigString(b.config(), "activation", "tanh"));
  ASSIGN_OR_RETURN(std::string recurrent_activation, ConfigString(b.config(), "recurrent_activation", "sigmoid"));
  if (units < 1 || units > (1 << 16)) return Invalid("its units are bad");
  if (stateful) return absl::UnimplementedError("stateful layers (state kept between runs) are not supported");
  if (time_major) return absl::UnimplementedError("time_major inputs are not supported");
  if (steps < 1) return Invalid("the input has no time steps");

  const int64_t rows = kind.gates * units;
  RETURN_IF_ERROR(b.ExpectWeights(use_bias ? 3 : 2));
  ASSIGN_OR_RETURN(TensorData kernel, b.Weight(0, {features, rows}, "kernel"));
  ASSIGN_OR_RETURN(TensorData recurrent, b.Weight(1, {units, rows}, "recurrent kernel"));
  std::vector<float> input_bias(rows, 0.0f), recurrent_bias(rows, 0.0f);
  if (use_bias) {
    const bool two_rows = kind.op == OpKind::kGRU && reset_after;
    ASSIGN_OR_RETURN(TensorData bias, b.Weight(2, two_rows ? Shape{2, rows} : Shape{rows}, "bias"));
    const std::vector<float> values = bias.Floats();
    input_bias = GateVector(std::vector<float>(values.begin(), values.begin() + rows), units, kind);
    if (two_rows) recurrent_bias = GateVector(std::vector<float>(values.begin() + rows, values.end()), units, kind);
  }
  std::vector<float> biases = input_bias;
  biases.insert(biases.end(), recurrent_bias.begin(), recurrent_bias.end());

  AttributeMap attributes;
  attributes.Set("hidden_size", units);
  attributes.Set("layout", int64_t{1});
  std::vector<std::string> names;
  std::vector<float> alphas, betas;
  if (kind.op != OpKind::kRNN) RETURN_IF_ERROR(AddFunction(recurrent_activation, names, alphas, betas));
  RETURN_IF_ERROR(AddFunction(activation, names, alphas, betas));
  if (kind.op == OpKind::kLSTM) RETURN_IF_ERROR(AddFunction(activation, names, alphas, betas));
  attributes.Set("activations", absl::StrJoin(names, ","));
  attributes.Set("activation_alpha", alphas);
  attributes.Set("activation_beta", betas);
  if (kind.op == OpKind::kGRU) attributes.Set("linear_before_reset", int64_t{reset_after ? 1 : 0});

  ValueId input = b.Input(0);
  if (go_backwards) {
    ASSIGN_OR_RETURN(input, b.Reversed(input, 1, "reverse"));
  }
  const ValueId w = b.AddConstant("W", GateRows(kernel.Floats(), features, units, kind));
  const ValueId r = b.AddConstant("R", GateRows(recurrent.Floats(), units, units, kind));
  const ValueId bias = b.AddConstant("B", TensorData::FromFloats({1, 2 * rows}, biases));
  const int count = kind.op == OpKind::kLSTM ? 3 : 2;
  ASSIGN_OR_RETURN(std::vector<ValueId> y,
                   b.AddNodeWithOutputs(kind.op, OpName(kind.op), {input, w, r, bias}, std::move(attributes), count));
  std::vector<ValueId> outputs;
  ValueId output;
  if (return_sequences) {
    ASSIGN_OR_RETURN(output, b.Reshaped(y[0], {batch, steps, units}, "sequence"));
  } else {
    ASSIGN_OR_RETURN(output, b.Reshaped(y[1], {batch, units}, "last"));
  }
  outputs.push_back(output);
  if (return_state) {
    ASSIGN_OR_RETURN(ValueId h, b.Reshaped(y[1], {batch, units}, "state_h"));
    outputs.push_back(h);
    if (kind.op == OpKind::kLSTM) {
      ASSIGN_OR_RETURN(ValueId c, b.Reshaped(y[2], {batch, units}, "state_c"));
      outputs.push_back(c);
    }
  }
  return outputs;
}

}  // namespace modelc::keras_layers
