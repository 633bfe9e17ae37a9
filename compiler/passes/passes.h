// Graph-to-graph passes. Each takes a verified graph and leaves a verified graph that
// computes the same outputs (within float rounding); the names of graph inputs and
// outputs never change. The default pipeline runs them in the order listed here.
#ifndef MODELC_PASSES_PASSES_H_
#define MODELC_PASSES_PASSES_H_

#include <vector>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"

namespace modelc {

// QDQ fusion: DequantizeLinear -> Conv / MatMul / Gemm -> QuantizeLinear becomes
// QLinearConv / QLinearMatMul (integer kernels), as ONNX Runtime fuses them.
[[nodiscard]] absl::Status FuseQuantizedOps(Graph& graph);
// --weights-int8 keep: MatMul / Gemm of float data and DequantizeLinear of constant
// int8 weights becomes Int8WeightsMatMul (the weights stay int8).
[[nodiscard]] absl::Status KeepInt8Weights(Graph& graph);
// Evaluates every node whose inputs are all constant (reference evaluator) and turns
// its outputs into constants.
[[nodiscard]] absl::Status FoldConstants(Graph& graph);
// Merges nodes with the same op, inputs and attributes.
[[nodiscard]] absl::Status EliminateCommonSubexpressions(Graph& graph);
// A Transpose read only by a layout-agnostic op (element-wise, Concat, Pad, Reduce,
// Softmax) moves below it; two Transposes in a row become one, or none when they
// cancel (transpose_sinking.cc). Channels-last models lose their per-layer pairs;
// Transposes to NCHW read only by convolutions and pools, and adjoints read only by
// matrix products, are absorbed into them.
[[nodiscard]] absl::Status SinkTransposes(Graph& graph);
// BatchNormalization after a Conv or Gemm with constant weights becomes part of the
// weights and bias. A BatchNormalization left alone is lowered as a per-channel scale
// and shift computed at compile time.
[[nodiscard]] absl::Status FoldBatchNormalization(Graph& graph);
// DequantizeLinear -> BatchNormalization (constant statistics) -> QuantizeLinear
// becomes QLinearChannelAffine: int8 in and out, the float tensors between gone.
[[nodiscard]] absl::Status FuseQuantizedBatchNormalization(Graph& graph);
// MatMul(A, constant B) + constant bias, on matrices, becomes Gemm(A, B, bias).
[[nodiscard]] absl::Status FuseMatMulBias(Graph& graph);
// The decomposed layer normalisation exporters emit (ReduceMean, Sub, Pow, ReduceMean,
// Add, Sqrt, Div, then an optional constant Mul and Add) becomes LayerNormalization.
[[nodiscard]] absl::Status FuseLayerNormalization(Graph& graph);
// Add(conv, x) becomes a Conv that adds x to each output (fused_residual), and
// QLinearAdd(qlinear_conv, x) a QLinearConv with the sum fused (inputs 9-13).
[[nodiscard]] absl::Status FuseResidualAdd(Graph& graph);
// QuantizeLinear(x) read only by a QLinearConv becomes that QLinearConv quantising x as
// it reads it (fused_quantize_input).
[[nodiscard]] absl::Status FuseInputQuantize(Graph& graph);
// The same for a QLinearMatMul's A, where x is a model input.
[[nodiscard]] absl::Status FuseInputQuantizeIntoMatMul(Graph& graph);
// DequantizeLinear of a QLinearMatMul's output, its only reader, becomes that product
// writing the dequantised floats (fused_dequantize_output).
[[nodiscard]] absl::Status FuseOutputDequantizeIntoMatMul(Graph& graph);
// An element-wise unary op (Relu, LeakyRelu, HardSwish, Sigmoid, ...) or a constant
// Clip after a Conv, Gemm or MatMul becomes its epilogue.
[[nodiscard]] absl::Status FuseActivations(Graph& graph);
// An AveragePool or MaxPool whose window is the whole plane becomes the global pool.
[[nodiscard]] absl::Status GlobalizePools(Graph& graph);
// A Transpose NCHW -> NHWC that alone reads a 2-D convolution's or pool's output
// (through a Concat or an activation) is absorbed: the writer stores channels-last
// (fused_channels_last_output).
[[nodiscard]] absl::Status AbsorbOutputTransposes(Graph& graph);
// A Transpose that only moves size-1 dimensions becomes a Reshape (a view).
[[nodiscard]] absl::Status SimplifyTransposes(Graph& graph);
// Drops nodes whose outputs nobody reads.
[[nodiscard]] absl::Status EliminateDeadNodes(Graph& graph);
// --requantize fixed-point: QLinearConv and QLinearMatMul with constant scales requantise
// with an int32 multiplier and shift (TFLite's arithmetic), not float operations.
[[nodiscard]] absl::Status RequantizeInFixedPoint(Graph& graph);

struct Pass {
  const char* name;
  absl::Status (*run)(Graph& graph);
  // Runs only under the memory-first modes, --optimize memory (the microcontroller
  // default), balanced or size: it saves RAM at some cost in time.
  bool memory_first_only = false;
  // Runs only under --weights-int8 keep (the default where the target has an FPU).
  bool int8_weights_kept_only = false;
  // Runs only under --requantize fixed-point (the default where the target has no FPU).
  bool fixed_point_requantization_only = false;
  // Runs only where int8 products are DSP pairs (Arm's DSP extension without Helium).
  bool int8_dsp_pairs_only = false;
  // Whether it runs for these choices.
  bool RunsWith(bool memory_first, bool keep_int8_weights, bool fixed_point_requantization,
                bool int8_dsp_pairs) const {
    return (!memory_first_only || memory_first) && (!int8_weights_kept_only || keep_int8_weights) &&
           (!fixed_point_requantization_only || fixed_point_requantization) &&
           (!int8_dsp_pairs_only || int8_dsp_pairs);
  }
};

// The pipeline, in order. Names are what --dump-ir-after takes.
const std::vector<Pass>& DefaultPipeline();

}  // namespace modelc

#endif  // MODELC_PASSES_PASSES_H_
