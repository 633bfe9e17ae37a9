// QDQ fusion: the quantised model a QDQ file describes (float ops between
// DequantizeLinear and QuantizeLinear, as ONNX Runtime's quantiser and PyTorch export
// it) becomes integer ops, as ONNX Runtime's own QDQ transformer makes it, so the
// arithmetic is the integer kernels' and matches ORT bit for bit:
//   DQ(x) -> Conv(., DQ(w), DQ(b)) -> Q          becomes  QLinearConv(x, w, b)
//   DQ(x) -> MatMul / Gemm(., DQ(w), DQ(b)) -> Q  becomes  QLinearMatMul(x, w, b)
//                                                (constant weights kept [N, K]: transB)
//   ... -> Relu -> Q whose zero point is the type's minimum: the Relu is the clamp the
//   quantisation already does, and goes (ORT's ReluQuantFusion)
//   DQ(a), DQ(b) -> Add -> Q                     becomes  QLinearAdd(a, b): ORT's
//                                                arithmetic where ORT's x86 build
//                                                replaces the pattern (OrtReplacesPattern),
//                                                elsewhere the float chain's
//                                                (kFusedDequantizedSum)
//   DQ(a), DQ(b) -> Mul -> Q                     becomes  QLinearMul(a, b), ORT's
//                                                arithmetic, where ORT's x86 build
//                                                replaces it (OrtReplacesPattern;
//                                                elsewhere ORT multiplies in float, as
//                                                the file says)
//   DQ(x) -> AveragePool / GlobalAveragePool -> Q becomes  QLinearAveragePool(x) (a
//                                                GlobalAveragePool ORT replaces with
//                                                its QLinearGlobalAveragePool's one
//                                                multiplier)
//   DQ(x) -> Sigmoid / LeakyRelu -> Q (parameters constant, one 8-bit type)
//                                                becomes  TableLookup(x) of ORT's table
//                                                (ORT's QLinearSigmoid / QLinearLeakyRelu,
//                                                which is also its float chain's result)
//   DQ(x1), DQ(x2), ... -> Concat -> Q (parameters constant, one 8-bit type)
//                                                becomes  Concat(x1, x2, ...), each input
//                                                of another pair than y's requantised by
//                                                ORT's table (a TableLookup)
//   DQ(x) -> Softmax -> Q (scales constant; where
//   ORT replaces it, OrtReplacesPattern)         becomes  QLinearSoftmax(x): ORT's table
//                                                arithmetic (at most one step below the
//                                                float Softmax; ORT gives the same)
//   DQ(x) -> MaxPool / Transpose / a view (ops.def's kPassesValuesThrough) -> Q with the
//   same scale and zero point
//                                                becomes  the op on x itself (it moves
//   or picks values, and quantising a dequantised value gives it back exactly)
// Conditions: 8-bit tensors, parameters not blocked; x's parameters per tensor; w an int8/uint8 constant, per tensor or per
// output channel; b an int32 constant with zero point 0 and scale x_scale * w_scale
// (anything else is refused: the model is inconsistent); Gemm with alpha = beta = 1 and
// A not transposed. A product's weights are kept as [N, K] (transposed once if given as
// [K, N]). A pattern that does not qualify stays in float, computed as the file says. Runs before constant folding, which would otherwise
// fold the weights' DequantizeLinear into float weights.
//
// FuseQuantizedBatchNormalization, after constant folding (ORT's quantiser leaves the
// statistics as DequantizeLinear of constants):
//   DQ(x) -> BatchNormalization (constant statistics) -> Q
//                                                becomes  QLinearChannelAffine(x): the
//   scale and shift the normalisation folds to, computed in float per element between
//   x's dequantisation and y's quantisation, int8 in and out (it may run in place)
//
// KeepInt8Weights (--weights-int8 keep), after it: what is left of weight-only
// quantisation, MatMul / Gemm(x, DQ(w)) with float x and constant int8/uint8 w per
// tensor or per output column, becomes Int8WeightsMatMul, whose kernel dequantises w:
// the weights stay int8 in flash instead of being folded into float weights.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/uses.h"
#include "compiler/ops/quantize/half_rounding.h"
#include "compiler/ops/quantize/ort_activation_tables.h"
#include "compiler/passes/fusion_util.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The quantised tensor behind a DequantizeLinear's output, or a QuantizeLinear's
// parameters: data (or the Q's input), scale, zero point (kNoValue when absent), axis.
struct QuantizedOperand {
  int node = -1;
  ValueId data = kNoValue, scale = kNoValue, zero_point = kNoValue;
  DataType type = DataType::kUInt8;  // the quantised tensor's (a QuantizeLinear's output)
  int64_t axis = 1;
};

