// RNN, GRU and LSTM: their geometry (recurrent.h), shape rule and reference, step by
// step in double precision. Their kernels: recurrent_kernel.cc.
#include "compiler/ops/recurrent/recurrent.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/reference/evaluator.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// One of ONNX's recurrent activation names with its alpha / beta, as an elementwise
// function the rest of the compiler knows.
absl::StatusOr<ElementwiseFunction> Activation(const std::string& name, std::optional<float> alpha,
                                               std::optional<float> beta) {
  ElementwiseFunction f;
  if (name == "Sigmoid") f.op = OpKind::kSigmoid;
  else if (name == "Tanh") f.op = OpKind::kTanh;
  else if (name == "Relu") f.op = OpKind::kRelu;
  else if (name == "Softsign") f.op = OpKind::kSoftsign;
  else if (name == "Softplus") f.op = OpKind::kSoftplus;
  else if (name == "HardSigmoid") { f.op = OpKind::kHardSigmoid; f.alpha = alpha.value_or(0.2f); f.beta = beta.value_or(0.5f); }
  else if (name == "LeakyRelu") { f.op = OpKind::kLeakyRelu; f.alpha = alpha.value_or(0.01f); }
  else if (name == "ThresholdedRelu") { f.op = OpKind::kThresholdedRelu; f.alpha = alpha.value_or(1.0f); }
  else if (name == "Elu") { f.op = OpKind::kElu; f.alpha = alpha.value_or(1.0f); }
  else return absl::UnimplementedError(absl::StrCat("recurrent activation '", name, "' is not supported"));
  return f;
}

}  // namespace

absl::StatusOr<RecurrentGeometry> ResolveRecurrent(const Graph& graph, const Node& node) {
  RecurrentGeometry g;
  g.gates = node.op == OpKind::kLSTM ? 4 : node.op == OpKind::kGRU ? 3 : 1;
  const int functions = node.op == OpKind::kLSTM ? 3 : node.op == OpKind::kGRU ? 2 : 1;
  ASSIGN_OR_RETURN(int64_t layout, node.attributes.GetInt("layout", 0));
  g.batch_first = layout != 0;
  ASSIGN_OR_RETURN(std::string direction, node.attributes.GetString("direction", "forward"));
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") {
    return Invalid(absl::StrCat("direction '", direction, "' is unknown"));
  }
  g.directions = direction == "bidirectional" ? 2 : 1;
  g.reverse_only = direction == "reverse";
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() != 3) return Invalid("X must have rank 3");
  g.seq = g.batch_first ? x[1] : x[0];
  g.batch = g.batch_first ? x[0] : x[1];
  g.input_size = x[2];
  ASSIGN_OR_RETURN(g.hidden, node.attributes.GetInt("hidden_size", -1));
  const Shape& w = graph.InputType(node, 1).shape;
  if (g.hidden < 0 && w.size() == 3) g.hidden = w[1] / g.gates;
  if (g.hidden < 1) return Invalid("hidden_size must be positive");
  auto expect = [&](int input, const Shape& shape, const char* name) -> absl::Status {
    if (graph.HasInput(node, input) && graph.InputType(node, input).shape != shape) {
      return Invalid(absl::StrCat(name, " must have shape ", ShapeToString(shape), ", not ",
                                  ShapeToString(graph.InputType(node, input).shape)));
    }
    return absl::OkStatus();
  };
  const int64_t rows = g.gates * g.hidden;
  RETURN_IF_ERROR(expect(1, {g.directions, rows, g.input_size}, "W"));
  RETURN_IF_ERROR(expect(2, {g.directions, rows, g.hidden}, "R"));
  RETURN_IF_ERROR(expect(kRecurrentBias, {g.directions, 2 * rows}, "B"));
  RETURN_IF_ERROR(expect(kRecurrentSequenceLengths, {g.batch}, "sequence_lens"));
  RETURN_IF_ERROR(expect(kRecurrentInitialH, g.StateShape(), "initial_h"));
  if (node.op == OpKind::kLSTM) {
    RETURN_IF_ERROR(expect(kRecurrentInitialC, g.StateShape(), "initial_c"));
    RETURN_IF_ERROR(expect(kRecurrentPeepholes, {g.directions, 3 * g.hidden}, "P"));
  }
  if (graph.HasInput(node, kRecurrentSequenceLengths) &&
      graph.InputType(node, kRecurrentSequenceLengths).element_type != DataType::kInt32) {
    return Invalid("sequence_lens must be int32");
  }
  ASSIGN_OR_RETURN(g.clip, node.attributes.GetFloat("clip", 0.0f));
  if (g.clip < 0.0f) return Invalid("clip must not be negative");
  ASSIGN_OR_RETURN(g.cell_clip, node.attributes.GetFloat(kFusedCellClip, 0.0f));
  if (!(g.cell_clip >= 0.0f) || (g.cell_clip > 0.0f && node.op != OpKind::kLSTM)) {
    return Invalid("a cell clip must be 0 or more, on an LSTM");
  }
  ASSIGN_OR_RETURN(int64_t input_forget, node.attributes.GetInt("input_forget", 0));
  g.input_forget = input_forget != 0;
  ASSIGN_OR_RETURN(int64_t linear_before_reset, node.attributes.GetInt("linear_before_reset", 0));
  g.linear_before_reset = linear_before_reset != 0;
  // activations: "A,B,..." (the importer joins ONNX's list of strings), functions per
  // direction; alphas and betas line up with the functions that take them.
  const std::vector<std::string> defaults = node.op == OpKind::kLSTM ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                            : node.op == OpKind::kGRU ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                                      : std::vector<std::string>{"Tanh"};
  ASSIGN_OR_RETURN(std::string names_text, node.attributes.GetString("activations", ""));
  std::vector<std::string> names;
  if (names_text.empty()) {
    for (int64_t d = 0; d < g.directions; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  } else {
    names = absl::StrSplit(names_text, ',');
  }
  if (static_cast<int64_t>(names.size()) != functions * g.directions) {
    return Invalid(absl::StrCat("activations must list ", functions * g.directions, " functions"));
  }
  ASSIGN_OR_RETURN(std::vector<float> alphas, node.attributes.GetFloats("activation_alpha", {}));
  ASSIGN_OR_RETURN(std::vector<float> betas, node.attributes.GetFloats("activation_beta", {}));
  for (size_t i = 0; i < names.size(); ++i) {
    std::optional<float> alpha = i < alphas.size() ? std::optional<float>(alphas[i]) : std::nullopt;
    std::optional<float> beta = i < betas.size() ? std::optional<float>(betas[i]) : std::nullopt;
    ASSIGN_OR_RETURN(ElementwiseFunction f, Activation(names[i], alpha, beta));
    g.activations.push_back(f);
  }
  return g;
}

