// The pooling family's part of the lowering plan (MaxPool, AveragePool, LpPool): whole
// vectors of output columns when every window lies inside the image, otherwise each
// window clipped to the image (backend/kernels_window.cc reads the choice).
#ifndef MODELC_LOWERING_POOL_LOWERING_H_
#define MODELC_LOWERING_POOL_LOWERING_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/lowering/lowering_plan.h"

namespace modelc {

absl::StatusOr<NodePlan> PlanPool(const Graph& graph, const Node& node, const LoweringTarget& target);

}  // namespace modelc

#endif  // MODELC_LOWERING_POOL_LOWERING_H_
