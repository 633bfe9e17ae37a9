// Several models compiled into one: each model's tensors and nodes are copied into one
// graph under "MODEL." names, and connections feed outputs of earlier models into inputs
// of later ones (two or more outputs may be concatenated along axis 1 into one input).
// A connected input is no longer an input of the whole; a connected output no longer an
// output (it lives in the shared scratch arena, passed by no copy). Shapes and types
// are checked here, with errors naming both ends.
#ifndef MODELC_PASSES_GRAPH_LINKING_H_
#define MODELC_PASSES_GRAPH_LINKING_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace modelc {

struct NamedGraph {
  std::string name;  // the model's name: the prefix of its tensors ("enc")
  Graph graph;
};

// One connection: the sources' tensors (model, tensor) feed the target input.
struct Connection {
  std::vector<std::pair<std::string, std::string>> sources;
  std::pair<std::string, std::string> target;
};

// Parses "enc:features=head:x" or "a:y+b:z=c:x".
absl::StatusOr<Connection> ParseConnection(const std::string& text);

// Models must be listed so that every connection goes from an earlier to a later one.
absl::StatusOr<Graph> LinkGraphs(std::vector<NamedGraph> models, const std::vector<Connection>& connections);

}  // namespace modelc

#endif  // MODELC_PASSES_GRAPH_LINKING_H_
