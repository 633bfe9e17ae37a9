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

NodePlan PlanQuantizedLstm(const QuantizedLstmGeometry& lstm) {
  NodePlan plan;
  // Every batch entry's int16 cell state, one step's four int16 gates, then every batch
  // entry's int8 hidden state.
  const int64_t cell_bytes = lstm.batch * lstm.units * 2, gate_bytes = 4 * lstm.units * 2;
  plan.workspace.push_back({"cell_state", 0, cell_bytes});
  plan.workspace.push_back({"gates", cell_bytes, gate_bytes});
  plan.workspace.push_back({"hidden_state", cell_bytes + gate_bytes, lstm.batch * lstm.units});
  return plan;
}

}  // namespace modelc