std::optional<QuantizedOperand> OperandOf(const Graph& graph, int node_index, OpKind op) {
  if (node_index < 0) return std::nullopt;
  const Node& node = graph.nodes()[node_index];
  if (node.op != op || node.guard != kNoValue) return std::nullopt;
  // The integer kernels take 8-bit tensors (and int32 biases), per tensor or per axis.
  const ValueId quantized = op == OpKind::kDequantizeLinear ? node.inputs[0] : node.outputs[0];
  const DataType type = graph.value(quantized).type.element_type;
  if (type == DataType::kInt16 || type == DataType::kUInt16 || node.attributes.GetInt("block_size", 0).value_or(0) != 0) {
    return std::nullopt;
  }
  QuantizedOperand q;
  q.node = node_index;
  q.type = type;
  q.data = node.inputs[0];
  q.scale = node.inputs[1];
  q.zero_point = graph.HasInput(node, 2) ? node.inputs[2] : kNoValue;
  // -1 where the axis means nothing (a scalar's default axis 1): only per-axis
  // parameters ask for it, and the node's own rule checked theirs.
  const int64_t rank = static_cast<int64_t>(graph.value(q.data).type.shape.size());
  q.axis = NormalizeAxis(node.attributes.GetInt("axis", 1).value_or(1), rank).value_or(-1);
  return q;
}

std::optional<QuantizedOperand> DequantizedInput(const Graph& graph, const Node& node, int i) {
  if (!graph.HasInput(node, i)) return std::nullopt;
  return OperandOf(graph, graph.value(node.inputs[i]).producer, OpKind::kDequantizeLinear);
}

bool PerTensor(const Graph& graph, ValueId scale) { return graph.value(scale).type.ElementCount() == 1; }

// Per tensor, or per index of `axis` of the quantised tensor.
bool PerTensorOrAlong(const Graph& graph, const QuantizedOperand& q, int64_t axis) {
  return PerTensor(graph, q.scale) || q.axis == axis;
}

bool Constant(const Graph& graph, const QuantizedOperand& q) {
  return graph.IsConstant(q.data) && graph.IsConstant(q.scale) &&
         (q.zero_point == kNoValue || graph.IsConstant(q.zero_point));
}

// The zero point input of a fused node: the operand's, or a constant 0 of its type.
ValueId ZeroPointOf(Graph& graph, const QuantizedOperand& q, const std::string& name) {
  if (q.zero_point != kNoValue) return q.zero_point;
  return graph.AddConstant(absl::StrCat(name, ".zero_point"),
                           TensorData(TensorType{q.type, {}}, std::vector<uint8_t>(ByteSize(q.type), 0)));
}

// The bias's scale must be x_scale * w_scale (per channel), its zero point 0.
absl::Status CheckBias(const Graph& graph, const Node& node, const QuantizedOperand& x, const QuantizedOperand& w,
                       const QuantizedOperand& bias) {
  const std::vector<float> bias_scale = graph.value(bias.scale).constant->Floats();
  const float x_scale = graph.value(x.scale).constant->Floats()[0];
  const std::vector<float> w_scale = graph.value(w.scale).constant->Floats();
  if (bias.zero_point != kNoValue) {
    for (int32_t v : graph.value(bias.zero_point).constant->Elements<int32_t>()) {
      if (v != 0) return absl::InvalidArgumentError(absl::StrCat("node '", node.name, "': its int32 bias has zero point ", v, "; it must be 0"));
    }
  }
  for (size_t c = 0; c < std::max(bias_scale.size(), w_scale.size()); ++c) {
    const float expected = x_scale * w_scale[c % w_scale.size()];
    const float actual = bias_scale[c % bias_scale.size()];
    if (std::fabs(actual - expected) > 1e-6f * std::fabs(expected)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "node '", node.name, "' (", OpName(node.op), "): its int32 bias has scale ", actual, " at channel ", c,
          " but input scale x weight scale is ", expected, "; the quantised model is inconsistent"));
    }
  }
  return absl::OkStatus();
}

// [K, N] int8 weights as [N, K] (each output column's weights contiguous), a new
// constant; the old one, unreferenced, is not emitted.
ValueId TransposedWeights(Graph& graph, ValueId weights) {
  return graph.AddConstant(absl::StrCat(graph.value(weights).name, ".transposed"),
                           PermuteTensorData(*graph.value(weights).constant, {1, 0}));
}

