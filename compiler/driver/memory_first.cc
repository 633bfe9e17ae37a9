// The memory-first refinement of the lowering plan (see memory_first.h).
#include "compiler/driver/memory_first.h"

#include <variant>
#include <vector>

namespace modelc {

std::map<std::string, ConvKernel> WorkspaceFreeKernelsAboveTheBound(const Graph& graph, const LoweringPlan& plan,
                                                                     const BufferAssignment& buffers) {
  std::map<std::string, ConvKernel> direct;
  const std::vector<LiveBytes> live = LiveBytesAtEachStep(graph, plan, buffers);
  for (size_t step = 0; step < live.size() && step < graph.nodes().size(); ++step) {
    const NodePlan& node_plan = plan.nodes[step];
    const ConvKernel* kernel = std::get_if<ConvKernel>(&node_plan.kernel);
    if (kernel == nullptr || *kernel == ConvKernel::kDirect || node_plan.workspace.empty()) continue;
    if (live[step].Total() > buffers.activation_bound) direct[graph.nodes()[step].name] = ConvKernel::kDirect;
  }
  return direct;
}

}  // namespace modelc
