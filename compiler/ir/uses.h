// Who reads each value: the consumers of every value of a graph, computed once.
// Passes use it to ask "is this value read only by that node?".
#ifndef MODELC_IR_USES_H_
#define MODELC_IR_USES_H_

#include <vector>

#include "compiler/ir/graph.h"

namespace modelc {

class GraphUses {
 public:
  explicit GraphUses(const Graph& graph);

  // Indices of the nodes reading the value (once per input slot).
  const std::vector<int>& Consumers(ValueId id) const { return consumers_[id]; }
  bool IsGraphOutput(ValueId id) const { return graph_output_[id]; }
  bool IsUsed(ValueId id) const { return !consumers_[id].empty() || graph_output_[id]; }
  // True when node `consumer` is the only reader and the value is not a graph output.
  bool OnlyReadBy(ValueId id, int consumer) const;

 private:
  std::vector<std::vector<int>> consumers_;
  std::vector<bool> graph_output_;
};

// Constants some node or graph output refers to (folding leaves unreferenced ones).
std::vector<bool> ReferencedValues(const Graph& graph);

}  // namespace modelc

#endif  // MODELC_IR_USES_H_
