#include "compiler/quantize/qdq_placement.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/onnx/tensor_conversion.h"
#include "compiler/quantize/subgraph_reads.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr int kWeightLimit = 127;  // symmetric int8 weights: [-127, 127]

const std::set<std::string>& PassThroughOps() {
  static const std::set<std::string> ops = {"MaxPool", "Flatten",   "Reshape",  "Transpose",
                                            "Squeeze", "Unsqueeze", "Identity"};
  return ops;
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t otherwise) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name) return a.i();
  }
  return otherwise;
}

float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float otherwise) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name) return a.f();
  }
  return otherwise;
}

int64_t DefaultOpset(const onnx::ModelProto& model) {
  for (const onnx::OperatorSetIdProto& opset : model.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") return opset.version();
  }
  return 0;
}

// Initializers and Constant nodes' values, by name.
std::map<std::string, const onnx::TensorProto*> Constants(const onnx::GraphProto& graph) {
  std::map<std::string, const onnx::TensorProto*> constants;
  for (const onnx::TensorProto& t : graph.initializer()) constants[t.name()] = &t;
  for (const onnx::NodeProto& node : graph.node()) {
    if (node.op_type() != "Constant" || !node.domain().empty() || node.output_size() != 1) continue;
    for (const onnx::AttributeProto& a : node.attribute()) {
      if (a.name() == "value" && a.has_t()) constants[node.output(0)] = &a.t();
    }
  }
  return constants;
}

// What the plan needs to know of the model's tensors and nodes.
class ModelFacts {
 public:
  ModelFacts(const onnx::ModelProto& model, const Graph& imported)
      : graph_(model.graph()), constants_(Constants(model.graph())) {
    for (const Value& value : imported.values()) types_.emplace(value.name, value.type);
    for (int n = 0; n < graph_.node_size(); ++n) {
      for (const std::string& input : graph_.node(n).input()) readers_[input].push_back(n);
    }
    // A subgraph's reads count as readers (never a Relu or Clip to absorb): -1.
    for (const std::string& name : NamesReadBySubgraphs(graph_)) readers_[name].push_back(-1);
    for (const onnx::ValueInfoProto& output : graph_.output()) graph_outputs_.insert(output.name());
    for (const onnx::ValueInfoProto& input : graph_.input()) graph_inputs_.insert(input.name());
  }

  bool IsConstant(const std::string& name) const { return constants_.count(name) != 0; }
  // A constant's type from its tensor (BatchNorm folding makes new ones), others' as
  // modelc imported them.
  std::optional<TensorType> Type(const std::string& name) const {
    if (auto constant = constants_.find(name); constant != constants_.end()) {
      absl::StatusOr<DataType> type = DataTypeFromOnnx(constant->second->data_type());
      if (!type.ok()) return std::nullopt;
      return TensorType{*type, Shape(constant->second->dims().begin(), constant->second->dims().end())};
    }
    auto it = types_.find(name);
    if (it == types_.end()) return std::nullopt;
    return it->second;
  }
  bool IsFloat(const std::string& name, std::optional<int64_t> rank = std::nullopt) const {
    std::optional<TensorType> type = Type(name);
    return type && type->element_type == DataType::kFloat32 && (!rank || type->Rank() == *rank);
  }
  bool IsFloatActivation(const std::string& name, std::optional<int64_t> rank = std::nullopt) const {
    return !name.empty() && !IsConstant(name) && IsFloat(name, rank) &&
           !(graph_inputs_.count(name) && graph_outputs_.count(name));
  }
  bool IsFloatConstant(const std::string& name, std::optional<int64_t> rank = std::nullopt) const {
    return !name.empty() && IsConstant(name) && IsFloat(name, rank);
  }
  // The tensor whose range a product's or Add's output takes: its own, or that of the
  // activation that is its only reader: a Relu (kept: the fused kernel implies it from
  // the zero point -128), or a Clip from 0 (to 6, say), which the quantisation itself
  // computes exactly (its range [0, at most the Clip's max] saturates where the Clip
  // clips), so the QDQ model drops it: `absorbed_clip` is its node index, else -1.
  struct Absorbing {
    std::string output;
    int absorbed_clip = -1;
    float clip_max = std::numeric_limits<float>::infinity();
  };
  Absorbing AbsorbingOutput(const onnx::NodeProto& node, int64_t opset) const {
    const std::string& y = node.output(0);
    auto it = readers_.find(y);
    if (graph_outputs_.count(y) || it == readers_.end() || it->second.size() != 1) return {y};
    if (it->second[0] < 0) return {y};  // read by a subgraph only
    const onnx::NodeProto& reader = graph_.node(it->second[0]);
    if (!reader.domain().empty() || reader.output_size() != 1 || !IsFloat(reader.output(0))) return {y};
    if (reader.op_type() == "Relu") return {reader.output(0)};
    if (reader.op_type() != "Clip") return {y};
    if (std::optional<float> max = ClipFromZeroMax(reader, opset)) return {reader.output(0), it->second[0], *max};
    return {y};
    return {y};
  }

