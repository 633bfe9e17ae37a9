// Bodies of operators newer than the system's ONNX library (see newer_op_bodies.h).
#include "compiler/frontend/onnx/newer_op_bodies.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "onnx/defs/function.h"

namespace modelc {
namespace {

using Dims = std::vector<int64_t>;

// The dimensions a type declares, when it declares them all.
std::optional<Dims> DeclaredDims(const onnx::TypeProto& type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return std::nullopt;
  Dims dims;
  for (const auto& dim : type.tensor_type().shape().dim()) {
    if (!dim.has_dim_value() || dim.dim_value() < 0) return std::nullopt;
    dims.push_back(dim.dim_value());
  }
  return dims;
}

int32_t ElementType(const onnx::TypeProto& type) {
  return type.has_tensor_type() ? type.tensor_type().elem_type() : onnx::TensorProto::UNDEFINED;
}

const onnx::AttributeProto* FindAttribute(const onnx::NodeProto& node, const std::string& name) {
  for (const onnx::AttributeProto& attribute : node.attribute()) {
    if (attribute.name() == name) return &attribute;
  }
  return nullptr;
}

int64_t IntAttribute(const onnx::NodeProto& node, const std::string& name, int64_t otherwise) {
  const onnx::AttributeProto* attribute = FindAttribute(node, name);
  return attribute ? attribute->i() : otherwise;
}

float FloatAttribute(const onnx::NodeProto& node, const std::string& name, float otherwise) {
  const onnx::AttributeProto* attribute = FindAttribute(node, name);
  return attribute ? attribute->f() : otherwise;
}

onnx::TensorProto FloatTensor(const Dims& dims, const std::vector<float>& values) {
  onnx::TensorProto tensor;
  tensor.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t dim : dims) tensor.add_dims(dim);
  for (float value : values) tensor.add_float_data(value);
  return tensor;
}

onnx::TensorProto IntTensor(const Dims& values) {
  onnx::TensorProto tensor;
  tensor.set_data_type(onnx::TensorProto::INT64);
  tensor.add_dims(static_cast<int64_t>(values.size()));
  for (int64_t value : values) tensor.add_int64_data(value);
  return tensor;
}

// Writes a body: its formal inputs and outputs, then nodes in ONNX's text syntax.
class BodyWriter {
 public:
  BodyWriter(onnx::FunctionProto* body, std::initializer_list<const char*> inputs,
             std::initializer_list<const char*> outputs)
      : builder_(*body) {
    for (const char* input : inputs) body->add_input(input);
    for (const char* output : outputs) body->add_output(output);
  }
  void Node(const std::string& text) { builder_.Add(text.c_str()); }
  void Constant(const std::string& name, const onnx::TensorProto& value) { builder_.Const(name, value); }
  void Shape(const std::string& name, const Dims& dims) { Constant(name, IntTensor(dims)); }

