// Buffer assignment: storage classes, view aliasing, liveness, arena placement.
#include "compiler/planning/buffer_assignment.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

#include "compiler/ir/index_map.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/planning/memory_planner.h"

namespace modelc {

std::optional<std::vector<int64_t>> AliasedOutputOffsets(const Graph& graph, const Node& node) {
  for (ValueId output : node.outputs) {
    if (graph.IsGraphOutput(output)) return std::nullopt;
  }
  if (GetOpInfo(node.op).family == OpFamily::kView) return std::vector<int64_t>{0};
  if (GetOpInfo(node.op).family != OpFamily::kIndexMap) return std::nullopt;
  auto maps = ResolveIndexMap(graph, node);
  if (!maps.ok()) return std::nullopt;
  std::vector<int64_t> offsets;
  for (const IndexMapGeometry& map : *maps) {
    std::optional<int64_t> start = ContiguousStart(map);
    if (!start) return std::nullopt;
    offsets.push_back(*start * ByteSize(graph.InputType(node, 0).element_type));
  }
  return offsets;
}

std::vector<int> InPlaceCandidates(const Graph& graph, const Node& node) {
  const OpInfo& info = GetOpInfo(node.op);
  std::vector<int> candidates;
  if (!info.Has(op_traits::kInPlace)) return candidates;
  const int data_inputs = info.family == OpFamily::kBinary ? static_cast<int>(node.inputs.size()) : 1;
  for (int i = 0; i < data_inputs; ++i) {
    if (graph.InputType(node, i) == graph.value(node.outputs[0]).type) candidates.push_back(i);
  }
  return candidates;
}

bool IsElided(const BufferAssignment& buffers, int node_index) { return buffers.elided[node_index]; }

bool SharesStorageInPlace(const BufferAssignment& buffers, const Node& node, ValueId value) {
  const bool output = std::find(node.outputs.begin(), node.outputs.end(), value) != node.outputs.end();
  for (ValueId other : output ? node.inputs : node.outputs) {
    if (other != kNoValue && buffers.root[other] == buffers.root[value]) return true;
  }
  return false;
}

BufferAssignment AssignBuffers(const Graph& graph, const LoweringPlan& plan, int64_t alignment) {
  const int value_count = static_cast<int>(graph.values().size());
  BufferAssignment result;
  result.storage.assign(value_count, Storage{});
  result.lifetimes.assign(value_count, BufferRequest{});
  result.scratch_alignment = alignment;

  // Every value's root: the value whose bytes it shares (itself unless it is a view).
  std::vector<ValueId>& root = result.root;
  std::vector<int64_t>& offset = result.root_offset;
  root.resize(value_count);
  offset.assign(value_count, 0);
  result.elided.assign(graph.nodes().size(), false);
  for (ValueId id = 0; id < value_count; ++id) root[id] = id;
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];
    const std::optional<std::vector<int64_t>> aliased = AliasedOutputOffsets(graph, node);
    if (!aliased) continue;
    for (size_t o = 0; o < node.outputs.size(); ++o) {
      root[node.outputs[o]] = root[node.inputs[0]];
      offset[node.outputs[o]] = offset[node.inputs[0]] + (*aliased)[o];
    }
    result.elided[n] = true;
  }
  // Moves every value living in `from`'s buffer into `to`'s, `shift` bytes further on.
  auto move_buffer = [&](ValueId from, ValueId to, int64_t shift) {
    for (ValueId id = 0; id < value_count; ++id) {
      if (root[id] != from) continue;
      root[id] = to;
      offset[id] += shift;
    }
  };

  for (ValueId id = 0; id < value_count; ++id) {
    if (graph.IsConstant(id)) result.storage[id] = {StorageKind::kConstant, -1, 0};
  }
  for (size_t i = 0; i < graph.inputs().size(); ++i) {
    result.storage[graph.inputs()[i]] = {StorageKind::kInput, static_cast<int>(i), 0};
  }
  // A value listed as several outputs, or an output that is an input or a constant, is
  // stored once and copied into the other output buffers by the generated code.
  for (size_t i = 0; i < graph.outputs().size(); ++i) {
    const ValueId id = graph.outputs()[i];
    if (result.storage[id].kind == StorageKind::kUnused) {
      result.storage[id] = {StorageKind::kOutput, static_cast<int>(i), 0};
    }
  }

  // Liveness of each root's bytes over node steps (a root and all views of it).
  std::vector<int> first(value_count, -1), last(value_count, -1);
  for (int step = 0; step < static_cast<int>(graph.nodes().size()); ++step) {
    const Node& node = graph.nodes()[step];
    for (ValueId input : ReadValues(node)) last[root[input]] = std::max(last[root[input]], step);
    for (ValueId output : node.outputs) {
      if (root[output] != output) continue;
      if (first[output] < 0) first[output] = step;
      last[output] = std::max(last[output], step);
    }
  }
  const int final_step = static_cast<int>(graph.nodes().size());
  for (ValueId output : graph.outputs()) last[root[output]] = std::max(last[root[output]], final_step);
  // Each value's own liveness (its views'), before buffers are shared.
  const std::vector<ValueId> view_root = root;
  const std::vector<int> own_first = first, own_last = last;
  std::vector<BufferRequest> own_requests;
  for (ValueId id = 0; id < value_count; ++id) {
    if (root[id] != id || result.storage[id].kind != StorageKind::kUnused || first[id] < 0) continue;
    own_requests.push_back({plan.values[id].stored_bytes, first[id], last[id]});
  }
  result.plain_activation_bound = LiveBytesBound(own_requests);

  // Concat in place: when each input is one contiguous block of the output (nothing
  // before the axis but ones), the producers write straight into their block.
  std::vector<bool> placed_in_concat(value_count, false);
  for (int step = 0; step < final_step; ++step) {
    const Node& node = graph.nodes()[step];
    if (node.op != OpKind::kConcat) continue;
    const ValueId output = node.outputs[0];
    auto geometry = ResolveConcat(graph, node);
    const StorageKind kind = result.storage[output].kind;
    if (!geometry.ok() || geometry->outer != 1 || root[output] != output ||
        (kind != StorageKind::kUnused && kind != StorageKind::kOutput)) {
      continue;
    }
    std::vector<ValueId> input_roots;
    bool movable = true;
    for (ValueId input : node.inputs) {
      const ValueId r = root[input];
      const bool distinct = std::find(input_roots.begin(), input_roots.end(), r) == input_roots.end();
      movable &= distinct && r != output && offset[input] == 0 && !placed_in_concat[r] &&
                 result.storage[r].kind == StorageKind::kUnused && first[r] >= 0 &&
                 graph.value(r).type.ByteSize() == graph.value(input).type.ByteSize();
      input_roots.push_back(r);
    }
    if (!movable) continue;
    int64_t shift = 0;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ValueId r = input_roots[i];
      first[output] = first[output] < 0 ? first[r] : std::min(first[output], first[r]);
      last[output] = std::max(last[output], last[r]);
      move_buffer(r, output, shift);
      placed_in_concat[r] = true;
      shift += graph.value(node.inputs[i]).type.ByteSize();
    }
    placed_in_concat[output] = true;
    result.elided[step] = true;
  }

  // In place: an elementwise node, or a kernel the plan lets write over an input (a
  // Conv's fused residual; a convolution over the input it has consumed, whose output may be
  // larger or smaller), writes its output over a scratch input that dies there.
  for (int step = 0; step < final_step; ++step) {
    const Node& node = graph.nodes()[step];
    const ValueId output = node.outputs[0];
    if (root[output] != output || result.storage[output].kind != StorageKind::kUnused) continue;
    std::vector<int> candidates = InPlaceCandidates(graph, node);
    // An op of its own reads its other inputs anywhere while it writes (a scatter's
    // updates): not over a buffer one of them lives in too (updates viewing data).
    if (GetOpInfo(node.op).family == OpFamily::kOwn) {
      std::erase_if(candidates, [&](int candidate) {
        for (size_t i = 0; i < node.inputs.size(); ++i) {
          if (static_cast<int>(i) != candidate && node.inputs[i] != kNoValue &&
              root[node.inputs[i]] == root[node.inputs[candidate]]) {
            return true;
          }
        }
        return false;
      });
    }
    if (const std::optional<int> over = plan.nodes[step].output_over_input) {
      const ValueId input = node.inputs[*over];
      // Same type and stored layout, and no other input of the node in that buffer.
      bool shared = false;
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        shared |= static_cast<int>(i) != *over && node.inputs[i] != kNoValue && root[node.inputs[i]] == root[input];
      }
      if (!shared && graph.value(input).type == graph.value(output).type &&
          plan.values[input].stored_bytes == plan.values[output].stored_bytes &&
          plan.values[input].channels_last == plan.values[output].channels_last) {
        candidates.push_back(*over);
      }
    }
    // Over input 0 only when no other input of the node lives in its buffer (two views
    // of one tensor): the kernel writes ahead of what it reads of input 0 only.
    bool input_0_shared = false;
    for (size_t i = 1; i < node.inputs.size(); ++i) {
      input_0_shared |= node.inputs[i] != kNoValue && root[node.inputs[i]] == root[node.inputs[0]];
    }
    const bool over_consumed_input = plan.nodes[step].writes_over_consumed_input && !input_0_shared;
    if (over_consumed_input) candidates.push_back(0);
    for (int candidate : candidates) {
      const ValueId input = node.inputs[candidate];
      const ValueId input_root = root[input];
      if (result.storage[input_root].kind != StorageKind::kUnused || last[input_root] != step) continue;
      last[input_root] = std::max(last[input_root], last[output]);
      // Exactly over the input's bytes, or as far ahead as the kernel writes
      // (NodePlan::output_lead_bytes, in whole alignment units): the buffer's values
      // move on to make room.
      int64_t at = offset[input];
      if (over_consumed_input && candidate == 0) {
        at -= (plan.nodes[step].output_lead_bytes + alignment - 1) / alignment * alignment;
      }
      if (at < 0) move_buffer(input_root, input_root, -at), at = 0;
      move_buffer(output, input_root, at);
      break;
    }
  }

  // A buffer holds every value living in it (an output larger than the input it was
  // written over).
  std::vector<int64_t> buffer_bytes(value_count, 0);
  for (ValueId id = 0; id < value_count; ++id) {
    buffer_bytes[root[id]] = std::max(buffer_bytes[root[id]], offset[id] + plan.values[id].stored_bytes);
  }
  // ...and at each step only the values live then: other buffers may use the rest.
  std::vector<std::vector<int64_t>> step_bytes(value_count);
  for (ValueId id = 0; id < value_count; ++id) {
    const ValueId buffer = root[id];
    if (first[buffer] < 0) continue;
    std::vector<int64_t>& sizes = step_bytes[buffer];
    sizes.resize(last[buffer] - first[buffer] + 1, 0);
    const ValueId own = view_root[id];
    for (int step = std::max(own_first[own], first[buffer]); step <= std::min(own_last[own], last[buffer]); ++step) {
      sizes[step - first[buffer]] = std::max(sizes[step - first[buffer]], offset[id] + plan.values[id].stored_bytes);
    }
  }
  std::vector<ValueId> scratch_values;
  std::vector<BufferRequest> requests;
  for (ValueId id = 0; id < value_count; ++id) {
    if (root[id] != id || result.storage[id].kind != StorageKind::kUnused || first[id] < 0) continue;
    scratch_values.push_back(id);
    BufferRequest request{buffer_bytes[id], first[id], last[id]};
    if (std::any_of(step_bytes[id].begin(), step_bytes[id].end(), [&](int64_t b) { return b != buffer_bytes[id]; })) {
      request.step_sizes = step_bytes[id];
    }
    requests.push_back(std::move(request));
  }
  // Workspaces: live only while their node runs.
  std::vector<int> workspace_nodes;
  for (int step = 0; step < final_step; ++step) {
    const int64_t bytes = plan.nodes[step].WorkspaceBytes();
    if (bytes == 0) continue;
    workspace_nodes.push_back(step);
    requests.push_back({bytes, step, step});
  }
  const MemoryPlan placement = PlanMemory(requests, alignment);
  for (size_t i = 0; i < scratch_values.size(); ++i) {
    result.storage[scratch_values[i]] = {StorageKind::kScratch, -1, placement.offsets[i]};
    result.lifetimes[scratch_values[i]] = requests[i];
  }
  result.workspace_offset.assign(graph.nodes().size(), -1);
  result.workspace_pool.assign(graph.nodes().size(), 0);
  for (size_t w = 0; w < workspace_nodes.size(); ++w) {
    result.workspace_offset[workspace_nodes[w]] = placement.offsets[scratch_values.size() + w];
  }
  result.scratch_size = placement.arena_size;
  result.live_peak = placement.lower_bound;
  result.activation_bound =
      LiveBytesBound(std::vector<BufferRequest>(requests.begin(), requests.begin() + scratch_values.size()));

  for (ValueId id = 0; id < value_count; ++id) {
    if (root[id] != id) {
      result.storage[id] = result.storage[root[id]];
      result.lifetimes[id] = result.lifetimes[root[id]];
    }
  }
  // A Concat written in place into a caller's output buffer: its inputs live there too.
  for (ValueId id = 0; id < value_count; ++id) {
    if (result.storage[root[id]].kind == StorageKind::kOutput) result.storage[id] = result.storage[root[id]];
  }
  return result;
}

