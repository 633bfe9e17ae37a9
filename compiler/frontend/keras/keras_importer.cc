// The Keras import sequence: read -> parse the config -> refuse unsupported layers (all
// listed) -> import the model's layer calls in order (a nested model's recursively) ->
// verify.
#include "compiler/frontend/keras/keras_importer.h"

#include <algorithm>
#include <map>
#include <new>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/frontend/keras/keras_archive.h"
#include "compiler/frontend/keras/keras_config.h"
#include "compiler/frontend/keras/keras_layers.h"
#include "compiler/frontend/keras/layer_builder.h"
#include "compiler/ir/verifier.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr int64_t kMaxInputElements = int64_t{1} << 28;
constexpr int kMaxNesting = 8;
constexpr char kKerasBatchSymbol[] = "batch";

// A name as it appears in a message: quoted, with control characters escaped so that
// the message stays one line.
std::string Quoted(const std::string& name) { return absl::StrCat("'", absl::CEscape(name), "'"); }
std::string Describe(const KerasLayer& layer) {
  return absl::StrCat("layer ", Quoted(layer.name), " (", absl::CEscape(layer.class_name), ")");
}

bool IsNestedModel(const std::string& class_name) {
  return class_name == "Functional" || class_name == "Sequential" || class_name == "Model";
}

absl::StatusOr<KerasModelConfig> NestedModelConfig(const KerasLayer& layer) {
  nlohmann::json model = {{"class_name", layer.class_name}, {"config", layer.config}};
  absl::StatusOr<KerasModelConfig> config = ReadKerasModelConfig(model);
  if (!config.ok()) {
    return absl::Status(config.status().code(), absl::StrCat(Describe(layer), ": ", config.status().message()));
  }
  return config;
}

// Every layer no converter handles, nested models' included.
absl::Status CollectUnsupported(const KerasModelConfig& model, int depth, std::vector<std::string>& unsupported) {
  if (depth > kMaxNesting) return absl::InvalidArgumentError("models nested more than 8 deep");
  for (const KerasLayer& layer : model.layers) {
    if (layer.class_name == "InputLayer") continue;
    if (IsNestedModel(layer.class_name)) {
      ASSIGN_OR_RETURN(KerasModelConfig nested, NestedModelConfig(layer));
      RETURN_IF_ERROR(CollectUnsupported(nested, depth + 1, unsupported));
    } else if (!FindLayerConverter(layer.class_name)) {
      unsupported.push_back(Describe(layer));
    }
  }
  return absl::OkStatus();
}

using TensorKey = std::tuple<std::string, int64_t, int64_t>;

class KerasImporter {
 public:
  KerasImporter(const KerasWeights& weights, int64_t batch, bool written_by_keras2)
      : weights_(weights), batch_(batch), written_by_keras2_(written_by_keras2) {}

  absl::StatusOr<Graph> Import(const KerasModelConfig& model) {
    graph_.name = model.name;
    ASSIGN_OR_RETURN(std::vector<ValueId> outputs, ImportModel(model, "", nullptr, 0));
    std::set<ValueId> seen;
    for (ValueId value : outputs) {
      if (graph_.value(value).producer < 0) {
        return absl::UnimplementedError(absl::StrCat("model output ", Quoted(graph_.value(value).name),
                                                     " is a model input, which modelc does not compile"));
      }
      if (!seen.insert(value).second) {
        return absl::InvalidArgumentError(absl::StrCat("model output ", Quoted(graph_.value(value).name), " is listed twice"));
      }
      graph_.AddOutput(value);
    }
    RETURN_IF_ERROR(VerifyGraph(graph_));
    return std::move(graph_);
  }

 private:
  // The weight group of each layer: Keras 3 archives name a model's layers by their
  // snake_case class name, counted in the model's layer order ("conv2d", "conv2d_1");
  // a Sequential model's InputLayer is not among them. Legacy files use layer names
  // (a nested model's layers: "base/conv").
  std::vector<std::string> WeightKeys(const KerasModelConfig& model, const std::string& prefix) const {
    std::vector<std::string> keys;
    std::map<std::string, int> used;
    for (const KerasLayer& layer : model.layers) {
      if (weights_.kind() == KerasFileKind::kLegacyHdf5) {
        keys.push_back(absl::StrCat(prefix, layer.name));
        continue;
      }
      if (model.class_name == "Sequential" && layer.class_name == "InputLayer") {
        keys.push_back("");
        continue;
      }
      std::string name = KerasSnakeCase(layer.class_name);
      const auto [it, first] = used.emplace(name, 0);
      if (!first) name = absl::StrCat(name, "_", ++it->second);
      keys.push_back(absl::StrCat(prefix, "layers/", name));
    }
    return keys;
  }

