// Memory pools (--pool NAME=BYTES): the scratch arena's buffers spread over regions the
// caller provides separately, listed fastest first (e.g. a Cortex-M's tightly coupled
// memory, then its SRAM). Each buffer goes into the first pool with room for it (best
// fit among the buffers live at the same steps), in several orders: the buffers the
// kernels touch most often per byte first, then the one-arena planner's orders. RAM
// first: the placement with the fewest bytes in all wins; among equals, the one with
// the most touches in the fastest pool. Deterministic for the same requests.
#ifndef MODELC_PLANNING_POOL_PLANNER_H_
#define MODELC_PLANNING_POOL_PLANNER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/planning/buffer_assignment.h"
#include "compiler/planning/memory_planner.h"

namespace modelc {

// One --pool NAME=BYTES.
struct PoolRequest {
  std::string name;      // a C identifier, unique (ignoring case) among the pools
  int64_t capacity = 0;  // bytes
};

struct PoolPlan {
  std::vector<int> pool;         // per request: the pool it is in
  std::vector<int64_t> offsets;  // per request: its offset in that pool
  std::vector<int64_t> sizes;    // per pool: the bytes used
  int unplaced = -1;             // the first request no pool had room for; -1 when all fit
};

// `touches[i]`: how often kernels read or write request i's bytes (any unit: compared per
// byte between requests).
PoolPlan PlanPools(const std::vector<BufferRequest>& requests, const std::vector<double>& touches,
                   const std::vector<int64_t>& capacities, int64_t alignment);

// Spreads the scratch of `buffers` (tensors and kernel workspaces, as AssignBuffers placed
// them in one arena) over `pools`. A buffer's touches are the work of the nodes that read
// or write it: their multiply-accumulates, at least the elements they output.
// ResourceExhausted naming the buffer that fits in no pool.
absl::Status AssignPools(const Graph& graph, const LoweringPlan& plan, const std::vector<PoolRequest>& pools,
                         BufferAssignment& buffers);

}  // namespace modelc

#endif  // MODELC_PLANNING_POOL_PLANNER_H_