bool ZeroPointIsTypeMinimum(const Graph& graph, const QuantizedOperand& q) {
  if (q.zero_point == kNoValue) return true;  // uint8 with zero point 0
  if (!graph.IsConstant(q.zero_point)) return false;
  const TensorData& z = *graph.value(q.zero_point).constant;
  if (z.type().element_type == DataType::kInt8) return z.Elements<int8_t>()[0] == -128;
  if (z.type().element_type == DataType::kUInt8) return z.Elements<uint8_t>()[0] == 0;
  return false;
}

// The QuantizeLinear reading `value` (through a Relu the quantisation implies), if it is
// the value's only reader and rounds halves to even: the index of the Q node, and the
// Relu's, or -1.
struct OutputQuantization {
  QuantizedOperand q;
  int relu = -1;
};
std::optional<OutputQuantization> QuantizedOutput(const Graph& graph, const GraphUses& uses, ValueId value) {
  if (uses.IsGraphOutput(value) || uses.Consumers(value).size() != 1) return std::nullopt;
  OutputQuantization out;
  int reader = uses.Consumers(value)[0];
  if (graph.nodes()[reader].op == OpKind::kRelu) {
    const ValueId relu_out = graph.nodes()[reader].outputs[0];
    if (uses.IsGraphOutput(relu_out) || uses.Consumers(relu_out).size() != 1) return std::nullopt;
    out.relu = reader;
    reader = uses.Consumers(relu_out)[0];
  }
  std::optional<QuantizedOperand> q = OperandOf(graph, reader, OpKind::kQuantizeLinear);
  // Halves away from zero (TFLite's QUANTIZE) are not the integer ops' rounding.
  if (!q || !PerTensor(graph, q->scale) || HalfRoundingOf(graph.nodes()[reader]) != HalfRounding::kToEven) {
    return std::nullopt;
  }
  if (out.relu >= 0 && !ZeroPointIsTypeMinimum(graph, *q)) return std::nullopt;
  out.q = *q;
  return out;
}

// Node `n` becomes `fused`, writing the output of the QuantizeLinear `y` found after it;
// that QuantizeLinear (and a Relu it implies) marked in `removed`.
void ReplaceUpToQuantization(Graph& graph, int n, Node fused, const OutputQuantization& y, std::vector<bool>& removed) {
  fused.outputs = graph.nodes()[y.q.node].outputs;
  graph.mutable_nodes()[n] = std::move(fused);
  removed[y.q.node] = true;
  if (y.relu >= 0) removed[y.relu] = true;
}

// DQ(x) -> op -> Q with the same parameters: the op reads x and writes Q's output.
// Returns the Q node's index, or -1.
int FusePassThrough(Graph& graph, const GraphUses& uses, int n) {
  const Node& node = graph.nodes()[n];
  if (!GetOpInfo(node.op).Has(op_traits::kPassesValuesThrough) || node.guard != kNoValue) return -1;
  std::optional<QuantizedOperand> x = DequantizedInput(graph, node, 0);
  std::optional<OutputQuantization> y = QuantizedOutput(graph, uses, node.outputs[0]);
  if (!x || !y || y->relu >= 0 || !PerTensor(graph, x->scale)) return -1;
  if (!SameConstant(graph, x->scale, y->q.scale) || !SameConstant(graph, x->zero_point, y->q.zero_point)) return -1;
  const DataType x_type = graph.value(x->data).type.element_type;
  const DataType y_type = graph.value(graph.nodes()[y->q.node].outputs[0]).type.element_type;
  if (x_type != y_type) return -1;
  Node& fused = graph.mutable_nodes()[n];
  fused.inputs[0] = x->data;
  fused.outputs = graph.nodes()[y->q.node].outputs;
  return y->q.node;
}

// The zero point of a QuantizeLinear or DequantizeLinear `node` when it is one int8
// constant (of any shape).
std::optional<int8_t> Int8ZeroPoint(const Graph& graph, const Node& node) {
  if (!graph.HasInput(node, 2) || !graph.IsConstant(node.inputs[2])) return std::nullopt;
  const TensorType& type = graph.InputType(node, 2);
  if (type.element_type != DataType::kInt8 || type.ElementCount() != 1) return std::nullopt;
  return graph.value(node.inputs[2]).constant->Elements<int8_t>()[0];
}

