// Channels-last outputs: a Transpose from NCHW to NHWC that alone reads a 2-D
// convolution's (float, transposed or int8) or pool's output (a channels-last model's
// layout Transpose, left where nothing after it cancels it: before a model output, a
// slice, a shared reader) is absorbed into its writer, which then stores its output
// channels-last (kFusedChannelsLastOutput) as the Transpose's value: the copy the
// Transpose made is gone, and with it its cycles and its share of the arena. Not for a
// convolution with a fused sum (its addend is NCHW), a node under a guard, or one whose
// own output is a graph output. A Concat of such writers' outputs (each read by the
// Concat alone) that the Transpose alone reads passes it on: its writers store
// channels-last, and it joins the NHWC tensors; so does an element-wise op of one such
// output (an activation left after its writer: a Relu after a ConvTranspose, an int8
// Clip after a QLinearConv), which then runs on the NHWC tensor. Where the Transpose
// shares the writer's output with pools, convolutions and other Transposes, they read
// its NHWC output instead (pools and convolutions channels-last, Transposes recomposed)
// so that it can be absorbed. Runs
// after the fusions, so that the convolution's epilogue is final.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/shape_inference.h"
#include "compiler/ir/uses.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {

namespace {

// A node that may store its output channels-last: a 2-D convolution (float, transposed
// or int8) without a fused sum or a 2-D pool, not under a guard, not doing so already.
bool MayWriteChannelsLast(const Graph& graph, const Node& writer) {
  const int internal = FirstInternalInput(writer.op);  // a fused sum's addend, say: NCHW
  const bool convolution = ConvMayBeChannelsLast(graph, writer) && (internal < 0 || !graph.HasInput(writer, internal));
  return (convolution || PoolMayBeChannelsLast(graph, writer)) && !writer.attributes.Has(kFusedChannelsLastOutput);
}

// An element-wise op of one tensor, the same in any layout: a unary op (Relu, ...) or a
// Clip whose bounds are single elements (an activation left after its writer).
bool IsElementwiseOfOne(const Graph& graph, const Node& node) {
  if (node.guard != kNoValue || node.outputs.size() != 1 || node.inputs.empty() || node.inputs[0] == kNoValue) {
    return false;
  }
  if (GetOpInfo(node.op).family == OpFamily::kUnary) return node.inputs.size() == 1;
  if (node.op != OpKind::kClip) return false;
  return std::all_of(node.inputs.begin() + 1, node.inputs.end(), [&](ValueId bound) {
    return bound == kNoValue || (bound != node.inputs[0] && graph.value(bound).type.ElementCount() == 1);
  });
}

// The writer stores channels-last into `output`, whose type must be what it then writes.
absl::Status WriteChannelsLast(Graph& graph, int writer_index, ValueId output) {
  Node writer = graph.nodes()[writer_index];
  writer.attributes.Set(kFusedChannelsLastOutput, int64_t{1});
  writer.outputs[0] = output;
  ASSIGN_OR_RETURN(std::vector<TensorType> types, InferOutputTypes(graph, writer));
  if (types[0] != graph.value(output).type) {
    return absl::InternalError("a channels-last output changed the writer's output type");
  }
  graph.mutable_nodes()[writer_index] = std::move(writer);
  return absl::OkStatus();
}

// The writer of `nchw` (node writer_index) stores it channels-last instead, into a new
// value named after it, which is returned.
absl::StatusOr<ValueId> WriteChannelsLastCopyOf(Graph& graph, int writer_index, ValueId nchw) {
  const Shape& shape = graph.value(nchw).type.shape;
  const ValueId nhwc = graph.AddValue(absl::StrCat(graph.value(nchw).name, ".channels_last"),
                                      TensorType{graph.value(nchw).type.element_type,
                                                 {shape[0], shape[2], shape[3], shape[1]}});
  RETURN_IF_ERROR(WriteChannelsLast(graph, writer_index, nhwc));
  return nhwc;
}

// Before: x (NCHW, written by node `writer`, which may store channels-last) read by the
// Transpose `to_nhwc` (perm [0, 2, 3, 1], giving y) and by others. Each other reader that
// is a 2-D pool or convolution (x its data input only) reads y channels-last
// instead, and each other Transpose of x transposes y (its perm composed with the
// inverse of [0, 2, 3, 1]): then `to_nhwc` alone reads x, and the writer can absorb it.
// Returns whether that happened (nothing is changed otherwise).
bool ReadThroughTheChannelsLastForm(Graph& graph, int writer, int to_nhwc) {
  const GraphUses uses(graph);
  const ValueId x = graph.nodes()[to_nhwc].inputs[0], y = graph.nodes()[to_nhwc].outputs[0];
  if (uses.IsGraphOutput(x) || uses.IsGraphOutput(y)) return false;
  const std::vector<int>& readers = uses.Consumers(x);
  auto transposes = [&](const Node& reader) {
    return reader.op == OpKind::kTranspose && reader.guard == kNoValue && reader.attributes.GetInts("perm", {}).ok() &&
           reader.attributes.GetInts("perm", {})->size() == 4;
  };
  bool others = false;
  for (int r : readers) {
    if (r == to_nhwc) continue;
    const Node& reader = graph.nodes()[r];
    if (!MayReadChannelsLast(graph, reader, x) && !transposes(reader)) return false;
    others = true;
  }
  if (!others) return false;
  constexpr int64_t kFromNhwc[] = {0, 3, 1, 2};  // the inverse of [0, 2, 3, 1]
  for (int r : readers) {
    if (r == to_nhwc) continue;
    Node& reader = graph.mutable_nodes()[r];
    if (reader.op == OpKind::kTranspose) {
      const std::vector<int64_t> perm = *reader.attributes.GetInts("perm", {});
      std::vector<int64_t> composed(4);
      for (size_t d = 0; d < 4; ++d) composed[d] = kFromNhwc[perm[d]];
      reader.attributes.Set("perm", composed);
    } else {
      reader.attributes.Set(kFusedChannelsLastInput, int64_t{1});
    }
    reader.inputs[0] = y;
  }
  // The rewired readers may come before the Transpose: it moves to just after x's writer.
  std::vector<Node> nodes = graph.nodes();
  Node moved = std::move(nodes[to_nhwc]);
  nodes.erase(nodes.begin() + to_nhwc);
  nodes.insert(nodes.begin() + writer + 1, std::move(moved));
  graph.SetNodes(std::move(nodes));
  return true;
}

}  // namespace

