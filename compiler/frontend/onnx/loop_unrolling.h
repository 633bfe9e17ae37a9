// Scan and Loop, unrolled at import. modelc compiles one graph with static shapes, so
// a loop's number of iterations must be known at compile time: a Scan's is the length
// of its scan inputs along their scan axes, a Loop's its trip count M (a constant, or
// folded from constants and frozen inputs) or the iteration its condition, folded at
// import, turns false. Each iteration becomes a copy of the body under names of its
// own ("<loop>/<iteration>/<name>"): loop-carried values pass from one copy to the
// next, scan inputs are sliced per iteration (Gather of one index) and the per-iteration
// scan outputs stacked (Reshape and Concat), in the order the directions give. A Loop
// condition known only at run time guards every iteration (Node::guard, as If's
// branches are guarded) and picks each loop-carried value with a Where; its scan
// outputs would then have a length known only at run time and are refused.
// Each iteration is code in the compiled object, so the unrolled nodes of a model are
// capped at kMaxUnrolledNodes; a loop in the generated code is the way past that.
#ifndef MODELC_FRONTEND_ONNX_LOOP_UNROLLING_H_
#define MODELC_FRONTEND_ONNX_LOOP_UNROLLING_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "onnx/onnx_pb.h"

namespace modelc {

// The most nodes the unrolled loops of one model may add, counted as iterations times
// (body nodes + 1, for the slicing and stacking); a body's nodes include those of the
// graphs nested in it, and a nested loop's iterations count again.
inline constexpr int64_t kMaxUnrolledNodes = 4096;

// What unrolling needs from the importer building the graph.
class BodyImporter {
 public:
  virtual ~BodyImporter() = default;
  virtual Graph& graph() = 0;
  // The guard of the nodes being imported (kNoValue: they always run).
  virtual ValueId guard() const = 0;
  virtual void set_guard(ValueId guard) = 0;
  // The value an ONNX name stands for; an error when no value has that name.
  virtual absl::StatusOr<ValueId> Find(const std::string& name) const = 0;
  // Makes an ONNX name (a body input) stand for an existing value.
  virtual absl::Status Bind(const std::string& name, ValueId value) = 0;
  // Imports a graph's nodes, and the graphs nested in them, under the current guard.
  virtual absl::Status ImportNodes(const onnx::GraphProto& graph) = 0;
  // A node of the importer's own under the current guard; returns its one output,
  // named `output_name`, or after the node when that is empty.
  virtual absl::StatusOr<ValueId> AddSyntheticNode(OpKind op, const std::string& name, std::vector<ValueId> inputs,
                                                   const std::string& output_name, AttributeMap attributes) = 0;
};

// Unrolls the Scan and Loop nodes of one import, keeping count of the nodes added.
class LoopUnroller {
 public:
  LoopUnroller(BodyImporter& importer, int64_t opset) : importer_(importer), opset_(opset) {}

  // `name` is the node's name (made up by the importer when the model gives none).
  absl::Status AddScan(const onnx::NodeProto& node, const std::string& name);
  absl::Status AddLoop(const onnx::NodeProto& node, const std::string& name);

 private:
  // A loop's body, ready to be copied per iteration.
  struct Body {
    const onnx::GraphProto* graph = nullptr;
    onnx::GraphProto per_iteration;  // the body without its constants (imported once)
    std::set<std::string> defined;   // the names each copy renames
    int64_t node_count = 0;          // per_iteration's, nested graphs' included
  };
  // Where a Scan slices its inputs and stacks its outputs (normalised per value later).
  struct ScanLayout {
    std::vector<int64_t> input_axes;
    std::vector<bool> input_reversed;
    std::vector<int64_t> output_axes;
    std::vector<bool> output_reversed;
  };

  absl::StatusOr<Body> PrepareBody(const onnx::NodeProto& node);
  // Imports one copy of the body with its inputs bound to `inputs`; returns its outputs.
  absl::StatusOr<std::vector<ValueId>> ImportIteration(const Body& body, const std::string& prefix,
                                                       const std::vector<ValueId>& inputs);
  // Scan-9 and later on already resolved values; returns the final states, then the
  // stacked scan outputs (named `output_names`, or after the node where empty).
  absl::StatusOr<std::vector<ValueId>> UnrollScan(const Body& body, const std::string& name, std::vector<ValueId> state,
                                                  const std::vector<ValueId>& scan_inputs, const ScanLayout& layout,
                                                  const std::vector<std::string>& output_names);
  // Scan-8: a batch axis 0 on every input and output, scan axis 1, optional sequence_lens.
  absl::Status AddBatchedScan(const onnx::NodeProto& node, const std::string& name, const Body& body,
                              int64_t scan_input_count);
  // The values stacked along a new axis `axis` (of the result's rank).
  absl::StatusOr<ValueId> Stack(const std::vector<ValueId>& values, int64_t axis, const std::string& name,
                                const std::string& output_name);
  // One element along `axis`, the axis removed.
  absl::StatusOr<ValueId> Slice(ValueId value, int64_t axis, int64_t index, const std::string& name);
  absl::StatusOr<ValueId> AsScalar(ValueId value, const std::string& name);
  absl::StatusOr<ValueId> Unguarded(OpKind op, const std::string& name, std::vector<ValueId> inputs);
  // Counts `iterations` copies of a body of `body_nodes` nodes; false past the limit.
  bool Charge(int64_t iterations, int64_t body_nodes);

  BodyImporter& importer_;
  const int64_t opset_;
  int64_t unrolled_nodes_ = 0;
};

}  // namespace modelc

#endif  // MODELC_FRONTEND_ONNX_LOOP_UNROLLING_H_
