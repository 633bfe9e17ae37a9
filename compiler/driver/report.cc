// Report text. Deterministic: no times, only what the compilation inputs determine.
#include "compiler/driver/report.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/uses.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"

namespace modelc {
namespace {

// "memset (200), __mulsf3 (352)": each library function the object calls, with the bytes
// of generated frames in use at its deepest call (name alone when no call is known).
std::string ExternalFunctionsText(const ObjectFile& object) {
  std::vector<std::string> parts;
  for (const std::string& name : object.external_functions) {
    auto depth = object.external_call_depths.find(name);
    parts.push_back(depth == object.external_call_depths.end() ? name
                                                               : absl::StrCat(name, " (", depth->second, ")"));
  }
  return absl::StrJoin(parts, ", ");
}

std::string StorageText(const BufferAssignment& buffers, const Graph& graph, ValueId id) {
  const ValueId root = buffers.root[id];
  const Storage& storage = buffers.storage[root];
  std::string text;
  switch (storage.kind) {
    case StorageKind::kInput:
      text = absl::StrCat("input #", storage.index);
      break;
    case StorageKind::kOutput:
      text = absl::StrCat("output #", storage.index);
      break;
    case StorageKind::kConstant:
      text = "weights";
      break;
    case StorageKind::kScratch:
      text = absl::StrFormat("%s live %d..%d", ArenaPlaceText(buffers, storage.pool, storage.offset),
                             buffers.lifetimes[root].first_step, buffers.lifetimes[root].last_step);
      break;
    case StorageKind::kUnused:
      text = "unused";
      break;
  }
  if (root != id) {
    absl::StrAppend(&text, " (in the buffer of '", graph.value(root).name, "'",
                    buffers.root_offset[id] ? absl::StrCat(" at +", buffers.root_offset[id]) : std::string(), ")");
  }
  return text;
}

}  // namespace

std::string WriteReport(const CodegenRequest& request, const ObjectFile& object, const std::string& model_path) {
  const Graph& graph = *request.graph;
  const LoweringPlan& plan = *request.plan;
  const BufferAssignment& buffers = *request.buffers;
  std::string r = absl::StrCat("modelc report for '", request.model_name, "'\n");
  absl::StrAppend(&r, "model file:   ", model_path, "\n");
  absl::StrAppend(&r, "target:       ", request.target.triple, " (cpu ", request.target.cpu, ")\n");
  absl::StrAppend(&r, "optimize:     ", request.optimized_for, "\n\n");

  std::map<std::string, int> histogram;
  for (const Node& node : graph.nodes()) histogram[DescribeOp(node)]++;
  const std::vector<bool> referenced = ReferencedValues(graph);
  int64_t weight_bytes = 0, weight_tensors = 0;
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    if (graph.IsConstant(id) && referenced[id]) {
      weight_bytes += graph.value(id).type.ByteSize();
      ++weight_tensors;
    }
  }
  absl::StrAppend(&r, "graph:        ", graph.nodes().size(), " nodes after optimisation; ",
                  absl::StrJoin(histogram, ", ", [](std::string* out, const auto& entry) {
                    absl::StrAppend(out, entry.first, " x", entry.second);
                  }), "\n");
  auto tensor_list = [&](const std::vector<ValueId>& ids) {
    return absl::StrJoin(ids, ", ", [&](std::string* out, ValueId id) {
      absl::StrAppend(out, "'", graph.value(id).name, "' ", graph.value(id).type.ToString());
    });
  };
  absl::StrAppend(&r, "inputs:       ", tensor_list(graph.inputs()), "\n");
  absl::StrAppend(&r, "outputs:      ", tensor_list(graph.outputs()), "\n");
  int64_t macs = 0;  // multiply-accumulates of the matrix and convolution work
  for (const Node& node : graph.nodes()) macs += MultiplyAccumulates(graph, node);
  absl::StrAppend(&r, "MACs:         ", macs, " (Conv, Gemm and MatMul multiply-accumulates per run)\n");
  absl::StrAppend(&r, "weights:      ", weight_bytes, " bytes in ", weight_tensors, " tensors (model data)\n");
  absl::StrAppend(&r, "scratch:      ", buffers.scratch_size, " bytes, alignment ", buffers.scratch_alignment,
                  buffers.pools.empty() ? "" : " (in the pools below)", "\n");
  if (!buffers.pools.empty()) {
    absl::StrAppend(&r, "pools:        ", absl::StrJoin(buffers.pools, ", ", [](std::string* out, const ArenaPool& pool) {
                      absl::StrAppend(out, pool.name, " ", pool.size, " of ", pool.capacity, " bytes");
                    }), " (--pool, fastest first)\n");
  }
  absl::StrAppend(&r, "activation bound: ", buffers.activation_bound,
                  " bytes (most bytes of tensors live at one step of this order, without kernel workspaces)\n");
  absl::StrAppend(&r, "plain bound:  ", buffers.plain_activation_bound,
                  " bytes (the same with every tensor in bytes of its own: no output written over its input)\n");
  absl::StrAppend(&r, "live peak:    ", buffers.live_peak,
                  " bytes (the same with each step's kernel workspaces: what placement can reach)\n");
  absl::StrAppend(&r, "flash:        ", object.code_bytes + object.read_only_bytes, " bytes (code ",
                  object.code_bytes, ", read-only data ", object.read_only_bytes, ": weights, tables, descriptor)\n");
  absl::StrAppend(&r, "RAM:          ", buffers.scratch_size + object.writable_bytes, " bytes (scratch ",
                  buffers.scratch_size, ", writable data ", object.writable_bytes, ") plus the stack of the call\n");
  absl::StrAppend(&r, "stack:        ",
                  object.stack_bound_bytes < 0
                      ? std::string("not reported for this target")
                      : absl::StrCat("at most ", object.stack_bound_bytes,
                                     " bytes per call (static bound from the generated frames)",
                                     object.external_functions.empty()
                                         ? std::string()
                                         : absl::StrCat(", plus the stack of the library functions it calls "
                                                        "(C library, compiler runtime; in parentheses the bytes "
                                                        "of generated frames in use at the call): ",
                                                        ExternalFunctionsText(object))),
                  "\n");
  auto ratio = [](int64_t part, int64_t whole) {
    return whole > 0 ? absl::StrFormat("%.3f", static_cast<double>(part) / whole) : std::string("n/a");
  };
  absl::StrAppend(&r, "scratch / activation bound: ", ratio(buffers.scratch_size, buffers.activation_bound),
                  buffers.scratch_size > buffers.activation_bound
                      ? absl::StrCat(" (", buffers.scratch_size - buffers.activation_bound,
                                     " bytes above it: kernel workspaces and alignment",
                                     buffers.pools.empty() ? "" : ", tensors that no pool split could pack as tight",
                                     ")")
                      : std::string(),
                  "\n");
  absl::StrAppend(&r, "scratch / live peak: ", ratio(buffers.scratch_size, buffers.live_peak), "\n\n");

