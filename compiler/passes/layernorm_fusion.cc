// LayerNorm fusion: the decomposed layer normalisation that exporters emit before
// opset 17,
//   m = ReduceMean(x, trailing axes); d = x - m; v = ReduceMean(d^2 or d*d, same axes)
//   y = d / Sqrt(v + eps)  [ * gamma ]  [ + beta ]     (gamma, beta, eps constant)
// becomes one LayerNormalization node (two passes over each row instead of seven
// kernels and five intermediate tensors). Every intermediate must be read only inside
// the chain. After: no such chain remains. Runs after constant folding.
#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/passes/fusion_util.h"
#include "compiler/passes/passes.h"

namespace modelc {
namespace {

// The producer of `value` if it is a node of kind `op` (-1 otherwise).
int ProducerOf(const Graph& graph, ValueId value, OpKind op) {
  if (value == kNoValue) return -1;
  const int producer = graph.value(value).producer;
  return producer >= 0 && graph.nodes()[producer].op == op ? producer : -1;
}

bool IsScalarConstant(const Graph& graph, ValueId value, float* scalar) {
  if (!graph.IsConstant(value) || graph.value(value).type.ElementCount() != 1 ||
      graph.value(value).type.element_type != DataType::kFloat32) {
    return false;
  }
  *scalar = graph.value(value).constant->Floats()[0];
  return true;
}

// Axes of a keepdims ReduceMean, if they are the trailing [axis, rank) of its input.
std::optional<int64_t> TrailingAxis(const Graph& graph, const Node& reduce) {
  auto g = ResolveReduce(graph, reduce);
  if (!g.ok() || !g->keepdims || g->axes.empty()) return std::nullopt;
  const int64_t rank = graph.InputType(reduce, 0).Rank();
  for (size_t i = 0; i < g->axes.size(); ++i) {
    if (g->axes[i] != rank - static_cast<int64_t>(g->axes.size()) + static_cast<int64_t>(i)) return std::nullopt;
  }
  return g->axes.front();
}

// The non-constant operand and constant operand of a two-input node, if one is constant.
bool SplitConstant(const Graph& graph, const Node& node, ValueId* variable, ValueId* constant) {
  for (int side = 0; side < 2; ++side) {
    if (graph.IsConstant(node.inputs[side]) && !graph.IsConstant(node.inputs[1 - side])) {
      *constant = node.inputs[side];
      *variable = node.inputs[1 - side];
      return true;
    }
  }
  return false;
}

bool BroadcastsTo(const Graph& graph, ValueId value, const Shape& shape) {
  auto broadcast = BroadcastShapes(graph.value(value).type.shape, shape);
  return broadcast.ok() && *broadcast == shape;
}

}  // namespace

absl::Status FuseLayerNormalization(Graph& graph) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& div = graph.nodes()[n];
    if (div.op != OpKind::kDiv || removed[n]) continue;
    const ValueId centered = div.inputs[0];
    const int sqrt = SoleProducer(graph, uses, div.inputs[1], static_cast<int>(n));
    if (sqrt < 0 || graph.nodes()[sqrt].op != OpKind::kSqrt) continue;
    const int add = SoleProducer(graph, uses, graph.nodes()[sqrt].inputs[0], sqrt);
    if (add < 0 || graph.nodes()[add].op != OpKind::kAdd) continue;
    ValueId variance = kNoValue, epsilon_value = kNoValue;
    float epsilon = 0.0f;
    if (!SplitConstant(graph, graph.nodes()[add], &variance, &epsilon_value) ||
        !IsScalarConstant(graph, epsilon_value, &epsilon)) {
      continue;
    }
    const int variance_mean = SoleProducer(graph, uses, variance, add);
    if (variance_mean < 0 || graph.nodes()[variance_mean].op != OpKind::kReduceMean) continue;
    const int square = SoleProducer(graph, uses, graph.nodes()[variance_mean].inputs[0], variance_mean);
    if (square < 0) continue;
    const Node& sq = graph.nodes()[square];
    float exponent = 0.0f;
    const bool is_square = (sq.op == OpKind::kPow && sq.inputs[0] == centered &&
                            IsScalarConstant(graph, sq.inputs[1], &exponent) && exponent == 2.0f) ||
                           (sq.op == OpKind::kMul && sq.inputs[0] == centered && sq.inputs[1] == centered);
    if (!is_square) continue;
    const int sub = ProducerOf(graph, centered, OpKind::kSub);
    if (sub < 0 || uses.IsGraphOutput(centered)) continue;
    for (int reader : uses.Consumers(centered)) {
      if (reader != square && reader != static_cast<int>(n)) goto next_candidate;
    }
    {
      const ValueId x = graph.nodes()[sub].inputs[0];
      const int mean = SoleProducer(graph, uses, graph.nodes()[sub].inputs[1], sub);
      if (mean < 0 || graph.nodes()[mean].op != OpKind::kReduceMean || graph.nodes()[mean].inputs[0] != x) continue;
      const std::optional<int64_t> axis = TrailingAxis(graph, graph.nodes()[mean]);
      if (!axis || TrailingAxis(graph, graph.nodes()[variance_mean]) != axis) continue;
      const Shape& x_shape = graph.value(x).type.shape;
      const Shape normalized(x_shape.begin() + *axis, x_shape.end());

      // Absorb a following constant scale (Mul) and bias (Add) when they fit.
      int last = static_cast<int>(n);
      ValueId scale = kNoValue, bias = kNoValue, variable = kNoValue, constant = kNoValue;
      for (OpKind op : {OpKind::kMul, OpKind::kAdd}) {
        const ValueId current = graph.nodes()[last].outputs[0];
        if (uses.IsGraphOutput(current) || uses.Consumers(current).size() != 1) break;
        const int next = uses.Consumers(current)[0];
        const Node& follower = graph.nodes()[next];
        if (follower.op != op || !SplitConstant(graph, follower, &variable, &constant) || variable != current ||
            !BroadcastsTo(graph, constant, normalized) || graph.value(follower.outputs[0]).type.shape != x_shape) {
          break;
        }
        (op == OpKind::kMul ? scale : bias) = constant;
        removed[next] = true;
        last = next;
      }
      if (scale == kNoValue) {
        scale = graph.AddConstant(absl::StrCat(graph.nodes()[n].name, ".scale"),
                                  TensorData::FromFloats(normalized, std::vector<float>(ElementCount(normalized), 1.0f)));
      }
      Node fused;
      fused.op = OpKind::kLayerNormalization;
      fused.name = graph.nodes()[n].name;
      fused.inputs = {x, scale};
      if (bias != kNoValue) fused.inputs.push_back(bias);
      fused.outputs = {graph.nodes()[last].outputs[0]};
      fused.guard = graph.nodes()[last].guard;
      fused.attributes.Set("axis", *axis);
      fused.attributes.Set("epsilon", epsilon);
      for (int dead : {sub, mean, square, variance_mean, add, sqrt}) removed[dead] = true;
      removed[last] = false;
      if (last != static_cast<int>(n)) removed[n] = true;
      graph.mutable_nodes()[last] = std::move(fused);
    }
  next_candidate:;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
