// Input quantisation fusion: QuantizeLinear(x) read only by a QLinearConv (as its input)
// or a QLinearMatMul (as its A), with the same scale and zero point, becomes that node
// reading x itself and quantising each element as it reads it (kFusedQuantizeInput, by
// QuantizeLinear's rule, so the integers are the same). The quantised copy of x, a model
// input's in an int8 network whose signature keeps float (mobilenet_v1_025_vww_int8's
// 27,648 bytes beside its first convolution's output, mlp_int8's 784 beside its first
// layer's 256), then never takes RAM. Per-tensor parameters only; the QuantizeLinear's
// default saturation and output type, and its rounding (kRoundHalfAwayFromZero goes
// with it).
// The convolution quantises each input element once per window it falls in (the direct
// kernel: once per output channel too; Helium's window-dot and Arm's DSP pairs once, a
// band of rows at a time, NodePlan::quantized_band), so the fusion costs time: it is a memory-first
// pass (--optimize memory; on x86-64 mobilenet_v1_025_vww_int8 would take 4.38 ms
// instead of 3.91), and only where the quantised copy is larger than the convolution's
// output, so that the copy is what holds that step's RAM (mobilenet_v1_025_vww_int8's
// 27,648 bytes against 18,432). Where it is smaller (lenet_int8: 1,024 against 4,704;
// ds_cnn_kws_int8: 490 against 8,000) the saving was none or 384 bytes on Cortex-M4,
// for 30% and 46% more instructions. Where the step is not the model's peak it saves
// nothing either: the driver (compile.cc) keeps the fusion only where the planned
// scratch is lower with it, and, without an FPU (each quantisation a libgcc division),
// only where the convolution quantises each element once (a band of quantised rows; the
// Cortex-M3's direct kernel has none: mobilenet_v1_025_vww_int8 would take 64.4 M
// instructions instead of 36.8 M, for 37,016 bytes of scratch instead of 46,288).
// The matrix product quantises each element of A once per group of 32 columns (the DSP
// pairs in registers, quantized_matmul.cc; 128 bytes of sums on the stack): Cortex-M4
// mlp_int8 415,400 -> 479,680 instructions for 1,040 -> 384 bytes of scratch. Its
// generic kernel would quantise once per column, the window of pairs into an int16 copy
// twice the size of the int8 one, and Helium's and x86-64's kernels multiply 16 or 64
// codes an instruction, against which each quantisation (a division) weighs far more
// (Cortex-M55 mlp_int8 43,625 -> 388,937): so only where int8 products are DSP pairs
// (TargetDescription::int8_dsp_pairs, through PipelineChoices, compile.cc), only of a
// model input's quantisation (one inside the network is rarely at the peak:
// mobilenet_v1_025_vww_int8's classifier), and the driver undoes it where the product
// gets neither DSP pairs kernel or the scratch saved is no more than the sums' stack.
#include <algorithm>

#include "compiler/ir/op_geometry.h"
#include "compiler/ops/quantize/half_rounding.h"
#include "compiler/passes/fusion_util.h"
#include "compiler/passes/passes.h"

namespace modelc {

namespace {

// QuantizeLinear(x) -> `op` (its input 0) fused where the rules above allow; with
// `model_inputs_only`, only where x is a model input.
absl::Status FuseQuantizeInto(Graph& graph, OpKind op, bool model_inputs_only) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& product = graph.nodes()[n];
    if (product.op != op || product.attributes.Has(kFusedQuantizeInput) || !graph.HasInput(product, 2)) continue;
    const int producer = SoleProducer(graph, uses, product.inputs[0], static_cast<int>(n));
    if (producer < 0 || removed[producer] ||
        std::count(product.inputs.begin(), product.inputs.end(), product.inputs[0]) != 1) {
      continue;  // also an addend of a fused sum, say: it must exist
    }
    const Node& quantize = graph.nodes()[producer];
    if (quantize.op != OpKind::kQuantizeLinear || quantize.guard != product.guard ||
        graph.value(quantize.inputs[0]).type.element_type != DataType::kFloat32 ||
        graph.value(quantize.inputs[1]).type.ElementCount() != 1 || quantize.attributes.Has("saturate") ||
        quantize.attributes.Has("output_dtype") || quantize.attributes.Has("block_size") ||
        (model_inputs_only && !graph.IsGraphInput(quantize.inputs[0]))) {
      continue;
    }
    if (graph.value(product.inputs[0]).type.ByteSize() <= graph.value(product.outputs[0]).type.ByteSize()) continue;
    const ValueId zero_point = graph.HasInput(quantize, 2) ? quantize.inputs[2] : kNoValue;
    if (zero_point == kNoValue || !SameConstant(graph, quantize.inputs[1], product.inputs[1]) ||
        !SameConstant(graph, zero_point, product.inputs[2])) {
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

}  // namespace

absl::Status FuseInputQuantize(Graph& graph) {
  return FuseQuantizeInto(graph, OpKind::kQLinearConv, /*model_inputs_only=*/false);
}

absl::Status FuseInputQuantizeIntoMatMul(Graph& graph) {
  return FuseQuantizeInto(graph, OpKind::kQLinearMatMul, /*model_inputs_only=*/true);
}

}  // namespace modelc
