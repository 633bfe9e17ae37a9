// The tensor names the subgraphs of a graph's nodes (If branches, Loop and Scan bodies)
// read from the graph around them: rewrites that rename or remove a tensor must count
// these readers too.
#ifndef MODELC_QUANTIZE_SUBGRAPH_READS_H_
#define MODELC_QUANTIZE_SUBGRAPH_READS_H_

#include <set>
#include <string>

#include "onnx/onnx_pb.h"

namespace modelc {

// Every name a node input of a subgraph (at any depth) of `graph`'s nodes names. A
// superset of what they read from outside (names the subgraph defines itself count
// too), which is what a conservative rewrite needs.
std::set<std::string> NamesReadBySubgraphs(const onnx::GraphProto& graph);

}  // namespace modelc

#endif  // MODELC_QUANTIZE_SUBGRAPH_READS_H_
