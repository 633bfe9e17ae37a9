// Channels-last outputs: a Transpose from NCHW to NHWC that alone reads a 2-D
// QLinearConv's output (a channels-last model's layout Transpose, left where nothing
// after it cancels it: before a model output, a slice, a shared reader) is absorbed into
// the convolution, which then stores its output channels-last (kFusedChannelsLastOutput)
// as the Transpose's value: the copy the Transpose made is gone, and with it its cycles
// and its share of the arena. Not for a convolution with a fused sum (its addend is
// NCHW), one under a guard, or one whose own output is a graph output. Runs after the
// fusions, so that the convolution's epilogue is final.
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/shape_inference.h"
#include "compiler/ir/uses.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status AbsorbOutputTransposes(Graph& graph) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  std::vector<int> producer(graph.values().size(), -1);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    for (ValueId out : graph.nodes()[n].outputs) producer[out] = static_cast<int>(n);
  }
  for (size_t t = 0; t < graph.nodes().size(); ++t) {
    const Node& transpose = graph.nodes()[t];
    if (transpose.op != OpKind::kTranspose || transpose.guard != kNoValue) continue;
    ASSIGN_OR_RETURN(std::vector<int64_t> perm, transpose.attributes.GetInts("perm", {}));
    const ValueId x = transpose.inputs[0];
    if (perm != std::vector<int64_t>{0, 2, 3, 1} || producer[x] < 0 || !uses.OnlyReadBy(x, static_cast<int>(t))) {
      continue;
    }
    Node conv = graph.nodes()[producer[x]];
    if (conv.op != OpKind::kQLinearConv || conv.guard != kNoValue || conv.outputs.size() != 1 ||
        conv.attributes.Has(kFusedChannelsLastOutput) || graph.HasInput(conv, kQLinearConvAddendInput) ||
        graph.InputType(conv, 0).Rank() != 4) {
      continue;
    }
    conv.attributes.Set(kFusedChannelsLastOutput, int64_t{1});
    conv.outputs[0] = transpose.outputs[0];
    ASSIGN_OR_RETURN(std::vector<TensorType> types, InferOutputTypes(graph, conv));
    if (types[0] != graph.value(transpose.outputs[0]).type) {
      return absl::InternalError("a channels-last output changed the convolution's output type");
    }
    graph.mutable_nodes()[producer[x]] = std::move(conv);
    removed[t] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
