// Static placement of buffers with known sizes and lifetimes in one arena.
// Guarantees: two buffers never overlap in the bytes they use at a step they share; every
// offset is a multiple of the alignment; the arena is never larger than placing all
// buffers side by side. Deterministic for the same requests.
#ifndef MODELC_PLANNING_MEMORY_PLANNER_H_
#define MODELC_PLANNING_MEMORY_PLANNER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace modelc {

struct BufferRequest {
  int64_t size = 0;    // bytes (the most it holds)
  int first_step = 0;  // the step that writes it first
  int last_step = 0;   // the last step that reads it (inclusive)
  // Bytes in use at each step from first_step when they vary (a buffer that outputs
  // written over their inputs make grow and shrink; its start stays put); empty: `size`
  // throughout. Other buffers may use the rest of `size` at a step.
  std::vector<int64_t> step_sizes;

  int64_t SizeAt(int step) const {
    return step_sizes.empty() ? size : step_sizes[static_cast<std::size_t>(step - first_step)];
  }
};

struct MemoryPlan {
  std::vector<int64_t> offsets;  // one per request
  int64_t arena_size = 0;  // up to the top buffer's last byte, unpadded
  // The most bytes live at any one step: no placement can use less.
  int64_t lower_bound = 0;
};

MemoryPlan PlanMemory(const std::vector<BufferRequest>& requests, int64_t alignment);

// The orders the planner tries requests in, as comparisons of their indices: largest
// first, longest-lived first, earliest first, most bytes x steps first.
std::vector<std::function<bool(int, int)>> PlacementOrderings(const std::vector<BufferRequest>& requests);

// A request's bytes in the arena: its size rounded up to the alignment (at least one unit).
int64_t PaddedSize(const BufferRequest& request, int64_t alignment);

// Where requests[index] goes among the `placed` requests (at `offsets`) live at the same
// steps: the start of the smallest gap that holds it, else above them all; nullopt when
// that place would end beyond `capacity` bytes.
std::optional<int64_t> BestFitOffset(const std::vector<BufferRequest>& requests, const std::vector<int>& placed,
                                     const std::vector<int64_t>& offsets, int index, int64_t alignment,
                                     int64_t capacity);

// The most bytes of `requests` live at any one step.
int64_t LiveBytesBound(const std::vector<BufferRequest>& requests);

}  // namespace modelc

#endif  // MODELC_PLANNING_MEMORY_PLANNER_H_
