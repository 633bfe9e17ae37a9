// The recurrent kernel family's part of the lowering plan (RNN, GRU, LSTM, QuantizedLstm): one kernel,
// and the workspace buffers it keeps its states and one step's gate inputs in
// (ops/recurrent/recurrent_kernel.cc reads them from the plan).
#ifndef MODELC_LOWERING_RECURRENT_LOWERING_H_
#define MODELC_LOWERING_RECURRENT_LOWERING_H_

#include "compiler/lowering/lowering_plan.h"
#include "compiler/ops/quantized_lstm/quantized_lstm.h"
#include "compiler/ops/recurrent/recurrent.h"

namespace modelc {

NodePlan PlanRecurrent(const RecurrentGeometry& recurrent);
// TFLite's integer LSTM (QuantizedLstm): its int16 cell state, gates and int8 hidden state.
NodePlan PlanQuantizedLstm(const QuantizedLstmGeometry& lstm);

}  // namespace modelc

#endif  // MODELC_LOWERING_RECURRENT_LOWERING_H_
