// The recurrent kernel family's part of the lowering plan (RNN, GRU, LSTM): one kernel,
// and the workspace buffers it keeps its states and one step's gate inputs in
// (ops/recurrent/recurrent_kernel.cc reads them from the plan).
#ifndef MODELC_LOWERING_RECURRENT_LOWERING_H_
#define MODELC_LOWERING_RECURRENT_LOWERING_H_

#include "compiler/lowering/lowering_plan.h"
#include "compiler/ops/recurrent/recurrent.h"

namespace modelc {

NodePlan PlanRecurrent(const RecurrentGeometry& recurrent);

}  // namespace modelc

#endif  // MODELC_LOWERING_RECURRENT_LOWERING_H_
