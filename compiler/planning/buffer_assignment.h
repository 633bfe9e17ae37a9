// Decides where every value of a graph lives at run time: in a caller's input or
// output buffer, in constant data, at an offset of the scratch arena, or (for view
// ops) in the same bytes as another value. Runs the memory planner for the arena.
#ifndef MODELC_PLANNING_BUFFER_ASSIGNMENT_H_
#define MODELC_PLANNING_BUFFER_ASSIGNMENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/planning/memory_planner.h"

namespace modelc {

enum class StorageKind { kUnused, kInput, kOutput, kConstant, kScratch };

struct Storage {
  StorageKind kind = StorageKind::kUnused;
  int index = -1;      // input or output position for kInput / kOutput
  int64_t offset = 0;  // byte offset in the arena for kScratch
  int pool = 0;        // kScratch with --pool: the pool (BufferAssignment::pools) the offset is in
};

// One region the scratch arena is split over (--pool NAME=BYTES): the caller passes a
// pointer to each.
struct ArenaPool {
  std::string name;      // a C identifier
  int64_t capacity = 0;  // the bytes the user offered
  int64_t size = 0;      // the bytes the plan uses (<= capacity): what the header asks for
};

struct BufferAssignment {
  std::vector<Storage> storage;  // one per value
  // The value whose buffer each value lives in: itself, or for a view, an in-place
  // result or a Concat input written in place, the buffer's owner; and the value's
  // byte offset inside that buffer.
  std::vector<ValueId> root;
  std::vector<int64_t> root_offset;
  // Nodes that need no code because their output already is their inputs' bytes.
  std::vector<bool> elided;
  // For every value, the step range over which its bytes are live (scratch values).
  std::vector<BufferRequest> lifetimes;
  // Per node: the arena offset of its workspace, or -1 when it needs none, and the pool
  // it is in (with --pool).
  std::vector<int64_t> workspace_offset;
  std::vector<int> workspace_pool;
  // --pool: the regions the arena is split over, fastest first, each passed to the entry
  // points by a pointer of its own; scratch_size is then their sizes' sum. Empty: one
  // arena of scratch_size bytes.
  std::vector<ArenaPool> pools;
  int64_t scratch_size = 0;
  int64_t scratch_alignment = 16;
  // The most bytes of intermediate tensors live at one step of this execution order
  // (views and in-place results sharing their bytes as planned), without any kernel
  // workspace: a bound no placement of this plan's tensors can go below.
  int64_t activation_bound = 0;
  // The same with every tensor in bytes of its own (only views share): the bound of the
  // execution order without outputs written over their inputs or Concats written in
  // place, independent of the kernels' choices.
  int64_t plain_activation_bound = 0;
  // The same with each step's kernel workspace: what placing this plan's buffers can
  // reach at best.
  int64_t live_peak = 0;
};

// Where bytes of the arena are, for people: "scratch @OFFSET", or with --pool "pool NAME @OFFSET".
std::string ArenaPlaceText(const BufferAssignment& buffers, int pool, int64_t offset);
// Where pool `pool` starts when the pools are drawn end to end, fastest first (0 without --pool).
int64_t PoolStart(const BufferAssignment& buffers, int pool);

// Outputs that share their input's storage, unless one is a graph output: views
// (Reshape, Squeeze, ...: offset 0) and index-map ops whose every output is one
// contiguous run of the input (Slice, Split, Gather of rows). The byte offset of each
// output in the input; nullopt for any other node.
std::optional<std::vector<int64_t>> AliasedOutputOffsets(const Graph& graph, const Node& node);
// True when the node runs as no code at all (an aliasing view or a Concat whose
// inputs were written in place).
bool IsElided(const BufferAssignment& buffers, int node_index);

// Inputs over which the node may write its output (elementwise at equal shapes), when
// that input is not needed afterwards.
std::vector<int> InPlaceCandidates(const Graph& graph, const Node& node);

// Each value takes the bytes the lowering plan stores it in (a channels-last border
// included), and each node the workspace its planned kernel asks for.
BufferAssignment AssignBuffers(const Graph& graph, const LoweringPlan& plan, int64_t alignment);

// Per step, the bytes live in the scratch arena: intermediate tensors (buffer owners
// whose lifetime covers the step) and the step's kernel workspace.
struct LiveBytes {
  int64_t tensors = 0;
  int64_t workspace = 0;
  int64_t Total() const { return tensors + workspace; }
};
std::vector<LiveBytes> LiveBytesAtEachStep(const Graph& graph, const LoweringPlan& plan,
                                           const BufferAssignment& buffers);
// The first step with the most bytes live (0 when there is none).
int PeakStep(const std::vector<LiveBytes>& live);
// Whether scratch value `id` owns bytes that are live at `step`.
bool IsLiveAt(const BufferAssignment& buffers, ValueId id, int step);

// True when `value`, an input or output of the node, lives in the same bytes as one of
// its outputs or inputs respectively (in-place execution): its kernel must not assume
// that pointer distinct from the other's.
bool SharesStorageInPlace(const BufferAssignment& buffers, const Node& node, ValueId value);

}  // namespace modelc

#endif  // MODELC_PLANNING_BUFFER_ASSIGNMENT_H_
