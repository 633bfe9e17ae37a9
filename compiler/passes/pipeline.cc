// The optimisation pipeline: a plain list.
#include "compiler/passes/passes.h"

namespace modelc {

const std::vector<Pass>& DefaultPipeline() {
  static const std::vector<Pass> kPipeline = {
      {"fuse-quantized-ops", FuseQuantizedOps},  // before folding turns DQ(weights) into floats
      {"fold-constants", FoldConstants},
      {"eliminate-common-subexpressions", EliminateCommonSubexpressions},
      {"sink-transposes", SinkTransposes},  // before the fusions: it brings Conv and Add together
      {"fold-batchnorm", FoldBatchNormalization},
      {"fuse-matmul-bias", FuseMatMulBias},
      {"fuse-layernorm", FuseLayerNormalization},
      {"fuse-residual-add", FuseResidualAdd},
      {"fuse-activations", FuseActivations},
      {"globalize-pools", GlobalizePools},
      {"simplify-transposes", SimplifyTransposes},
      {"eliminate-dead-nodes", EliminateDeadNodes},
  };
  return kPipeline;
}

}  // namespace modelc
