// Sliding-window kernels over NCHW data (1-D ops have height 1; a 2-D pool or Conv may
// read or write channels-last, NHWC).
// Conv: for each output plane, bias first, then for every (input channel, kh, kw) tap
// an update `out[oh, ow] += w * x[ih, iw]` over exactly the output positions whose input
// is inside the image, so the innermost loop has no bounds checks and vectorises.
// Pooling: whole vectors of output columns when every window is inside the image;
// otherwise for each output position, the window clipped to the image (3-D windows,
// of rank-5 inputs, add an outer loop over the output's depth and the window's).
#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ops/quantize/product_requantizer.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status EmitConvKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(ConvGeometry g, ResolveConv(k.graph, k.node));
  ASSIGN_OR_RETURN(Epilogue epilogue, ResolveEpilogue(k.graph, k.node));
  switch (std::get<ConvKernel>(k.plan.kernel)) {
    case ConvKernel::kBlocked:
    case ConvKernel::kBlockedClipped:
    case ConvKernel::kChannelTiles:
    case ConvKernel::kPointwiseProduct:
      EmitBlockedConv(k, g, epilogue);
      return absl::OkStatus();
    case ConvKernel::kChannelsLastDepthwise:
      EmitChannelsLastDepthwise(k, g, epilogue);
      return absl::OkStatus();
    case ConvKernel::kWinograd:
      EmitWinogradConv(k, g, epilogue);
      return absl::OkStatus();
    case ConvKernel::kDirect:
      break;
  }
  // The direct kernel (weights given at run time, forced, or an NHWC node's fallback).
  // Either tensor may be channels-last: a plane's pixel p lies p * column from its start.
  const WindowGeometry& s = g.window;
  llvm::IRBuilder<>& b = k.b;
  const PlaneStrides in = g.InputStrides(), at = g.OutputStrides();
  const int64_t out_area = s.out_h * s.out_w;
  const int64_t taps = s.kernel_h * s.kernel_w;
  const int64_t in_per_group = g.InChannelsPerGroup(), out_per_group = g.OutChannelsPerGroup();
  k.Loop(s.batch, [&](llvm::Value* n) {
    k.Loop(g.groups, [&](llvm::Value* group) {
      k.Loop(out_per_group, [&](llvm::Value* local_oc) {
        llvm::Value* oc = b.CreateAdd(b.CreateMul(group, k.Int(out_per_group)), local_oc);
        llvm::Value* plane_offset = b.CreateAdd(b.CreateMul(n, k.Int(at.batch)), b.CreateMul(oc, k.Int(at.channel)));
        llvm::Value* out_plane = k.Address(k.out[0], plane_offset);
        llvm::Value* bias = g.has_bias ? k.Load(k.in[2], oc) : k.Float(0.0f);
        // Sums start from bias + residual: each residual element is read before its
        // output element is first written, so the output may take the residual's buffer
        // (the plan's output_over_input). The residual is stored as the output is.
        llvm::Value* residual_plane = epilogue.residual ? k.Address(k.in[kConvResidualInput], plane_offset) : nullptr;
        k.Loop(out_area, [&](llvm::Value* p) {
          llvm::Value* pixel = b.CreateMul(p, k.Int(at.column));
          k.Store(residual_plane ? b.CreateFAdd(bias, k.Load(residual_plane, pixel)) : bias, out_plane, pixel);
        });
        k.Loop(in_per_group, [&](llvm::Value* local_ic) {
          llvm::Value* ic = b.CreateAdd(b.CreateMul(group, k.Int(in_per_group)), local_ic);
          llvm::Value* in_plane =
              k.Address(k.in[0], b.CreateAdd(b.CreateMul(n, k.Int(in.batch)), b.CreateMul(ic, k.Int(in.channel))));
          llvm::Value* weights =
              k.Address(k.in[1], b.CreateMul(b.CreateAdd(b.CreateMul(oc, k.Int(in_per_group)), local_ic), k.Int(taps)));
          k.Loop(s.kernel_h, [&](llvm::Value* kh) {
            llvm::Value* h_offset = b.CreateSub(b.CreateMul(kh, k.Int(s.dilation_h)), k.Int(s.pad_top));
            ValidRange rows = k.ValidIndices(h_offset, s.stride_h, s.in_h, s.out_h);
            k.Loop(s.kernel_w, [&](llvm::Value* kw) {
              llvm::Value* w_offset = b.CreateSub(b.CreateMul(kw, k.Int(s.dilation_w)), k.Int(s.pad_left));
              ValidRange cols = k.ValidIndices(w_offset, s.stride_w, s.in_w, s.out_w);
              llvm::Value* weight = k.Load(weights, b.CreateAdd(b.CreateMul(kh, k.Int(s.kernel_w)), kw));
              k.Loop(rows.begin, rows.end, [&](llvm::Value* oh) {
                llvm::Value* ih = b.CreateAdd(b.CreateMul(oh, k.Int(s.stride_h)), h_offset);
                llvm::Value* in_row = k.Address(in_plane, b.CreateMul(ih, k.Int(in.row)));
                llvm::Value* out_row = k.Address(out_plane, b.CreateMul(oh, k.Int(at.row)));
                k.Loop(cols.begin, cols.end, [&](llvm::Value* ow) {
                  llvm::Value* iw = b.CreateAdd(b.CreateMul(ow, k.Int(s.stride_w)), w_offset);
                  llvm::Value* out_column = b.CreateMul(ow, k.Int(at.column));
                  llvm::Value* sum = b.CreateFAdd(k.Load(out_row, out_column),
                                                  b.CreateFMul(weight, k.Load(in_row, b.CreateMul(iw, k.Int(in.column)))));
                  k.Store(sum, out_row, out_column);
                });
              });
            });
          });
        });
        // The finished plane is still in cache: activate it now (a planar one; an NHWC
        // output's planes interleave, and are activated once all are done).
        if (!g.channels_last_output) {
          EmitEpilogueLoop(k, Epilogue{epilogue.activation, /*residual=*/false}, out_plane, nullptr, out_area);
        }
      });
    });
  });
  if (g.channels_last_output) {
    EmitEpilogueLoop(k, Epilogue{epilogue.activation, /*residual=*/false}, k.out[0], nullptr,
                     s.batch * g.out_channels * out_area);
  }
  return absl::OkStatus();
}

