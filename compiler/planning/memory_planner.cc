// Best-fit placement over several candidate orderings (by size, lifetime, start,
// size x lifetime, then seeded shuffles while the live-bytes bound is not reached);
// the smallest arena wins. Buffers are padded to the alignment where another follows;
// the arena ends at its top buffer's last byte (no kernel writes past a tensor's end:
// graph outputs are the caller's exact-size buffers, and the tests' arenas end in guard
// bytes).
#include "compiler/planning/memory_planner.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>
#include <random>

namespace modelc {
namespace {

// Random orderings tried after the heuristic ones while the plan exceeds the bound.
constexpr int kShuffledAttempts = 200;

int64_t AlignUp(int64_t value, int64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

bool LifetimesOverlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_step <= b.last_step && b.first_step <= a.last_step;
}

// The bytes `placed` holds, from its start, at the steps it shares with `request`.
int64_t BytesInUseDuring(const BufferRequest& placed, const BufferRequest& request, int64_t alignment) {
  int64_t bytes = placed.size;
  if (!placed.step_sizes.empty()) {
    bytes = 0;
    const int first = std::max(placed.first_step, request.first_step);
    const int last = std::min(placed.last_step, request.last_step);
    for (int step = first; step <= last; ++step) bytes = std::max(bytes, placed.SizeAt(step));
  }
  return AlignUp(std::max<int64_t>(bytes, 1), alignment);
}

// Places buffers in the given order, each where BestFitOffset puts it.
MemoryPlan PlaceInOrder(const std::vector<BufferRequest>& requests, const std::vector<int>& order,
                        int64_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), -1);
  std::vector<int> placed;
  for (int index : order) {
    const int64_t offset =
        *BestFitOffset(requests, placed, plan.offsets, index, alignment, std::numeric_limits<int64_t>::max());
    plan.offsets[index] = offset;
    plan.arena_size = std::max(plan.arena_size, offset + requests[index].size);
    placed.push_back(index);
  }
  return plan;
}

}  // namespace

int64_t PaddedSize(const BufferRequest& request, int64_t alignment) {
  return AlignUp(std::max<int64_t>(request.size, 1), alignment);
}

std::optional<int64_t> BestFitOffset(const std::vector<BufferRequest>& requests, const std::vector<int>& placed,
                                     const std::vector<int64_t>& offsets, int index, int64_t alignment,
                                     int64_t capacity) {
  const BufferRequest& request = requests[index];
  const int64_t size = PaddedSize(request, alignment);
  std::vector<std::pair<int64_t, int64_t>> busy;  // [begin, end) of conflicting buffers
  for (int other : placed) {
    if (!LifetimesOverlap(request, requests[other])) continue;
    busy.push_back({offsets[other], offsets[other] + BytesInUseDuring(requests[other], request, alignment)});
  }
  std::sort(busy.begin(), busy.end());
  int64_t best_offset = -1, best_gap = 0, cursor = 0;
  for (const auto& [begin, end] : busy) {
    const int64_t gap = begin - cursor;
    if (gap >= size && (best_offset < 0 || gap < best_gap)) {
      best_offset = cursor;
      best_gap = gap;
    }
    cursor = std::max(cursor, end);
  }
  if (best_offset < 0) best_offset = cursor;
  // Room up to its last byte: the arena (or pool) need not hold its padding.
  if (best_offset > capacity - request.size) return std::nullopt;
  return best_offset;
}

int64_t LiveBytesBound(const std::vector<BufferRequest>& requests) {
  int last = -1;
  for (const BufferRequest& r : requests) last = std::max(last, r.last_step);
  int64_t bound = 0;
  for (int step = 0; step <= last; ++step) {
    int64_t live = 0;
    for (const BufferRequest& r : requests) {
      if (r.first_step <= step && step <= r.last_step) live += r.SizeAt(step);
    }
    bound = std::max(bound, live);
  }
  return bound;
}

std::vector<std::function<bool(int, int)>> PlacementOrderings(const std::vector<BufferRequest>& requests) {
  auto lifetime = [&requests](int i) { return requests[i].last_step - requests[i].first_step; };
  return {
      [&requests](int a, int b) { return requests[a].size > requests[b].size; },
      [lifetime](int a, int b) { return lifetime(a) > lifetime(b); },
      [&requests](int a, int b) { return requests[a].first_step < requests[b].first_step; },
      [&requests, lifetime](int a, int b) {
        return requests[a].size * (lifetime(a) + 1) > requests[b].size * (lifetime(b) + 1);
      },
  };
}

MemoryPlan PlanMemory(const std::vector<BufferRequest>& requests, int64_t alignment) {
  std::vector<int> identity(requests.size());
  std::iota(identity.begin(), identity.end(), 0);
  const std::vector<std::function<bool(int, int)>> orderings = PlacementOrderings(requests);
  MemoryPlan best;
  best.lower_bound = LiveBytesBound(requests);
  best.arena_size = -1;
  auto consider = [&](const std::vector<int>& order) {
    MemoryPlan plan = PlaceInOrder(requests, order, alignment);
    if (best.arena_size < 0 || plan.arena_size < best.arena_size) {
      best.offsets = std::move(plan.offsets);
      best.arena_size = plan.arena_size;
    }
  };
  for (const auto& less : orderings) {
    std::vector<int> order = identity;
    std::stable_sort(order.begin(), order.end(), less);
    consider(order);
  }
  // Then shuffles of the size order, for as long as the bound is not reached. The
  // shuffle is written out (std::shuffle's algorithm varies between libraries) and
  // mt19937's sequence is fixed by the standard: the result is deterministic.
  std::vector<int> by_size = identity;
  std::stable_sort(by_size.begin(), by_size.end(), orderings[0]);
  std::mt19937 random(20261122);
  for (int attempt = 0; attempt < kShuffledAttempts && best.arena_size > best.lower_bound;
       ++attempt) {
    std::vector<int> order = by_size;
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[random() % i]);
    consider(order);
  }
  if (best.arena_size < 0) best.arena_size = 0;
  return best;
}

}  // namespace modelc
