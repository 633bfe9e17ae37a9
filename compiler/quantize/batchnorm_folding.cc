#include "compiler/quantize/batchnorm_folding.h"

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/onnx/tensor_conversion.h"
#include "compiler/quantize/subgraph_reads.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

const onnx::AttributeProto* Attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

// The float values of an initializer with `count` elements, or nothing.
std::optional<std::vector<float>> Floats(const std::map<std::string, const onnx::TensorProto*>& initializers,
                                         const std::string& name, std::optional<int64_t> count) {
  auto it = initializers.find(name);
  if (it == initializers.end() || it->second->data_type() != onnx::TensorProto::FLOAT) return std::nullopt;
  absl::StatusOr<TensorData> data = TensorDataFromOnnx(*it->second);
  if (!data.ok() || (count && data->type().ElementCount() != *count)) return std::nullopt;
  return data->Floats();
}

onnx::TensorProto FloatTensor(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
  return t;
}

}  // namespace

absl::StatusOr<int> FoldBatchNormalizations(onnx::ModelProto* model) {
  onnx::GraphProto* graph = model->mutable_graph();
  std::map<std::string, const onnx::TensorProto*> initializers;
  std::set<std::string> used;
  for (const onnx::TensorProto& t : graph->initializer()) {
    initializers[t.name()] = &t;
    used.insert(t.name());
  }
  std::map<std::string, std::vector<int>> readers;
  std::map<std::string, int> producer;
  for (int n = 0; n < graph->node_size(); ++n) {
    for (const std::string& input : graph->node(n).input()) readers[input].push_back(n);
    for (const std::string& output : graph->node(n).output()) producer[output] = n, used.insert(output);
  }
  // A tensor a subgraph reads is never renamed away.
  for (const std::string& name : NamesReadBySubgraphs(*graph)) readers[name].push_back(-1);
  std::set<std::string> graph_outputs;
  for (const onnx::ValueInfoProto& output : graph->output()) graph_outputs.insert(output.name()), used.insert(output.name());
  for (const onnx::ValueInfoProto& input : graph->input()) used.insert(input.name());
  for (const onnx::ValueInfoProto& info : graph->value_info()) used.insert(info.name());
  for (const onnx::NodeProto& node : graph->node()) used.insert(node.input().begin(), node.input().end());
  auto unique = [&](const std::string& wanted) {
    std::string name = wanted;
    for (int k = 1; used.count(name); ++k) name = absl::StrCat(wanted, "_", k);
    used.insert(name);
    return name;
  };

  std::vector<onnx::TensorProto> added;
  std::set<int> removed;
  for (int n = 0; n < graph->node_size(); ++n) {
    const onnx::NodeProto& bn = graph->node(n);
    if (bn.op_type() != "BatchNormalization" || !bn.domain().empty() || bn.input_size() != 5 ||
        bn.output_size() != 1) {
      continue;
    }
    if (const onnx::AttributeProto* training = Attribute(bn, "training_mode"); training && training->i() != 0) continue;
    auto from = producer.find(bn.input(0));
    if (from == producer.end() || graph_outputs.count(bn.input(0)) || readers[bn.input(0)].size() != 1) continue;
    onnx::NodeProto& layer = *graph->mutable_node(from->second);
    const bool conv = layer.op_type() == "Conv", gemm = layer.op_type() == "Gemm";
    if ((!conv && !gemm) || !layer.domain().empty() || layer.input_size() < 2) continue;
    auto w_it = initializers.find(layer.input(1));
    if (w_it == initializers.end()) continue;
    const std::vector<int64_t> w_dims(w_it->second->dims().begin(), w_it->second->dims().end());
    bool transposed = false;
    if (gemm) {
      const onnx::AttributeProto *alpha = Attribute(layer, "alpha"), *beta = Attribute(layer, "beta"),
                                 *trans_a = Attribute(layer, "transA"), *trans_b = Attribute(layer, "transB");
      if ((alpha && alpha->f() != 1.0f) || (beta && beta->f() != 1.0f) || (trans_a && trans_a->i() != 0)) continue;
      if (w_dims.size() != 2) continue;
      transposed = trans_b && trans_b->i() != 0;
    } else if (w_dims.size() < 3) {
      continue;
    }
    const int64_t channels = gemm ? w_dims[transposed ? 0 : 1] : w_dims[0];
    std::optional<std::vector<float>> w = Floats(initializers, layer.input(1), std::nullopt);
    std::optional<std::vector<float>> scale = Floats(initializers, bn.input(1), channels),
                                      shift = Floats(initializers, bn.input(2), channels),
                                      mean = Floats(initializers, bn.input(3), channels),
                                      var = Floats(initializers, bn.input(4), channels);
    if (!w || !scale || !shift || !mean || !var) continue;
    std::vector<float> bias(channels, 0.0f);
    std::vector<int64_t> bias_dims = {channels};
    const bool has_bias = layer.input_size() > 2 && !layer.input(2).empty();
    if (has_bias) {
      std::optional<std::vector<float>> b = Floats(initializers, layer.input(2), channels);
      if (!b) continue;
      bias = *b;
      bias_dims.assign(initializers.at(layer.input(2))->dims().begin(), initializers.at(layer.input(2))->dims().end());
      // Per output channel only: [N], or a Gemm's [1, N] (not [N, 1], which adds per row).
      if (bias_dims != std::vector<int64_t>{channels} && !(gemm && bias_dims == std::vector<int64_t>{1, channels})) continue;
    }
    const onnx::AttributeProto* epsilon_attribute = Attribute(bn, "epsilon");
    const float epsilon = epsilon_attribute ? epsilon_attribute->f() : 1e-5f;
    std::vector<float> factor(channels);
    for (int64_t c = 0; c < channels; ++c) {
      factor[c] = (*scale)[c] / std::sqrt((*var)[c] + epsilon);
      bias[c] = (bias[c] - (*mean)[c]) * factor[c] + (*shift)[c];
    }
    // The weight of output channel c: a Conv's [c, ...], a Gemm's column c of [K, N]
    // (or row c of [N, K] with transB).
    const int64_t inner = gemm ? 1 : static_cast<int64_t>(w->size()) / channels;
    for (size_t i = 0; i < w->size(); ++i) {
      const int64_t c = gemm ? (transposed ? static_cast<int64_t>(i) / w_dims[1] : static_cast<int64_t>(i) % channels)
                             : static_cast<int64_t>(i) / inner;
      (*w)[i] *= factor[c];
    }
    const std::string w_name = unique(layer.input(1) + "_batchnorm_folded");
    const std::string b_name = unique((has_bias ? layer.input(2) : layer.name() + "_bias") + "_batchnorm_folded");
    added.push_back(FloatTensor(w_name, w_dims, *w));
    added.push_back(FloatTensor(b_name, bias_dims, bias));
    layer.set_input(1, w_name);
    if (layer.input_size() < 3) layer.add_input(b_name);
    else layer.set_input(2, b_name);
    layer.set_output(0, bn.output(0));
    removed.insert(n);
  }
  if (removed.empty()) return 0;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> kept;
  for (int n = 0; n < graph->node_size(); ++n) {
    if (!removed.count(n)) *kept.Add() = graph->node(n);
  }
  graph->mutable_node()->Swap(&kept);
  for (onnx::TensorProto& t : added) *graph->add_initializer() = std::move(t);
  // Initializers nothing reads any more (the unfolded weights, the BatchNorms' parameters).
  std::set<std::string> read;
  for (const onnx::NodeProto& node : graph->node()) read.insert(node.input().begin(), node.input().end());
  for (const onnx::ValueInfoProto& output : graph->output()) read.insert(output.name());
  google::protobuf::RepeatedPtrField<onnx::TensorProto> still_read;
  for (const onnx::TensorProto& t : graph->initializer()) {
    if (read.count(t.name())) *still_read.Add() = t;
  }
  graph->mutable_initializer()->Swap(&still_read);
  // Initializers listed as graph inputs (IR version < 4) that are gone.
  google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> inputs;
  for (const onnx::ValueInfoProto& input : graph->input()) {
    if (!initializers.count(input.name()) || read.count(input.name())) *inputs.Add() = input;
  }
  graph->mutable_input()->Swap(&inputs);
  return static_cast<int>(removed.size());
}

}  // namespace modelc