namespace {

llvm::Value* RangeSize(KernelContext& k, const ValidRange& range) {
  return k.Max(k.b.CreateSub(range.end, range.begin), k.Int(0));
}

// Per output row, vectors of output columns (the last masked); each tap is one strided
// load of the input row. Same comparison as the scalar kernel (NaN never replaces the
// running maximum), and an average divides by the window's area (every tap is inside).
void EmitPoolOnVectors(KernelContext& k, const WindowGeometry& s, bool is_max) {
  llvm::IRBuilder<>& b = k.b;
  const int64_t lanes = k.plan.tiles.lanes;
  llvm::Type* type = lanes > 1 ? static_cast<llvm::Type*>(llvm::FixedVectorType::get(k.F32(), lanes)) : k.F32();
  const bool may_overread_one = (s.out_w - 1) * s.stride_w + (s.kernel_w - 1) * s.dilation_w + 1 < s.in_w;
  auto constant = [&](float c) { return llvm::ConstantFP::get(type, c); };
  k.Loop(s.batch * s.channels, [&](llvm::Value* plane) {
    llvm::Value* in_plane = k.Address(k.in[0], b.CreateMul(plane, k.Int(s.in_h * s.in_w)));
    llvm::Value* out_plane = k.Address(k.out[0], b.CreateMul(plane, k.Int(s.out_h * s.out_w)));
    k.Loop(s.out_h, [&](llvm::Value* oh) {
      auto tile = [&](llvm::Value* ow0, int64_t valid) {
        llvm::Value* acc = constant(is_max ? -std::numeric_limits<float>::infinity() : 0.0f);
        llvm::Value* first_column = b.CreateMul(ow0, k.Int(s.stride_w));
        for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
          llvm::Value* row = b.CreateAdd(b.CreateMul(oh, k.Int(s.stride_h)), k.Int(kh * s.dilation_h));
          llvm::Value* row_start = k.Address(in_plane, b.CreateAdd(b.CreateMul(row, k.Int(s.in_w)), first_column));
          for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
            llvm::Value* v = k.LoadStridedLanes(type, k.Address(row_start, k.Int(kw * s.dilation_w)), s.stride_w, valid,
                                                lanes, may_overread_one);
            acc = is_max ? b.CreateSelect(b.CreateFCmpOGT(v, acc), v, acc) : b.CreateFAdd(acc, v);
          }
        }
        if (!is_max) acc = b.CreateFDiv(acc, constant(static_cast<float>(s.kernel_h * s.kernel_w)));
        k.StoreLanes(acc, k.Address(out_plane, b.CreateAdd(b.CreateMul(oh, k.Int(s.out_w)), ow0)), valid, lanes);
      };
      const int64_t full = s.out_w / lanes, rest = s.out_w % lanes;
      if (full > 0) k.Loop(full, [&](llvm::Value* t) { tile(b.CreateMul(t, k.Int(lanes)), lanes); });
      if (rest > 0) tile(k.Int(full * lanes), rest);
    });
  });
}