// The 8-bit type ONNX Runtime's x86-64 build computes a quantised tensor in (the output
// of a QuantizeLinear, the input of a DequantizeLinear). Its QDQS8ToU8Transformer
// (qdq_s8_to_u8.cc) makes an int8 QuantizeLinear -> DequantizeLinear pair uint8, zero
// points + 128, where the QuantizeLinear's output is read by that DequantizeLinear
// alone and both zero points are one equal int8 constant. Before it, ORT merges
// QuantizeLinear nodes alike (one per reader, as quantisers with dedicated pairs write
// them) and EnsureUniqueDQForNodeUnit gives each reader of a DequantizeLinear its own:
// so the readers of every QuantizeLinear alike, and of the DequantizeLinear, count.
// Other int8 tensors (constants, graph inputs, a QuantizeLinear read twice) stay int8.
// Graph outputs do not count here (ORT's rule counts the model's): so that asking for a
// tensor (--outputs) does not change how the others are computed. (ORT 1.20.1's rule;
// later versions also convert some int8 constants.)
DataType OrtComputedType(const Graph& graph, const GraphUses& uses, ValueId quantized) {
  const DataType type = graph.value(quantized).type.element_type;
  const int q = graph.value(quantized).producer;
  if (type != DataType::kInt8 || q < 0 || graph.nodes()[q].op != OpKind::kQuantizeLinear) return type;
  const Node& quantize = graph.nodes()[q];
  size_t readers = 0;
  for (int other : uses.Consumers(quantize.inputs[0])) {
    const Node& alike = graph.nodes()[other];
    if (alike.op == OpKind::kQuantizeLinear && SameConstant(graph, alike.inputs[1], quantize.inputs[1]) &&
        Int8ZeroPoint(graph, alike) == Int8ZeroPoint(graph, quantize)) {
      readers += uses.Consumers(alike.outputs[0]).size();
    }
  }
  if (readers != 1 || uses.Consumers(quantized).size() != 1) return type;
  const Node& dq = graph.nodes()[uses.Consumers(quantized)[0]];
  const std::optional<int8_t> zero_point = Int8ZeroPoint(graph, quantize);
  if (dq.op != OpKind::kDequantizeLinear || uses.Consumers(dq.outputs[0]).size() > 1 || !zero_point ||
      Int8ZeroPoint(graph, dq) != zero_point) {
    return type;
  }
  return DataType::kUInt8;
}

// Whether ONNX Runtime's x86-64 build replaces the pattern around a node by its
// com.microsoft QLinear op (qdq_selectors.cc's unary, binary and variadic selectors;
// node_unit.cc's CanCreateNodeGroup), given the node's dequantised `inputs` and its
// output's quantisation `y` (QuantizedOutput: read by that QuantizeLinear alone, not a
// graph output): the types ORT computes the inputs and the output in (OrtComputedType)
// one. Where it does not, ORT computes the float op between.
bool OrtReplacesPattern(const Graph& graph, const GraphUses& uses, const std::vector<QuantizedOperand>& inputs,
                        const OutputQuantization& y) {
  const DataType y_type = OrtComputedType(graph, uses, graph.nodes()[y.q.node].outputs[0]);
  for (const QuantizedOperand& x : inputs) {
    if (OrtComputedType(graph, uses, x.data) != y_type) return false;
  }
  return true;
}

