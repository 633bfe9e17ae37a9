// The memory-first refinement of the lowering plan (see memory_first.h).
#include "compiler/driver/memory_first.h"

#include <variant>
#include <vector>

namespace modelc {

std::set<std::string> WorkspaceFreeKernelsAboveTheBound(const Graph& graph, const LoweringPlan& plan,
                                                        const BufferAssignment& buffers, int64_t allowed_bytes) {
  std::set<std::string> direct;
  const std::vector<LiveBytes> live = LiveBytesAtEachStep(graph, plan, buffers);
  for (size_t step = 0; step < live.size() && step < graph.nodes().size(); ++step) {
    const NodePlan& node_plan = plan.nodes[step];
    const ConvKernel* kernel = std::get_if<ConvKernel>(&node_plan.kernel);
    const QuantizedProductKernel* quantized = std::get_if<QuantizedProductKernel>(&node_plan.kernel);
    const bool has_workspace_free_form =
        (kernel != nullptr && *kernel != ConvKernel::kDirect && *kernel != ConvKernel::kBlockedClipped) ||
        (quantized != nullptr && (*quantized != QuantizedProductKernel::kDirect || node_plan.window_dots));
    // A kernel writing over its input keeps its workspace, that is what lets it, unless
    // it can take a smaller one (NodePlan::HasNarrowerWorkspace) or its workspace-free
    // form writes over its input as well (plane rows and window dots: a depthwise
    // layer's direct kernel).
    const bool workspace_lets_it_write_over = node_plan.writes_over_consumed_input &&
                                              !node_plan.HasNarrowerWorkspace() &&
                                              !node_plan.WorkspaceFreeFormWritesOver();
    if (!has_workspace_free_form || node_plan.workspace.empty() || workspace_lets_it_write_over) {
      continue;
    }
    if (live[step].Total() > buffers.activation_bound + allowed_bytes) direct.insert(graph.nodes()[step].name);
  }
  return direct;
}

}  // namespace modelc