std::string ArenaPlaceText(const BufferAssignment& buffers, int pool, int64_t offset) {
  if (buffers.pools.empty()) return absl::StrCat("scratch @", offset);
  return absl::StrCat("pool ", buffers.pools[pool].name, " @", offset);
}

int64_t PoolStart(const BufferAssignment& buffers, int pool) {
  int64_t start = 0;
  for (int p = 0; p < pool; ++p) start += buffers.pools[p].size;
  return start;
}

bool IsLiveAt(const BufferAssignment& buffers, ValueId id, int step) {
  const BufferRequest& lifetime = buffers.lifetimes[id];
  return buffers.root[id] == id && buffers.storage[id].kind == StorageKind::kScratch && lifetime.first_step <= step &&
         step <= lifetime.last_step;
}

std::vector<LiveBytes> LiveBytesAtEachStep(const Graph& graph, const LoweringPlan& plan,
                                           const BufferAssignment& buffers) {
  std::vector<LiveBytes> live(graph.nodes().size());
  for (int step = 0; step < static_cast<int>(live.size()); ++step) {
    for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
      if (IsLiveAt(buffers, id, step)) live[step].tensors += buffers.lifetimes[id].SizeAt(step);
    }
    live[step].workspace = plan.nodes[step].WorkspaceBytes();
  }
  return live;
}

int PeakStep(const std::vector<LiveBytes>& live) {
  int peak = 0;
  for (int step = 1; step < static_cast<int>(live.size()); ++step) {
    if (live[step].Total() > live[peak].Total()) peak = step;
  }
  return peak;
}

}  // namespace modelc