 private:
  // A Clip whose lower bound is 0 and upper bound positive: its upper bound (infinity
  // when absent); nothing for other Clips.
  std::optional<float> ClipFromZeroMax(const onnx::NodeProto& clip, int64_t opset) const {
    std::optional<float> low, high;
    if (opset < 11) {
      for (const onnx::AttributeProto& a : clip.attribute()) {
        if (a.name() == "min") low = a.f();
        if (a.name() == "max") high = a.f();
      }
    } else {
      auto scalar = [&](int i) -> std::optional<float> {
        if (clip.input_size() <= i || clip.input(i).empty() || !IsConstant(clip.input(i))) return std::nullopt;
        absl::StatusOr<TensorData> data = TensorDataFromOnnx(*constants_.at(clip.input(i)));
        if (!data.ok() || data->type().element_type != DataType::kFloat32 || data->type().ElementCount() != 1) {
          return std::nullopt;
        }
        return data->Floats()[0];
      };
      low = scalar(1);
      high = scalar(2);
      if (clip.input_size() > 2 && !clip.input(2).empty() && !high) return std::nullopt;  // a run-time bound
    }
    if (!low || *low != 0.0f || (high && !(*high > 0.0f))) return std::nullopt;
    return high.value_or(std::numeric_limits<float>::infinity());
  }

  const onnx::GraphProto& graph_;
  std::map<std::string, const onnx::TensorProto*> constants_;
  std::map<std::string, TensorType> types_;
  std::map<std::string, std::vector<int>> readers_;
  std::set<std::string> graph_outputs_, graph_inputs_;
};

bool IsPlainGemm(const onnx::NodeProto& node) {
  return IntAttribute(node, "transA", 0) == 0 && FloatAttribute(node, "alpha", 1.0f) == 1.0f &&
         FloatAttribute(node, "beta", 1.0f) == 1.0f;
}

// Whether a product node's weights (and bias) are constants modelc can make int8.
bool HasConstantWeights(const ModelFacts& facts, const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  if (op == "Conv") {
    if (node.input_size() < 2 || !facts.IsFloatActivation(node.input(0))) return false;
    const std::optional<TensorType> w = facts.Type(node.input(1));
    if (!w || w->Rank() < 3 || !facts.IsFloatConstant(node.input(1))) return false;
    return node.input_size() < 3 || node.input(2).empty() || facts.IsFloatConstant(node.input(2), 1);
  }
  if (op == "Gemm" || op == "MatMul") {
    if (node.input_size() < 2 || !facts.IsFloatActivation(node.input(0), 2) ||
        !facts.IsFloatConstant(node.input(1), 2)) {
      return false;
    }
    if (op == "MatMul") return true;
    if (!IsPlainGemm(node)) return false;
    if (node.input_size() < 3 || node.input(2).empty()) return true;
    const std::optional<TensorType> w = facts.Type(node.input(1)), c = facts.Type(node.input(2));
    const int64_t columns = w->shape[IntAttribute(node, "transB", 0) ? 0 : 1];
    return facts.IsFloatConstant(node.input(2)) &&
           (c->shape == Shape{columns} || c->shape == Shape{1, columns});
  }
  return false;
}

// A constant's values, or an error naming where it is read.
absl::StatusOr<TensorData> ConstantData(const std::string& name, const onnx::TensorProto& constant,
                                        const std::string& where) {
  absl::StatusOr<TensorData> data = TensorDataFromOnnx(constant);
  if (!data.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": '", name, "': ", data.status().message()));
  return data;
}