  absl::StatusOr<ValueId> ModelInput(const KerasLayer& layer) {
    if (layer.input_shape.empty()) return absl::InvalidArgumentError(absl::StrCat(Describe(layer), " declares no shape"));
    Shape shape;
    int64_t elements = 1;
    for (size_t d = 0; d < layer.input_shape.size(); ++d) {
      if (!layer.input_shape[d]) {
        if (d == 0) {
          shape.push_back(batch_);  // one sample per run, unless --dim batch=N
          continue;
        }
        return absl::UnimplementedError(absl::StrCat(Describe(layer), " has an unknown dimension ", d,
                                                     "; modelc compiles static shapes only"));
      }
      shape.push_back(*layer.input_shape[d]);
    }
    for (int64_t dim : shape) {  // each dimension is at most 2^31 (keras_config.cc): no overflow
      elements = dim == 0 ? 0 : std::min(elements * dim, kMaxInputElements + 1);
    }
    if (elements > kMaxInputElements) {
      return absl::InvalidArgumentError(absl::StrCat(Describe(layer), " has an absurd shape ", ShapeToString(shape),
                                                     " (more than 2^28 elements)"));
    }
    ASSIGN_OR_RETURN(std::string dtype, ConfigString(layer.config, "dtype", "float32"));
    const std::map<std::string, DataType> kTypes = {
        {"float32", DataType::kFloat32}, {"int32", DataType::kInt32}, {"int64", DataType::kInt64}};
    const auto type = kTypes.find(dtype);
    if (type == kTypes.end()) {
      return absl::UnimplementedError(absl::StrCat(Describe(layer), " has dtype ", absl::CEscape(dtype),
                                                   "; only float32, int32 and int64 inputs are supported"));
    }
    const ValueId value = graph_.AddValue(names_.Take(layer.name), TensorType{type->second, shape});
    graph_.AddInput(value);
    return value;
  }

  // Imports a model's layer calls; `bound` gives a nested model's inputs (nullptr: the
  // model's inputs become graph inputs). Returns its outputs' values.
  absl::StatusOr<std::vector<ValueId>> ImportModel(const KerasModelConfig& model, const std::string& prefix,
                                                   const std::vector<ValueId>* bound, int depth) {
    if (depth > kMaxNesting) return absl::InvalidArgumentError("models nested more than 8 deep");
    std::map<TensorKey, ValueId> tensors;
    std::map<std::string, size_t> input_index;
    for (size_t i = 0; i < model.inputs.size(); ++i) {
      if (model.inputs[i].node != 0 || model.inputs[i].tensor != 0 || !input_index.emplace(model.inputs[i].layer, i).second) {
        return absl::InvalidArgumentError(absl::StrCat("model input ", Quoted(model.inputs[i].layer), " is bad or listed twice"));
      }
    }
    if (bound && bound->size() != model.inputs.size()) {
      return absl::InvalidArgumentError(absl::StrCat("the nested model ", Quoted(model.name), " takes ",
                                                     model.inputs.size(), " inputs, not ", bound->size()));
    }
    const std::vector<std::string> keys = WeightKeys(model, prefix);
    for (size_t l = 0; l < model.layers.size(); ++l) {
      const KerasLayer& layer = model.layers[l];
      if (layer.class_name == "InputLayer") {
        const auto it = input_index.find(layer.name);
        if (it == input_index.end()) {
          return absl::InvalidArgumentError(absl::StrCat(Describe(layer), " is not one of the model's inputs"));
        }
        ValueId value;
        if (bound) {
          value = (*bound)[it->second];
        } else {
          ASSIGN_OR_RETURN(value, ModelInput(layer));
        }
        tensors[{layer.name, 0, 0}] = value;
        continue;
      }
      for (size_t k = 0; k < layer.calls.size(); ++k) {
        std::vector<ValueId> inputs;
        for (const KerasTensorRef& ref : layer.calls[k]) {
          const auto it = tensors.find({ref.layer, ref.node, ref.tensor});
          if (it == tensors.end()) {
            return absl::InvalidArgumentError(absl::StrCat(
                Describe(layer), " reads ", Quoted(ref.layer), " (call ", ref.node, ", output ", ref.tensor,
                "), which no earlier layer produces (an unknown layer, or layers out of order)"));
          }
          inputs.push_back(it->second);
        }
        const int first_node = static_cast<int>(graph_.nodes().size());
        absl::StatusOr<std::vector<ValueId>> outputs = CallLayer(layer, keys[l], std::move(inputs), depth);
        if (!outputs.ok()) {
          if (IsNestedModel(layer.class_name)) return outputs.status();
          return absl::Status(outputs.status().code(), absl::StrCat(Describe(layer), ": ", outputs.status().message()));
        }
        for (size_t o = 0; o < outputs->size(); ++o) {
          ValueId value = (*outputs)[o];
          // A layer that changes nothing (Dropout) still gets a node and a name of its
          // own, so that its output can be asked for by name; so does a nested model,
          // whose outputs keep the names of its own layers.
          if (graph_.value(value).producer < first_node || IsNestedModel(layer.class_name)) {
            Node node{OpKind::kIdentity, names_.Take(absl::StrCat(layer.name, "/identity")), {value}, {kNoValue}, {}};
            node.outputs[0] = graph_.AddValue(node.name, graph_.value(value).type);
            value = node.outputs[0];
            graph_.AddNode(std::move(node));
          }
          std::string name = layer.name;
          if (k > 0) absl::StrAppend(&name, "_call", k);
          if (o > 0) absl::StrAppend(&name, "_output", o);
          graph_.mutable_value(value).name = names_.Take(name);
          const int64_t node = static_cast<int64_t>(k) + (written_by_keras2_ && IsNestedModel(layer.class_name) ? 1 : 0);
          tensors[{layer.name, node, static_cast<int64_t>(o)}] = value;
        }
      }
    }
    std::vector<ValueId> outputs;
    for (const KerasTensorRef& ref : model.outputs) {
      const auto it = tensors.find({ref.layer, ref.node, ref.tensor});
      if (it == tensors.end()) {
        return absl::InvalidArgumentError(absl::StrCat("model output ", Quoted(ref.layer), " (call ", ref.node, ", output ",
                                                       ref.tensor, ") is not produced by any layer"));
      }
      outputs.push_back(it->second);
    }
    if (outputs.empty()) return absl::InvalidArgumentError("the model has no outputs: there is nothing to compute");
    return outputs;
  }

