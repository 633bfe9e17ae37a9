// Upsampling kernels: Resize / Upsample (separable taps, ir/resize.h) and
// ConvTranspose (each output gathers the inputs that land on it; a 2-D one may read
// and write channels-last, through its strides). Straightforward
// scalar loop nests: these ops are rare in the models we target and correct first.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/resize.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// One combination of taps chosen so far: the input offset and the weight product
// (nullptr while every weight is 1).
struct PartialTap {
  llvm::Value* offset;
  llvm::Value* weight;
};

}  // namespace

absl::Status EmitResizeKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(ResizeGeometry g, ResolveResize(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const size_t rank = g.out_shape.size();
  std::vector<llvm::Value*> offset_tables(rank), weight_tables(rank), outside_tables(rank);
  for (size_t d = 0; d < rank; ++d) {
    offset_tables[d] = k.ConstantIndices(g.axes[d].offsets, absl::StrCat("resize_offsets", d));
    bool unit_weights = true;
    for (float w : g.axes[d].weights) unit_weights &= w == 1.0f;
    if (!unit_weights) weight_tables[d] = k.ConstantFloats(g.axes[d].weights, absl::StrCat("resize_weights", d));
    if (g.has_outside) {
      std::vector<int64_t> outside(g.axes[d].outside.begin(), g.axes[d].outside.end());
      outside_tables[d] = k.ConstantIndices(outside, absl::StrCat("resize_outside", d));
    }
  }
  std::function<void(size_t, llvm::Value*, std::vector<PartialTap>, llvm::Value*)> level =
      [&](size_t d, llvm::Value* linear, std::vector<PartialTap> partial, llvm::Value* outside) {
        if (d == rank) {
          llvm::Value* sum = nullptr;
          for (const PartialTap& tap : partial) {
            llvm::Value* v = k.Load(k.in[0], tap.offset);
            if (tap.weight) v = b.CreateFMul(v, tap.weight);
            sum = sum ? b.CreateFAdd(sum, v) : v;
          }
          if (g.has_outside) sum = b.CreateSelect(outside, k.Float(g.extrapolation_value), sum);
          k.Store(sum, k.out[0], linear);
          return;
        }
        const ResizeAxis& axis = g.axes[d];
        k.Loop(g.out_shape[d], [&](llvm::Value* i) {
          std::vector<PartialTap> next;
          for (int64_t t = 0; t < axis.taps; ++t) {
            llvm::Value* entry = b.CreateAdd(b.CreateMul(i, k.Int(axis.taps)), k.Int(t));
            llvm::Value* offset = b.CreateLoad(k.Index(), b.CreateInBoundsGEP(k.Index(), offset_tables[d], entry));
            llvm::Value* weight = weight_tables[d] ? k.Load(weight_tables[d], entry) : nullptr;
            for (const PartialTap& tap : partial) {
              llvm::Value* product = !weight ? tap.weight : tap.weight ? b.CreateFMul(tap.weight, weight) : weight;
              next.push_back({b.CreateAdd(tap.offset, offset), product});
            }
          }
          llvm::Value* next_outside = outside;
          if (g.has_outside) {
            llvm::Value* flag = b.CreateLoad(k.Index(), b.CreateInBoundsGEP(k.Index(), outside_tables[d], i));
            next_outside = b.CreateOr(outside, b.CreateICmpNE(flag, k.Int(0)));
          }
          level(d + 1, b.CreateAdd(b.CreateMul(linear, k.Int(g.out_shape[d])), i), next, next_outside);
        });
      };
  level(0, k.Int(0), {PartialTap{k.Int(0), nullptr}}, b.getFalse());
  return absl::OkStatus();
}

// Upsample's hook: a Resize whose scales are its only parameters.
absl::Status EmitUpsampleKernel(KernelContext& k) { return EmitResizeKernel(k); }

absl::Status EmitConvTransposeKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(ConvTransposeGeometry g, ResolveConvTranspose(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const int64_t icg = g.InChannelsPerGroup(), ocg = g.OutChannelsPerGroup();
  const PlaneStrides in = g.InputStrides(), out = g.OutputStrides();  // planar or channels-last
  llvm::Value* sum = k.EntryAlloca(k.F32());
  // Input index along one axis for output index o and tap t, and whether it exists.
  auto source = [&](llvm::Value* o, llvm::Value* t, int64_t pad, int64_t dilation, int64_t stride, int64_t extent) {
    llvm::Value* shifted = b.CreateSub(b.CreateAdd(o, k.Int(pad)), b.CreateMul(t, k.Int(dilation)));
    llvm::Value* safe = b.CreateSelect(b.CreateICmpSGE(shifted, k.Int(0)), shifted, k.Int(0));
    llvm::Value* index = b.CreateUDiv(safe, k.Int(stride));
    llvm::Value* valid = b.CreateAnd(b.CreateICmpSGE(shifted, k.Int(0)),
                                     b.CreateAnd(b.CreateICmpEQ(b.CreateURem(safe, k.Int(stride)), k.Int(0)),
                                                 b.CreateICmpSLT(index, k.Int(extent))));
    return std::make_pair(index, valid);
  };
  k.LoopNest({g.batch, g.out_channels, g.out_h, g.out_w}, {}, [&](llvm::Value* at, const std::vector<llvm::Value*>&) {
    llvm::Value* ow = b.CreateSRem(at, k.Int(g.out_w));
    llvm::Value* oh = b.CreateSRem(b.CreateSDiv(at, k.Int(g.out_w)), k.Int(g.out_h));
    llvm::Value* oc = b.CreateSRem(b.CreateSDiv(at, k.Int(g.out_w * g.out_h)), k.Int(g.out_channels));
    llvm::Value* n = b.CreateSDiv(at, k.Int(g.out_w * g.out_h * g.out_channels));
    llvm::Value* group = b.CreateSDiv(oc, k.Int(ocg));
    llvm::Value* oc_in_group = b.CreateSRem(oc, k.Int(ocg));
    b.CreateStore(g.has_bias ? k.Load(k.in[2], oc) : k.Float(0.0f), sum);
    k.Loop(g.kernel_h, [&](llvm::Value* kh) {
      auto [ih, valid_h] = source(oh, kh, g.pad_top, g.dilation_h, g.stride_h, g.in_h);
      k.Loop(g.kernel_w, [&](llvm::Value* kw) {
        auto [iw, valid_w] = source(ow, kw, g.pad_left, g.dilation_w, g.stride_w, g.in_w);
        llvm::Value* valid = b.CreateAnd(valid_h, valid_w);
        k.Loop(icg, [&](llvm::Value* j) {
          llvm::Value* ic = b.CreateAdd(b.CreateMul(group, k.Int(icg)), j);
          llvm::Value* x_at = b.CreateAdd(b.CreateAdd(b.CreateMul(n, k.Int(in.batch)), b.CreateMul(ic, k.Int(in.channel))),
                                          b.CreateAdd(b.CreateMul(ih, k.Int(in.row)), b.CreateMul(iw, k.Int(in.column))));
          llvm::Value* w_at = b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(b.CreateAdd(b.CreateMul(ic, k.Int(ocg)), oc_in_group),
                                                                              k.Int(g.kernel_h)), kh), k.Int(g.kernel_w)), kw);
          llvm::Value* product = b.CreateFMul(k.Load(k.in[0], b.CreateSelect(valid, x_at, k.Int(0))), k.Load(k.in[1], w_at));
          llvm::Value* current = b.CreateLoad(k.F32(), sum);
          b.CreateStore(b.CreateSelect(valid, b.CreateFAdd(current, product), current), sum);
        });
      });
    });
    llvm::Value* y_at = b.CreateAdd(b.CreateAdd(b.CreateMul(n, k.Int(out.batch)), b.CreateMul(oc, k.Int(out.channel))),
                                    b.CreateAdd(b.CreateMul(oh, k.Int(out.row)), b.CreateMul(ow, k.Int(out.column))));
    k.Store(b.CreateLoad(k.F32(), sum), k.out[0], y_at);
  });
  return absl::OkStatus();
}

}  // namespace modelc