// A tensor's bytes as TensorProto raw data.
onnx::TensorProto MakeTensor(const std::string& name, int32_t type, const std::vector<int64_t>& dims,
                             const void* data, size_t bytes) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(type);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(std::string(static_cast<const char*>(data), bytes));
  return t;
}

// Symmetric int8 weights: per slice along `axis` (or per tensor when axis < 0), each
// slice's scale its largest magnitude / 127, at least `min_scales` (one per slice, or
// empty). A scale below float32's smallest normal number is 1 (the slice is zeros, or
// as good as).
struct QuantizedWeights {
  std::vector<int8_t> values;
  std::vector<float> scales;
};

QuantizedWeights QuantizeWeights(const std::vector<float>& w, const Shape& shape, int axis,
                                 const std::vector<float>& min_scales) {
  int64_t inner = 1, channels = 1;
  if (axis >= 0) {
    channels = shape[axis];
    for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  }
  auto channel_of = [&](size_t i) { return axis < 0 ? 0 : static_cast<int64_t>(i / inner) % channels; };
  std::vector<float> absmax(channels, 0.0f);
  for (size_t i = 0; i < w.size(); ++i) absmax[channel_of(i)] = std::max(absmax[channel_of(i)], std::fabs(w[i]));
  QuantizedWeights q;
  for (int64_t c = 0; c < channels; ++c) {
    float scale = std::max(absmax[c] / kWeightLimit, min_scales.empty() ? 0.0f : min_scales[c]);
    q.scales.push_back(scale >= std::numeric_limits<float>::min() ? scale : 1.0f);
  }
  q.values.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    const float v = std::nearbyint(w[i] / q.scales[channel_of(i)]);
    q.values[i] = static_cast<int8_t>(std::clamp(v, -static_cast<float>(kWeightLimit), static_cast<float>(kWeightLimit)));
  }
  return q;
}

// The rewrite's state: the new graph's nodes and initializers, and the names in use.
class QdqWriter {
 public:
  QdqWriter(const onnx::GraphProto& graph, const std::map<std::string, ActivationQuantization>& parameters,
            bool per_channel)
      : parameters_(parameters), per_channel_(per_channel) {
    auto use = [&](const std::string& name) { used_.insert(name); };
    for (const onnx::NodeProto& node : graph.node()) {
      use(node.name());
      for (const std::string& s : node.input()) use(s);
      for (const std::string& s : node.output()) use(s);
    }
    for (const onnx::TensorProto& t : graph.initializer()) use(t.name());
    for (const onnx::ValueInfoProto& v : graph.input()) use(v.name());
    for (const onnx::ValueInfoProto& v : graph.output()) use(v.name());
    for (const onnx::ValueInfoProto& v : graph.value_info()) use(v.name());
  }

  std::string Unique(const std::string& wanted) {
    std::string name = wanted;
    for (int k = 1; used_.count(name); ++k) name = absl::StrCat(wanted, "_", k);
    used_.insert(name);
    return name;
  }

  void AddInitializer(onnx::TensorProto t) { initializers_.push_back(std::move(t)); }
  std::vector<onnx::NodeProto>& nodes() { return nodes_; }
  std::vector<onnx::TensorProto>& initializers() { return initializers_; }

  // QuantizeLinear(source) -> int8, DequantizeLinear -> `dequantized`, with the
  // activation's parameters. Returns the int8 tensor's name.
  std::string EmitPair(const std::string& activation, const std::string& source, const std::string& dequantized) {
    const ActivationQuantization& p = parameters_.at(activation);
    const std::string scale = Unique(activation + "_scale"), zero_point = Unique(activation + "_zero_point");
    AddInitializer(MakeTensor(scale, onnx::TensorProto::FLOAT, {}, &p.scale, sizeof p.scale));
    AddInitializer(MakeTensor(zero_point, onnx::TensorProto::INT8, {}, &p.zero_point, 1));
    const std::string int8 = Unique(activation + "_QuantizeLinear_Output");
    onnx::NodeProto q;
    q.set_op_type("QuantizeLinear");
    q.set_name(Unique(activation + "_QuantizeLinear"));
    q.add_input(source);
    q.add_input(scale);
    q.add_input(zero_point);
    q.add_output(int8);
    onnx::NodeProto dq;
    dq.set_op_type("DequantizeLinear");
    dq.set_name(Unique(activation + "_DequantizeLinear"));
    dq.add_input(int8);
    dq.add_input(scale);
    dq.add_input(zero_point);
    dq.add_output(dequantized);
    nodes_.push_back(std::move(q));
    nodes_.push_back(std::move(dq));
    return int8;
  }

