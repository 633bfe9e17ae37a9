// Matrix product variants, tiles and repacked B.
#include "compiler/lowering/linear_lowering.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// Under --optimize size: the widest tile side up to `widest` that divides `count`, if
// one at least half as wide exists (no remainder tile: the kernel's loop body is
// emitted once, not twice); else `widest`. A vector-matrix product's tile is also at
// most four vectors wide there, not eight: half the accumulators' epilogue code, for
// 20% more instructions on mlp's layers on Cortex-M4 (measured when it was chosen).
int64_t DividingSide(int64_t count, int64_t widest) {
  for (int64_t side = widest; side * 2 >= widest && side >= 1; --side) {
    if (count % side == 0) return side;
  }
  return widest;
}

}  // namespace

KernelTiles MatrixProductTiles(const LoweringTarget& target, int64_t m, int64_t n) {
  KernelTiles tiles;
  tiles.lanes = std::max<int64_t>(1, target.vector_lanes);
  const int64_t column_vectors = (n + tiles.lanes - 1) / tiles.lanes;
  // At least one vector and one row: an empty product (n or m 0) runs no tile at all.
  // A vector-matrix product's tile: up to eight vectors, and no more accumulators than
  // leave one register for B's vector (Helium's eight: seven; eight spilled, mlp 16% more
  // instructions on Cortex-M55).
  const int64_t widest = std::clamp<int64_t>(target.vector_registers - 1, 1, 8);
  tiles.vectors = std::clamp<int64_t>(column_vectors, 1, m == 1 && !target.code_size_first ? widest : 4);
  if (target.code_size_first) tiles.vectors = DividingSide(column_vectors, tiles.vectors);
  const int64_t registers = target.vector_registers;
  tiles.rows = std::clamp<int64_t>((registers - 1 - tiles.vectors) / tiles.vectors, 1, 6);
  tiles.rows = std::clamp<int64_t>(m, 1, tiles.rows);
  if (target.code_size_first) tiles.rows = DividingSide(m, tiles.rows);
  return tiles;
}

std::vector<float> PackPanels(const std::vector<float>& b, bool transposed, int64_t k, int64_t n,
                              const KernelTiles& tiles) {
  const int64_t width = tiles.vectors * tiles.lanes;
  std::vector<float> packed;
  for (int64_t first = 0; first < n; first += width) {
    const int64_t columns = std::min(width, n - first);
    const int64_t padded = (columns + tiles.lanes - 1) / tiles.lanes * tiles.lanes;
    for (int64_t row = 0; row < k; ++row)
      for (int64_t j = 0; j < padded; ++j) {
        const int64_t col = first + j;
        packed.push_back(j >= columns ? 0.0f : transposed ? b[col * k + row] : b[row * n + col]);
      }
  }
  return packed;
}

absl::StatusOr<NodePlan> PlanMatrixProduct(const Graph& graph, const Node& node, const LoweringTarget& target) {
  NodePlan plan;
  const bool constant_b = graph.IsConstant(node.inputs[1]);
  if (node.op == OpKind::kGemm) {
    ASSIGN_OR_RETURN(GemmGeometry g, ResolveGemm(graph, node));
    const MatrixProductKernel kernel = constant_b   ? MatrixProductKernel::kPanels
                                       : !g.trans_b ? MatrixProductKernel::kRunTimeB
                                                    : MatrixProductKernel::kRankOneUpdates;
    plan.kernel = kernel;
    if (kernel != MatrixProductKernel::kRankOneUpdates) plan.tiles = MatrixProductTiles(target, g.m, g.n);
    return plan;
  }
  ASSIGN_OR_RETURN(MatMulGeometry g, ResolveMatMul(graph, node));
  const bool shared_b = std::all_of(g.b_batch_offsets.begin(), g.b_batch_offsets.end(),
                                    [](int64_t offset) { return offset == 0; });
  bool stacked_a = true;  // batch i of A starts right after batch i - 1
  for (int64_t i = 0; i < g.batch_count; ++i) stacked_a = stacked_a && g.a_batch_offsets[i] == i * g.m * g.k;
  if (constant_b && shared_b && stacked_a && !g.a_transposed && !g.b_transposed) {
    // One B for every batch: the batches are more rows of A.
    plan.kernel = MatrixProductKernel::kPanels;
    plan.tiles = MatrixProductTiles(target, g.batch_count * g.m, g.n);
  } else if (g.b_transposed) {  // an adjoint B, [N, K], read in place
    plan.kernel = MatrixProductKernel::kRankOneUpdates;
  } else {
    plan.kernel = MatrixProductKernel::kRunTimeB;
    plan.tiles = MatrixProductTiles(target, g.m, g.n);
  }
  return plan;
}

absl::Status PrepareMatrixProductConstants(Graph& graph, const Node& node, NodePlan& plan) {
  if (plan.kernel != KernelVariant(MatrixProductKernel::kPanels)) return absl::OkStatus();
  int64_t k = 0, n = 0;
  bool transposed = false;
  if (node.op == OpKind::kGemm) {
    ASSIGN_OR_RETURN(GemmGeometry g, ResolveGemm(graph, node));
    k = g.k, n = g.n, transposed = g.trans_b;
  } else {
    ASSIGN_OR_RETURN(MatMulGeometry g, ResolveMatMul(graph, node));
    k = g.k, n = g.n;
  }
  const std::vector<float> b = graph.value(node.inputs[1]).constant->Floats();
  AddPreparedConstant(graph, node, "b_panels", PackPanels(b, transposed, k, n, plan.tiles), plan);
  return absl::OkStatus();
}

}  // namespace modelc