// DQ(a), DQ(b) -> Add -> Q: QLinearAdd, in ORT's arithmetic where ORT makes one
// (OrtReplacesPattern), else in the float chain's; DQ(a), DQ(b) -> Mul -> Q: QLinearMul,
// where ORT makes one (elsewhere the float product, left as it is, is ORT's);
// DQ(x) -> (Global)AveragePool -> Q: QLinearAveragePool, a GlobalAveragePool that ORT
// replaces with ORT's QLinearGlobalAveragePool arithmetic (kFusedGlobalAverageScale);
// DQ(x) -> Softmax -> Q: QLinearSoftmax, where ORT makes one. Returns the removed nodes
// (Q, and a Relu it implies), or {}.
std::vector<int> FuseElementwiseOrPool(Graph& graph, const GraphUses& uses, int n) {
  const Node node = graph.nodes()[n];
  const bool add = node.op == OpKind::kAdd, mul = node.op == OpKind::kMul;
  const bool pool = node.op == OpKind::kAveragePool || node.op == OpKind::kGlobalAveragePool;
  const bool softmax = node.op == OpKind::kSoftmax;
  if ((!add && !mul && !pool && !softmax) || node.guard != kNoValue) return {};
  std::optional<QuantizedOperand> a = DequantizedInput(graph, node, 0);
  std::optional<QuantizedOperand> b = add || mul ? DequantizedInput(graph, node, 1) : std::nullopt;
  std::optional<OutputQuantization> y = QuantizedOutput(graph, uses, node.outputs[0]);
  if (!a || !y || !PerTensor(graph, a->scale) || ((add || mul) && (!b || !PerTensor(graph, b->scale)))) return {};
  // ORT's QLinearMul and QLinearSoftmax are not its float chain's results: each only
  // where ORT makes it.
  if ((mul && !OrtReplacesPattern(graph, uses, {*a, *b}, *y)) || (softmax && !OrtReplacesPattern(graph, uses, {*a}, *y))) {
    return {};
  }
  Node fused = node;
  if (softmax) {
    // The table comes from x's scale and the multiplier from y's, both while compiling;
    // constant parameters and x and y of one type, as ORT's fusion requires.
    const DataType y_type = graph.value(graph.nodes()[y->q.node].outputs[0]).type.element_type;
    if (!graph.IsConstant(a->scale) || !graph.IsConstant(y->q.scale) ||
        (y->q.zero_point != kNoValue && !graph.IsConstant(y->q.zero_point)) ||
        graph.value(a->data).type.element_type != y_type) {
      return {};
    }
    fused.op = OpKind::kQLinearSoftmax;
    fused.inputs = {a->data, a->scale, ZeroPointOf(graph, *a, node.name + ".x"), y->q.scale,
                    ZeroPointOf(graph, y->q, node.name + ".y")};
  } else if (add || mul) {
    fused.op = add ? OpKind::kQLinearAdd : OpKind::kQLinearMul;
    if (add && !OrtReplacesPattern(graph, uses, {*a, *b}, *y)) {
      fused.attributes.Set(kFusedDequantizedSum, int64_t{1});
    } else if (y->q.type == DataType::kInt8 &&
               OrtComputedType(graph, uses, graph.nodes()[y->q.node].outputs[0]) == DataType::kUInt8) {
      // ORT's x86 build converts int8 pairs read once to uint8 (OrtComputedType), and
      // its QLinearMul's and QLinearAdd's rounding tell the two apart.
      fused.attributes.Set(kFusedUint8Arithmetic, int64_t{1});
    }
    fused.inputs = {a->data, a->scale, ZeroPointOf(graph, *a, node.name + ".a"),
                    b->data, b->scale, ZeroPointOf(graph, *b, node.name + ".b"),
                    y->q.scale, ZeroPointOf(graph, y->q, node.name + ".y")};
  } else {
    const Shape& x = graph.value(a->data).type.shape;
    if (x.size() != 3 && x.size() != 4) return {};
    if (node.op == OpKind::kGlobalAveragePool) {  // the window is the whole plane
      fused.attributes = AttributeMap();
      fused.attributes.Set("kernel_shape", std::vector<int64_t>(x.begin() + 2, x.end()));
      if (OrtReplacesPattern(graph, uses, {*a}, *y)) fused.attributes.Set(kFusedGlobalAverageScale, int64_t{1});
    }
    fused.op = OpKind::kQLinearAveragePool;
    fused.inputs = {a->data, a->scale, ZeroPointOf(graph, *a, node.name + ".x"), y->q.scale,
                    ZeroPointOf(graph, y->q, node.name + ".y")};
  }
  fused.outputs = graph.nodes()[y->q.node].outputs;
  graph.mutable_nodes()[n] = std::move(fused);
  std::vector<int> removed = {y->q.node};
  if (y->relu >= 0) removed.push_back(y->relu);
  return removed;
}

// The pair of a quantised tensor or a QuantizeLinear, when both are constants (one
// scale, positive and finite; the zero point 0 when absent).
std::optional<OrtQuantization> ConstantPair(const Graph& graph, const QuantizedOperand& q) {
  if (!graph.IsConstant(q.scale) || !PerTensor(graph, q.scale)) return std::nullopt;
  if (q.zero_point != kNoValue && !graph.IsConstant(q.zero_point)) return std::nullopt;
  OrtQuantization pair;
  pair.scale = graph.value(q.scale).constant->Floats()[0];
  if (!(pair.scale > 0.0f) || !std::isfinite(pair.scale)) return std::nullopt;
  if (q.zero_point != kNoValue) {
    const TensorData& z = *graph.value(q.zero_point).constant;
    pair.zero_point = q.type == DataType::kInt8 ? int32_t{z.Elements<int8_t>()[0]} : int32_t{z.Elements<uint8_t>()[0]};
  }
  return pair;
}