absl::Status AbsorbOutputTransposes(Graph& graph) {
  // First, where a writer's output is read by its NHWC Transpose and by readers that can
  // take the NHWC form as well, they do: the Transpose is then its only reader.
  for (size_t t = 0; t < graph.nodes().size(); ++t) {
    const Node& transpose = graph.nodes()[t];
    if (transpose.op != OpKind::kTranspose || transpose.guard != kNoValue) continue;
    ASSIGN_OR_RETURN(std::vector<int64_t> perm, transpose.attributes.GetInts("perm", {}));
    if (perm != std::vector<int64_t>{0, 2, 3, 1}) continue;
    const ValueId x = transpose.inputs[0];
    int writer = -1;
    for (size_t n = 0; n < t; ++n) {
      const std::vector<ValueId>& outputs = graph.nodes()[n].outputs;
      if (std::find(outputs.begin(), outputs.end(), x) != outputs.end()) writer = static_cast<int>(n);
    }
    if (writer >= 0 && MayWriteChannelsLast(graph, graph.nodes()[writer])) {
      ReadThroughTheChannelsLastForm(graph, writer, static_cast<int>(t));
    }
  }
  const GraphUses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  std::vector<int> producer(graph.values().size(), -1);
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    for (ValueId out : graph.nodes()[n].outputs) producer[out] = static_cast<int>(n);
  }
  for (size_t t = 0; t < graph.nodes().size(); ++t) {
    const Node& transpose = graph.nodes()[t];
    if (transpose.op != OpKind::kTranspose || transpose.guard != kNoValue) continue;
    ASSIGN_OR_RETURN(std::vector<int64_t> perm, transpose.attributes.GetInts("perm", {}));
    const ValueId x = transpose.inputs[0], y = transpose.outputs[0];
    if (perm != std::vector<int64_t>{0, 2, 3, 1} || producer[x] < 0 || !uses.OnlyReadBy(x, static_cast<int>(t))) {
      continue;
    }
    const int writer = producer[x];
    if (MayWriteChannelsLast(graph, graph.nodes()[writer])) {
      RETURN_IF_ERROR(WriteChannelsLast(graph, writer, y));
      removed[t] = true;
      continue;
    }
    // An element-wise op of one tensor that such a writer writes for it alone: the writer
    // stores channels-last and the op runs on the NHWC tensor, into the Transpose's value.
    if (Node activation = graph.nodes()[writer]; IsElementwiseOfOne(graph, activation)) {
      const ValueId input = activation.inputs[0];
      if (producer[input] < 0 || !uses.OnlyReadBy(input, writer) || uses.IsGraphOutput(input) ||
          !MayWriteChannelsLast(graph, graph.nodes()[producer[input]])) {
        continue;
      }
      ASSIGN_OR_RETURN(activation.inputs[0], WriteChannelsLastCopyOf(graph, producer[input], input));
      activation.outputs[0] = y;
      ASSIGN_OR_RETURN(std::vector<TensorType> types, InferOutputTypes(graph, activation));
      if (types[0] != graph.value(y).type) return absl::InternalError("a channels-last activation changed its type");
      graph.mutable_nodes()[writer] = std::move(activation);
      removed[t] = true;
      continue;
    }
    // A Concat of such writers' outputs, each read by the Concat alone: they store
    // channels-last and the Concat joins the NHWC tensors along the axis's new place.
    Node concat = graph.nodes()[writer];
    if (concat.op != OpKind::kConcat || concat.guard != kNoValue) continue;
    const bool joins_writers = std::all_of(concat.inputs.begin(), concat.inputs.end(), [&](ValueId input) {
      return input != kNoValue && producer[input] >= 0 && uses.OnlyReadBy(input, writer) &&
             std::count(concat.inputs.begin(), concat.inputs.end(), input) == 1 &&
             MayWriteChannelsLast(graph, graph.nodes()[producer[input]]);
    });
    if (!joins_writers) continue;
    ASSIGN_OR_RETURN(int64_t axis_attribute, concat.attributes.GetInt("axis", 0));
    ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attribute, 4));
    for (ValueId& input : concat.inputs) {
      ASSIGN_OR_RETURN(input, WriteChannelsLastCopyOf(graph, producer[input], input));
    }
    constexpr int64_t kNhwcPlaceOfNchwAxis[] = {0, 3, 1, 2};
    concat.attributes.Set("axis", kNhwcPlaceOfNchwAxis[axis]);
    concat.outputs[0] = y;
    ASSIGN_OR_RETURN(std::vector<TensorType> types, InferOutputTypes(graph, concat));
    if (types[0] != graph.value(y).type) return absl::InternalError("a channels-last Concat changed its output type");
    graph.mutable_nodes()[writer] = std::move(concat);
    removed[t] = true;
  }
  graph.RemoveNodes(removed);
  return absl::OkStatus();
}

}  // namespace modelc
