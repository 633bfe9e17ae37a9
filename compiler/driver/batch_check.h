// The compile-time check behind --batch: a graph whose samples never interact gives,
// for a batch of two, exactly what it gives for each sample alone. Checked with the
// reference evaluator on random inputs.
#ifndef MODELC_DRIVER_BATCH_CHECK_H_
#define MODELC_DRIVER_BATCH_CHECK_H_

#include <string>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"

namespace modelc {

// `single` is the graph with the batch dimension bound to 1, `pair` with it bound to 2.
[[nodiscard]] absl::Status CheckSamplesIndependent(const Graph& single, const Graph& pair, const std::string& symbol);

}  // namespace modelc

#endif  // MODELC_DRIVER_BATCH_CHECK_H_