// DQ(x) -> Sigmoid / LeakyRelu -> Q, constant parameters, x and y of one 8-bit type:
// TableLookup of ORT's table for the QLinearSigmoid / QLinearLeakyRelu ORT makes of it
// (ort_activation_tables.h), one load an element. That is also what ORT computes where
// it keeps the float op: its table applies the function its float kernel does (MLAS's
// logistic) to each dequantised code. Returns the removed nodes (Q), or {}.
std::vector<int> FuseActivationTable(Graph& graph, const GraphUses& uses, int n) {
  const Node node = graph.nodes()[n];
  const bool sigmoid = node.op == OpKind::kSigmoid, leaky = node.op == OpKind::kLeakyRelu;
  if ((!sigmoid && !leaky) || node.guard != kNoValue) return {};
  std::optional<QuantizedOperand> x = DequantizedInput(graph, node, 0);
  std::optional<OutputQuantization> y = QuantizedOutput(graph, uses, node.outputs[0]);
  if (!x || !y || y->relu >= 0) return {};
  const DataType type = graph.value(x->data).type.element_type;
  if ((type != DataType::kInt8 && type != DataType::kUInt8) || y->q.type != type) return {};
  const std::optional<OrtQuantization> x_pair = ConstantPair(graph, *x), y_pair = ConstantPair(graph, y->q);
  if (!x_pair || !y_pair) return {};
  std::vector<int32_t> table;
  if (sigmoid) {
    table = OrtSigmoidTable(*x_pair, *y_pair, type);
  } else {
    const absl::StatusOr<float> alpha = node.attributes.GetFloat("alpha", 0.01f);
    if (!alpha.ok()) return {};
    table = OrtLeakyReluTable(*x_pair, *y_pair, *alpha, type);
  }
  Node fused = node;
  fused.op = OpKind::kTableLookup;
  fused.attributes = AttributeMap();
  fused.inputs = {x->data, graph.AddConstant(absl::StrCat(node.name, ".table"), TableTensor(type, table)),
                  y->q.scale, ZeroPointOf(graph, y->q, node.name + ".y")};
  fused.outputs = graph.nodes()[y->q.node].outputs;
  graph.mutable_nodes()[n] = std::move(fused);
  return {y->q.node};
}

// DQ(x1), DQ(x2), ... -> Concat -> Q, every parameter constant, one 8-bit type: Concat
// of the inputs, each requantised to y's pair by ORT's table unless it has y's very
// pair (AddRequantizingLookup: ORT's QLinearConcat, and its float chain's result too,
// each code dequantised and quantised again). Returns the removed nodes (Q), or {}.
std::vector<int> FuseConcat(Graph& graph, const GraphUses& uses, int n) {
  const Node node = graph.nodes()[n];
  if (node.op != OpKind::kConcat || node.guard != kNoValue) return {};
  std::optional<OutputQuantization> y = QuantizedOutput(graph, uses, node.outputs[0]);
  if (!y || y->relu >= 0 || (y->q.type != DataType::kInt8 && y->q.type != DataType::kUInt8)) return {};
  const std::optional<OrtQuantization> y_pair = ConstantPair(graph, y->q);
  if (!y_pair) return {};
  std::vector<std::pair<QuantizedOperand, OrtQuantization>> parts;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    std::optional<QuantizedOperand> x = DequantizedInput(graph, node, static_cast<int>(i));
    if (!x || x->type != y->q.type) return {};
    const std::optional<OrtQuantization> x_pair = ConstantPair(graph, *x);
    if (!x_pair) return {};
    parts.emplace_back(*x, *x_pair);
  }
  const ValueId y_zero_point = ZeroPointOf(graph, y->q, node.name + ".y");
  Node fused = node;
  fused.inputs.clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& [x, x_pair] = parts[i];
    const bool same = x_pair.scale == y_pair->scale && x_pair.zero_point == y_pair->zero_point;
    fused.inputs.push_back(same ? x.data
                                : AddRequantizingLookup(graph, absl::StrCat(node.name, ".requantized_", i), kNoValue,
                                                        x.data, x_pair, *y_pair, y->q.scale, y_zero_point, x.type));
  }
  fused.outputs = graph.nodes()[y->q.node].outputs;
  graph.mutable_nodes()[n] = std::move(fused);
  return {y->q.node};
}

// A Gemm that is A x B (+ C): alpha = beta = 1, A not transposed (B may be).
bool IsPlainProduct(const Node& gemm) {
  return gemm.attributes.GetInt("transA", 0).value_or(1) == 0 &&
         gemm.attributes.GetFloat("alpha", 1.0f).value_or(0.0f) == 1.0f &&
         gemm.attributes.GetFloat("beta", 1.0f).value_or(0.0f) == 1.0f;
}

