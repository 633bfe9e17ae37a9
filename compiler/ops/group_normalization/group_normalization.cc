// GroupNormalization (opset 21): x of [N, C, D...] in num_groups groups of C / num_groups
// channels; each (batch, group) block is normalised by its own mean and variance, then
// scaled and shifted per channel: y = (x - mean) / sqrt(var + epsilon) * scale[c] + bias[c].
// Opset 18's form (scale and bias per group) is brought to this one by its upgrade.
// The whole op lives here: geometry, shape rule, reference and kernel.
#include <cmath>

#include "compiler/backend/kernel_context.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/reference/evaluator.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// Opset 18 to 20 took scale and bias per group; the upgrade marks such a node.
constexpr char kScalePerGroup[] = "scale_per_group";

// `blocks` = N * groups contiguous blocks of `block` = channels_per_group * spatial
// elements; element i of block b has channel (b % groups) * channels_per_group + i / spatial,
// and its scale and bias are at ParameterIndex of that channel.
struct GroupNormGeometry {
  int64_t blocks = 1, block = 1, groups = 1, channels_per_group = 1, spatial = 1;
  bool per_group = false;
  float epsilon = 1e-5f;
  int64_t ParameterIndex(int64_t channel) const { return per_group ? channel / channels_per_group : channel; }
};

absl::StatusOr<GroupNormGeometry> ResolveGroupNorm(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() < 2) return absl::InvalidArgumentError("GroupNormalization needs an input of rank 2 or more");
  GroupNormGeometry g;
  ASSIGN_OR_RETURN(g.epsilon, node.attributes.GetFloat("epsilon", 1e-5f));
  ASSIGN_OR_RETURN(g.groups, node.attributes.GetInt("num_groups", 0));
  ASSIGN_OR_RETURN(int64_t stash_type, node.attributes.GetInt("stash_type", 1));
  ASSIGN_OR_RETURN(int64_t per_group, node.attributes.GetInt(kScalePerGroup, 0));
  g.per_group = per_group != 0;
  if (stash_type != 1) return absl::UnimplementedError("GroupNormalization computes in float32 only (stash_type 1)");
  const int64_t channels = x[1];
  if (g.groups <= 0 || channels % g.groups != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("GroupNormalization's num_groups (", g.groups, ") must divide the ", channels, " channels"));
  }
  g.channels_per_group = channels / g.groups;
  g.spatial = 1;
  for (size_t d = 2; d < x.size(); ++d) g.spatial *= x[d];
  g.block = g.channels_per_group * g.spatial;
  g.blocks = x[0] * g.groups;
  const int64_t parameters = g.per_group ? g.groups : channels;
  for (int input = 1; input <= 2; ++input) {
    const Shape& shape = graph.InputType(node, input).shape;
    if (shape.size() != 1 || shape[0] != parameters) {
      return absl::InvalidArgumentError(absl::StrCat("GroupNormalization's ", input == 1 ? "scale" : "bias",
                                                     " must have ", parameters, " elements (one per ",
                                                     g.per_group ? "group" : "channel", ")"));
    }
  }
  return g;
}

}  // namespace

absl::Status UpgradeGroupNormalization(Node& node, int64_t opset) {
  if (opset < 21) node.attributes.Set(kScalePerGroup, int64_t{1});
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TensorType>> InferGroupNormalization(const Graph& graph, const Node& node,
                                                                DataType out_type) {
  RETURN_IF_ERROR(ResolveGroupNorm(graph, node).status());
  return std::vector<TensorType>{TensorType{out_type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateGroupNormalization(const Graph& graph, const Node& node,
                                                                   const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(GroupNormGeometry g, ResolveGroupNorm(graph, node));
  return EvaluateOnFloats(graph, node, inputs, [&](const std::vector<const FloatTensor*>& in) {
    const FloatTensor& x = *in[0];
    FloatTensor y(x.size());
    for (int64_t b = 0; b < g.blocks; ++b) {
      const int64_t start = b * g.block;
      double sum = 0.0;
      for (int64_t i = 0; i < g.block; ++i) sum += x[start + i];
      const double mean = sum / g.block;
      double squares = 0.0;
      for (int64_t i = 0; i < g.block; ++i) squares += (x[start + i] - mean) * (x[start + i] - mean);
      const double inverse_deviation = 1.0 / std::sqrt(squares / g.block + g.epsilon);
      for (int64_t i = 0; i < g.block; ++i) {
        const int64_t p = g.ParameterIndex((b % g.groups) * g.channels_per_group + i / g.spatial);
        y[start + i] = static_cast<float>((x[start + i] - mean) * inverse_deviation * (*in[1])[p] + (*in[2])[p]);
      }
    }
    return absl::StatusOr<std::vector<FloatTensor>>(std::vector<FloatTensor>{std::move(y)});
  });
}

// Per block: a pass for the mean, one for the variance, one to normalise channel by channel.
absl::Status EmitGroupNormalizationKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(GroupNormGeometry g, ResolveGroupNorm(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* sum = k.EntryAlloca(k.F32());
  const float count = static_cast<float>(g.block);
  k.Loop(g.blocks, [&](llvm::Value* block) {
    llvm::Value* in = k.Address(k.in[0], b.CreateMul(block, k.Int(g.block)));
    llvm::Value* out = k.Address(k.out[0], b.CreateMul(block, k.Int(g.block)));
    b.CreateStore(k.Float(0.0f), sum);
    k.Loop(g.block, [&](llvm::Value* i) { b.CreateStore(k.ReassociableAdd(b.CreateLoad(k.F32(), sum), k.Load(in, i)), sum); });
    llvm::Value* mean = b.CreateFDiv(b.CreateLoad(k.F32(), sum), k.Float(count));
    b.CreateStore(k.Float(0.0f), sum);
    k.Loop(g.block, [&](llvm::Value* i) {
      llvm::Value* d = b.CreateFSub(k.Load(in, i), mean);
      b.CreateStore(k.ReassociableAdd(b.CreateLoad(k.F32(), sum), b.CreateFMul(d, d)), sum);
    });
    llvm::Value* variance = b.CreateFDiv(b.CreateLoad(k.F32(), sum), k.Float(count));
    llvm::Value* inverse_deviation = b.CreateFDiv(k.Float(1.0f), EmitSqrt(k, b.CreateFAdd(variance, k.Float(g.epsilon))));
    llvm::Value* first_channel = b.CreateMul(b.CreateSRem(block, k.Int(g.groups)), k.Int(g.channels_per_group));
    k.Loop(g.channels_per_group, [&](llvm::Value* c) {
      llvm::Value* channel = b.CreateAdd(first_channel, c);
      llvm::Value* p = g.per_group ? b.CreateSDiv(channel, k.Int(g.channels_per_group)) : channel;
      llvm::Value* factor = b.CreateFMul(inverse_deviation, k.Load(k.in[1], p));
      llvm::Value* shift = k.Load(k.in[2], p);
      llvm::Value* row = b.CreateMul(c, k.Int(g.spatial));
      k.Loop(g.spatial, [&](llvm::Value* s) {
        llvm::Value* at = b.CreateAdd(row, s);
        k.Store(b.CreateFAdd(b.CreateFMul(b.CreateFSub(k.Load(in, at), mean), factor), shift), out, at);
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
