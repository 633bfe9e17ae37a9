// Transpose sinking: moves each Transpose down past the layout-agnostic op that alone
// reads it, so that it meets the next Transpose, and composes two Transposes in a row
// into one, or into nothing when they invert each other. A model written channels-last
// (TFLite's NHWC, whose frontend wraps every NCHW convolution and pool in a pair of
// Transposes) loses the pairs between its layers this way.
//
// A Transpose T (perm p) of x sinks below its only reader R, when R is
//   - element-wise (a Unary or Binary op, or Clip with constant bounds): every other
//     operand is T itself, another Transpose with the same perm (read through), a
//     constant (permuted to match, after broadcasting it to the full rank) or a single
//     element;
//   - a QLinearAdd or QLinearMul quantised per tensor (its two data operands, inputs 0 and 3, as the
//     element-wise ones', every scale and zero point a single element);
//   - a Concat whose inputs are all such: its axis maps through p;
//   - a Pad with constant pads (no axes input): the pads map through p;
//   - a Reduce with constant axes: the axes map through p; without keepdims what is left
//     of p (often nothing) follows the reduction;
//   - a Softmax, LogSoftmax or Hardmax along one axis: the axis maps through p;
//   - a 2-D pool, when T is NHWC -> NCHW: the pool reads x and writes its output
//     channels-last (kFusedChannelsLastInput and kFusedChannelsLastOutput).
// R then reads x and a new Transpose after R writes R's old output, under its name.
// A Transpose that keeps the batch first, read only by a flatten to [batch, features]
// read only as the A of a Gemm (or a 2-D QLinearMatMul) with constant B, is absorbed
// into B instead: B's feature rows (or columns, with transB) are permuted to the
// untransposed order.
// Then a Transpose from NHWC to NCHW (a channels-last model's image, or what sinking
// left before a layer) read only as the data input of 2-D convolutions (float,
// transposed or int8) and pools is absorbed into them: they read its input where it is, channels-last
// (kFusedChannelsLastInput), and the copy that the Transpose made is gone. Last, a
// Transpose of the last two dimensions read only as the A or B of MatMuls and
// QLinearMatMuls (TFLite's BATCH_MATMUL adjoints) is absorbed into them (transA, transB).
// Each step removes a Transpose or moves it past one more node, so the pass ends; it
// never adds a Transpose (a Transpose read by several nodes stays where it is). Nodes
// under a guard (If branches) are left alone. After: no Transpose reads a Transpose,
// and no Transpose output is unread.
#include <algorithm>
#include <cstring>
#include <functional>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/shape_inference.h"
#include "compiler/ir/uses.h"
#include "compiler/ops/quantize/sum_form.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

using Permutation = std::vector<int64_t>;