namespace {

// RNN, GRU, LSTM step by step in double precision; returns Y, Y_h, Y_c.
std::vector<FloatTensor> Recurrent(OpKind op, const RecurrentGeometry& g, const std::vector<const FloatTensor*>& in,
                                   const std::function<bool(int)>& has) {
  const int64_t H = g.hidden, rows = g.gates * H;
  const int functions = op == OpKind::kLSTM ? 3 : op == OpKind::kGRU ? 2 : 1;
  FloatTensor y(ElementCount(g.YShape()), 0.0f), y_h(ElementCount(g.StateShape())), y_c(y_h.size());
  const FloatTensor &x = *in[0], &w = *in[1], &r = *in[2];
  auto clip = [&](double v) { return g.clip > 0 ? std::min<double>(std::max<double>(v, -g.clip), g.clip) : v; };
  for (int64_t d = 0; d < g.directions; ++d) {
    const bool reverse = g.reverse_only || d == 1;
    auto f = [&](int k, double v) { return static_cast<double>(ApplyElementwise(g.activations[d * functions + k], static_cast<float>(v))); };
    for (int64_t b = 0; b < g.batch; ++b) {
      std::vector<double> h(H, 0.0), c(H, 0.0), pre(rows);
      for (int64_t j = 0; j < H; ++j) {
        if (has(kRecurrentInitialH)) h[j] = (*in[kRecurrentInitialH])[g.StateOffset(d, b) + j];
        if (op == OpKind::kLSTM && has(kRecurrentInitialC)) c[j] = (*in[kRecurrentInitialC])[g.StateOffset(d, b) + j];
      }
      const int64_t length = has(kRecurrentSequenceLengths) ? static_cast<int64_t>((*in[kRecurrentSequenceLengths])[b]) : g.seq;
      for (int64_t step = 0; step < std::min(length, g.seq); ++step) {
        const int64_t t = reverse ? length - 1 - step : step;
        auto bias = [&](int64_t row, bool recurrent) {
          return has(kRecurrentBias) ? (*in[kRecurrentBias])[(d * 2 + (recurrent ? 1 : 0)) * rows + row] : 0.0;
        };
        auto w_dot_x = [&](int64_t row) {
          double sum = 0.0;
          for (int64_t k = 0; k < g.input_size; ++k) sum += static_cast<double>(w[(d * rows + row) * g.input_size + k]) * x[g.XOffset(t, b) + k];
          return sum;
        };
        auto r_dot = [&](int64_t row, const std::vector<double>& v) {
          double sum = 0.0;
          for (int64_t k = 0; k < H; ++k) sum += static_cast<double>(r[(d * rows + row) * H + k]) * v[k];
          return sum;
        };
        std::vector<double> next_h(H), next_c(H);
        if (op == OpKind::kGRU) {
          std::vector<double> reset_h(H);
          for (int64_t j = 0; j < H; ++j) reset_h[j] = f(0, clip(w_dot_x(H + j) + r_dot(H + j, h) + bias(H + j, false) + bias(H + j, true))) * h[j];
          for (int64_t j = 0; j < H; ++j) {
            const double z = f(0, clip(w_dot_x(j) + r_dot(j, h) + bias(j, false) + bias(j, true)));
            const double reset = f(0, clip(w_dot_x(H + j) + r_dot(H + j, h) + bias(H + j, false) + bias(H + j, true)));
            const double recurrent = g.linear_before_reset ? reset * (r_dot(2 * H + j, h) + bias(2 * H + j, true))
                                                           : r_dot(2 * H + j, reset_h) + bias(2 * H + j, true);
            const double candidate = f(1, clip(w_dot_x(2 * H + j) + bias(2 * H + j, false) + recurrent));
            next_h[j] = (1.0 - z) * candidate + z * h[j];
          }
        } else if (op == OpKind::kLSTM) {
          auto peephole = [&](int gate, int64_t j) { return has(kRecurrentPeepholes) ? (*in[kRecurrentPeepholes])[d * 3 * H + gate * H + j] : 0.0; };
          for (int64_t j = 0; j < H; ++j) {
            auto gate = [&](int64_t row) { return w_dot_x(row) + r_dot(row, h) + bias(row, false) + bias(row, true); };
            const double i = f(0, clip(gate(j) + peephole(0, j) * c[j]));
            const double forget = g.input_forget ? 1.0 - i : f(0, clip(gate(2 * H + j) + peephole(2, j) * c[j]));
            const double candidate = f(1, clip(gate(3 * H + j)));
            next_c[j] = forget * c[j] + i * candidate;
            if (g.cell_clip > 0.0f) next_c[j] = std::clamp(next_c[j], -double{g.cell_clip}, double{g.cell_clip});
            const double o = f(0, clip(gate(H + j) + peephole(1, j) * next_c[j]));
            next_h[j] = o * f(2, next_c[j]);
          }
        } else {
          for (int64_t j = 0; j < H; ++j) next_h[j] = f(0, clip(w_dot_x(j) + r_dot(j, h) + bias(j, false) + bias(j, true)));
        }
        h = next_h;
        if (op == OpKind::kLSTM) c = next_c;
        for (int64_t j = 0; j < H; ++j) y[g.YOffset(t, d, b) + j] = static_cast<float>(h[j]);
      }
      for (int64_t j = 0; j < H; ++j) {
        y_h[g.StateOffset(d, b) + j] = static_cast<float>(h[j]);
        y_c[g.StateOffset(d, b) + j] = static_cast<float>(c[j]);
      }
    }
  }
  return {y, y_h, y_c};
}

absl::StatusOr<std::vector<TensorType>> InferRecurrent(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(RecurrentGeometry g, ResolveRecurrent(graph, node));
  std::vector<TensorType> types = {TensorType{out_type, g.YShape()}};
  for (size_t o = 1; o < node.outputs.size(); ++o) types.push_back(TensorType{out_type, g.StateShape()});
  return types;
}

absl::StatusOr<std::vector<TensorData>> EvaluateRecurrent(const Graph& graph, const Node& node,
                                                          const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(RecurrentGeometry g, ResolveRecurrent(graph, node));
  return EvaluateOnFloats(graph, node, inputs, [&](const std::vector<const FloatTensor*>& in) {
    std::vector<FloatTensor> all = Recurrent(node.op, g, in, [&](int i) { return graph.HasInput(node, i); });
    all.resize(node.outputs.size());
    return absl::StatusOr<std::vector<FloatTensor>>(std::move(all));
  });
}

}  // namespace

