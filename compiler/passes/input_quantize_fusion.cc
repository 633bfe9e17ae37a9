// Input quantisation fusion: QuantizeLinear(x) read only by a QLinearConv, as its input
// with the same scale and zero point, becomes that QLinearConv reading x itself and
// quantising each element as it reads it (kFusedQuantizeInput, by QuantizeLinear's
// rule, so the integers are the same). The quantised copy of x, a model input's in an
// int8 network whose signature keeps float (mobilenet_v1_025_vww_int8's 27,648 bytes
// beside its first convolution's output), then never takes RAM. Per-tensor parameters
// only; the QuantizeLinear's default saturation and output type, and its rounding
// (kRoundHalfAwayFromZero goes with it).
// The convolution quantises each input element once per window it falls in (the direct
// kernel: once per output channel too), so the fusion costs time: it is a memory-first
// pass (--optimize memory; on x86-64 mobilenet_v1_025_vww_int8 would take 4.38 ms
// instead of 3.91), and only where the quantised copy is larger than the convolution's
// output, so that the copy is what holds that step's RAM (mobilenet_v1_025_vww_int8's
// 27,648 bytes against 18,432). Where it is smaller (lenet_int8: 1,024 against 4,704;
// ds_cnn_kws_int8: 490 against 8,000) the saving was none or 384 bytes on Cortex-M4,
// for 30% and 46% more instructions. Where the step is not the model's peak it saves
// nothing either: the driver (compile.cc) keeps the fusion only where the planned
// scratch is lower with it (on the Cortex-M3, whose pointwise layers have no in-place
// kernel, mobilenet_v1_025_vww_int8 keeps 55,296 bytes either way and takes 50.3M
// instructions instead of 183.2M, each quantisation a libgcc division).
#include <algorithm>

#include "compiler/ir/op_geometry.h"
#include "compiler/ops/quantize/half_rounding.h"
#include "compiler/passes/fusion_util.h"
#include "compiler/passes/passes.h"

namespace modelc {

absl::Status FuseInputQuantize(Graph& graph) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& conv = graph.nodes()[n];
    if (conv.op != OpKind::kQLinearConv || conv.attributes.Has(kFusedQuantizeInput) || !graph.HasInput(conv, 2)) {
      continue;
    }
    const int producer = SoleProducer(graph, uses, conv.inputs[0], static_cast<int>(n));
    if (producer < 0 || removed[producer] || std::count(conv.inputs.begin(), conv.inputs.end(), conv.inputs[0]) != 1) {
      continue;  // also an addend of a fused sum, say: it must exist
    }
    const Node& quantize = graph.nodes()[producer];
    if (quantize.op != OpKind::kQuantizeLinear || quantize.guard != conv.guard ||
        graph.value(quantize.inputs[0]).type.element_type != DataType::kFloat32 ||
        graph.value(quantize.inputs[1]).type.ElementCount() != 1 || quantize.attributes.Has("saturate") ||
        quantize.attributes.Has("output_dtype") || quantize.attributes.Has("block_size")) {
      continue;
    }
    if (graph.value(conv.inputs[0]).type.ByteSize() <= graph.value(conv.outputs[0]).type.ByteSize()) continue;
    const ValueId zero_point = graph.HasInput(quantize, 2) ? quantize.inputs[2] : kNoValue;
    if (zero_point == kNoValue || !SameConstant(graph, quantize.inputs[1], conv.inputs[1]) ||
        !SameConstant(graph, zero_point, conv.inputs[2])) {
      continue;
    }
    Node& fused = graph.mutable_nodes()[n];
    fused.inputs[0] = quantize.inputs[0];
    fused.attributes.Set(kFusedQuantizeInput, int64_t{1});
    if (HalfRoundingOf(quantize) == HalfRounding::kAwayFromZero) fused.attributes.Set(kRoundHalfAwayFromZero, int64_t{1});
    removed[producer] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