  // DequantizeLinear of constant int8 / int32 data with per-axis (or one) scale.
  std::string EmitDequantize(const std::string& base, int32_t type, const std::vector<int64_t>& dims,
                             const void* data, size_t bytes, const std::vector<float>& scales, int axis) {
    const std::string values = Unique(base + "_quantized"), scale = Unique(base + "_scale"),
                      zero_point = Unique(base + "_zero_point"), out = Unique(base + "_DequantizeLinear_Output");
    AddInitializer(MakeTensor(values, type, dims, data, bytes));
    const std::vector<int64_t> scale_dims = axis >= 0 ? std::vector<int64_t>{static_cast<int64_t>(scales.size())}
                                                      : std::vector<int64_t>{};
    AddInitializer(MakeTensor(scale, onnx::TensorProto::FLOAT, scale_dims, scales.data(), scales.size() * 4));
    const size_t zero_bytes = scales.size() * (type == onnx::TensorProto::INT32 ? 4 : 1);
    const std::vector<char> zeros(zero_bytes, 0);
    AddInitializer(MakeTensor(zero_point, type, scale_dims, zeros.data(), zeros.size()));
    onnx::NodeProto dq;
    dq.set_op_type("DequantizeLinear");
    dq.set_name(Unique(base + "_DequantizeLinear"));
    dq.add_input(values);
    dq.add_input(scale);
    dq.add_input(zero_point);
    dq.add_output(out);
    if (axis >= 0) {
      onnx::AttributeProto* a = dq.add_attribute();
      a->set_name("axis");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(axis);
    }
    nodes_.push_back(std::move(dq));
    return out;
  }

  // The DequantizeLinear of int8 weights `values` made of the constant `weights`: the
  // one made before when another node's came out the same.
  std::string DequantizedWeights(const std::string& weights, const std::vector<int64_t>& dims,
                                 const std::vector<int8_t>& values, const std::vector<float>& scales, int axis) {
    std::string key = absl::StrCat(weights, "/", axis, "/");
    key.append(reinterpret_cast<const char*>(scales.data()), scales.size() * sizeof(float));
    auto [it, added] = weights_made_.emplace(key, "");
    if (added) it->second = EmitDequantize(weights, onnx::TensorProto::INT8, dims, values.data(), values.size(), scales, axis);
    return it->second;
  }

  bool per_channel() const { return per_channel_; }
  const ActivationQuantization& Parameters(const std::string& activation) const { return parameters_.at(activation); }

 private:
  const std::map<std::string, ActivationQuantization>& parameters_;
  bool per_channel_;
  std::set<std::string> used_;
  std::map<std::string, std::string> weights_made_;  // weights, axis and scales -> their DequantizeLinear
  std::vector<onnx::NodeProto> nodes_;
  std::vector<onnx::TensorProto> initializers_;
};

