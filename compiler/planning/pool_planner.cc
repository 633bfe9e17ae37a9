// Placement over several pools: the fewest bytes in all, then the most touches in the fastest pool.
#include "compiler/planning/pool_planner.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/op_geometry.h"

namespace modelc {

namespace {

// Places the requests in `order`, each into the first pool with room for it, then packs
// each pool again by the one-arena planner's orderings when that is smaller.
PoolPlan PlaceFastestFirst(const std::vector<BufferRequest>& requests, const std::vector<int>& order,
                           const std::vector<int64_t>& capacities, int64_t alignment) {
  const int pools = static_cast<int>(capacities.size());
  PoolPlan result;
  result.pool.assign(requests.size(), -1);
  result.offsets.assign(requests.size(), -1);
  result.sizes.assign(pools, 0);
  std::vector<std::vector<int>> placed(pools);
  for (int index : order) {
    for (int p = 0; p < pools && result.pool[index] < 0; ++p) {
      const std::optional<int64_t> at = BestFitOffset(requests, placed[p], result.offsets, index, alignment,
                                                      capacities[p]);
      if (!at) continue;
      result.pool[index] = p;
      result.offsets[index] = *at;
      result.sizes[p] = std::max(result.sizes[p], *at + requests[index].size);
      placed[p].push_back(index);
    }
    if (result.pool[index] < 0) {
      result.unplaced = index;
      return result;
    }
  }
  for (int p = 0; p < pools; ++p) {
    std::vector<BufferRequest> members;
    for (int index : placed[p]) members.push_back(requests[index]);
    const MemoryPlan packed = PlanMemory(members, alignment);
    if (packed.arena_size >= result.sizes[p]) continue;
    for (size_t m = 0; m < placed[p].size(); ++m) result.offsets[placed[p][m]] = packed.offsets[m];
    result.sizes[p] = packed.arena_size;
  }
  return result;
}

}  // namespace

PoolPlan PlanPools(const std::vector<BufferRequest>& requests, const std::vector<double>& touches,
                   const std::vector<int64_t>& capacities, int64_t alignment) {
  const int count = static_cast<int>(requests.size());
  std::vector<double> per_byte(count);
  for (int i = 0; i < count; ++i) per_byte[i] = touches[i] / static_cast<double>(PaddedSize(requests[i], alignment));
  // The most touched per byte first; then the one-arena planner's orderings, which may
  // pack the pools tighter.
  std::vector<std::function<bool(int, int)>> orderings = {[&](int a, int b) { return per_byte[a] > per_byte[b]; }};
  for (auto& ordering : PlacementOrderings(requests)) orderings.push_back(std::move(ordering));
  std::vector<int> identity(count);
  std::iota(identity.begin(), identity.end(), 0);
  auto total = [](const PoolPlan& plan) { return std::accumulate(plan.sizes.begin(), plan.sizes.end(), int64_t{0}); };
  auto fastest_pool_touches = [&](const PoolPlan& plan) {
    double sum = 0;
    for (int i = 0; i < count; ++i) sum += plan.pool[i] == 0 ? touches[i] : 0.0;
    return sum;
  };
  std::optional<PoolPlan> best;
  PoolPlan first_failure;
  for (const auto& less : orderings) {
    std::vector<int> order = identity;
    std::stable_sort(order.begin(), order.end(), less);
    PoolPlan plan = PlaceFastestFirst(requests, order, capacities, alignment);
    if (plan.unplaced >= 0) {
      if (!best && first_failure.pool.empty()) first_failure = std::move(plan);
      continue;
    }
    // RAM first: the fewest bytes in all; then the most touches in the fastest pool.
    if (!best || total(plan) < total(*best) ||
        (total(plan) == total(*best) && fastest_pool_touches(plan) > fastest_pool_touches(*best))) {
      best = std::move(plan);
    }
  }
  return best ? *std::move(best) : first_failure;
}

absl::Status AssignPools(const Graph& graph, const LoweringPlan& plan, const std::vector<PoolRequest>& pools,
                         BufferAssignment& buffers) {
  if (pools.empty()) return absl::OkStatus();
  const int value_count = static_cast<int>(graph.values().size());
  const int node_count = static_cast<int>(graph.nodes().size());
  // The arena's buffers: tensors (their buffers' owners), then workspaces.
  std::vector<BufferRequest> requests;
  std::vector<ValueId> owners;
  std::vector<int> request_of_value(value_count, -1), request_of_workspace(node_count, -1);
  for (ValueId id = 0; id < value_count; ++id) {
    if (buffers.root[id] != id || buffers.storage[id].kind != StorageKind::kScratch) continue;
    request_of_value[id] = static_cast<int>(requests.size());
    requests.push_back(buffers.lifetimes[id]);
    owners.push_back(id);
  }
  for (int n = 0; n < node_count; ++n) {
    if (buffers.workspace_offset[n] < 0) continue;
    request_of_workspace[n] = static_cast<int>(requests.size());
    requests.push_back({plan.nodes[n].WorkspaceBytes(), n, n});
  }
  std::vector<double> touches(requests.size(), 0.0);
  for (int n = 0; n < node_count; ++n) {
    if (IsElided(buffers, n)) continue;  // no code: its output is its input's bytes
    const Node& node = graph.nodes()[n];
    int64_t work = MultiplyAccumulates(graph, node);
    for (ValueId output : node.outputs) work = std::max(work, graph.value(output).type.ElementCount());
    std::set<int> touched;
    std::vector<ValueId> values = ReadValues(node);
    values.insert(values.end(), node.outputs.begin(), node.outputs.end());
    for (ValueId id : values) {
      if (id != kNoValue && request_of_value[buffers.root[id]] >= 0) touched.insert(request_of_value[buffers.root[id]]);
    }
    if (request_of_workspace[n] >= 0) touched.insert(request_of_workspace[n]);
    for (int request : touched) touches[request] += static_cast<double>(work);
  }
  std::vector<int64_t> capacities;
  for (const PoolRequest& pool : pools) capacities.push_back(pool.capacity);
  const PoolPlan placed = PlanPools(requests, touches, capacities, buffers.scratch_alignment);
  if (placed.unplaced >= 0) {
    const BufferRequest& request = requests[placed.unplaced];
    const bool tensor = placed.unplaced < static_cast<int>(owners.size());
    const std::string what =
        tensor ? absl::StrCat("tensor '", graph.value(owners[placed.unplaced]).name, "'")
               : absl::StrCat("the workspace of node '", graph.nodes()[request.first_step].name, "'");
    return absl::ResourceExhaustedError(absl::StrCat(
        "the pools (", absl::StrJoin(pools, ", ", [](std::string* out, const PoolRequest& pool) {
          absl::StrAppend(out, pool.name, " ", pool.capacity);
        }),
        " bytes) have no room for ", what, " (", request.size, " bytes, live at steps ", request.first_step, "..",
        request.last_step, "); the plan needs at least ", buffers.live_peak,
        " bytes in all (the most live at one step)"));
  }
  for (size_t o = 0; o < owners.size(); ++o) {
    buffers.storage[owners[o]].pool = placed.pool[o];
    buffers.storage[owners[o]].offset = placed.offsets[o];
  }
  for (ValueId id = 0; id < value_count; ++id) {
    if (buffers.storage[id].kind == StorageKind::kScratch) buffers.storage[id] = buffers.storage[buffers.root[id]];
  }
  for (int n = 0; n < node_count; ++n) {
    if (request_of_workspace[n] < 0) continue;
    buffers.workspace_pool[n] = placed.pool[request_of_workspace[n]];
    buffers.workspace_offset[n] = placed.offsets[request_of_workspace[n]];
  }
  buffers.pools.clear();
  buffers.scratch_size = 0;
  for (size_t p = 0; p < pools.size(); ++p) {
    buffers.pools.push_back({pools[p].name, pools[p].capacity, placed.sizes[p]});
    buffers.scratch_size += placed.sizes[p];
  }
  return absl::OkStatus();
}

}  // namespace modelc