// x^p for an integer p >= 1: by squaring, log2(p) multiplications.
llvm::Value* EmitIntegerPower(llvm::IRBuilder<>& b, llvm::Value* x, int64_t p) {
  llvm::Value* result = nullptr;
  for (llvm::Value* square = x; p > 0; p >>= 1) {
    if (p & 1) result = result ? b.CreateFMul(result, square) : square;
    if (p > 1) square = b.CreateFMul(square, square);
  }
  return result;
}

// sum^(1/p) for a sum of p-th powers (never negative): exactly 0 for 0, where the
// inline pow would take the logarithm of 0.
llvm::Value* EmitPthRoot(KernelContext& k, llvm::Value* sum, int64_t p) {
  if (p == 1) return sum;
  llvm::Value* root = p == 2 ? EmitSqrt(k, sum) : EmitPow(k, sum, k.Float(1.0f / static_cast<float>(p)));
  return k.b.CreateSelect(k.b.CreateFCmpOEQ(sum, k.Float(0.0f)), k.Float(0.0f), root);
}

}  // namespace

absl::Status EmitPoolKernel(KernelContext& k, const QuantizedAverage* quantized_average) {
  ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(k.graph, k.node));
  const WindowGeometry& s = g.window;
  const bool is_max = k.node.op == OpKind::kMaxPool;
  const bool is_lp = k.node.op == OpKind::kLpPool;
  const bool quantised = quantized_average != nullptr;
  if (std::get<PoolKernel>(k.plan.kernel) == PoolKernel::kVectorRows) {  // every window inside the image
    EmitPoolOnVectors(k, s, is_max);
    return absl::OkStatus();
  }
  // Float32, or int8/uint8 for MaxPool and QLinearAveragePool (a quantised model's):
  // the latter sums x - x_zero_point in int32 and requantises each window's average
  // (compiler/ops/qlinear_average_pool/). LpPool sums |x|^p and takes the p-th root.
  const DataType type = k.InType(0);
  const bool is_float = IsFloat(type);
  llvm::IRBuilder<>& b = k.b;
  llvm::IRBuilderBase::FastMathFlagGuard exact(b);
  if (quantised) b.clearFastMathFlags();
  llvm::Type* sum_type = quantised ? b.getInt32Ty() : k.Elem(type);
  llvm::Value* x_zero_point = quantised ? EmitLoadZeroPoint(k, quantized_average->x, k.Int(0)) : nullptr;
  llvm::Value* accumulator = k.EntryAlloca(sum_type);
  llvm::Value* start = is_max ? (is_float ? k.Float(-std::numeric_limits<float>::infinity())
                                          : k.Constant(type, IsSignedInteger(type) ? -128.0 : 0.0))
                              : (quantised ? b.getInt32(0) : k.Float(0.0f));
  auto greater = [&](llvm::Value* x, llvm::Value* y) {
    if (is_float) return b.CreateFCmpOGT(x, y);
    return IsSignedInteger(type) ? b.CreateICmpSGT(x, y) : b.CreateICmpUGT(x, y);
  };
  auto at = [&](llvm::Value* base, llvm::Value* index) { return b.CreateInBoundsGEP(k.Elem(type), base, index); };
  const int64_t in_area = s.in_h * s.in_w, out_area = s.out_h * s.out_w;
  // Rows and columns as the tensors store them: planar, or channels-last (a 2-D pool's).
  const PlaneStrides in = g.InputStrides(), out = g.OutputStrides();
  // One output plane (a depth slice's, for 3-D windows): `depths` (nullptr below 3-D)
  // are the window's depths from `d_base`, each an input plane of in_area values.
  auto output_plane = [&](llvm::Value* in_volume, llvm::Value* out_slice, llvm::Value* d_base,
                          const ValidRange* depths) {
    k.Loop(s.out_h, [&](llvm::Value* oh) {
      llvm::Value* h_base = b.CreateSub(b.CreateMul(oh, k.Int(s.stride_h)), k.Int(s.pad_top));
      ValidRange rows = k.ValidIndices(h_base, s.dilation_h, s.in_h, s.kernel_h);
      k.Loop(s.out_w, [&](llvm::Value* ow) {
        llvm::Value* w_base = b.CreateSub(b.CreateMul(ow, k.Int(s.stride_w)), k.Int(s.pad_left));
        ValidRange cols = k.ValidIndices(w_base, s.dilation_w, s.in_w, s.kernel_w);
        b.CreateStore(start, accumulator);
        auto window_plane = [&](llvm::Value* in_plane) {
          k.Loop(rows.begin, rows.end, [&](llvm::Value* kh) {
            llvm::Value* ih = b.CreateAdd(h_base, b.CreateMul(kh, k.Int(s.dilation_h)));
            llvm::Value* in_row = at(in_plane, b.CreateMul(ih, k.Int(in.row)));
            k.Loop(cols.begin, cols.end, [&](llvm::Value* kw) {
              llvm::Value* iw = b.CreateAdd(w_base, b.CreateMul(kw, k.Int(s.dilation_w)));
              llvm::Value* v = k.LoadAs(type, in_row, b.CreateMul(iw, k.Int(in.column)));
              llvm::Value* acc = b.CreateLoad(sum_type, accumulator);
              if (quantised) {
                b.CreateStore(b.CreateAdd(acc, b.CreateSub(EmitWidenToInt32(k, v, type), x_zero_point)), accumulator);
              } else if (is_lp) {
                b.CreateStore(b.CreateFAdd(acc, EmitIntegerPower(b, b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v), g.p)),
                              accumulator);
              } else {
                b.CreateStore(is_max ? b.CreateSelect(greater(v, acc), v, acc) : b.CreateFAdd(acc, v), accumulator);
              }
            });
          });
        };
        if (depths) {
          k.Loop(depths->begin, depths->end, [&](llvm::Value* kd) {
            llvm::Value* id = b.CreateAdd(d_base, b.CreateMul(kd, k.Int(s.dilation_d)));
            window_plane(at(in_volume, b.CreateMul(id, k.Int(in_area))));
          });
        } else {
          window_plane(in_volume);
        }
        llvm::Value* result = b.CreateLoad(sum_type, accumulator);
        if (is_lp) {
          result = EmitPthRoot(k, result, g.p);
        } else if (!is_max) {
          llvm::Value* count;
          if (g.count_include_pad) {
            ValidRange padded_rows = k.ValidIndices(b.CreateAdd(h_base, k.Int(s.pad_top)), s.dilation_h,
                                                    s.in_h + s.pad_top + s.pad_bottom, s.kernel_h);
            ValidRange padded_cols = k.ValidIndices(b.CreateAdd(w_base, k.Int(s.pad_left)), s.dilation_w,
                                                    s.in_w + s.pad_left + s.pad_right, s.kernel_w);
            count = b.CreateMul(RangeSize(k, padded_rows), RangeSize(k, padded_cols));
            if (depths) {
              ValidRange padded_depths = k.ValidIndices(b.CreateAdd(d_base, k.Int(s.pad_front)), s.dilation_d,
                                                        s.in_d + s.pad_front + s.pad_back, s.kernel_d);
              count = b.CreateMul(count, RangeSize(k, padded_depths));
            }
          } else {
            count = b.CreateMul(RangeSize(k, rows), RangeSize(k, cols));
            if (depths) count = b.CreateMul(count, RangeSize(k, *depths));
          }
          llvm::Value* divisor = b.CreateSIToFP(k.Max(count, k.Int(1)), k.F32());
          if (quantised && quantized_average->mean_multiplier_and_shift) {
            const auto [multiplier, shift] = *quantized_average->mean_multiplier_and_shift;
            result = EmitRequantizeFixedPoint(k, result, b.getInt32(multiplier), b.getInt32(shift),
                                              EmitLoadZeroPoint(k, quantized_average->y, k.Int(0)), k.OutType(),
                                              shift <= -1, FixedPointRounding::kDouble);
          } else if (quantised && quantized_average->integer_average) {
            // TFLite's: s = sum + count * x_zero_point (the x values' sum), then
            // (s +- count / 2) / count truncated, the sign's way, clamped.
            llvm::Value* divisor_int = b.CreateSExtOrTrunc(k.Max(count, k.Int(1)), b.getInt32Ty());
            llvm::Value* sum = b.CreateAdd(result, b.CreateMul(divisor_int, x_zero_point));
            llvm::Value* half = b.CreateSDiv(divisor_int, b.getInt32(2));
            llvm::Value* numerator = b.CreateSelect(b.CreateICmpSGT(sum, b.getInt32(0)), b.CreateAdd(sum, half),
                                                    b.CreateSub(sum, half));
            llvm::Value* average = b.CreateSDiv(numerator, divisor_int);
            average = b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, average, b.getInt32(QuantizedMin(k.OutType())));
            average = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, average, b.getInt32(QuantizedMax(k.OutType())));
            result = b.CreateTrunc(average, k.Elem(k.OutType()));
          } else if (quantised) {  // ((sum * x_scale) / count) / y_scale, or ORT's one multiplier, requantised
            const QuantizationParameters& x = quantized_average->x;
            const QuantizationParameters& y = quantized_average->y;
            llvm::Value* scaled = nullptr;
            if (quantized_average->one_multiplier) {
              llvm::Value* x_scale = EmitLoadScale(k, x, k.Int(0));
              llvm::Value* multiplier = b.CreateFDiv(x_scale, b.CreateFMul(EmitLoadScale(k, y, k.Int(0)), divisor));
              scaled = b.CreateFMul(b.CreateSIToFP(result, k.F32()), multiplier);
            } else {
              llvm::Value* real = b.CreateFMul(b.CreateSIToFP(result, k.F32()), EmitLoadScale(k, x, k.Int(0)));
              scaled = b.CreateFDiv(b.CreateFDiv(real, divisor), EmitLoadScale(k, y, k.Int(0)));
            }
            result = EmitRoundToQuantized(k, scaled, EmitLoadZeroPoint(k, y, k.Int(0)), k.OutType());
          } else {
            result = b.CreateFDiv(result, divisor);
          }
        }
        k.StoreAs(k.OutType(), result, out_slice,
                  b.CreateAdd(b.CreateMul(oh, k.Int(out.row)), b.CreateMul(ow, k.Int(out.column))));
      });
    });
  };
  auto plane_start = [&](const PlaneStrides& strides, llvm::Value* n, llvm::Value* c) {
    return b.CreateAdd(b.CreateMul(n, k.Int(strides.batch)), b.CreateMul(c, k.Int(strides.channel)));
  };
  k.Loop(s.batch, [&](llvm::Value* n) {
    k.Loop(s.channels, [&](llvm::Value* c) {
      llvm::Value* in_volume = at(k.in[0], plane_start(in, n, c));
      llvm::Value* out_volume = at(k.out[0], plane_start(out, n, c));
      if (s.spatial_rank < 3) {
        output_plane(in_volume, out_volume, nullptr, nullptr);
        return;
      }
      k.Loop(s.out_d, [&](llvm::Value* od) {
        llvm::Value* d_base = b.CreateSub(b.CreateMul(od, k.Int(s.stride_d)), k.Int(s.pad_front));
        const ValidRange depths = k.ValidIndices(d_base, s.dilation_d, s.in_d, s.kernel_d);
        output_plane(in_volume, at(out_volume, b.CreateMul(od, k.Int(out_area))), d_base, &depths);
      });
    });
  });
  return absl::OkStatus();
}

// The hooks of the ops this emitter serves.
absl::Status EmitMaxPoolKernel(KernelContext& k) { return EmitPoolKernel(k); }
absl::Status EmitAveragePoolKernel(KernelContext& k) { return EmitPoolKernel(k); }
absl::Status EmitLpPoolKernel(KernelContext& k) { return EmitPoolKernel(k); }

}  // namespace modelc
