// The user's choice of what to compile out of a model: extra outputs (any named tensor,
// e.g. to read an intermediate activation of a frozen network) and cut points (named
// tensors that become inputs; everything upstream that is no longer needed is dropped).
// A weight named as an input becomes a run-time input, so firmware can update it.
#ifndef MODELC_PASSES_SUBGRAPH_SELECTION_H_
#define MODELC_PASSES_SUBGRAPH_SELECTION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"

namespace modelc {

// Outputs are added after the model's own, cut inputs after the remaining original
// inputs, in the order given. Graph inputs nothing reads any more are removed.
[[nodiscard]] absl::Status SelectSubgraph(Graph& graph, const std::vector<std::string>& extra_outputs,
                                          const std::vector<std::string>& new_inputs);

}  // namespace modelc

#endif  // MODELC_PASSES_SUBGRAPH_SELECTION_H_