 private:
  onnx::FunctionBuilder builder_;
};

constexpr float kNegativeInfinity = -std::numeric_limits<float>::infinity();

// Attention (opsets 23 to 25, without an external cache: nonpad_kv_seqlen): as ONNX's
// reference computes it. Heads split from 3-D inputs; the past cache concatenated;
// grouped heads repeated; (Q sqrt(scale)) (K sqrt(scale))^T, softcapped, plus the bias
// (a boolean mask as 0 / -inf, padded with -inf to the keys; the causal frontier and the
// sliding window, both offset by the past's length); softmax, with rows whose bias is
// all -inf set to zero; times V. qk_matmul_output is the softcapped product (modes 0 and 1), with the bias
// (2) or after the softmax (3).
bool BuildAttention(const onnx::NodeProto& node, const std::vector<onnx::TypeProto>& types,
                    onnx::FunctionProto* body) {
  auto given = [&](int i) { return i < node.input_size() && !node.input(i).empty(); };
  const int64_t left_window = IntAttribute(node, "left_window_size", -1);
  const int64_t right_window = IntAttribute(node, "right_window_size", -1);
  if (given(6) || given(4) != given(5) || left_window < -1 || right_window < -1) return false;
  const int64_t precision = IntAttribute(node, "softmax_precision", onnx::TensorProto::FLOAT);
  const int64_t qk_mode = IntAttribute(node, "qk_matmul_output_mode", 0);
  if (precision != onnx::TensorProto::FLOAT || qk_mode < 0 || qk_mode > 3) return false;
  std::vector<Dims> dims(7);
  for (int i : {0, 1, 2, 3, 4, 5}) {
    if (!given(i)) continue;
    const std::optional<Dims> declared = DeclaredDims(types[i]);
    const int32_t type = ElementType(types[i]);
    if (!declared || !(type == onnx::TensorProto::FLOAT || (i == 3 && type == onnx::TensorProto::BOOL))) return false;
    dims[i] = *declared;
  }
  const Dims& q = dims[0];
  const Dims& k = dims[1];
  const Dims& v = dims[2];
  if (q.size() != k.size() || q.size() != v.size() || (q.size() != 3 && q.size() != 4)) return false;
  const bool split_heads = q.size() == 3;
  int64_t batch = q[0], q_heads, kv_heads, q_length, kv_length, head_size, value_size;
  if (split_heads) {
    q_heads = IntAttribute(node, "q_num_heads", 0);
    kv_heads = IntAttribute(node, "kv_num_heads", 0);
    if (q_heads <= 0 || kv_heads <= 0 || q[2] % q_heads != 0 || k[2] % kv_heads != 0 || v[2] % kv_heads != 0) {
      return false;
    }
    q_length = q[1], kv_length = k[1], head_size = q[2] / q_heads, value_size = v[2] / kv_heads;
    if (k[2] / kv_heads != head_size || v[1] != kv_length) return false;
  } else {
    q_heads = q[1], kv_heads = k[1], q_length = q[2], kv_length = k[2], head_size = q[3], value_size = v[3];
    if (k[3] != head_size || v[1] != kv_heads || v[2] != kv_length) return false;
  }
  if (k[0] != batch || v[0] != batch || kv_heads <= 0 || q_heads % kv_heads != 0) return false;
  int64_t past = 0;
  if (given(4)) {
    const Dims& past_key = dims[4];
    if (past_key.size() != 4) return false;
    past = past_key[2];
    if (past_key != Dims{batch, kv_heads, past, head_size} || dims[5] != Dims{batch, kv_heads, past, value_size}) {
      return false;
    }
  }
  const int64_t keys = past + kv_length;
  const bool masked = given(3);
  if (masked && (dims[3].empty() || dims[3].back() > keys)) return false;

  BodyWriter w(body, {"Q", "K", "V", "attn_mask", "past_key", "past_value", "nonpad_kv_seqlen"},
               {"Y", "present_key", "present_value", "qk_matmul_output"});
  // [batch, heads, sequence, head size]
  if (split_heads) {
    w.Shape("QShape", {batch, q_length, q_heads, head_size});
    w.Shape("KShape", {batch, kv_length, kv_heads, head_size});
    w.Shape("VShape", {batch, kv_length, kv_heads, value_size});
    for (const char* x : {"Q", "K", "V"}) {
      w.Node(absl::StrCat(x, "Split = Reshape (", x, ", ", x, "Shape)"));
      w.Node(absl::StrCat(x, "4 = Transpose <perm = [0, 2, 1, 3]> (", x, "Split)"));
    }
  } else {
    for (const char* x : {"Q", "K", "V"}) w.Node(absl::StrCat(x, "4 = Identity (", x, ")"));
  }
  if (given(4)) {
    w.Node("KAll = Concat <axis = 2> (past_key, K4)");
    w.Node("VAll = Concat <axis = 2> (past_value, V4)");
  } else {
    w.Node("KAll = Identity (K4)");
    w.Node("VAll = Identity (V4)");
  }
  w.Node("present_key = Identity (KAll)");
  w.Node("present_value = Identity (VAll)");
  const int64_t repeats = q_heads / kv_heads;
  if (repeats > 1) {  // query head h reads key/value head h / repeats
    w.Shape("HeadAxis", {2});
    for (const auto& [x, size] : {std::pair<const char*, int64_t>{"K", head_size}, {"V", value_size}}) {
      w.Shape(absl::StrCat(x, "Repeated"), {batch, kv_heads, repeats, keys, size});
      w.Shape(absl::StrCat(x, "Grouped"), {batch, q_heads, keys, size});
      w.Node(absl::StrCat(x, "Unsqueezed = Unsqueeze (", x, "All, HeadAxis)"));
      w.Node(absl::StrCat(x, "Expanded = Expand (", x, "Unsqueezed, ", x, "Repeated)"));
      w.Node(absl::StrCat(x, "Heads = Reshape (", x, "Expanded, ", x, "Grouped)"));
    }
  } else {
    w.Node("KHeads = Identity (KAll)");
    w.Node("VHeads = Identity (VAll)");
  }
  const onnx::AttributeProto* scale_attribute = FindAttribute(node, "scale");
  const double scale =
      scale_attribute ? static_cast<double>(scale_attribute->f()) : 1.0 / std::sqrt(static_cast<double>(head_size));
  w.Constant("ScaleRoot", FloatTensor({}, {static_cast<float>(std::sqrt(scale))}));
  w.Node("QScaled = Mul (Q4, ScaleRoot)");
  w.Node("KT = Transpose <perm = [0, 1, 3, 2]> (KHeads)");
  w.Node("KTScaled = Mul (KT, ScaleRoot)");
  w.Node("Product = MatMul (QScaled, KTScaled)");
  const float softcap = FloatAttribute(node, "softcap", 0.0f);
  if (softcap > 0) {
    w.Constant("Cap", FloatTensor({}, {softcap}));
    w.Node("ProductOverCap = Div (Product, Cap)");
    w.Node("ProductTanh = Tanh (ProductOverCap)");
    w.Node("Capped = Mul (ProductTanh, Cap)");
  } else {
    w.Node("Capped = Identity (Product)");
  }
  std::vector<std::string> bias_terms;
  w.Constant("Zero", FloatTensor({}, {0.0f}));
  w.Constant("NegativeInfinity", FloatTensor({}, {kNegativeInfinity}));
  if (masked) {
    const Dims& mask = dims[3];
    w.Node(ElementType(types[3]) == onnx::TensorProto::BOOL ? "MaskBias = Where (attn_mask, Zero, NegativeInfinity)"
                                                            : "MaskBias = Identity (attn_mask)");
    std::string term = "MaskBias";
    if (mask.back() < keys) {  // the keys past the mask's are masked
      Dims pads(2 * mask.size(), 0);
      pads[2 * mask.size() - 1] = keys - mask.back();
      w.Shape("MaskPads", pads);
      w.Node("MaskPadded = Pad (MaskBias, MaskPads, NegativeInfinity)");
      term = "MaskPadded";
    }
    bias_terms.push_back(term);
  }
  if (IntAttribute(node, "is_causal", 0) != 0) {  // query i attends key j iff j <= i + past
    std::vector<float> causal(q_length * keys);
    for (int64_t i = 0; i < q_length; ++i)
      for (int64_t j = 0; j < keys; ++j) causal[i * keys + j] = j <= i + past ? 0.0f : kNegativeInfinity;
    w.Constant("CausalBias", FloatTensor({q_length, keys}, causal));
    bias_terms.push_back("CausalBias");
  }
  if (left_window >= 0 || right_window >= 0) {  // query i at i + past attends keys within the window
    std::vector<float> window(q_length * keys);
    for (int64_t i = 0; i < q_length; ++i)
      for (int64_t j = 0; j < keys; ++j) {
        const int64_t distance = i + past - j;
        const bool inside = (left_window < 0 || distance <= left_window) && (right_window < 0 || -distance <= right_window);
        window[i * keys + j] = inside ? 0.0f : kNegativeInfinity;
      }
    w.Constant("WindowBias", FloatTensor({q_length, keys}, window));
    bias_terms.push_back("WindowBias");
  }
  std::string probabilities = "Probabilities";
  if (bias_terms.empty()) {
    w.Node("WithBias = Identity (Capped)");
    w.Node("Probabilities = Softmax <axis = -1> (WithBias)");
  } else {
    w.Node(absl::StrCat("Bias0 = Identity (", bias_terms[0], ")"));
    for (size_t t = 1; t < bias_terms.size(); ++t) {
      w.Node(absl::StrCat("Bias", t, " = Add (Bias", t - 1, ", ", bias_terms[t], ")"));
    }
    w.Node(absl::StrCat("Bias = Identity (Bias", bias_terms.size() - 1, ")"));
    w.Node("WithBias = Add (Capped, Bias)");
    w.Node("Probabilities = Softmax <axis = -1> (WithBias)");
    // A row whose bias is all -inf attends no key: zeros, not the softmax's NaNs.
    w.Shape("LastAxis", {-1});
    w.Node("BiasRowMax = ReduceMax <keepdims = 1> (Bias, LastAxis)");
    w.Node("RowMasked = Equal (BiasRowMax, NegativeInfinity)");
    w.Node("Guarded = Where (RowMasked, Zero, Probabilities)");
    probabilities = "Guarded";
  }
  w.Node(absl::StrCat("YHeads = MatMul (", probabilities, ", VHeads)"));
  if (split_heads) {
    w.Shape("YShape", {batch, q_length, q_heads * value_size});
    w.Node("YSequence = Transpose <perm = [0, 2, 1, 3]> (YHeads)");
    w.Node("Y = Reshape (YSequence, YShape)");
  } else {
    w.Node("Y = Identity (YHeads)");
  }
  const char* qk_output = qk_mode <= 1 ? "Capped" : qk_mode == 2 ? "WithBias" : probabilities.c_str();
  w.Node(absl::StrCat("qk_matmul_output = Identity (", qk_output, ")"));
  return true;
}

// Gelu (opset 20): x/2 (1 + erf(x / sqrt 2)), or with approximate = "tanh"
// x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
bool BuildGelu(const onnx::NodeProto& node, const std::vector<onnx::TypeProto>& types, onnx::FunctionProto* body) {
  if (types.empty() || ElementType(types[0]) != onnx::TensorProto::FLOAT) return false;
  const onnx::AttributeProto* approximate = FindAttribute(node, "approximate");
  const std::string form = approximate ? approximate->s() : "none";
  if (form != "none" && form != "tanh") return false;
  BodyWriter w(body, {"X"}, {"Y"});
  w.Constant("Half", FloatTensor({}, {0.5f}));
  w.Constant("One", FloatTensor({}, {1.0f}));
  if (form == "none") {
    w.Constant("RootTwo", FloatTensor({}, {static_cast<float>(std::sqrt(2.0))}));
    w.Node("Scaled = Div (X, RootTwo)");
    w.Node("Curve = Erf (Scaled)");
  } else {
    w.Constant("RootTwoOverPi", FloatTensor({}, {static_cast<float>(std::sqrt(2.0 / M_PI))}));
    w.Constant("Cubic", FloatTensor({}, {0.044715f}));
    w.Constant("Three", FloatTensor({}, {3.0f}));
    w.Node("Cube = Pow (X, Three)");
    w.Node("CubeTerm = Mul (Cubic, Cube)");
    w.Node("Inner = Add (X, CubeTerm)");
    w.Node("Scaled = Mul (RootTwoOverPi, Inner)");
    w.Node("Curve = Tanh (Scaled)");
  }
  w.Node("OnePlus = Add (One, Curve)");
  w.Node("HalfX = Mul (Half, X)");
  w.Node("Y = Mul (HalfX, OnePlus)");
  return true;
}

}  // namespace

bool BuildNewerOpBody(const onnx::NodeProto& node, const std::vector<onnx::TypeProto>& input_types,
                      onnx::FunctionProto* body) {
  if (node.op_type() == "Attention") return BuildAttention(node, input_types, body);
  if (node.op_type() == "Gelu") return BuildGelu(node, input_types, body);
  return false;
}

}  // namespace modelc
