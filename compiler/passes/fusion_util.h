// Shared by the fusion passes: finding a node's single-use producer and letting a
// producer take over its consumer's output.
#ifndef MODELC_PASSES_FUSION_UTIL_H_
#define MODELC_PASSES_FUSION_UTIL_H_

#include "compiler/ir/graph.h"
#include "compiler/ir/uses.h"

namespace modelc {

// The index of the node producing `value` if `consumer` is its only reader and the
// producer has one output; -1 otherwise.
int SoleProducer(const Graph& graph, const GraphUses& uses, ValueId value, int consumer);

// The producer now writes the consumer's output value (keeping that value's name for
// every later reader and graph output); the caller removes the consumer.
void TakeOverOutput(Graph& graph, int producer, int consumer);

bool HasFusedEpilogue(const Node& node);

// Whether two values are the same constant (a scale, a zero point): one value, or
// constants of one type and the same bytes; kNoValue reads as a zero point of zeros.
bool SameConstant(const Graph& graph, ValueId a, ValueId b);

}  // namespace modelc

#endif  // MODELC_PASSES_FUSION_UTIL_H_