  absl::StatusOr<std::vector<ValueId>> CallLayer(const KerasLayer& layer, const std::string& key,
                                                 std::vector<ValueId> inputs, int depth) {
    if (IsNestedModel(layer.class_name)) {
      ASSIGN_OR_RETURN(KerasModelConfig nested, NestedModelConfig(layer));
      return ImportModel(nested, absl::StrCat(key, "/"), &inputs, depth + 1);
    }
    const LayerConverter convert = FindLayerConverter(layer.class_name);
    if (!convert) return absl::UnimplementedError("unsupported layer");  // refused before, as a list
    ASSIGN_OR_RETURN(std::vector<TensorData> weights, weights_.LayerWeights(key));
    LayerBuilder builder(graph_, names_, layer, std::move(inputs), std::move(weights));
    return convert(builder);
  }

  const KerasWeights& weights_;
  const int64_t batch_;
  // Keras 2 does not save a nested model's first call (the one on its own Input) but
  // counts it: the saved calls are referred to as node 1, 2, ...
  const bool written_by_keras2_;
  Graph graph_;
  UniqueNames names_;
};

// Keras's one symbolic dimension is the batch (None), which modelc calls `batch`:
// `--dim batch=N` compiles a batch of N, `--batch batch` a run-time batch. The batch is
// 1 otherwise.
absl::StatusOr<int64_t> BatchOf(const ImportOptions& options) {
  int64_t batch = 1;
  for (const auto& [symbol, value] : options.dims) {
    if (symbol != kKerasBatchSymbol) {
      return absl::InvalidArgumentError(absl::StrCat(DimensionFlag(options, symbol), ": a Keras model's only symbolic dimension is "
                                                     "its batch, named '", kKerasBatchSymbol, "'"));
    }
    if (value < 1 || value > (1 << 20)) return absl::InvalidArgumentError("--dim batch must be in [1, 2^20]");
    batch = value;
  }
  if (!options.frozen.empty()) return absl::UnimplementedError("--freeze is not supported for Keras models yet");
  return batch;
}

absl::StatusOr<Graph> Import(const std::string& path, const ImportOptions& options) {
  ASSIGN_OR_RETURN(int64_t batch, BatchOf(options));
  ASSIGN_OR_RETURN(KerasFile file, ReadKerasFile(path, options.max_file_bytes));
  ASSIGN_OR_RETURN(KerasModelConfig model, ParseKerasModelConfig(file.config_json, file.written_by_keras2));
  std::vector<std::string> unsupported;
  RETURN_IF_ERROR(CollectUnsupported(model, 0, unsupported));
  if (!unsupported.empty()) {
    return absl::UnimplementedError(absl::StrCat("unsupported layers (", unsupported.size(), "): ",
                                                 absl::StrJoin(unsupported, ", "),
                                                 "; Lambda and custom layers are Python code: export the model to "
                                                 "ONNX or TFLite instead"));
  }
  return KerasImporter(*file.weights, batch, file.written_by_keras2).Import(model);
}

}  // namespace

absl::StatusOr<Graph> ImportKerasFile(const std::string& path, const ImportOptions& options) {
  absl::StatusOr<Graph> graph = [&]() -> absl::StatusOr<Graph> {
    try {
      return Import(path, options);
    } catch (const std::bad_alloc&) {
      return absl::ResourceExhaustedError("out of memory while reading the model");
    } catch (const nlohmann::json::exception& error) {
      return absl::InvalidArgumentError(absl::StrCat("malformed model config (", absl::CEscape(error.what()), ")"));
    }
  }();
  if (!graph.ok()) return absl::Status(graph.status().code(), absl::StrCat(path, ": ", graph.status().message()));
  return graph;
}

}  // namespace modelc
