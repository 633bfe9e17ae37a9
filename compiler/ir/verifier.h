// Structural and type checks of a whole graph: run after import and after every pass.
#ifndef MODELC_IR_VERIFIER_H_
#define MODELC_IR_VERIFIER_H_

#include "absl/status/status.h"
#include "compiler/ir/graph.h"

namespace modelc {

// Checks that values referenced exist, each node comes after its inputs' producers,
// every non-input, non-constant value has exactly one producer, graph outputs exist,
// and every node's output types equal what its shape rule computes.
[[nodiscard]] absl::Status VerifyGraph(const Graph& graph);

}  // namespace modelc

#endif  // MODELC_IR_VERIFIER_H_