  absl::StrAppend(&r, "execution order (step: op 'node' inputs -> outputs, and the kernel where an op has several):\n");
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node& node = graph.nodes()[n];
    auto names = [&](const std::vector<ValueId>& ids) {
      return absl::StrJoin(ids, ", ", [&](std::string* out, ValueId id) {
        absl::StrAppend(out, id == kNoValue ? "_" : graph.value(id).name);
      });
    };
    const std::string guard = node.guard == kNoValue ? "" : absl::StrCat("  (only when ", graph.value(node.guard).name, ")");
    const KernelVariant& kernel = plan.nodes[n].kernel;
    const char* requantization = RequantizationName(node);
    const std::string kernel_text =
        std::holds_alternative<std::monostate>(kernel)
            ? ""
            : absl::StrCat("  [", KernelVariantName(kernel), "]",
                           requantization ? absl::StrCat(" ", requantization, " requantisation") : "");
    absl::StrAppend(&r, absl::StrFormat("  %3d: %s '%s' %s -> %s%s%s%s\n", n, DescribeOp(node), node.name,
                                        names(node.inputs), names(node.outputs),
                                        IsElided(buffers, static_cast<int>(n)) ? "  (view, no code)" : "", kernel_text,
                                        guard));
  }
  absl::StrAppend(&r, "\ntensor placement:\n");
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values().size()); ++id) {
    if (graph.IsConstant(id) || !referenced[id]) continue;
    const Value& value = graph.value(id);
    std::string layout;
    if (const auto& storage = plan.values[id].channels_last) {
      layout = ", stored channels-last";
      if (storage->HasBorder()) {
        absl::StrAppend(&layout, absl::StrFormat(" with a zero border (pads %d,%d,%d,%d; %d bytes)", storage->pad_top,
                                                 storage->pad_left, storage->pad_bottom, storage->pad_right,
                                                 plan.values[id].stored_bytes));
      }
    }
    absl::StrAppend(&r, absl::StrFormat("  %-32s %-20s %9d bytes  %s%s\n", value.name, value.type.ToString(),
                                        value.type.ByteSize(), StorageText(buffers, graph, id), layout));
  }
  // Kernel workspaces: scratch the kernels need besides the tensors, live only while
  // their node runs.
  absl::StrAppend(&r, "\nworkspaces (step: node, buffer, bytes; live during their step only):\n");
  bool any_workspace = false;
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    if (IsElided(buffers, static_cast<int>(n))) continue;
    for (const WorkspaceBuffer& buffer : plan.nodes[n].workspace) {
      any_workspace = true;
      absl::StrAppend(&r, absl::StrFormat("  %3d: '%s' %-20s %9d bytes  %s\n", n, graph.nodes()[n].name, buffer.name,
                                          buffer.bytes,
                                          ArenaPlaceText(buffers, buffers.workspace_pool[n],
                                                         buffers.workspace_offset[n] + buffer.offset)));
    }
  }
  if (!any_workspace) absl::StrAppend(&r, "  none\n");
  return r;
}

}  // namespace modelc
