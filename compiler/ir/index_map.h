// Data movement as index maps. Slice, Pad, CenterCropPad, Tile, Expand, Gather
// (constant indices), Split, DepthToSpace and SpaceToDepth all copy input elements to
// output positions in a way that is separable per dimension: walking `dims` (whose
// row-major order is the output's), the element at index (i_0, ..., i_{r-1}) is the
// input element at offset offsets[0][i_0] + ... + offsets[r-1][i_{r-1}], or `fill`
// when any of those entries is kOutside (Pad's constant border). Shape rules, the
// reference evaluator and the lowering all read this one description.
#ifndef MODELC_IR_INDEX_MAP_H_
#define MODELC_IR_INDEX_MAP_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace modelc {

inline constexpr int64_t kOutside = -1;

struct IndexMapGeometry {
  Shape out_shape;  // the output tensor's shape
  Shape dims;       // the walk: same element count and row-major order as out_shape
  std::vector<std::vector<int64_t>> offsets;  // per walked dimension: element offsets
  bool has_outside = false;
  double fill = 0.0;  // the value of kOutside positions, in the output's element type
};

// When the map reads one contiguous run of the input (element i of the output is input
// element start + i), that start: the output can then be a view of the input's bytes.
std::optional<int64_t> ContiguousStart(const IndexMapGeometry& g);

// One geometry per node output.
absl::StatusOr<std::vector<IndexMapGeometry>> ResolveIndexMap(const Graph& graph, const Node& node);

}  // namespace modelc

#endif  // MODELC_IR_INDEX_MAP_H_
