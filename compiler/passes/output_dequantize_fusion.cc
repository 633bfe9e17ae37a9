// Output dequantisation fusion: DequantizeLinear(y) that alone reads a QLinearMatMul's
// output y, with y's own scale and zero point (per tensor), becomes that product
// writing float32: each output requantised to y's code as before, then dequantised
// (kFusedDequantizeOutput, DequantizeLinear's rule, so the floats are the same). The
// int8 y then never exists: an int8 network whose signature keeps float ends in a
// dequantised product (fc_autoencoder_ad_int8's last layer: 640 codes beside its 128
// inputs, the Cortex-M4's largest step), and the copy of the output through a second
// loop goes too, so it runs in every mode.
#include "compiler/ir/op_geometry.h"
#include "compiler/passes/fusion_util.h"
#include "compiler/passes/passes.h"

namespace modelc {

absl::Status FuseOutputDequantizeIntoMatMul(Graph& graph) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& dequantize = graph.nodes()[n];
    if (dequantize.op != OpKind::kDequantizeLinear) continue;
    const int producer = SoleProducer(graph, uses, dequantize.inputs[0], static_cast<int>(n));
    if (producer < 0) continue;
    const Node& product = graph.nodes()[producer];
    if (product.op != OpKind::kQLinearMatMul || product.guard != dequantize.guard ||
        product.attributes.Has(kFusedDequantizeOutput) ||
        graph.value(dequantize.outputs[0]).type.element_type != DataType::kFloat32 ||
        graph.value(dequantize.inputs[1]).type.ElementCount() != 1 || dequantize.attributes.Has("block_size") ||
        !SameConstant(graph, dequantize.inputs[1], product.inputs[6]) ||
        !SameConstant(graph, graph.HasInput(dequantize, 2) ? dequantize.inputs[2] : kNoValue, product.inputs[7])) {
      continue;
    }
    TakeOverOutput(graph, producer, static_cast<int>(n));
    graph.mutable_nodes()[producer].attributes.Set(kFusedDequantizeOutput, int64_t{1});
    removed[n] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