// A constant as a vector (a Gemm's [1, N] bias as the [N] the fused ops take): itself
// when it is one, else a new constant of the same bytes.
ValueId FlatConstant(Graph& graph, ValueId value) {
  const TensorData& data = *graph.value(value).constant;
  if (data.type().shape.size() == 1) return value;
  return graph.AddConstant(absl::StrCat(graph.value(value).name, ".flat"),
                           TensorData(TensorType{data.type().element_type, {data.type().ElementCount()}}, data.bytes()));
}

// Whether a Gemm's C can be the [N] float bias Int8WeightsMatMul adds: absent, or a
// float constant of [N] or [1, N].
bool IsColumnBias(const Graph& graph, const Node& gemm, int64_t columns) {
  if (!graph.HasInput(gemm, 2)) return true;
  const TensorType& type = graph.InputType(gemm, 2);
  return graph.IsConstant(gemm.inputs[2]) && IsFloat(type.element_type) &&
         (type.shape == Shape{columns} || type.shape == Shape{1, columns});
}

}  // namespace

absl::Status KeepInt8Weights(Graph& graph) {
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node node = graph.nodes()[n];
    const bool gemm = node.op == OpKind::kGemm;
    if ((!gemm && node.op != OpKind::kMatMul) || node.guard != kNoValue) continue;
    std::optional<QuantizedOperand> w = DequantizedInput(graph, node, 1);
    if (!w || !Constant(graph, *w) || !IsFloat(graph.InputType(node, 0).element_type)) continue;
    const TensorType& w_type = graph.value(w->data).type;
    if ((w_type.element_type != DataType::kInt8 && w_type.element_type != DataType::kUInt8) ||
        w_type.shape.size() != 2) {
      continue;
    }
    // B of a Gemm may come as [N, K] (transB): the kernel reads [K, N], transposed once.
    const bool transposed = gemm && node.attributes.GetInt("transB", 0).value_or(0) != 0;
    if (gemm && (!IsPlainProduct(node) || !IsColumnBias(graph, node, w_type.shape[transposed ? 0 : 1]))) continue;
    if (!PerTensorOrAlong(graph, *w, transposed ? 0 : 1)) continue;
    Node kept = node;
    kept.op = OpKind::kInt8WeightsMatMul;
    kept.attributes = AttributeMap();
    kept.inputs = {node.inputs[0], transposed ? TransposedWeights(graph, w->data) : w->data, w->scale, w->zero_point};
    if (gemm && graph.HasInput(node, 2)) kept.inputs.push_back(FlatConstant(graph, node.inputs[2]));
    while (kept.inputs.back() == kNoValue) kept.inputs.pop_back();
    graph.mutable_nodes()[n] = std::move(kept);
  }
  return absl::OkStatus();
}