// The hooks of the three ops (own_op_hooks.h); their kernels are in recurrent_kernel.cc.
absl::Status UpgradeRNN(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeGRU(Node& node, int64_t opset) { return absl::OkStatus(); }
absl::Status UpgradeLSTM(Node& node, int64_t opset) { return absl::OkStatus(); }

absl::StatusOr<std::vector<TensorType>> InferRNN(const Graph& graph, const Node& node, DataType out_type) {
  return InferRecurrent(graph, node, out_type);
}
absl::StatusOr<std::vector<TensorType>> InferGRU(const Graph& graph, const Node& node, DataType out_type) {
  return InferRecurrent(graph, node, out_type);
}
absl::StatusOr<std::vector<TensorType>> InferLSTM(const Graph& graph, const Node& node, DataType out_type) {
  return InferRecurrent(graph, node, out_type);
}

absl::StatusOr<std::vector<TensorData>> EvaluateRNN(const Graph& graph, const Node& node,
                                                    const std::vector<const TensorData*>& inputs) {
  return EvaluateRecurrent(graph, node, inputs);
}
absl::StatusOr<std::vector<TensorData>> EvaluateGRU(const Graph& graph, const Node& node,
                                                    const std::vector<const TensorData*>& inputs) {
  return EvaluateRecurrent(graph, node, inputs);
}
absl::StatusOr<std::vector<TensorData>> EvaluateLSTM(const Graph& graph, const Node& node,
                                                     const std::vector<const TensorData*>& inputs) {
  return EvaluateRecurrent(graph, node, inputs);
}

}  // namespace modelc
