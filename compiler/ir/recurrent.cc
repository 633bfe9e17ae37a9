// Recurrent op geometry (see recurrent.h).
#include "compiler/ir/recurrent.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

}  // namespace modelc
