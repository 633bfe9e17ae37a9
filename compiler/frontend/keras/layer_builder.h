// What a Keras layer converter sees of one layer call: the layer's config, its input
// values (Keras's channels_last shapes, batch 1), its weights checked against the
// shapes the converter expects, and the graph to append nodes to. Nodes a layer becomes
// are named LAYER/ROLE; the call's output takes the layer's own name (see
// keras_importer.cc), so `--outputs` and `--trace` speak Keras names.
#ifndef MODELC_FRONTEND_KERAS_LAYER_BUILDER_H_
#define MODELC_FRONTEND_KERAS_LAYER_BUILDER_H_

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "compiler/frontend/keras/keras_config.h"
#include "compiler/ir/graph.h"

namespace modelc {

// The graph's value names, kept unique (Keras names are unique per model, but a node's
// LAYER/ROLE could meet a layer named the same).
class UniqueNames {
 public:
  std::string Take(const std::string& wanted);
  void Reserve(const std::string& name) { taken_.insert(name); }

 private:
  std::set<std::string> taken_;
};

class LayerBuilder {
 public:
  LayerBuilder(Graph& graph, UniqueNames& names, const KerasLayer& layer, std::vector<ValueId> inputs,
               std::vector<TensorData> weights)
      : graph_(graph), names_(names), layer_(layer), inputs_(std::move(inputs)), weights_(std::move(weights)) {}

  const KerasLayer& layer() const { return layer_; }
  const nlohmann::json& config() const { return layer_.config; }
  int InputCount() const { return static_cast<int>(inputs_.size()); }
  ValueId Input(int i) const { return inputs_[i]; }
  const Shape& InputShape(int i) const { return graph_.value(inputs_[i]).type.shape; }
  // The layer takes exactly `count` inputs (at least `count` when `at_least`).
  absl::Status ExpectInputs(int count, bool at_least = false) const;

  size_t WeightCount() const { return weights_.size(); }
  const std::vector<TensorData>& Weights() const { return weights_; }
  // The layer holds exactly `count` weights.
  absl::Status ExpectWeights(size_t count) const;
  // Weight i, which must have `shape`; `what` names it in errors ("kernel").
  absl::StatusOr<TensorData> Weight(size_t i, const Shape& shape, const char* what) const;

  // Appends a node LAYER/ROLE whose one output has the type the IR's shape rule gives.
  absl::StatusOr<ValueId> AddNode(OpKind op, const std::string& role, std::vector<ValueId> inputs,
                                  AttributeMap attributes = {});
  // The same for a node with `count` outputs, named ROLE, ROLE_1, ...
  absl::StatusOr<std::vector<ValueId>> AddNodeWithOutputs(OpKind op, const std::string& role,
                                                          std::vector<ValueId> inputs, AttributeMap attributes,
                                                          int count);
  ValueId AddConstant(const std::string& role, TensorData data);
  ValueId AddScalar(const std::string& role, float value);
  absl::StatusOr<ValueId> Transposed(ValueId x, const std::vector<int64_t>& perm, const std::string& role);
  absl::StatusOr<ValueId> Reshaped(ValueId x, const Shape& shape, const std::string& role);
  absl::StatusOr<ValueId> Clipped(ValueId x, float low, float high, const std::string& role);
  // x with `axis` in reverse order (a Slice with step -1).
  absl::StatusOr<ValueId> Reversed(ValueId x, int64_t axis, const std::string& role);
  // A wrapped layer (TimeDistributed's, Bidirectional's) called on `inputs` with
  // `weights`; its nodes are named after the wrapper (`inner` must outlive the call).
  absl::StatusOr<std::vector<ValueId>> CallInner(const KerasLayer& inner, std::vector<ValueId> inputs,
                                                 std::vector<TensorData> weights);
  // A Keras activation by name ("relu", "softmax", ...; "linear" is x itself).
  absl::StatusOr<ValueId> Activation(const std::string& name, ValueId x);
  // The activation named by the config's "activation" field (absent: linear).
  absl::StatusOr<ValueId> ConfiguredActivation(ValueId x);
  const Graph& graph() const { return graph_; }

 private:
  Graph& graph_;
  UniqueNames& names_;
  const KerasLayer& layer_;
  std::vector<ValueId> inputs_;
  std::vector<TensorData> weights_;
};

// Helpers the layer converters share.
namespace keras_layers {

// A converter's result of one output.
absl::StatusOr<std::vector<ValueId>> One(absl::StatusOr<ValueId> value);
// `axis` in [-rank, rank) as an axis from 0; an error otherwise.
absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank);
// The single axis of the config's "axis" field (an integer or a one-element list;
// `fallback` when absent), of input 0.
absl::StatusOr<int64_t> ConfigAxis(LayerBuilder& b, int64_t fallback);
// A per-channel constant along `axis` of a rank-`rank` tensor, shaped to broadcast.
TensorData AlongAxis(const std::vector<float>& values, int64_t axis, int64_t rank);

}  // namespace keras_layers
}  // namespace modelc

#endif  // MODELC_FRONTEND_KERAS_LAYER_BUILDER_H_