// The int8 weights (input 1) and int32 bias (input 2) of a Conv / Gemm / MatMul. A
// bias too large for int32 at scale x_scale * w_scale widens that channel's weight
// scale until it fits (as ONNX Runtime's quantiser does). The weights of several nodes
// are quantised once when they come out the same.
absl::Status RewriteWeights(const std::map<std::string, const onnx::TensorProto*>& constants, QdqWriter& writer,
                            onnx::NodeProto& node, const std::string& x) {
  const std::string where = absl::StrCat("node '", node.name(), "' (", node.op_type(), ")");
  ASSIGN_OR_RETURN(const TensorData w, ConstantData(node.input(1), *constants.at(node.input(1)), where));
  const bool conv = node.op_type() == "Conv";
  const bool transposed = node.op_type() == "Gemm" && IntAttribute(node, "transB", 0) != 0;
  const int weight_axis = !writer.per_channel() ? -1 : (conv || transposed ? 0 : 1);
  const int64_t channels = weight_axis < 0 ? 1 : w.type().shape[weight_axis];
  const bool has_bias = node.input_size() > 2 && !node.input(2).empty();
  std::vector<float> bias;
  std::vector<int64_t> b_dims;
  if (has_bias) {
    ASSIGN_OR_RETURN(const TensorData b, ConstantData(node.input(2), *constants.at(node.input(2)), where));
    bias = b.Floats();
    b_dims.assign(b.type().shape.begin(), b.type().shape.end());
  }
  const float x_scale = writer.Parameters(x).scale;
  constexpr double kInt32Limit = 2147483647.0 * 0.999;  // a margin for the float rounding of the scale
  std::vector<float> min_scales(channels, 0.0f);
  for (size_t c = 0; c < bias.size(); ++c) {
    const double needed = std::fabs(static_cast<double>(bias[c])) / (kInt32Limit * x_scale);
    float& floor = min_scales[weight_axis < 0 ? 0 : c % channels];
    floor = std::max(floor, static_cast<float>(needed));
  }
  const QuantizedWeights q = QuantizeWeights(w.Floats(), w.type().shape, weight_axis, min_scales);
  const std::vector<int64_t> w_dims(w.type().shape.begin(), w.type().shape.end());
  node.set_input(1, writer.DequantizedWeights(node.input(1), w_dims, q.values, q.scales, weight_axis));
  if (!has_bias) return absl::OkStatus();

  std::vector<float> bias_scales;
  for (float s : q.scales) {
    bias_scales.push_back(x_scale * s);
    if (!(bias_scales.back() >= std::numeric_limits<float>::min())) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": input scale ", x_scale, " x weight scale ", s,
          " underflows float32; activations this small cannot be quantised with an int32 bias"));
    }
  }
  std::vector<int32_t> values(bias.size());
  for (size_t c = 0; c < bias.size(); ++c) {
    const double v = std::nearbyint(static_cast<double>(bias[c]) / bias_scales[c % bias_scales.size()]);
    values[c] = static_cast<int32_t>(std::clamp(v, -2147483647.0, 2147483647.0));
  }
  const int bias_axis = weight_axis < 0 ? -1 : static_cast<int>(b_dims.size()) - 1;
  node.set_input(2, writer.EmitDequantize(absl::StrCat(node.input(2), "_", node.name()), onnx::TensorProto::INT32,
                                          b_dims, values.data(), values.size() * 4, bias_scales, bias_axis));
  return absl::OkStatus();
}

