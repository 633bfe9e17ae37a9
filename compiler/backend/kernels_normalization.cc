// Normalisation kernels: inference BatchNormalization as a per-channel scale and shift
// (computed at compile time when the statistics are constant), and GlobalAveragePool.
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"
#include "llvm/IR/Intrinsics.h"

namespace modelc {

absl::Status EmitBatchNormalizationKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(BatchNormGeometry g, ResolveBatchNorm(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* scales;
  llvm::Value* shifts;
  if (k.plan.FindConstant("scale") != nullptr) {  // constant statistics, folded by prepare-constants
    scales = k.PreparedConstant("scale");
    shifts = k.PreparedConstant("shift");
  } else {
    scales = k.EntryAlloca(llvm::ArrayType::get(k.F32(), g.channels));
    shifts = k.EntryAlloca(llvm::ArrayType::get(k.F32(), g.channels));
    k.Loop(g.channels, [&](llvm::Value* c) {
      llvm::Value* variance = b.CreateFAdd(k.Load(k.in[4], c), k.Float(g.epsilon));
      llvm::Value* root = EmitSqrt(k, variance);
      llvm::Value* s = b.CreateFDiv(k.Load(k.in[1], c), root);
      k.Store(s, scales, c);
      k.Store(b.CreateFSub(k.Load(k.in[2], c), b.CreateFMul(k.Load(k.in[3], c), s)), shifts, c);
    });
  }
  k.Loop(g.batch, [&](llvm::Value* n) {
    k.Loop(g.channels, [&](llvm::Value* c) {
      llvm::Value* plane = b.CreateMul(b.CreateAdd(b.CreateMul(n, k.Int(g.channels)), c), k.Int(g.inner));
      llvm::Value* s = k.Load(scales, c);
      llvm::Value* t = k.Load(shifts, c);
      k.Loop(g.inner, [&](llvm::Value* i) {
        llvm::Value* index = b.CreateAdd(plane, i);
        k.Store(b.CreateFAdd(b.CreateFMul(k.Load(k.in[0], index), s), t), k.out[0], index);
      });
    });
  });
  return absl::OkStatus();
}

namespace {

// The mean of `count` contiguous floats and 1 / sqrt(variance + epsilon), in two passes
// (mean, then the variance about it: no cancellation); `sum` is a float stack slot.
std::pair<llvm::Value*, llvm::Value*> EmitMeanAndInverseStd(KernelContext& k, llvm::Value* group, int64_t count,
                                                            float epsilon, llvm::Value* sum) {
  llvm::IRBuilder<>& b = k.b;
  b.CreateStore(k.Float(0.0f), sum);
  k.Loop(count, [&](llvm::Value* i) { b.CreateStore(k.ReassociableAdd(b.CreateLoad(k.F32(), sum), k.Load(group, i)), sum); });
  llvm::Value* mean = b.CreateFDiv(b.CreateLoad(k.F32(), sum), k.Float(static_cast<float>(count)));
  b.CreateStore(k.Float(0.0f), sum);
  k.Loop(count, [&](llvm::Value* i) {
    llvm::Value* d = b.CreateFSub(k.Load(group, i), mean);
    b.CreateStore(k.ReassociableAdd(b.CreateLoad(k.F32(), sum), b.CreateFMul(d, d)), sum);
  });
  llvm::Value* variance = b.CreateFDiv(b.CreateLoad(k.F32(), sum), k.Float(static_cast<float>(count)));
  llvm::Value* inv_std = b.CreateFDiv(k.Float(1.0f), EmitSqrt(k, b.CreateFAdd(variance, k.Float(epsilon))));
  return {mean, inv_std};
}

}  // namespace

// Per group y = (x - mean) * inv_std * scale + bias. Mean and InvStdDev are written when
// asked for.
absl::Status EmitLayerNormalizationKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(LayerNormGeometry g, ResolveLayerNorm(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const bool has_bias = k.graph.HasInput(k.node, 2);
  llvm::Value* sum = k.EntryAlloca(k.F32());
  // Within a group: the element (contiguous), its scale and its bias.
  std::vector<std::vector<int64_t>> strides = {RowMajorStrides(g.normalized_shape), g.scale_strides};
  if (has_bias) strides.push_back(g.bias_strides);
  k.Loop(g.outer, [&](llvm::Value* o) {
    llvm::Value* group = k.Address(k.in[0], b.CreateMul(o, k.Int(g.inner)));
    llvm::Value* out = k.Address(k.out[0], b.CreateMul(o, k.Int(g.inner)));
    auto [mean, inv_std] = EmitMeanAndInverseStd(k, group, g.inner, g.epsilon, sum);
    k.LoopNest(g.normalized_shape, strides, [&](llvm::Value*, const std::vector<llvm::Value*>& at) {
      llvm::Value* y = b.CreateFMul(b.CreateFMul(b.CreateFSub(k.Load(group, at[0]), mean), inv_std), k.Load(k.in[1], at[1]));
      if (has_bias) y = b.CreateFAdd(y, k.Load(k.in[2], at[2]));
      k.Store(y, out, at[0]);
    });
    if (k.out.size() > 1) k.Store(mean, k.out[1], o);
    if (k.out.size() > 2) k.Store(inv_std, k.out[2], o);
  });
  return absl::OkStatus();
}

// InstanceNormalization: the LayerNorm loop per (image, channel) plane, with the
// channel's scale and shift.
absl::Status EmitInstanceNormalizationKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(InstanceNormGeometry g, ResolveInstanceNorm(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* sum = k.EntryAlloca(k.F32());
  k.Loop(g.batch * g.channels, [&](llvm::Value* p) {
    llvm::Value* plane = k.Address(k.in[0], b.CreateMul(p, k.Int(g.inner)));
    llvm::Value* out = k.Address(k.out[0], b.CreateMul(p, k.Int(g.inner)));
    llvm::Value* channel = b.CreateSRem(p, k.Int(g.channels));
    auto [mean, inv_std] = EmitMeanAndInverseStd(k, plane, g.inner, g.epsilon, sum);
    llvm::Value* scale = b.CreateFMul(inv_std, k.Load(k.in[1], channel));
    llvm::Value* shift = k.Load(k.in[2], channel);
    k.Loop(g.inner, [&](llvm::Value* i) {
      k.Store(b.CreateFAdd(b.CreateFMul(b.CreateFSub(k.Load(plane, i), mean), scale), shift), out, i);
    });
  });
  return absl::OkStatus();
}

absl::Status EmitGlobalPoolKernel(KernelContext& k) {
  const Shape& x = k.graph.InputType(k.node, 0).shape;
  const int64_t planes = x[0] * x[1];
  const int64_t area = ElementCount(x) / std::max<int64_t>(planes, 1);
  const bool is_max = k.node.op == OpKind::kGlobalMaxPool;
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* accumulator = k.EntryAlloca(k.F32());
  k.Loop(planes, [&](llvm::Value* p) {
    llvm::Value* plane = k.Address(k.in[0], b.CreateMul(p, k.Int(area)));
    b.CreateStore(k.Float(is_max ? -std::numeric_limits<float>::infinity() : 0.0f), accumulator);
    k.Loop(area, [&](llvm::Value* i) {
      llvm::Value* acc = b.CreateLoad(k.F32(), accumulator);
      llvm::Value* v = k.Load(plane, i);
      b.CreateStore(is_max ? b.CreateSelect(b.CreateFCmpOGT(v, acc), v, acc) : k.ReassociableAdd(acc, v), accumulator);
    });
    llvm::Value* result = b.CreateLoad(k.F32(), accumulator);
    if (!is_max) result = b.CreateFDiv(result, k.Float(static_cast<float>(area)));
    k.Store(result, k.out[0], p);
  });
  return absl::OkStatus();
}

// The hooks of the ops this emitter serves.
absl::Status EmitGlobalAveragePoolKernel(KernelContext& k) { return EmitGlobalPoolKernel(k); }
absl::Status EmitGlobalMaxPoolKernel(KernelContext& k) { return EmitGlobalPoolKernel(k); }

}  // namespace modelc
