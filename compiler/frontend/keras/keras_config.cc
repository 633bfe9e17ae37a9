// The model config's JSON into layer calls, and typed config fields. Nothing here
// trusts the JSON: every field's type is checked before it is read.
#include "compiler/frontend/keras/keras_config.h"

#include <cctype>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

using nlohmann::json;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

const json* Field(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

// [layer, node, tensor] (Keras 3's keras_history, input_layers), or Keras 2's
// [layer, node, tensor, kwargs].
absl::StatusOr<KerasTensorRef> TensorRef(const json& list, const std::string& context) {
  if (!list.is_array() || list.size() < 3 || !list[0].is_string() || !list[1].is_number_integer() ||
      !list[2].is_number_integer()) {
    return Invalid(absl::StrCat(context, ": a tensor reference must be [layer name, node index, tensor index]"));
  }
  KerasTensorRef ref{list[0].get<std::string>(), list[1].get<int64_t>(), list[2].get<int64_t>()};
  if (ref.node < 0 || ref.tensor < 0) return Invalid(absl::StrCat(context, ": a negative node or tensor index"));
  return ref;
}

// The model's input_layers / output_layers: a list of references, or one reference.
absl::StatusOr<std::vector<KerasTensorRef>> TensorRefList(const json* list, const std::string& context) {
  std::vector<KerasTensorRef> refs;
  if (!list) return Invalid(absl::StrCat("the model config has no ", context));
  if (list->is_array() && !list->empty() && (*list)[0].is_string()) {
    ASSIGN_OR_RETURN(KerasTensorRef ref, TensorRef(*list, context));
    refs.push_back(std::move(ref));
    return refs;
  }
  if (!list->is_array()) return Invalid(absl::StrCat("the model config's ", context, " is not a list"));
  for (const json& item : *list) {
    ASSIGN_OR_RETURN(KerasTensorRef ref, TensorRef(item, context));
    refs.push_back(std::move(ref));
  }
  return refs;
}

bool IsKerasTensor(const json& value) {
  const json* class_name = Field(value, "class_name");
  return class_name && class_name->is_string() && *class_name == "__keras_tensor__";
}

// Keras 3: the keras tensors among a call's arguments, in order (a merge layer's
// argument is a list of them).
absl::Status CollectTensors(const json& value, const std::string& context, std::vector<KerasTensorRef>& out, int depth) {
  if (depth > 8) return Invalid(absl::StrCat(context, ": call arguments nested too deeply"));
  if (IsKerasTensor(value)) {
    const json* config = Field(value, "config");
    const json* history = config ? Field(*config, "keras_history") : nullptr;
    if (!history) return Invalid(absl::StrCat(context, ": a tensor argument without a keras_history"));
    ASSIGN_OR_RETURN(KerasTensorRef ref, TensorRef(*history, context));
    out.push_back(std::move(ref));
  } else if (value.is_array()) {
    for (const json& item : value) RETURN_IF_ERROR(CollectTensors(item, context, out, depth + 1));
  } else if (value.is_object()) {
    for (const auto& [key, item] : value.items()) RETURN_IF_ERROR(CollectTensors(item, context, out, depth + 1));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<KerasTensorRef>> ReadCall(const json& node, const std::string& context) {
  std::vector<KerasTensorRef> inputs;
  if (node.is_object()) {  // Keras 3: {"args": [...], "kwargs": {...}}
    if (const json* args = Field(node, "args")) RETURN_IF_ERROR(CollectTensors(*args, context, inputs, 0));
    if (const json* kwargs = Field(node, "kwargs")) {
      std::vector<KerasTensorRef> keyword_tensors;
      RETURN_IF_ERROR(CollectTensors(*kwargs, context, keyword_tensors, 0));
      if (!keyword_tensors.empty()) {
        return absl::UnimplementedError(absl::StrCat(context, ": tensors passed as keyword arguments (a mask?)"));
      }
    }
    return inputs;
  }
  if (!node.is_array()) return Invalid(absl::StrCat(context, ": an inbound node is neither an object nor a list"));
  for (const json& item : node) {  // Keras 2: [[layer, node, tensor, kwargs], ...]
    ASSIGN_OR_RETURN(KerasTensorRef ref, TensorRef(item, context));
    inputs.push_back(std::move(ref));
  }
  return inputs;
}

absl::StatusOr<std::vector<std::optional<int64_t>>> ShapeList(const json& list, const std::string& context) {
  std::vector<std::optional<int64_t>> shape;
  if (!list.is_array() || list.size() > 8) return Invalid(absl::StrCat(context, ": a shape must be a list of at most 8"));
  for (const json& dim : list) {
    if (dim.is_null()) {
      shape.push_back(std::nullopt);
    } else if (dim.is_number_integer() && dim.get<int64_t>() >= 0 && dim.get<int64_t>() <= (int64_t{1} << 31)) {
      shape.push_back(dim.get<int64_t>());
    } else {
      return Invalid(absl::StrCat(context, ": a dimension must be null or an integer in [0, 2^31]"));
    }
  }
  return shape;
}

absl::StatusOr<KerasLayer> ReadLayer(const json& item, size_t index) {
  KerasLayer layer;
  const json* class_name = Field(item, "class_name");
  const json* config = Field(item, "config");
  if (!class_name || !class_name->is_string()) return Invalid(absl::StrCat("layer ", index, " has no class_name"));
  layer.class_name = class_name->get<std::string>();
  if (!config || !config->is_object()) {
    return Invalid(absl::StrCat("layer ", index, " (", absl::CEscape(layer.class_name), ") has no config object"));
  }
  layer.config = *config;
  const json* name = Field(item, "name");
  if (!name) name = Field(*config, "name");
  if (!name || !name->is_string() || name->get<std::string>().empty()) {
    return Invalid(absl::StrCat("layer ", index, " (", absl::CEscape(layer.class_name), ") has no name"));
  }
  layer.name = name->get<std::string>();
  const std::string context =
      absl::StrCat("layer '", absl::CEscape(layer.name), "' (", absl::CEscape(layer.class_name), ")");
  if (const json* nodes = Field(item, "inbound_nodes")) {
    if (!nodes->is_array()) return Invalid(absl::StrCat(context, ": inbound_nodes is not a list"));
    for (const json& node : *nodes) {
      ASSIGN_OR_RETURN(std::vector<KerasTensorRef> call, ReadCall(node, context));
      layer.calls.push_back(std::move(call));
    }
  }
  const json* shape = Field(*config, "batch_shape");
  if (!shape) shape = Field(*config, "batch_input_shape");
  if (shape) {
    ASSIGN_OR_RETURN(layer.input_shape, ShapeList(*shape, context));
  }
  return layer;
}

absl::Status ReadSequential(const json& config, KerasModelConfig& model) {
  const json* layers = Field(config, "layers");
  if (!layers || !layers->is_array()) return Invalid("the Sequential model's config has no layer list");
  for (size_t i = 0; i < layers->size(); ++i) {
    ASSIGN_OR_RETURN(KerasLayer layer, ReadLayer((*layers)[i], i));
    model.layers.push_back(std::move(layer));
  }
  // The input: an InputLayer first, or a first layer or the model declaring the shape.
  if (model.layers.empty() || model.layers[0].class_name != "InputLayer") {
    KerasLayer input;
    input.class_name = "InputLayer";
    input.name = "input_layer";
    if (!model.layers.empty() && !model.layers[0].input_shape.empty()) {
      input.input_shape = model.layers[0].input_shape;
    } else if (const json* shape = Field(config, "build_input_shape")) {
      ASSIGN_OR_RETURN(input.input_shape, ShapeList(*shape, "the Sequential model's build_input_shape"));
    } else {
      return Invalid("the Sequential model declares no input shape (it was never built)");
    }
    for (const KerasLayer& layer : model.layers) {
      if (layer.name == input.name) input.name += "_";
    }
    model.layers.insert(model.layers.begin(), std::move(input));
  }
  for (size_t i = 1; i < model.layers.size(); ++i) {
    if (model.layers[i].class_name == "InputLayer") {
      return Invalid(absl::StrCat("layer '", absl::CEscape(model.layers[i].name), "' (InputLayer) is not first in the Sequential model"));
    }
    model.layers[i].calls = {{KerasTensorRef{model.layers[i - 1].name, 0, 0}}};
  }
  model.inputs = {KerasTensorRef{model.layers[0].name, 0, 0}};
  model.outputs = {KerasTensorRef{model.layers.back().name, 0, 0}};
  if (model.layers.size() < 2) return Invalid("the Sequential model has no layers");
  return absl::OkStatus();
}

absl::Status ReadFunctional(const json& config, KerasModelConfig& model) {
  const json* layers = Field(config, "layers");
  if (!layers || !layers->is_array()) return Invalid("the functional model's config has no layer list");
  for (size_t i = 0; i < layers->size(); ++i) {
    ASSIGN_OR_RETURN(KerasLayer layer, ReadLayer((*layers)[i], i));
    model.layers.push_back(std::move(layer));
  }
  ASSIGN_OR_RETURN(model.inputs, TensorRefList(Field(config, "input_layers"), "input_layers"));
  ASSIGN_OR_RETURN(model.outputs, TensorRefList(Field(config, "output_layers"), "output_layers"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KerasModelConfig> ReadKerasModelConfig(const json& model_json) {
  const json* class_name = Field(model_json, "class_name");
  const json* config = Field(model_json, "config");
  if (!class_name || !class_name->is_string() || !config || !config->is_object()) {
    return Invalid("the model config has no class_name and config");
  }
  KerasModelConfig model;
  model.class_name = class_name->get<std::string>();
  if (const json* name = Field(*config, "name"); name && name->is_string()) model.name = name->get<std::string>();
  if (model.class_name == "Sequential") {
    RETURN_IF_ERROR(ReadSequential(*config, model));
  } else if (model.class_name == "Functional" || model.class_name == "Model") {
    RETURN_IF_ERROR(ReadFunctional(*config, model));
  } else {
    return absl::UnimplementedError(absl::StrCat("the model is a ", absl::CEscape(model.class_name),
                                                 " (a subclassed model is Python code, not a graph): export it to "
                                                 "ONNX or TFLite instead"));
  }
  return model;
}

namespace {

// Renames Keras 2's hard_sigmoid wherever a layer names an activation (iteratively:
// configs nest models and wrapped layers).
void RenameKeras2Activations(json& root) {
  std::vector<json*> pending = {&root};
  while (!pending.empty()) {
    json* value = pending.back();
    pending.pop_back();
    if (value->is_object()) {
      for (auto& [key, item] : value->items()) {
        if ((key == "activation" || key == "recurrent_activation") && item.is_string() && item == "hard_sigmoid") {
          item = "hard_sigmoid_keras2";
        } else if (item.is_structured()) {
          pending.push_back(&item);
        }
      }
    } else if (value->is_array()) {
      for (json& item : *value) {
        if (item.is_structured()) pending.push_back(&item);
      }
    }
  }
}

}  // namespace

absl::StatusOr<KerasModelConfig> ParseKerasModelConfig(const std::string& json_text, bool written_by_keras2) {
  json model = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (model.is_discarded()) return Invalid("the model config is not valid JSON");
  if (written_by_keras2) RenameKeras2Activations(model);
  return ReadKerasModelConfig(model);
}

absl::StatusOr<int64_t> ConfigInt(const json& config, const char* key, int64_t fallback) {
  const json* value = Field(config, key);
  if (!value) return fallback;
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_array() && value->size() == 1 && (*value)[0].is_number_integer()) return (*value)[0].get<int64_t>();
  return Invalid(absl::StrCat("'", key, "' must be an integer"));
}

absl::StatusOr<double> ConfigNumber(const json& config, const char* key, double fallback) {
  const json* value = Field(config, key);
  if (!value) return fallback;
  if (value->is_number()) return value->get<double>();
  return Invalid(absl::StrCat("'", key, "' must be a number"));
}

absl::StatusOr<bool> ConfigBool(const json& config, const char* key, bool fallback) {
  const json* value = Field(config, key);
  if (!value) return fallback;
  if (value->is_boolean()) return value->get<bool>();
  return Invalid(absl::StrCat("'", key, "' must be true or false"));
}

absl::StatusOr<std::string> ConfigString(const json& config, const char* key, const std::string& fallback) {
  const json* value = Field(config, key);
  if (!value) return fallback;
  if (value->is_string()) return value->get<std::string>();
  return Invalid(absl::StrCat("'", key, "' must be a string"));
}

absl::StatusOr<std::vector<int64_t>> ConfigInts(const json& config, const char* key, size_t size,
                                                const std::vector<int64_t>& fallback) {
  const json* value = Field(config, key);
  if (!value) return fallback;
  if (value->is_number_integer() && size > 0) return std::vector<int64_t>(size, value->get<int64_t>());
  if (!value->is_array() || (size > 0 && value->size() != size) || value->size() > 16) {
    return Invalid(absl::StrCat("'", key, "' must be ", size > 0 ? absl::StrCat(size, " integers") : "a list of integers"));
  }
  std::vector<int64_t> values;
  for (const json& item : *value) {
    if (!item.is_number_integer()) return Invalid(absl::StrCat("'", key, "' must hold integers"));
    values.push_back(item.get<int64_t>());
  }
  return values;
}

std::string KerasSnakeCase(const std::string& class_name) {
  // re.sub(r"\W+", "", name); re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name);
  // re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
  std::string word;
  for (char c : class_name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') word += c;
  }
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
  std::string first;
  for (size_t i = 0; i < word.size(); ++i) {
    // An underscore before an upper-case letter that starts a capitalised word
    // (followed by a lower-case letter), unless it is the first character.
    if (i > 0 && upper(word[i]) && i + 1 < word.size() && lower(word[i + 1])) first += '_';
    first += word[i];
  }
  std::string second;
  for (size_t i = 0; i < first.size(); ++i) {
    if (i > 0 && lower(first[i - 1]) && upper(first[i])) second += '_';
    second += static_cast<char>(std::tolower(static_cast<unsigned char>(first[i])));
  }
  return second;
}

}  // namespace modelc