// A constant Add operand as int8, per tensor, from its own range.
absl::StatusOr<std::string> RewriteConstantOperand(const std::string& base, const onnx::TensorProto& constant,
                                                   QdqWriter& writer, const std::string& where) {
  ASSIGN_OR_RETURN(const TensorData data, ConstantData(base, constant, where));
  const std::vector<float> v = data.Floats();
  float lo = 0, hi = 0;
  for (float x : v) {
    if (!std::isfinite(x)) return absl::InvalidArgumentError(absl::StrCat(where, ": '", base, "' holds NaN or infinity"));
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  const ActivationQuantization p = ActivationParameters(lo, hi);
  std::vector<int8_t> q(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    q[i] = static_cast<int8_t>(std::clamp(std::nearbyint(v[i] / p.scale) + p.zero_point, -128.0f, 127.0f));
  }
  const std::vector<int64_t> dims(data.type().shape.begin(), data.type().shape.end());
  const std::string values = writer.Unique(base + "_quantized"), scale = writer.Unique(base + "_scale"),
                    zero_point = writer.Unique(base + "_zero_point"),
                    out = writer.Unique(base + "_DequantizeLinear_Output");
  writer.AddInitializer(MakeTensor(values, onnx::TensorProto::INT8, dims, q.data(), q.size()));
  writer.AddInitializer(MakeTensor(scale, onnx::TensorProto::FLOAT, {}, &p.scale, 4));
  writer.AddInitializer(MakeTensor(zero_point, onnx::TensorProto::INT8, {}, &p.zero_point, 1));
  onnx::NodeProto dq;
  dq.set_op_type("DequantizeLinear");
  dq.set_name(writer.Unique(base + "_DequantizeLinear"));
  dq.add_input(values);
  dq.add_input(scale);
  dq.add_input(zero_point);
  dq.add_output(out);
  writer.nodes().push_back(std::move(dq));
  return out;
}

// That a constant the quantiser reads holds numbers (checked before calibration, so
// the message names the node, not the NaN it would spread).
absl::Status CheckFinite(const std::map<std::string, const onnx::TensorProto*>& constants, const std::string& name,
                         const std::string& where) {
  ASSIGN_OR_RETURN(const TensorData data, ConstantData(name, *constants.at(name), where));
  for (float v : data.Floats()) {
    if (!std::isfinite(v)) return absl::InvalidArgumentError(absl::StrCat(where, ": '", name, "' holds NaN or infinity"));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> QuantizationPlan::Calibrated() const {
  std::vector<std::string> calibrated;
  for (const std::string& a : activations) {
    if (!same_parameters_as.count(a) && !softmax_outputs.count(a)) calibrated.push_back(a);
  }
  return calibrated;
}

absl::StatusOr<QuantizationPlan> PlanQuantization(const onnx::ModelProto& model, const Graph& imported) {
  const int64_t opset = DefaultOpset(model);
  if (opset < 10) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the model imports ONNX opset ", opset, "; QuantizeLinear and DequantizeLinear need opset 10 or later"));
  }
  QuantizationPlan plan;
  plan.per_channel = opset >= 13;
  const ModelFacts facts(model, imported);
  const std::map<std::string, const onnx::TensorProto*> constants = Constants(model.graph());
  std::set<std::string> quantized;
  auto add = [&](const std::string& name) {
    if (quantized.insert(name).second) plan.activations.push_back(name);
  };
  const onnx::GraphProto& graph = model.graph();
  for (int n = 0; n < graph.node_size(); ++n) {
    const onnx::NodeProto& node = graph.node(n);
    if (!node.domain().empty() && node.domain() != "ai.onnx") continue;
    const std::string& op = node.op_type();
    if (op == "Conv" || op == "Gemm" || op == "MatMul") {
      if (!HasConstantWeights(facts, node)) continue;
      const std::string where = absl::StrCat("node '", node.name(), "' (", op, ")");
      for (int i = 1; i < std::min(node.input_size(), 3); ++i) {
        if (!node.input(i).empty()) RETURN_IF_ERROR(CheckFinite(constants, node.input(i), where));
      }
      add(node.input(0));
      const ModelFacts::Absorbing absorbing = facts.AbsorbingOutput(node, opset);
      add(absorbing.output);
      if (absorbing.absorbed_clip >= 0) {
        plan.absorbed_clips[absorbing.absorbed_clip] = QuantizationPlan::AbsorbedClip{node.output(0), absorbing.clip_max};
      }
      plan.quantized_nodes.insert(n);
      plan.int8_weight_nodes.insert(n);
    } else if (op == "Add") {
      if (node.input_size() != 2 || !facts.IsFloat(node.output(0))) continue;
      const bool a_constant = facts.IsFloatConstant(node.input(0)), b_constant = facts.IsFloatConstant(node.input(1));
      const bool a = facts.IsFloatActivation(node.input(0)) || a_constant;
      const bool b = facts.IsFloatActivation(node.input(1)) || b_constant;
      if (!a || !b || (a_constant && b_constant)) continue;
      for (const std::string& input : node.input()) {
        if (facts.IsConstant(input)) {
          RETURN_IF_ERROR(CheckFinite(constants, input, absl::StrCat("node '", node.name(), "' (Add)")));
          plan.constant_activations.insert(input);
        } else {
          add(input);
        }
      }
      const ModelFacts::Absorbing absorbing = facts.AbsorbingOutput(node, opset);
      add(absorbing.output);
      if (absorbing.absorbed_clip >= 0) {
        plan.absorbed_clips[absorbing.absorbed_clip] = QuantizationPlan::AbsorbedClip{node.output(0), absorbing.clip_max};
      }
      plan.quantized_nodes.insert(n);
    } else if (op == "AveragePool" || op == "GlobalAveragePool" || op == "Softmax") {
      if (node.input_size() != 1 || node.output_size() != 1 || !facts.IsFloatActivation(node.input(0)) ||
          !facts.IsFloat(node.output(0))) {
        continue;
      }
      if (op != "Softmax") {
        const int64_t rank = facts.Type(node.input(0))->Rank();
        if (rank != 3 && rank != 4) continue;
      }
      add(node.input(0));
      add(node.output(0));
      if (op == "Softmax") plan.softmax_outputs.insert(node.output(0));
      plan.quantized_nodes.insert(n);
    } else if (PassThroughOps().count(op)) {
      if (node.input_size() < 1 || node.output_size() != 1 || !quantized.count(node.input(0)) ||
          !facts.IsFloatActivation(node.output(0))) {
        continue;
      }
      std::string root = node.input(0);
      while (plan.same_parameters_as.count(root)) root = plan.same_parameters_as.at(root);
      if (plan.softmax_outputs.count(root)) continue;
      add(node.output(0));
      plan.same_parameters_as[node.output(0)] = root;
      plan.quantized_nodes.insert(n);
    }
  }
  return plan;
}

ActivationQuantization ActivationParameters(float min, float max) {
  const double lo = std::min<double>(min, 0.0), hi = std::max<double>(max, 0.0);
  if (!(hi > lo)) return ActivationQuantization{};
  ActivationQuantization p;
  p.scale = static_cast<float>((hi - lo) / 255.0);
  if (!(p.scale >= std::numeric_limits<float>::min()) || !std::isfinite(p.scale)) return ActivationQuantization{};
  p.zero_point = static_cast<int8_t>(std::clamp(std::nearbyint(-128.0 - lo / p.scale), -128.0, 127.0));
  return p;
}

std::map<std::string, ActivationQuantization> ResolveParameters(
    const QuantizationPlan& plan, const std::map<std::string, ActivationQuantization>& calibrated) {
  std::map<std::string, ActivationQuantization> all;
  for (const std::string& a : plan.activations) {
    if (plan.softmax_outputs.count(a)) {
      all[a] = ActivationQuantization{1.0f / 256.0f, -128};
    } else if (auto alias = plan.same_parameters_as.find(a); alias != plan.same_parameters_as.end()) {
      all[a] = all.at(alias->second);  // the root comes earlier in graph order
    } else {
      all[a] = calibrated.at(a);
    }
  }
  return all;
}

absl::StatusOr<QdqModel> WriteQdqModel(const onnx::ModelProto& model, const QuantizationPlan& plan,
                                       const std::map<std::string, ActivationQuantization>& parameters) {
  const onnx::GraphProto& graph = model.graph();
  const std::map<std::string, const onnx::TensorProto*> constants = Constants(graph);
  QdqWriter writer(graph, parameters, plan.per_channel);
  const std::set<std::string> activations(plan.activations.begin(), plan.activations.end());
  std::set<std::string> graph_outputs;
  for (const onnx::ValueInfoProto& output : graph.output()) graph_outputs.insert(output.name());

  QdqModel result;
  std::map<std::string, std::string> read_as;  // a quantised activation -> its DequantizeLinear output
  for (const onnx::ValueInfoProto& input : graph.input()) {
    if (!activations.count(input.name())) continue;
    const std::string dequantized = writer.Unique(input.name() + "_DequantizeLinear_Output");
    result.int8_tensor[input.name()] = writer.EmitPair(input.name(), input.name(), dequantized);
    read_as[input.name()] = dequantized;
  }
  std::map<std::string, std::string> constant_read_as;  // quantised Add constants, made once
  // An absorbed Clip is dropped when its output's quantisation does its clipping: zero
  // point -128 (the range starts at 0, below which QuantizeLinear saturates) and its max
  // quantised to the top code 127 (so does everything above it). A range calibration saw
  // as all zeros (scale 1, zero point 0) does not: that Clip stays.
  std::map<std::string, std::string> written_as;  // a dropped Clip's input -> its output
  std::set<int> dropped_clips;
  for (const auto& [clip, absorbed] : plan.absorbed_clips) {
    const ActivationQuantization& p = parameters.at(graph.node(clip).output(0));
    const bool max_saturates = std::isinf(absorbed.max) || std::nearbyint(absorbed.max / p.scale) - 128.0f >= 127.0f;
    if (p.zero_point == -128 && max_saturates) {
      written_as[absorbed.input] = graph.node(clip).output(0);
      dropped_clips.insert(clip);
    }
  }
  for (int n = 0; n < graph.node_size(); ++n) {
    if (dropped_clips.count(n)) continue;
    onnx::NodeProto node = graph.node(n);
    for (int o = 0; o < node.output_size(); ++o) {
      if (auto it = written_as.find(node.output(o)); it != written_as.end()) node.set_output(o, it->second);
    }
    const std::string x = node.input_size() > 0 ? node.input(0) : "";
    if (plan.quantized_nodes.count(n) && node.op_type() == "Add") {
      for (int i = 0; i < node.input_size(); ++i) {
        if (!plan.constant_activations.count(node.input(i))) continue;
        if (!constant_read_as.count(node.input(i))) {
          ASSIGN_OR_RETURN(constant_read_as[node.input(i)],
                           RewriteConstantOperand(node.input(i), *constants.at(node.input(i)), writer,
                                                  absl::StrCat("node '", node.name(), "' (Add)")));
        }
        node.set_input(i, constant_read_as.at(node.input(i)));
      }
    }
    if (plan.int8_weight_nodes.count(n)) RETURN_IF_ERROR(RewriteWeights(constants, writer, node, x));
    for (int i = 0; i < node.input_size(); ++i) {
      if (auto it = read_as.find(node.input(i)); it != read_as.end()) node.set_input(i, it->second);
    }
    std::vector<std::pair<std::string, std::string>> pairs;  // activation, the tensor its Q reads
    for (int o = 0; o < node.output_size(); ++o) {
      const std::string y = node.output(o);
      if (!activations.count(y)) continue;
      if (graph_outputs.count(y)) {  // the graph output keeps its name: the DequantizeLinear's
        node.set_output(o, writer.Unique(y + "_float"));
        pairs.emplace_back(y, node.output(o));
      } else {
        pairs.emplace_back(y, y);
      }
    }
    writer.nodes().push_back(std::move(node));
    for (const auto& [y, source] : pairs) {
      const std::string dequantized = graph_outputs.count(y) ? y : writer.Unique(y + "_DequantizeLinear_Output");
      result.int8_tensor[y] = writer.EmitPair(y, source, dequantized);
      if (!graph_outputs.count(y)) read_as[y] = dequantized;
    }
  }

  // The new graph: the old initializers still read, the new ones; Constant nodes whose
  // value nothing reads any more dropped.
  std::set<std::string> read;
  for (const onnx::NodeProto& node : writer.nodes()) {
    for (const std::string& input : node.input()) read.insert(input);
  }
  for (const std::string& output : graph_outputs) read.insert(output);
  result.model = model;
  onnx::GraphProto* out = result.model.mutable_graph();
  out->clear_node();
  for (onnx::NodeProto& node : writer.nodes()) {
    const bool unread_constant = node.op_type() == "Constant" && node.output_size() == 1 && !read.count(node.output(0));
    if (!unread_constant) *out->add_node() = std::move(node);
  }
  out->clear_initializer();
  std::set<std::string> dropped;  // initializers nothing reads any more
  for (const onnx::TensorProto& t : graph.initializer()) {
    if (read.count(t.name())) *out->add_initializer() = t;
    else dropped.insert(t.name());
  }
  // Initializers listed as graph inputs too (as older exporters write them) leave the
  // inputs with them; before IR version 4 every initializer must be an input, so the
  // new ones are listed as well.
  google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> inputs;
  for (const onnx::ValueInfoProto& input : graph.input()) {
    if (!dropped.count(input.name())) *inputs.Add() = input;
  }
  for (onnx::TensorProto& t : writer.initializers()) {
    if (model.ir_version() < 4) {
      onnx::ValueInfoProto* input = inputs.Add();
      input->set_name(t.name());
      onnx::TypeProto::Tensor* type = input->mutable_type()->mutable_tensor_type();
      type->set_elem_type(t.data_type());
      onnx::TensorShapeProto* shape = type->mutable_shape();
      for (int64_t d : t.dims()) shape->add_dim()->set_dim_value(d);
    }
    *out->add_initializer() = std::move(t);
  }
  out->mutable_input()->Swap(&inputs);
  result.model.set_producer_name("modelc quantize");
  return result;
}

}  // namespace modelc
