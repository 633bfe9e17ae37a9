// Static placement of buffers with known sizes and lifetimes in one arena.
// Guarantees: two buffers whose lifetimes overlap never overlap in memory; every
// offset is a multiple of the alignment; the arena is never larger than placing all
// buffers side by side. Deterministic for the same requests.
#ifndef MODELC_PLANNING_MEMORY_PLANNER_H_
#define MODELC_PLANNING_MEMORY_PLANNER_H_

#include <cstdint>
#include <vector>

namespace modelc {

struct BufferRequest {
  int64_t size = 0;    // bytes
  int first_step = 0;  // the step that writes it first
  int last_step = 0;   // the last step that reads it (inclusive)
};

struct MemoryPlan {
  std::vector<int64_t> offsets;  // one per request
  int64_t arena_size = 0;
  // The most bytes live at any one step: no placement can use less.
  int64_t lower_bound = 0;
};

MemoryPlan PlanMemory(const std::vector<BufferRequest>& requests, int64_t alignment);

// The most bytes of `requests` live at any one step.
int64_t LiveBytesBound(const std::vector<BufferRequest>& requests);

}  // namespace modelc

#endif  // MODELC_PLANNING_MEMORY_PLANNER_H_
