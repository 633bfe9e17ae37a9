// Recurrent kernel workspace.
#include "compiler/lowering/recurrent_lowering.h"

namespace modelc {

NodePlan PlanRecurrent(const RecurrentGeometry& recurrent) {
  NodePlan plan;
  const int64_t state_bytes = recurrent.batch * recurrent.hidden * 4;
  // The hidden and cell states of every batch entry, one step's gate inputs and GRU's
  // r (.) h, one after the other.
  const int64_t sizes[] = {state_bytes, state_bytes, recurrent.gates * recurrent.hidden * 4, recurrent.hidden * 4};
  const char* names[] = {"hidden_state", "cell_state", "gate_inputs", "reset_hidden"};
  int64_t offset = 0;
  for (int i = 0; i < 4; ++i) {
    plan.workspace.push_back({names[i], offset, sizes[i]});
    offset += sizes[i];
  }
  return plan;
}

}  // namespace modelc
