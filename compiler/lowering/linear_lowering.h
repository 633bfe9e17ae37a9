// The matrix product family's part of the lowering plan (Gemm, MatMul, and the
// matrix products inside other kernels): which variant runs a product, its register
// tiles, and a constant B repacked into the panels the tiles read
// (backend/kernels_linear.cc reads them from the plan).
#ifndef MODELC_LOWERING_LINEAR_LOWERING_H_
#define MODELC_LOWERING_LINEAR_LOWERING_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/lowering/lowering_plan.h"

namespace modelc {

// Register tiles of out[M, N] = A x B on this target: up to `rows` rows of A by a
// panel of `vectors` vectors of `lanes` columns of B; enough independent accumulators
// to hide the FMA latency, few enough that they, the B vectors and a broadcast stay in
// registers.
KernelTiles MatrixProductTiles(const LoweringTarget& target, int64_t m, int64_t n);

// B ([K, N], or [N, K] when transposed) as panels of the tiles' width, each [K][its
// width rounded up to whole vectors], the padding zero: one sequential stream per
// panel, no masked loads.
std::vector<float> PackPanels(const std::vector<float>& b, bool transposed, int64_t k, int64_t n,
                              const KernelTiles& tiles);

// Gemm: panels of a constant B, B read in place when given at run time, or rank-1
// updates for a run-time B^T. MatMul: one panel product when every batch shares a
// constant B and A's batches are stacked rows, else a run-time product per batch.
absl::StatusOr<NodePlan> PlanMatrixProduct(const Graph& graph, const Node& node, const LoweringTarget& target);

// The constant the panel product reads, as a graph constant (prepare-constants).
absl::Status PrepareMatrixProductConstants(Graph& graph, const Node& node, NodePlan& plan);

}  // namespace modelc

#endif  // MODELC_LOWERING_LINEAR_LOWERING_H_
