// The optimisation pipeline: a plain list.
#include "compiler/passes/passes.h"

namespace modelc {

const std::vector<Pass>& DefaultPipeline() {
  static const std::vector<Pass> kPipeline = {
      {"fuse-quantized-ops", FuseQuantizedOps},  // before folding turns DQ(weights) into floats
      {"keep-int8-weights", KeepInt8Weights, /*memory_first_only=*/false, /*int8_weights_kept_only=*/true},
      {"fold-constants", FoldConstants},
      {"eliminate-common-subexpressions", EliminateCommonSubexpressions},
      {"sink-transposes", SinkTransposes},  // before the fusions: it brings Conv and Add together
      {"fold-batchnorm", FoldBatchNormalization},
      {"fuse-quantized-batchnorm", FuseQuantizedBatchNormalization},  // after folding: constant statistics
      {"fuse-matmul-bias", FuseMatMulBias},
      {"fuse-layernorm", FuseLayerNormalization},
      // The quantised ops' fusion leaves the DequantizeLinear nodes it bypassed: gone
      // here, they no longer count as readers of a QLinearConv's output.
      {"eliminate-dead-nodes", EliminateDeadNodes},
      {"fuse-residual-add", FuseResidualAdd},
      {"fuse-input-quantize", FuseInputQuantize, /*memory_first_only=*/true},
      {"fuse-input-quantize-matmul", FuseInputQuantizeIntoMatMul, /*memory_first_only=*/true,
       /*int8_weights_kept_only=*/false, /*fixed_point_requantization_only=*/false, /*int8_dsp_pairs_only=*/true},
      {"fuse-output-dequantize-matmul", FuseOutputDequantizeIntoMatMul},
      {"fuse-activations", FuseActivations},
      {"globalize-pools", GlobalizePools},
      {"absorb-output-transposes", AbsorbOutputTransposes},  // after the fusions: the epilogue is final
      {"simplify-transposes", SimplifyTransposes},
      {"eliminate-dead-nodes", EliminateDeadNodes},
      {"requantize-fixed-point", RequantizeInFixedPoint, /*memory_first_only=*/false, /*int8_weights_kept_only=*/false,
       /*fixed_point_requantization_only=*/true},
  };
  return kPipeline;
}

}  // namespace modelc