absl::StatusOr<Permutation> PermutationOf(const Graph& graph, const Node& transpose) {
  ASSIGN_OR_RETURN(Permutation perm, transpose.attributes.GetInts("perm", {}));
  if (perm.empty()) {  // ONNX's default: the dimensions reversed
    perm.resize(graph.InputType(transpose, 0).Rank());
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  return perm;
}

bool IsIdentity(const Permutation& perm) {
  for (size_t d = 0; d < perm.size(); ++d) {
    if (perm[d] != static_cast<int64_t>(d)) return false;
  }
  return true;
}

Permutation Inverse(const Permutation& perm) {
  Permutation inverse(perm.size());
  for (size_t d = 0; d < perm.size(); ++d) inverse[perm[d]] = static_cast<int64_t>(d);
  return inverse;
}

AttributeMap PermAttributes(const Permutation& perm) {
  AttributeMap attributes;
  attributes.Set("perm", perm);
  return attributes;
}

class TransposeSinker {
 public:
  explicit TransposeSinker(Graph& graph) : graph_(graph) {}

  absl::Status Run() {
    // Each successful step removes a Transpose or moves one past a node: bounded by
    // the product, with room to spare.
    const size_t limit = 4 * (graph_.nodes().size() + 1) * (graph_.nodes().size() + 1);
    for (size_t step = 0; step < limit; ++step) {
      ASSIGN_OR_RETURN(bool changed, Step());
      if (!changed) break;
    }
    RETURN_IF_ERROR(AbsorbIntoChannelsLastReaders());
    RETURN_IF_ERROR(AbsorbIntoMatrixProducts());
    RemoveUnreadTransposes();
    return absl::OkStatus();
  }

 private:
  // One rewrite somewhere in the graph; false when none applies.
  absl::StatusOr<bool> Step() {
    const GraphUses uses(graph_);
    for (size_t n = 0; n < graph_.nodes().size(); ++n) {
      const Node& node = graph_.nodes()[n];
      if (node.op != OpKind::kTranspose || node.guard != kNoValue || !uses.IsUsed(node.outputs[0])) continue;
      ASSIGN_OR_RETURN(bool composed, ComposeWithTransposeReaders(uses, static_cast<int>(n)));
      if (composed) return true;
      ASSIGN_OR_RETURN(bool sunk, SinkBelowOnlyReader(uses, static_cast<int>(n)));
      if (sunk) return true;
      ASSIGN_OR_RETURN(bool absorbed, AbsorbIntoGemmWeights(uses, static_cast<int>(n)));
      if (absorbed) return true;
    }
    return false;
  }

  // Transpose(Transpose(x, p), q) = Transpose(x, p o q); x itself when that is the
  // identity.
  absl::StatusOr<bool> ComposeWithTransposeReaders(const GraphUses& uses, int first) {
    const ValueId x = graph_.nodes()[first].inputs[0], y = graph_.nodes()[first].outputs[0];
    ASSIGN_OR_RETURN(const Permutation p, PermutationOf(graph_, graph_.nodes()[first]));
    for (int reader : uses.Consumers(y)) {
      Node& second = graph_.mutable_nodes()[reader];
      if (second.op != OpKind::kTranspose || second.guard != kNoValue) continue;
      ASSIGN_OR_RETURN(const Permutation q, PermutationOf(graph_, second));
      Permutation composed(q.size());
      for (size_t d = 0; d < q.size(); ++d) composed[d] = p[q[d]];
      const ValueId z = second.outputs[0];
      if (!IsIdentity(composed)) {
        second.inputs[0] = x;
        second.attributes = PermAttributes(composed);
      } else if (uses.IsGraphOutput(z)) {  // the name must stay: a view of x under it
        second.op = OpKind::kIdentity;
        second.inputs[0] = x;
        second.attributes = AttributeMap{};
      } else {
        for (Node& node : graph_.mutable_nodes()) {
          for (ValueId& input : node.inputs) input = input == z ? x : input;
          if (node.guard == z) node.guard = x;
        }
        std::vector<bool> removed(graph_.nodes().size(), false);
        removed[reader] = true;
        graph_.RemoveNodes(removed);
      }
      return true;
    }
    return false;
  }

  // What one operand of a sinking reader becomes: read through its Transpose, a
  // constant permuted into x's layout, or kept (a single element); nullopt when the
  // operand stops the sinking. A permuted constant is made only when `materialize`
  // (once every operand is known to pass), else the operand itself stands for it.
  std::optional<ValueId> OperandInSourceLayout(ValueId operand, ValueId y, ValueId x, const Permutation& p,
                                               const std::string& name, bool materialize) {
    if (operand == kNoValue) return operand;
    if (operand == y) return x;
    const Value& value = graph_.value(operand);
    const int64_t rank = static_cast<int64_t>(p.size());
    if (value.type.Rank() > rank) return std::nullopt;
    if (value.producer >= 0) {
      const Node& producer = graph_.nodes()[value.producer];
      absl::StatusOr<Permutation> perm = producer.op == OpKind::kTranspose ? PermutationOf(graph_, producer)
                                                                          : absl::StatusOr<Permutation>(Permutation{});
      if (producer.op == OpKind::kTranspose && producer.guard == kNoValue && perm.ok() && *perm == p) {
        return producer.inputs[0];
      }
    }
    if (value.type.ElementCount() == 1) return operand;
    if (!value.constant) return std::nullopt;
    if (!materialize) return operand;
    // Broadcast to the full rank (leading 1s), then into x's layout.
    Shape full(rank - value.type.Rank(), 1);
    full.insert(full.end(), value.type.shape.begin(), value.type.shape.end());
    const TensorData expanded(TensorType{value.type.element_type, full}, value.constant->bytes());
    return graph_.AddConstant(name, PermuteTensorData(expanded, Inverse(p)));
  }

  absl::StatusOr<bool> SinkBelowOnlyReader(const GraphUses& uses, int transpose_index) {
    const Node& transpose = graph_.nodes()[transpose_index];
    const ValueId x = transpose.inputs[0], y = transpose.outputs[0];
    if (uses.IsGraphOutput(y)) return false;
    const std::vector<int>& readers = uses.Consumers(y);
    if (readers.empty() || std::any_of(readers.begin(), readers.end(), [&](int r) { return r != readers[0]; })) {
      return false;
    }
    const int reader_index = readers[0];
    ASSIGN_OR_RETURN(const Permutation p, PermutationOf(graph_, transpose));
    Node reader = graph_.nodes()[reader_index];  // rewritten on a copy; kept only if it sinks
    if (reader.guard != kNoValue || reader.outputs.size() != 1) return false;
    const int64_t rank = static_cast<int64_t>(p.size());
    Permutation after = p;  // the Transpose that follows the reader
    const OpFamily family = GetOpInfo(reader.op).family;
    const auto operand_name = [&](size_t i) { return absl::StrCat(reader.name, ".input", i, ".transposed"); };
    if (family == OpFamily::kUnary || family == OpFamily::kBinary) {
      if (graph_.value(reader.outputs[0]).type.Rank() != rank) return false;
      for (size_t i = 0; i < reader.inputs.size(); ++i) {
        if (!OperandInSourceLayout(reader.inputs[i], y, x, p, "", false)) return false;
      }
      for (size_t i = 0; i < reader.inputs.size(); ++i) {
        reader.inputs[i] = *OperandInSourceLayout(reader.inputs[i], y, x, p, operand_name(i), true);
      }
    } else if (reader.op == OpKind::kQLinearAdd || reader.op == OpKind::kQLinearMul) {
      if (graph_.value(reader.outputs[0]).type.Rank() != rank) return false;
      for (size_t i = 0; i < reader.inputs.size(); ++i) {
        const bool data = i == 0 || i == 3;
        if (data ? !OperandInSourceLayout(reader.inputs[i], y, x, p, "", false)
                 : reader.inputs[i] != kNoValue &&
                       (reader.inputs[i] == y || graph_.value(reader.inputs[i]).type.ElementCount() != 1)) {
          return false;
        }
      }
      // ONNX Runtime's QLinearAdd orders its operands by the shapes the model gives them:
      // pinned before they change.
      if (reader.op == OpKind::kQLinearAdd && !reader.attributes.Has(kOrtSumOperandsSwapped)) {
        const bool swapped = OrtSwapsSumOperands(graph_.InputType(reader, 0).shape, graph_.InputType(reader, 3).shape);
        reader.attributes.Set(kOrtSumOperandsSwapped, int64_t{swapped});
      }
      for (size_t i : {0, 3}) reader.inputs[i] = *OperandInSourceLayout(reader.inputs[i], y, x, p, operand_name(i), true);
    } else if (reader.op == OpKind::kClip) {
      if (reader.inputs[0] != y) return false;
      for (size_t i = 1; i < reader.inputs.size(); ++i) {
        if (reader.inputs[i] != kNoValue && graph_.value(reader.inputs[i]).type.ElementCount() != 1) return false;
      }
      reader.inputs[0] = x;
    } else if (reader.op == OpKind::kConcat) {
      ASSIGN_OR_RETURN(int64_t axis_attribute, reader.attributes.GetInt("axis", 0));
      ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attribute, rank));
      for (size_t i = 0; i < reader.inputs.size(); ++i) {
        const std::optional<ValueId> operand = OperandInSourceLayout(reader.inputs[i], y, x, p, "", false);
        if (!operand || graph_.value(*operand).type.Rank() != rank) return false;
      }
      for (size_t i = 0; i < reader.inputs.size(); ++i) {
        reader.inputs[i] = *OperandInSourceLayout(reader.inputs[i], y, x, p, operand_name(i), true);
      }
      reader.attributes.Set("axis", p[axis]);
    } else if (reader.op == OpKind::kPad) {
      if (reader.inputs[0] != y || reader.inputs.size() < 2 || reader.inputs.size() > 3 ||
          !graph_.IsConstant(reader.inputs[1]) || reader.attributes.Has("pads")) {
        return false;
      }
      ASSIGN_OR_RETURN(std::vector<int64_t> pads, ConstantInts(graph_, reader, 1, "pads"));
      if (static_cast<int64_t>(pads.size()) != 2 * rank) return false;
      std::vector<int64_t> moved(pads.size());
      for (int64_t d = 0; d < rank; ++d) {
        moved[p[d]] = pads[d];
        moved[rank + p[d]] = pads[rank + d];
      }
      reader.inputs[0] = x;
      reader.inputs[1] = graph_.AddConstant(operand_name(1), TensorData::FromInt64s({2 * rank}, moved));
    } else if (family == OpFamily::kReduce) {
      if (reader.inputs[0] != y) return false;
      ASSIGN_OR_RETURN(const ReduceGeometry g, ResolveReduce(graph_, reader));
      if (g.axes.empty()) return false;  // noop_with_empty_axes: nothing to gain
      std::vector<int64_t> axes;
      for (int64_t a : g.axes) axes.push_back(p[a]);
      std::sort(axes.begin(), axes.end());
      if (reader.inputs.size() > 1 && reader.inputs[1] != kNoValue) {
        reader.inputs[1] = graph_.AddConstant(operand_name(1), TensorData::FromInt64s({static_cast<int64_t>(axes.size())}, axes));
      } else {
        reader.attributes.Set("axes", axes);
      }
      reader.inputs[0] = x;
      if (!g.keepdims) {
        // The kept dimensions, in the reader's order, are x's dimensions p[k]; after
        // the reduction they come in x's order.
        std::vector<int64_t> kept;
        for (int64_t d = 0; d < rank; ++d) {
          if (!std::binary_search(g.axes.begin(), g.axes.end(), d)) kept.push_back(p[d]);
        }
        std::vector<int64_t> sorted = kept;
        std::sort(sorted.begin(), sorted.end());
        after.clear();
        for (int64_t source : kept) after.push_back(std::lower_bound(sorted.begin(), sorted.end(), source) - sorted.begin());
      }
    } else if (PoolMayBeChannelsLast(graph_, reader)) {
      // NHWC to NCHW before a 2-D pool: the pool reads and writes channels-last.
      if (p != Permutation{0, 3, 1, 2} || std::count(reader.inputs.begin(), reader.inputs.end(), y) != 1 ||
          reader.inputs[0] != y || reader.attributes.Has(kFusedChannelsLastInput) ||
          reader.attributes.Has(kFusedChannelsLastOutput)) {
        return false;
      }
      reader.inputs[0] = x;
      reader.attributes.Set(kFusedChannelsLastInput, int64_t{1});
      reader.attributes.Set(kFusedChannelsLastOutput, int64_t{1});
    } else if (reader.op == OpKind::kSoftmax || reader.op == OpKind::kLogSoftmax || reader.op == OpKind::kHardmax) {
      ASSIGN_OR_RETURN(int64_t coerce_2d, reader.attributes.GetInt("coerce_to_2d", 0));
      if (coerce_2d || reader.inputs[0] != y) return false;
      ASSIGN_OR_RETURN(int64_t axis_attribute, reader.attributes.GetInt("axis", -1));
      ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attribute, rank));
      reader.attributes.Set("axis", p[axis]);
      reader.inputs[0] = x;
    } else {
      return false;
    }
    return Commit(reader_index, std::move(reader), after);
  }

  // The only reader of `value`, or -1 (none, several, or a graph output).
  static int OnlyReader(const GraphUses& uses, ValueId value) {
    const std::vector<int>& readers = uses.Consumers(value);
    if (uses.IsGraphOutput(value) || readers.size() != 1) return -1;
    return readers[0];
  }

  // Gemm(Reshape(Transpose(x, p), [n, k]), B) = Gemm(Reshape(x, [n, k]), B') with B's
  // k rows (columns with transB) in x's order: feature f of x (row-major over x's
  // dimensions after the first) is feature g of the transposed tensor.
  absl::StatusOr<bool> AbsorbIntoGemmWeights(const GraphUses& uses, int transpose_index) {
    const Node& transpose = graph_.nodes()[transpose_index];
    const ValueId x = transpose.inputs[0];
    ASSIGN_OR_RETURN(const Permutation p, PermutationOf(graph_, transpose));
    const int reshape_index = OnlyReader(uses, transpose.outputs[0]);
    if (p.empty() || p[0] != 0 || reshape_index < 0) return false;
    const Node& reshape = graph_.nodes()[reshape_index];
    if (reshape.op != OpKind::kReshape || reshape.guard != kNoValue) return false;
    const Shape& source = graph_.value(x).type.shape;
    const Shape& flat = graph_.value(reshape.outputs[0]).type.shape;
    if (flat.size() != 2 || flat[0] != source[0]) return false;
    const int gemm_index = OnlyReader(uses, reshape.outputs[0]);
    if (gemm_index < 0) return false;
    const Node& gemm = graph_.nodes()[gemm_index];
    // A Gemm's B is input 1; a QLinearMatMul's (the TFLite frontend's int8 fully
    // connected layer, 2-D, maybe transB) input 3, whose scales are per column: the
    // rows' order is free to change.
    const int b_input = gemm.op == OpKind::kQLinearMatMul ? 3 : 1;
    if ((gemm.op != OpKind::kGemm && gemm.op != OpKind::kQLinearMatMul) || gemm.guard != kNoValue ||
        gemm.inputs[0] != reshape.outputs[0] || !graph_.HasInput(gemm, b_input) ||
        gemm.inputs[b_input] == reshape.outputs[0] || !graph_.IsConstant(gemm.inputs[b_input])) {
      return false;
    }
    struct {
      bool trans_a = false, trans_b = false;
      int64_t k = 0, n = 0;
    } g;
    if (gemm.op == OpKind::kGemm) {
      ASSIGN_OR_RETURN(const GemmGeometry gemm_geometry, ResolveGemm(graph_, gemm));
      g = {gemm_geometry.trans_a, gemm_geometry.trans_b, gemm_geometry.k, gemm_geometry.n};
    } else {
      const Shape& b = graph_.value(gemm.inputs[b_input]).type.shape;
      ASSIGN_OR_RETURN(const int64_t trans_a, gemm.attributes.GetInt("transA", 0));
      ASSIGN_OR_RETURN(const int64_t trans_b, gemm.attributes.GetInt("transB", 0));
      if (b.size() != 2) return false;
      g.trans_a = trans_a != 0;
      g.trans_b = trans_b != 0;
      g.k = g.trans_b ? b[1] : b[0];
      g.n = g.trans_b ? b[0] : b[1];
    }
    if (g.trans_a || g.k != flat[1]) return false;
    // The transposed tensor's feature index of each of x's features.
    const Shape features(source.begin() + 1, source.end());
    Shape transposed_features;
    for (size_t d = 1; d < p.size(); ++d) transposed_features.push_back(source[p[d]]);
    const std::vector<int64_t> transposed_strides = RowMajorStrides(transposed_features);
    std::vector<int64_t> position_of_dimension(p.size());  // x's dimension p[d] is the transposed one's d
    for (size_t d = 1; d < p.size(); ++d) position_of_dimension[p[d]] = static_cast<int64_t>(d) - 1;
    std::vector<int64_t> transposed_feature(g.k), index(features.size(), 0);
    for (int64_t f = 0; f < g.k; ++f) {
      int64_t t = 0;
      for (size_t d = 0; d < features.size(); ++d) t += index[d] * transposed_strides[position_of_dimension[d + 1]];
      transposed_feature[f] = t;
      for (int64_t d = static_cast<int64_t>(features.size()) - 1; d >= 0 && ++index[d] == features[d]; --d) index[d] = 0;
    }
    const TensorData& weights = *graph_.value(gemm.inputs[b_input]).constant;
    const int64_t element = ByteSize(weights.type().element_type);
    std::vector<uint8_t> bytes(weights.bytes().size());
    for (int64_t f = 0; f < g.k; ++f) {
      for (int64_t m = 0; m < g.n; ++m) {
        // B is [k, n], or [n, k] with transB.
        const int64_t to = g.trans_b ? m * g.k + f : f * g.n + m;
        const int64_t from = g.trans_b ? m * g.k + transposed_feature[f] : transposed_feature[f] * g.n + m;
        std::memcpy(&bytes[to * element], &weights.bytes()[from * element], element);
      }
    }
    const ValueId permuted = graph_.AddConstant(absl::StrCat(graph_.value(gemm.inputs[b_input]).name, ".untransposed"),
                                                TensorData(weights.type(), std::move(bytes)));
    graph_.mutable_nodes()[reshape_index].inputs[0] = x;
    graph_.mutable_nodes()[gemm_index].inputs[b_input] = permuted;
    return true;
  }

  // Each Transpose whose perm `absorbs` accepts, read (and no graph output) only by
  // readers that `can_read` its input x in place of its output y, is absorbed into them:
  // `read` rewrites each (after every reader said yes; the Transpose is then unread).
  absl::Status AbsorbTransposes(const std::function<bool(const Permutation&)>& absorbs,
                                const std::function<bool(const Node& reader, ValueId y)>& can_read,
                                const std::function<void(Node& reader, ValueId y, ValueId x)>& read) {
    const GraphUses uses(graph_);
    for (size_t n = 0; n < graph_.nodes().size(); ++n) {
      const Node& transpose = graph_.nodes()[n];
      if (transpose.op != OpKind::kTranspose || transpose.guard != kNoValue) continue;
      const ValueId x = transpose.inputs[0], y = transpose.outputs[0];
      ASSIGN_OR_RETURN(const Permutation p, PermutationOf(graph_, transpose));
      if (!absorbs(p) || uses.IsGraphOutput(y) || !uses.IsUsed(y)) continue;
      const std::vector<int>& readers = uses.Consumers(y);
      if (!std::all_of(readers.begin(), readers.end(), [&](int r) { return can_read(graph_.nodes()[r], y); })) {
        continue;
      }
      for (int r : readers) {
        Node& reader = graph_.mutable_nodes()[r];
        if (std::find(reader.inputs.begin(), reader.inputs.end(), y) != reader.inputs.end()) read(reader, y, x);
      }
    }
    return absl::OkStatus();
  }

  absl::Status AbsorbIntoChannelsLastReaders() {
    return AbsorbTransposes([](const Permutation& p) { return p == Permutation{0, 3, 1, 2}; },
                            [&](const Node& reader, ValueId y) { return MayReadChannelsLast(graph_, reader, y); },
                            [](Node& reader, ValueId, ValueId x) {
                              reader.inputs[0] = x;
                              reader.attributes.Set(kFusedChannelsLastInput, int64_t{1});
                            });
  }

  // A Transpose swapping the last two dimensions (an adjoint operand: TFLite's
  // BATCH_MATMUL) read only as the A or B of MatMuls and QLinearMatMuls, which do not
  // transpose that operand already, is absorbed into them: they read x where it is
  // (transA, transB; MatMulGeometry::AIndex/BIndex).
  absl::Status AbsorbIntoMatrixProducts() {
    auto adjoint = [](const Permutation& p) {
      if (p.size() < 2) return false;
      Permutation swapped(p.size());
      std::iota(swapped.begin(), swapped.end(), 0);
      std::swap(swapped[p.size() - 2], swapped[p.size() - 1]);
      return p == swapped;
    };
    // The attribute a reader of y sets: "transA" or "transB", or empty when it cannot.
    auto attribute = [](const Node& reader, ValueId y) -> std::string {
      const bool product = reader.op == OpKind::kMatMul || reader.op == OpKind::kQLinearMatMul;
      if (!product || reader.guard != kNoValue || std::count(reader.inputs.begin(), reader.inputs.end(), y) != 1) {
        return "";
      }
      const size_t b_input = reader.op == OpKind::kQLinearMatMul ? 3 : 1;
      const std::string name = reader.inputs[0] == y ? "transA" : reader.inputs[b_input] == y ? "transB" : "";
      return !name.empty() && reader.attributes.GetInt(name, 0).value_or(1) == 0 ? name : "";
    };
    return AbsorbTransposes(adjoint, [&](const Node& reader, ValueId y) { return !attribute(reader, y).empty(); },
                            [&](Node& reader, ValueId y, ValueId x) {
                              const std::string name = attribute(reader, y);
                              std::replace(reader.inputs.begin(), reader.inputs.end(), y, x);
                              reader.attributes.Set(name, int64_t{1});
                            });
  }

  // The rewritten reader replaces the old one and writes a new value; a Transpose by
  // `after` (none if it is the identity) turns that into the old output.
  absl::StatusOr<bool> Commit(int reader_index, Node reader, const Permutation& after) {
    const ValueId output = reader.outputs[0];
    ASSIGN_OR_RETURN(std::vector<TensorType> types, InferOutputTypes(graph_, reader));
    std::vector<Node> nodes = graph_.nodes();
    if (IsIdentity(after)) {
      if (types[0] != graph_.value(output).type) return absl::InternalError("transpose sinking changed a type");
      nodes[reader_index] = std::move(reader);
    } else {
      const ValueId moved = graph_.AddValue(absl::StrCat(graph_.value(output).name, ".before_transpose"), types[0]);
      reader.outputs[0] = moved;
      Node follower{OpKind::kTranspose, absl::StrCat(reader.name, ".transpose"), {moved}, {output}, PermAttributes(after)};
      ASSIGN_OR_RETURN(std::vector<TensorType> follower_types, InferOutputTypes(graph_, follower));
      if (follower_types[0] != graph_.value(output).type) return absl::InternalError("transpose sinking changed a type");
      nodes[reader_index] = std::move(reader);
      nodes.insert(nodes.begin() + reader_index + 1, std::move(follower));
    }
    graph_.SetNodes(std::move(nodes));
    return true;
  }

  void RemoveUnreadTransposes() {
    bool removed_any = true;
    while (removed_any) {
      const GraphUses uses(graph_);
      std::vector<bool> removed(graph_.nodes().size(), false);
      removed_any = false;
      for (size_t n = 0; n < graph_.nodes().size(); ++n) {
        const Node& node = graph_.nodes()[n];
        if (node.op == OpKind::kTranspose && !uses.IsUsed(node.outputs[0])) removed[n] = removed_any = true;
      }
      graph_.RemoveNodes(removed);
    }
  }

  Graph& graph_;
};

}  // namespace

absl::Status SinkTransposes(Graph& graph) { return TransposeSinker(graph).Run(); }

}  // namespace modelc