absl::Status FuseQuantizedOps(Graph& graph) {
  const GraphUses uses(graph);
  const size_t original = graph.nodes().size();
  std::vector<bool> removed(original, false);
  std::vector<std::vector<int>> added_before(original);  // nodes a fusion adds, to run before its node
  for (size_t n = 0; n < original; ++n) {
    if (const int q = FusePassThrough(graph, uses, static_cast<int>(n)); q >= 0) {
      removed[q] = true;
      continue;
    }
    // The pattern fusions: each returns the nodes it removes ({} where it does not apply)
    // and may add nodes, which run before node n.
    bool fused_pattern = false;
    for (auto fuse : {FuseElementwiseOrPool, FuseActivationTable, FuseConcat}) {
      const size_t before = graph.nodes().size();
      const std::vector<int> gone = fuse(graph, uses, static_cast<int>(n));
      if (gone.empty()) continue;
      for (int g : gone) removed[g] = true;
      for (size_t added = before; added < graph.nodes().size(); ++added) added_before[n].push_back(static_cast<int>(added));
      fused_pattern = true;
      break;
    }
    if (fused_pattern) continue;
    const Node node = graph.nodes()[n];
    const bool conv = node.op == OpKind::kConv, gemm = node.op == OpKind::kGemm, matmul = node.op == OpKind::kMatMul;
    if ((!conv && !gemm && !matmul) || HasFusedEpilogue(node) || node.guard != kNoValue) continue;
    std::optional<QuantizedOperand> x = DequantizedInput(graph, node, 0);
    std::optional<QuantizedOperand> w = DequantizedInput(graph, node, 1);
    std::optional<QuantizedOperand> bias = DequantizedInput(graph, node, 2);
    std::optional<OutputQuantization> y = QuantizedOutput(graph, uses, node.outputs[0]);
    if (!x || !w || !y || !PerTensor(graph, x->scale) || !Constant(graph, *w)) continue;
    if (graph.HasInput(node, 2) && (!bias || !Constant(graph, *bias))) continue;
    const DataType w_type = graph.value(w->data).type.element_type;
    if (w_type != DataType::kInt8 && w_type != DataType::kUInt8) continue;
    bool transpose_weights = false;
    if (conv) {
      if (!PerTensorOrAlong(graph, *w, 0)) continue;
    } else {
      if (graph.value(w->data).type.shape.size() != 2 || graph.value(x->data).type.shape.size() != 2) continue;
      if (gemm) {
        if (!IsPlainProduct(node)) continue;
        transpose_weights = node.attributes.GetInt("transB", 0).value_or(0) != 0;
      }
      if (!PerTensorOrAlong(graph, *w, transpose_weights ? 0 : 1)) continue;
      const int64_t columns = graph.value(w->data).type.shape[transpose_weights ? 0 : 1];
      if (bias && graph.value(bias->data).type.ElementCount() != columns) continue;
    }
    if (bias) {
      if (graph.value(bias->data).type.element_type != DataType::kInt32 || !graph.IsConstant(x->scale)) continue;
      RETURN_IF_ERROR(CheckBias(graph, node, *x, *w, *bias));
    }
    Node fused = node;
    fused.op = conv ? OpKind::kQLinearConv : OpKind::kQLinearMatMul;
    // A product's constant weights are kept [N, K] (QLinearMatMul's internal transB):
    // a Gemm's transB as given, a [K, N] B transposed once here.
    const ValueId weights = conv || transpose_weights ? w->data : TransposedWeights(graph, w->data);
    fused.inputs = {x->data,      x->scale, ZeroPointOf(graph, *x, node.name + ".x"),
                    weights,      w->scale, ZeroPointOf(graph, *w, node.name + ".w"),
                    y->q.scale,   ZeroPointOf(graph, y->q, node.name + ".y")};
    if (bias) fused.inputs.push_back(FlatConstant(graph, bias->data));
    if (!conv) {
      fused.attributes = AttributeMap();
      fused.attributes.Set("transB", int64_t{1});
    }
    ReplaceUpToQuantization(graph, static_cast<int>(n), std::move(fused), *y, removed);
  }
  std::vector<Node> kept;
  for (size_t n = 0; n < original; ++n) {
    for (int added : added_before[n]) kept.push_back(std::move(graph.mutable_nodes()[added]));
    if (!removed[n]) kept.push_back(std::move(graph.mutable_nodes()[n]));
  }
  graph.SetNodes(std::move(kept));
  return absl::OkStatus();
}

absl::Status FuseQuantizedBatchNormalization(Graph& graph) {
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const Node node = graph.nodes()[n];
    if (node.op != OpKind::kBatchNormalization || HasFusedEpilogue(node) || node.guard != kNoValue) continue;
    if (!std::all_of(node.inputs.begin() + 1, node.inputs.end(), [&](ValueId v) { return graph.IsConstant(v); })) {
      continue;
    }
    std::optional<QuantizedOperand> x = DequantizedInput(graph, node, 0);
    std::optional<OutputQuantization> y = QuantizedOutput(graph, uses, node.outputs[0]);
    absl::StatusOr<BatchNormGeometry> geometry = ResolveBatchNorm(graph, node);
    if (!x || !y || !PerTensor(graph, x->scale) || !geometry.ok()) continue;
    // The op takes 8-bit codes (a DequantizeLinear also reads int32); QuantizedOutput
    // took only a QuantizeLinear rounding halves to even.
    auto eight_bit = [&](ValueId v) {
      const DataType type = graph.value(v).type.element_type;
      return type == DataType::kInt8 || type == DataType::kUInt8;
    };
    if (!eight_bit(x->data) || !eight_bit(graph.nodes()[y->q.node].outputs[0])) continue;
    const BatchNormScaleShift folded = ResolveBatchNormScaleShift(graph, node, geometry->epsilon);
    const Shape channels = {geometry->channels};
    Node fused = node;
    fused.op = OpKind::kQLinearChannelAffine;
    fused.attributes = AttributeMap();
    fused.inputs = {x->data, x->scale, ZeroPointOf(graph, *x, node.name + ".x"),
                    graph.AddConstant(node.name + ".scale", TensorData::FromFloats(channels, folded.scale)),
                    graph.AddConstant(node.name + ".shift", TensorData::FromFloats(channels, folded.shift)),
                    y->q.scale, ZeroPointOf(graph, y->q, node.name + ".y")};
    ReplaceUpToQuantization(graph, static_cast<int>(n), std::move(fused), *y, removed);
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
