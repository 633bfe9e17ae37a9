// BatchNormalization folding. In inference, BN(y) = y * s + t per channel, with
// s = scale / sqrt(var + eps) and t = bias - mean * s. When y comes from a Conv or Gemm
// that nobody else reads, whose weights (and bias) and the BN's statistics are all
// constant, s and t go into new constant weights and bias and the BN node disappears:
//   Conv: W'[oc,...] = W[oc,...] * s[oc],  b'[oc] = b[oc] * s[oc] + t[oc]
//   Gemm: the columns of B (rows when transB) times s, C' = beta * C * s + t, beta' = 1
// After: no BN directly follows such a Conv or Gemm. Needs: nothing; before fusion.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/passes/fusion_util.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

ValueId AddFoldedConstant(Graph& graph, ValueId original, const std::string& fallback_name, Shape shape,
                          const std::vector<float>& values) {
  const std::string base = original == kNoValue ? fallback_name : graph.value(original).name;
  return graph.AddConstant(absl::StrCat(base, ".bn_folded"), TensorData::FromFloats(std::move(shape), values));
}

void FoldIntoConv(Graph& graph, int conv_index, const BatchNormScaleShift& ss) {
  Node& conv = graph.mutable_nodes()[conv_index];
  const TensorType weight_type = graph.value(conv.inputs[1]).type;
  std::vector<float> weights = graph.value(conv.inputs[1]).constant->Floats();
  const int64_t out_channels = weight_type.shape[0];
  const int64_t per_channel = weight_type.ElementCount() / out_channels;
  for (int64_t oc = 0; oc < out_channels; ++oc)
    for (int64_t i = 0; i < per_channel; ++i) weights[oc * per_channel + i] *= ss.scale[oc];
  std::vector<float> bias(out_channels, 0.0f);
  if (graph.HasInput(conv, 2)) bias = graph.value(conv.inputs[2]).constant->Floats();
  for (int64_t oc = 0; oc < out_channels; ++oc) bias[oc] = bias[oc] * ss.scale[oc] + ss.shift[oc];
  const ValueId old_bias = graph.HasInput(conv, 2) ? conv.inputs[2] : kNoValue;
  const ValueId new_weights = AddFoldedConstant(graph, conv.inputs[1], "", weight_type.shape, weights);
  const ValueId new_bias = AddFoldedConstant(graph, old_bias, conv.name + ".bias", {out_channels}, bias);
  Node& node = graph.mutable_nodes()[conv_index];  // AddConstant may not move nodes, but be explicit
  node.inputs[1] = new_weights;
  if (node.inputs.size() < 3) node.inputs.resize(3, kNoValue);
  node.inputs[2] = new_bias;
}

absl::Status FoldIntoGemm(Graph& graph, int gemm_index, const BatchNormScaleShift& ss) {
  const Node& gemm = graph.nodes()[gemm_index];
  ASSIGN_OR_RETURN(GemmGeometry g, ResolveGemm(graph, gemm));
  const TensorType b_type = graph.value(gemm.inputs[1]).type;
  std::vector<float> b = graph.value(gemm.inputs[1]).constant->Floats();
  for (int64_t k = 0; k < g.k; ++k)
    for (int64_t n = 0; n < g.n; ++n) b[g.trans_b ? n * g.k + k : k * g.n + n] *= ss.scale[n];
  // C' = beta * C * s + t, kept per column when C does not vary along rows.
  const bool per_column = !g.has_c || g.c_stride_m == 0;
  const int64_t rows = per_column ? 1 : g.m;
  std::vector<float> c(rows * g.n);
  std::vector<float> old_c = g.has_c ? graph.value(gemm.inputs[2]).constant->Floats() : std::vector<float>{};
  for (int64_t m = 0; m < rows; ++m)
    for (int64_t n = 0; n < g.n; ++n) {
      const float base = g.has_c ? g.beta * old_c[m * g.c_stride_m + n * g.c_stride_n] : 0.0f;
      c[m * g.n + n] = base * ss.scale[n] + ss.shift[n];
    }
  const ValueId old_c_id = g.has_c ? gemm.inputs[2] : kNoValue;
  const ValueId new_b = AddFoldedConstant(graph, gemm.inputs[1], "", b_type.shape, b);
  const ValueId new_c = AddFoldedConstant(graph, old_c_id, gemm.name + ".bias",
                                          per_column ? Shape{g.n} : Shape{g.m, g.n}, c);
  Node& node = graph.mutable_nodes()[gemm_index];
  node.inputs.resize(3, kNoValue);
  node.inputs[1] = new_b;
  node.inputs[2] = new_c;
  node.attributes.Set("beta", 1.0f);
  return absl::OkStatus();
}

}  // namespace

absl::Status FoldBatchNormalization(Graph& graph) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& bn = graph.nodes()[n];
    if (bn.op != OpKind::kBatchNormalization) continue;
    bool statistics_constant = true;
    for (int i = 1; i <= 4; ++i) statistics_constant &= graph.IsConstant(bn.inputs[i]);
    const int producer = SoleProducer(graph, uses, bn.inputs[0], static_cast<int>(n));
    if (!statistics_constant || producer < 0) continue;
    const Node& p = graph.nodes()[producer];
    const bool weights_constant = graph.IsConstant(p.inputs[1]) && (!graph.HasInput(p, 2) || graph.IsConstant(p.inputs[2]));
    if (!weights_constant || HasFusedEpilogue(p)) continue;
    ASSIGN_OR_RETURN(BatchNormGeometry geometry, ResolveBatchNorm(graph, bn));
    const BatchNormScaleShift ss = ResolveBatchNormScaleShift(graph, bn, geometry.epsilon);
    if (p.op == OpKind::kConv) {
      FoldIntoConv(graph, producer, ss);
    } else if (p.op == OpKind::kGemm) {
      RETURN_IF_ERROR(FoldIntoGemm(graph, producer, ss));
    } else {
      continue;
    }
    TakeOverOutput(graph, producer, static_cast<int>(n));
    removed[n] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
