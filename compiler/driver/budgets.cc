// RAM and flash budgets.
#include "compiler/driver/budgets.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/uses.h"

namespace modelc {
namespace {

// What occupies scratch bytes at one step: a tensor or a node's workspace buffer.
struct Occupant {
  std::string what;
  int64_t bytes;
};

// The largest occupants first, at most `count` of them, as "'name' N bytes".
std::string Largest(std::vector<Occupant> occupants, size_t count) {
  std::stable_sort(occupants.begin(), occupants.end(),
                   [](const Occupant& a, const Occupant& b) { return a.bytes > b.bytes; });
  if (occupants.size() > count) occupants.resize(count);
  return absl::StrJoin(occupants, ", ", [](std::string* out, const Occupant& o) {
    absl::StrAppend(out, o.what, " ", o.bytes, " bytes");
  });
}

}  // namespace

absl::Status CheckIndexWidth(const CodegenRequest& request) {
  if (request.target.index_bits >= 64) return absl::OkStatus();
  const int64_t limit = (int64_t{1} << (request.target.index_bits - 1)) - 1;
  auto refuse = [&](const std::string& what, int64_t bytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, " needs ", bytes, " bytes, more than a ",
                                                   request.target.index_bits, "-bit target can index (", limit,
                                                   ")"));
  };
  const Graph& graph = *request.graph;
  int64_t constant_bytes = 0;
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    const int64_t bytes = graph.value(id).type.ByteSize();
    if (bytes > limit) return refuse(absl::StrCat("tensor '", graph.value(id).name, "'"), bytes);
    if (graph.IsConstant(id)) constant_bytes += bytes;
  }
  if (request.buffers->scratch_size > limit) return refuse("the scratch arena", request.buffers->scratch_size);
  if (constant_bytes > limit) return refuse("the weights", constant_bytes);
  return absl::OkStatus();
}

absl::Status CheckRamBudget(const CodegenRequest& request, std::optional<int64_t> max_ram) {
  const BufferAssignment& buffers = *request.buffers;
  if (!max_ram || buffers.scratch_size <= *max_ram) return absl::OkStatus();
  const Graph& graph = *request.graph;
  const LoweringPlan& plan = *request.plan;
  // The step with the most bytes live, and what they are.
  const std::vector<LiveBytes> live = LiveBytesAtEachStep(graph, plan, buffers);
  const int peak_step = PeakStep(live);
  std::vector<Occupant> at_peak;
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    if (IsLiveAt(buffers, id, peak_step)) {
      at_peak.push_back({absl::StrCat("'", graph.value(id).name, "'"), buffers.lifetimes[id].SizeAt(peak_step)});
    }
  }
  for (const WorkspaceBuffer& buffer : plan.nodes[peak_step].workspace) {
    at_peak.push_back({absl::StrCat("workspace ", buffer.name), buffer.bytes});
  }
  const Node& node = graph.nodes()[peak_step];
  return absl::ResourceExhaustedError(absl::StrCat(
      "needs ", buffers.scratch_size, " bytes of RAM (scratch), more than --max-ram ", *max_ram, "; the peak is at step ",
      peak_step, ", node '", node.name, "' (", DescribeOp(node), ", ", KernelVariantName(plan.nodes[peak_step].kernel),
      " kernel): ", Largest(at_peak, 4), " (activation bound ", buffers.activation_bound, " bytes)"));
}

absl::Status CheckFlashBudget(const CodegenRequest& request, const ObjectFile& object,
                              std::optional<int64_t> max_flash) {
  const int64_t flash = object.code_bytes + object.read_only_bytes;
  if (!max_flash || flash <= *max_flash) return absl::OkStatus();
  const Graph& graph = *request.graph;
  const std::vector<bool> referenced = ReferencedValues(graph);
  std::vector<bool> prepared(graph.values().size(), false);  // repacked for a kernel
  for (const NodePlan& node : request.plan->nodes) {
    for (const PreparedConstant& constant : node.constants) prepared[constant.value] = true;
  }
  std::vector<Occupant> weights;
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    if (graph.IsConstant(id) && (referenced[id] || prepared[id])) {
      weights.push_back({absl::StrCat("'", graph.value(id).name, "'"), graph.value(id).type.ByteSize()});
    }
  }
  return absl::ResourceExhaustedError(absl::StrCat("needs ", flash, " bytes of flash (code ", object.code_bytes,
                                                   ", read-only data ", object.read_only_bytes,
                                                   "), more than --max-flash ", *max_flash, "; largest weights: ",
                                                   Largest(weights, 3)));
}

}  // namespace modelc
