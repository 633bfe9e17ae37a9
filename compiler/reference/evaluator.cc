// Reference kernels and the graph walker.
#include "compiler/reference/evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/resize.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/reference/index_walk.h"
#include "compiler/reference/typed_kernels.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

using Outputs = std::vector<FloatTensor>;

}  // namespace

namespace {

// y = f(x) in T's precision: float32's code computes in double where that matters
// and rounds once; float64's is the same code in double.
template <typename T>
T Elementwise(const ElementwiseFunction& f, T x) {
  const double v = x;
  switch (AsElementwiseOp(f.op)) {
    case ElementwiseOp::kRelu:
      return x < T{0} ? T{0} : x;
    case ElementwiseOp::kSigmoid:
      return static_cast<T>(1.0 / (1.0 + std::exp(-v)));
    case ElementwiseOp::kTanh:
      return static_cast<T>(std::tanh(v));
    case ElementwiseOp::kExp:
      return static_cast<T>(std::exp(v));
    case ElementwiseOp::kLog:
      return static_cast<T>(std::log(v));
    case ElementwiseOp::kAbs:
      return std::fabs(x);
    case ElementwiseOp::kNeg:
      return -x;
    case ElementwiseOp::kSqrt:
      return static_cast<T>(std::sqrt(v));
    case ElementwiseOp::kReciprocal:
      return static_cast<T>(1.0 / v);
    case ElementwiseOp::kFloor:
      return std::floor(x);
    case ElementwiseOp::kCeil:
      return std::ceil(x);
    case ElementwiseOp::kRound:
      return std::nearbyint(x);  // halves to even under the default rounding mode
    case ElementwiseOp::kSign:
      return x > T{0} ? T{1} : x < T{0} ? T{-1} : x;
    case ElementwiseOp::kErf:
      return static_cast<T>(std::erf(v));
    case ElementwiseOp::kSoftplus:
      return static_cast<T>(std::max(v, 0.0) + std::log1p(std::exp(-std::fabs(v))));
    case ElementwiseOp::kSoftsign:
      return static_cast<T>(v / (1.0 + std::fabs(v)));
    case ElementwiseOp::kElu:
      return x < T{0} ? static_cast<T>(f.alpha * std::expm1(v)) : x;
    case ElementwiseOp::kSelu:
      return static_cast<T>(x > T{0} ? f.gamma * v : f.gamma * f.alpha * std::expm1(v));
    case ElementwiseOp::kCelu:
      return static_cast<T>(std::max(0.0, v) + std::min(0.0, f.alpha * std::expm1(v / f.alpha)));
    case ElementwiseOp::kLeakyRelu:
      return x < T{0} ? static_cast<T>(f.alpha * x) : x;
    case ElementwiseOp::kThresholdedRelu:
      return x > f.alpha ? x : T{0};
    case ElementwiseOp::kHardSigmoid:
      return std::max(T{0}, std::min(T{1}, static_cast<T>(f.alpha * x + f.beta)));
    case ElementwiseOp::kHardSwish:
      return x * std::max(T{0}, std::min(T{1}, x / T{6} + T{0.5}));
    case ElementwiseOp::kClip:
      return std::min(std::max(x, static_cast<T>(f.alpha)), static_cast<T>(f.beta));
    case ElementwiseOp::kSin: return static_cast<T>(std::sin(v));
    case ElementwiseOp::kCos: return static_cast<T>(std::cos(v));
    case ElementwiseOp::kTan: return static_cast<T>(std::tan(v));
    case ElementwiseOp::kAsin: return static_cast<T>(std::asin(v));
    case ElementwiseOp::kAcos: return static_cast<T>(std::acos(v));
    case ElementwiseOp::kAtan: return static_cast<T>(std::atan(v));
    case ElementwiseOp::kSinh: return static_cast<T>(std::sinh(v));
    case ElementwiseOp::kCosh: return static_cast<T>(std::cosh(v));
    case ElementwiseOp::kAsinh: return static_cast<T>(std::asinh(v));
    case ElementwiseOp::kAcosh: return static_cast<T>(std::acosh(v));
    case ElementwiseOp::kAtanh: return static_cast<T>(std::atanh(v));
    case ElementwiseOp::kShrink:
      return x < -f.alpha ? static_cast<T>(v + f.beta) : x > f.alpha ? static_cast<T>(v - f.beta) : T{0};
    case ElementwiseOp::kSwish:
      return static_cast<T>(v / (1.0 + std::exp(-f.alpha * v)));
    case ElementwiseOp::kNot: case ElementwiseOp::kCast: case ElementwiseOp::kIsNaN: case ElementwiseOp::kIsInf:
    case ElementwiseOp::kBitwiseNot:
    case ElementwiseOp::kIdentity:
      return x;  // kIdentity
  }
  MODELC_UNREACHABLE("every case of the switch returns");
}

}  // namespace

float ApplyElementwise(const ElementwiseFunction& f, float x) { return Elementwise<float>(f, x); }
double ApplyElementwise(const ElementwiseFunction& f, double x) { return Elementwise<double>(f, x); }

namespace {

float Combine(OpKind op, float a, float b) {
  switch (AsBinaryOp(op)) {
    case BinaryOp::kAdd:
    case BinaryOp::kSum:
    case BinaryOp::kMean:
      return a + b;
    case BinaryOp::kSub:
      return a - b;
    case BinaryOp::kMul:
      return a * b;
    case BinaryOp::kDiv:
      return a / b;
    case BinaryOp::kPow:
      return static_cast<float>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    case BinaryOp::kMax:
      return std::max(a, b);
    case BinaryOp::kMin:
      return std::min(a, b);
    case BinaryOp::kPRelu:
      return a < 0.0f ? a * b : a;
    case BinaryOp::kEqual: case BinaryOp::kLess: case BinaryOp::kGreater: case BinaryOp::kLessOrEqual:
    case BinaryOp::kGreaterOrEqual: case BinaryOp::kAnd: case BinaryOp::kOr: case BinaryOp::kXor:
    case BinaryOp::kMod: case BinaryOp::kBitShift: case BinaryOp::kBitwiseAnd: case BinaryOp::kBitwiseOr:
    case BinaryOp::kBitwiseXor: case BinaryOp::kWhere:
      return std::numeric_limits<float>::quiet_NaN();
  }
  MODELC_UNREACHABLE("every case of the switch returns");
}

// Combines the operands at every output position, each read through its broadcast
// strides, left to right.
FloatTensor Broadcast(OpKind op, const Shape& out_shape, const std::vector<Shape>& shapes,
                      const std::vector<const FloatTensor*>& operands) {
  FloatTensor out(ElementCount(out_shape));
  ForEachBroadcast(out_shape, shapes, [&](int64_t flat, const std::vector<int64_t>& index) {
    float value = (*operands[0])[index[0]];
    for (size_t o = 1; o < operands.size(); ++o) value = Combine(op, value, (*operands[o])[index[o]]);
    if (op == OpKind::kMean) value /= static_cast<float>(operands.size());
    out[flat] = value;
  });
  return out;
}

FloatTensor Gemm(const GemmGeometry& g, const FloatTensor& a, const FloatTensor& b,
                 const FloatTensor* c) {
  FloatTensor out(g.m * g.n);
  for (int64_t i = 0; i < g.m; ++i) {
    for (int64_t j = 0; j < g.n; ++j) {
      double sum = 0.0;
      for (int64_t p = 0; p < g.k; ++p) {
        const float av = g.trans_a ? a[p * g.m + i] : a[i * g.k + p];
        const float bv = g.trans_b ? b[j * g.k + p] : b[p * g.n + j];
        sum += static_cast<double>(av) * bv;
      }
      double result = g.alpha * sum;
      if (c) result += static_cast<double>(g.beta) * (*c)[i * g.c_stride_m + j * g.c_stride_n];
      out[i * g.n + j] = static_cast<float>(result);
    }
  }
  return out;
}

FloatTensor MatMul(const MatMulGeometry& g, const FloatTensor& a, const FloatTensor& b) {
  FloatTensor out(g.batch_count * g.m * g.n);
  for (int64_t batch = 0; batch < g.batch_count; ++batch) {
    const float* am = a.data() + g.a_batch_offsets[batch];
    const float* bm = b.data() + g.b_batch_offsets[batch];
    float* om = out.data() + batch * g.m * g.n;
    for (int64_t i = 0; i < g.m; ++i) {
      for (int64_t j = 0; j < g.n; ++j) {
        double sum = 0.0;
        for (int64_t p = 0; p < g.k; ++p) sum += static_cast<double>(am[g.AIndex(i, p)]) * bm[g.BIndex(p, j)];
        om[i * g.n + j] = static_cast<float>(sum);
      }
    }
  }
  return out;
}

FloatTensor Conv(const ConvGeometry& g, const FloatTensor& x, const FloatTensor& w,
                 const FloatTensor* bias) {
  const WindowGeometry& s = g.window;
  FloatTensor out(s.batch * g.out_channels * s.out_h * s.out_w);
  const int64_t icg = g.InChannelsPerGroup(), ocg = g.OutChannelsPerGroup();
  const PlaneStrides in = g.InputStrides(), at = g.OutputStrides();  // planar or channels-last
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t oc = 0; oc < g.out_channels; ++oc) {
      const int64_t group = oc / ocg;
      for (int64_t oh = 0; oh < s.out_h; ++oh)
        for (int64_t ow = 0; ow < s.out_w; ++ow) {
          double sum = bias ? (*bias)[oc] : 0.0;
          for (int64_t ic = 0; ic < icg; ++ic)
            for (int64_t kh = 0; kh < s.kernel_h; ++kh)
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
                const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
                if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;
                const int64_t channel = group * icg + ic;
                sum += static_cast<double>(x[n * in.batch + channel * in.channel + ih * in.row + iw * in.column]) *
                       w[((oc * icg + ic) * s.kernel_h + kh) * s.kernel_w + kw];
              }
          out[n * at.batch + oc * at.channel + oh * at.row + ow * at.column] = static_cast<float>(sum);
        }
    }
  return out;
}

// MaxPool, AveragePool and LpPool over 1-D to 3-D windows (depth 1 below 3-D).
// Either tensor may be channels-last (a 2-D pool's; its strides say where).
FloatTensor Pool(OpKind op, const PoolGeometry& g, const FloatTensor& x) {
  const WindowGeometry& s = g.window;
  const PlaneStrides in = g.InputStrides(), at = g.OutputStrides();
  FloatTensor out(s.batch * s.channels * s.out_d * s.out_h * s.out_w);
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t c = 0; c < s.channels; ++c)
      for (int64_t od = 0; od < s.out_d; ++od)
        for (int64_t oh = 0; oh < s.out_h; ++oh)
          for (int64_t ow = 0; ow < s.out_w; ++ow) {
            double sum = 0.0, sum_of_powers = 0.0;
            float maximum = -std::numeric_limits<float>::infinity();
            int64_t inside = 0, inside_padded = 0;
            for (int64_t kd = 0; kd < s.kernel_d; ++kd)
              for (int64_t kh = 0; kh < s.kernel_h; ++kh)
                for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                  const int64_t id = od * s.stride_d - s.pad_front + kd * s.dilation_d;
                  const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
                  const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
                  if (id >= -s.pad_front && id < s.in_d + s.pad_back && ih >= -s.pad_top && ih < s.in_h + s.pad_bottom &&
                      iw >= -s.pad_left && iw < s.in_w + s.pad_right) {
                    ++inside_padded;
                  }
                  if (id < 0 || id >= s.in_d || ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;
                  const float v = x[n * in.batch + c * in.channel + id * s.in_h * s.in_w + ih * in.row + iw * in.column];
                  maximum = std::max(maximum, v);
                  sum += v;
                  sum_of_powers += std::pow(std::fabs(static_cast<double>(v)), static_cast<double>(g.p));
                  ++inside;
                }
            const int64_t divisor = g.count_include_pad ? inside_padded : inside;
            float result = static_cast<float>(sum / std::max<int64_t>(divisor, 1));
            if (op == OpKind::kMaxPool) result = maximum;
            if (op == OpKind::kLpPool) result = static_cast<float>(std::pow(sum_of_powers, 1.0 / static_cast<double>(g.p)));
            out[n * at.batch + c * at.channel + od * s.out_h * s.out_w + oh * at.row + ow * at.column] = result;
          }
  return out;
}

FloatTensor BatchNorm(const BatchNormGeometry& g, const std::vector<const FloatTensor*>& in) {
  const FloatTensor &x = *in[0], &scale = *in[1], &bias = *in[2], &mean = *in[3], &var = *in[4];
  FloatTensor out(x.size());
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t c = 0; c < g.channels; ++c) {
      const double inv_std = 1.0 / std::sqrt(static_cast<double>(var[c]) + g.epsilon);
      for (int64_t i = 0; i < g.inner; ++i) {
        const int64_t at = (n * g.channels + c) * g.inner + i;
        out[at] = static_cast<float>((x[at] - mean[c]) * inv_std * scale[c] + bias[c]);
      }
    }
  return out;
}

FloatTensor GlobalAveragePool(const Shape& shape, const FloatTensor& x) {
  const int64_t planes = shape[0] * shape[1];
  const int64_t area = ElementCount(shape) / std::max<int64_t>(planes, 1);
  FloatTensor out(planes);
  for (int64_t p = 0; p < planes; ++p) {
    double sum = 0.0;
    for (int64_t i = 0; i < area; ++i) sum += x[p * area + i];
    out[p] = static_cast<float>(sum / area);
  }
  return out;
}

FloatTensor ConvTranspose(const ConvTransposeGeometry& g, const FloatTensor& x, const FloatTensor& w,
                          const FloatTensor* bias) {
  FloatTensor out(g.batch * g.out_channels * g.out_h * g.out_w);
  const int64_t icg = g.InChannelsPerGroup(), ocg = g.OutChannelsPerGroup();
  const PlaneStrides in = g.InputStrides(), at = g.OutputStrides();  // planar or channels-last
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oc = 0; oc < g.out_channels; ++oc) {
      const int64_t group = oc / ocg, oc_in_group = oc % ocg;
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          double sum = bias ? (*bias)[oc] : 0.0;
          for (int64_t kh = 0; kh < g.kernel_h; ++kh)
            for (int64_t kw = 0; kw < g.kernel_w; ++kw) {
              const int64_t th = oh + g.pad_top - kh * g.dilation_h, tw = ow + g.pad_left - kw * g.dilation_w;
              if (th < 0 || tw < 0 || th % g.stride_h != 0 || tw % g.stride_w != 0) continue;
              const int64_t ih = th / g.stride_h, iw = tw / g.stride_w;
              if (ih >= g.in_h || iw >= g.in_w) continue;
              for (int64_t ic = group * icg; ic < (group + 1) * icg; ++ic) {
                sum += static_cast<double>(x[n * in.batch + ic * in.channel + ih * in.row + iw * in.column]) *
                       w[((ic * ocg + oc_in_group) * g.kernel_h + kh) * g.kernel_w + kw];
              }
            }
          out[n * at.batch + oc * at.channel + oh * at.row + ow * at.column] = static_cast<float>(sum);
        }
    }
  return out;
}

FloatTensor InstanceNorm(const InstanceNormGeometry& g, const std::vector<const FloatTensor*>& in) {
  const FloatTensor& x = *in[0];
  FloatTensor out(x.size());
  for (int64_t p = 0; p < g.batch * g.channels; ++p) {
    const int64_t c = p % g.channels;
    double mean = 0.0, variance = 0.0;
    for (int64_t i = 0; i < g.inner; ++i) mean += x[p * g.inner + i];
    mean /= static_cast<double>(g.inner);
    for (int64_t i = 0; i < g.inner; ++i) variance += (x[p * g.inner + i] - mean) * (x[p * g.inner + i] - mean);
    const double inv_std = 1.0 / std::sqrt(variance / static_cast<double>(g.inner) + g.epsilon);
    for (int64_t i = 0; i < g.inner; ++i) {
      out[p * g.inner + i] = static_cast<float>((x[p * g.inner + i] - mean) * inv_std * (*in[1])[c] + (*in[2])[c]);
    }
  }
  return out;
}

// Every output element: the sum over one tap per dimension of the weights' product
// times the input element there.
FloatTensor Resize(const ResizeGeometry& g, const FloatTensor& x) {
  FloatTensor out(ElementCount(g.out_shape));
  std::vector<int64_t> index(g.out_shape.size(), 0);
  for (size_t flat = 0; flat < out.size(); ++flat) {
    bool outside = false;
    for (size_t d = 0; d < index.size(); ++d) outside |= g.axes[d].outside[index[d]] != 0;
    double sum = 0.0;
    std::function<void(size_t, int64_t, double)> taps = [&](size_t d, int64_t offset, double weight) {
      if (d == index.size()) {
        sum += weight * x[offset];
        return;
      }
      const ResizeAxis& axis = g.axes[d];
      for (int64_t t = 0; t < axis.taps; ++t) {
        taps(d + 1, offset + axis.offsets[index[d] * axis.taps + t], weight * axis.weights[index[d] * axis.taps + t]);
      }
    };
    if (!outside) taps(0, 0, 1.0);
    out[flat] = outside ? g.extrapolation_value : static_cast<float>(sum);
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < g.out_shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

absl::StatusOr<FloatTensor> ApplyEpilogue(const Graph& graph, const Node& node,
                                          const std::vector<const FloatTensor*>& in, FloatTensor out) {
  ASSIGN_OR_RETURN(Epilogue epilogue, ResolveEpilogue(graph, node));
  for (size_t i = 0; i < out.size(); ++i) {
    float v = out[i];
    if (epilogue.residual) v += (*in[kConvResidualInput])[i];
    out[i] = ApplyElementwise(epilogue.activation, v);
  }
  return out;
}

// In double precision, rounded once to T (float32 or float64).
template <typename T>
std::vector<T> Reduce(OpKind op, const ReduceGeometry& g, const std::vector<T>& x) {
  const std::vector<int64_t> kept = Offsets(g.kept_dims, g.kept_strides);
  const std::vector<int64_t> reduced = Offsets(g.reduced_dims, g.reduced_strides);
  std::vector<T> out(kept.size());
  for (size_t o = 0; o < kept.size(); ++o) {
    double sum = 0.0, product = 1.0;
    double maximum = -std::numeric_limits<double>::infinity(), minimum = -maximum;
    for (int64_t r : reduced) maximum = std::max(maximum, static_cast<double>(x[kept[o] + r]));
    for (int64_t r : reduced) {
      const double v = x[kept[o] + r];
      minimum = std::min(minimum, v);
      product *= v;
      switch (AsReduceOp(op)) {
        case ReduceOp::kReduceSumSquare:
        case ReduceOp::kReduceL2:
          sum += v * v;
          break;
        case ReduceOp::kReduceL1:
          sum += std::fabs(v);
          break;
        case ReduceOp::kReduceLogSumExp:
          sum += std::exp(v - maximum);
          break;
        case ReduceOp::kReduceSum: case ReduceOp::kReduceMean: case ReduceOp::kReduceMax: case ReduceOp::kReduceMin:
        case ReduceOp::kReduceProd: case ReduceOp::kReduceLogSum:
          sum += v;
      }
    }
    double result = sum;
    switch (AsReduceOp(op)) {
      case ReduceOp::kReduceMean:
        result = sum / static_cast<double>(reduced.size());
        break;
      case ReduceOp::kReduceMax:
        result = maximum;
        break;
      case ReduceOp::kReduceMin:
        result = minimum;
        break;
      case ReduceOp::kReduceProd:
        result = product;
        break;
      case ReduceOp::kReduceL2:
        result = std::sqrt(sum);
        break;
      case ReduceOp::kReduceLogSum:
        result = std::log(sum);
        break;
      case ReduceOp::kReduceLogSumExp:
        result = std::log(sum) + maximum;
        break;
      case ReduceOp::kReduceSum: case ReduceOp::kReduceSumSquare: case ReduceOp::kReduceL1:
        break;
    }
    out[o] = static_cast<T>(result);
  }
  return out;
}

// Y, Mean and InvStdDev of LayerNormalization.
std::vector<FloatTensor> LayerNorm(const LayerNormGeometry& g, const std::vector<const FloatTensor*>& in,
                                   bool has_bias) {
  const FloatTensor& x = *in[0];
  std::vector<FloatTensor> out = {FloatTensor(x.size()), FloatTensor(g.outer), FloatTensor(g.outer)};
  const std::vector<int64_t> scale_offsets = Offsets(g.normalized_shape, g.scale_strides);
  const std::vector<int64_t> bias_offsets = has_bias ? Offsets(g.normalized_shape, g.bias_strides) : std::vector<int64_t>{};
  for (int64_t o = 0; o < g.outer; ++o) {
    double mean = 0.0, variance = 0.0;
    for (int64_t i = 0; i < g.inner; ++i) mean += x[o * g.inner + i];
    mean /= g.inner;
    for (int64_t i = 0; i < g.inner; ++i) variance += (x[o * g.inner + i] - mean) * (x[o * g.inner + i] - mean);
    const double inv_std = 1.0 / std::sqrt(variance / g.inner + g.epsilon);
    for (int64_t i = 0; i < g.inner; ++i) {
      double y = (x[o * g.inner + i] - mean) * inv_std * (*in[1])[scale_offsets[i]];
      if (has_bias) y += (*in[2])[bias_offsets[i]];
      out[0][o * g.inner + i] = static_cast<float>(y);
    }
    out[1][o] = static_cast<float>(mean);
    out[2][o] = static_cast<float>(inv_std);
  }
  return out;
}

}  // namespace

// The float references of the ops of their own whose code is not yet in compiler/ops/,
// each a hook of own_op_hooks.h.
namespace {

using FloatInputs = std::vector<const FloatTensor*>;

const FloatTensor* Optional(const Graph& graph, const Node& node, const FloatInputs& in, int i) {
  return graph.HasInput(node, i) ? in[i] : nullptr;
}

absl::StatusOr<Outputs> PoolOnFloats(const Graph& graph, const Node& node, const FloatInputs& in) {
  ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(graph, node));
  return Outputs{Pool(node.op, g, *in[0])};
}

absl::StatusOr<Outputs> ResizeOnFloats(const Graph& graph, const Node& node, const FloatInputs& in) {
  ASSIGN_OR_RETURN(ResizeGeometry g, ResolveResize(graph, node));
  return Outputs{Resize(g, *in[0])};
}

}  // namespace

absl::StatusOr<std::vector<TensorData>> EvaluateConvTranspose(const Graph& graph, const Node& node,
                                                     const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    ASSIGN_OR_RETURN(ConvTransposeGeometry g, ResolveConvTranspose(graph, node));
    return Outputs{ConvTranspose(g, *in[0], *in[1], Optional(graph, node, in, 2))};
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateInstanceNormalization(const Graph& graph, const Node& node,
                                                             const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    ASSIGN_OR_RETURN(InstanceNormGeometry g, ResolveInstanceNorm(graph, node));
    return Outputs{InstanceNorm(g, in)};
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateResize(const Graph& graph, const Node& node,
                                              const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    return ResizeOnFloats(graph, node, in);
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateUpsample(const Graph& graph, const Node& node,
                                                const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    return ResizeOnFloats(graph, node, in);
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateHardmax(const Graph& graph, const Node& node,
                                               const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    ASSIGN_OR_RETURN(SoftmaxGeometry g, ResolveSoftmax(graph, node));
    FloatTensor out(in[0]->size(), 0.0f);  // 1 at the first maximum along the axis, 0 elsewhere
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t i = 0; i < g.inner; ++i) {
        auto at = [&](int64_t a) { return (o * g.axis_dim + a) * g.inner + i; };
        int64_t best = 0;
        for (int64_t a = 1; a < g.axis_dim; ++a) {
          if ((*in[0])[at(a)] > (*in[0])[at(best)]) best = a;
        }
        if (g.axis_dim > 0) out[at(best)] = 1.0f;
      }
    return Outputs{std::move(out)};
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateGlobalMaxPool(const Graph& graph, const Node& node,
                                                     const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    const Shape& shape = graph.InputType(node, 0).shape;
    const int64_t planes = shape[0] * shape[1], area = ElementCount(shape) / std::max<int64_t>(planes, 1);
    FloatTensor out(planes, -std::numeric_limits<float>::infinity());
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t i = 0; i < area; ++i) out[p] = std::max(out[p], (*in[0])[p * area + i]);
    return Outputs{std::move(out)};
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateGemm(const Graph& graph, const Node& node,
                                            const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    ASSIGN_OR_RETURN(GemmGeometry g, ResolveGemm(graph, node));
    ASSIGN_OR_RETURN(FloatTensor out, ApplyEpilogue(graph, node, in, Gemm(g, *in[0], *in[1], Optional(graph, node, in, 2))));
    return Outputs{std::move(out)};
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateMatMul(const Graph& graph, const Node& node,
                                              const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    ASSIGN_OR_RETURN(MatMulGeometry g, ResolveMatMul(graph, node));
    ASSIGN_OR_RETURN(FloatTensor out, ApplyEpilogue(graph, node, in, MatMul(g, *in[0], *in[1])));
    return Outputs{std::move(out)};
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateConv(const Graph& graph, const Node& node,
                                            const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    ASSIGN_OR_RETURN(ConvGeometry g, ResolveConv(graph, node));
    ASSIGN_OR_RETURN(FloatTensor out, ApplyEpilogue(graph, node, in, Conv(g, *in[0], *in[1], Optional(graph, node, in, 2))));
    return Outputs{std::move(out)};
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateMaxPool(const Graph& graph, const Node& node,
                                               const std::vector<const TensorData*>& inputs) {
  const DataType type = graph.InputType(node, 0).element_type;
  if (!IsFloat(type)) {  // int8 and uint8: every value is exact as a float, and so is the max
    return VisitDataType(type, [&](auto element) -> absl::StatusOr<std::vector<TensorData>> {
      using T = decltype(element);
      const std::vector<T> values = inputs[0]->Elements<T>();
      const FloatTensor x(values.begin(), values.end());
      ASSIGN_OR_RETURN(Outputs y, PoolOnFloats(graph, node, {&x}));
      std::vector<uint8_t> bytes(y[0].size() * sizeof(T));
      for (size_t i = 0; i < y[0].size(); ++i) {
        const T v = static_cast<T>(y[0][i]);
        std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
      }
      return std::vector<TensorData>{TensorData(graph.value(node.outputs[0]).type, std::move(bytes))};
    });
  }
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    return PoolOnFloats(graph, node, in);
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateAveragePool(const Graph& graph, const Node& node,
                                                   const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    return PoolOnFloats(graph, node, in);
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateLpPool(const Graph& graph, const Node& node,
                                                   const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    return PoolOnFloats(graph, node, in);
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateGlobalAveragePool(const Graph& graph, const Node& node,
                                                         const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    return Outputs{GlobalAveragePool(graph.InputType(node, 0).shape, *in[0])};
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateBatchNormalization(const Graph& graph, const Node& node,
                                                          const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    ASSIGN_OR_RETURN(BatchNormGeometry g, ResolveBatchNorm(graph, node));
    return Outputs{BatchNorm(g, in)};
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateLayerNormalization(const Graph& graph, const Node& node,
                                                          const std::vector<const TensorData*>& inputs) {
  return EvaluateOnFloats(graph, node, inputs, [&](const FloatInputs& in) -> absl::StatusOr<Outputs> {
    ASSIGN_OR_RETURN(LayerNormGeometry g, ResolveLayerNorm(graph, node));
    Outputs all = LayerNorm(g, in, graph.HasInput(node, 2));
    all.resize(node.outputs.size());
    return all;
  });
}

namespace {

absl::StatusOr<std::vector<FloatTensor>> EvaluateFloatNode(const Graph& graph, const Node& node,
                                                           const std::vector<const FloatTensor*>& inputs) {
  const FloatTensor& x = *inputs[0];
  switch (GetOpInfo(node.op).family) {
    case OpFamily::kUnary: {
      ASSIGN_OR_RETURN(ElementwiseFunction f, ElementwiseFunctionOf(graph, node));
      FloatTensor out(x.size());
      std::transform(x.begin(), x.end(), out.begin(), [&](float v) { return ApplyElementwise(f, v); });
      return Outputs{std::move(out)};
    }
    case OpFamily::kBinary: {
      std::vector<Shape> shapes;
      for (size_t i = 0; i < node.inputs.size(); ++i) shapes.push_back(graph.InputType(node, i).shape);
      Shape out_shape = shapes[0];
      for (const Shape& shape : shapes) {
        ASSIGN_OR_RETURN(out_shape, BroadcastShapes(out_shape, shape));
      }
      return Outputs{Broadcast(node.op, out_shape, shapes, inputs)};
    }
    case OpFamily::kView:
    case OpFamily::kIndexMap:
      break;
    case OpFamily::kReduce: {
      ASSIGN_OR_RETURN(ReduceGeometry g, ResolveReduce(graph, node));
      return Outputs{Reduce(node.op, g, x)};
    }
    case OpFamily::kOwn:  // its Evaluate hook
      break;
  }
  return absl::InternalError("unknown op family");
}

}  // namespace

absl::StatusOr<std::vector<TensorData>> EvaluateOnFloats(
    const Graph& graph, const Node& node, const std::vector<const TensorData*>& inputs,
    absl::FunctionRef<absl::StatusOr<std::vector<FloatTensor>>(const std::vector<const FloatTensor*>&)> compute) {
  std::vector<FloatTensor> floats(inputs.size());
  std::vector<const FloatTensor*> pointers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i] && IsFloat(inputs[i]->type().element_type)) floats[i] = inputs[i]->Floats();
    if (inputs[i] && inputs[i]->type().element_type == DataType::kInt32) {  // e.g. sequence lengths
      for (int32_t v : inputs[i]->Elements<int32_t>()) floats[i].push_back(static_cast<float>(v));
    }
    pointers.push_back(&floats[i]);
  }
  ASSIGN_OR_RETURN(std::vector<FloatTensor> outputs, compute(pointers));
  std::vector<TensorData> results;
  for (size_t o = 0; o < outputs.size(); ++o) {
    results.push_back(TensorData::FromFloats(graph.value(node.outputs[o]).type.shape, outputs[o]));
  }
  return results;
}

absl::StatusOr<std::vector<TensorData>> EvaluateNode(const Graph& graph, const Node& node,
                                                     const std::vector<const TensorData*>& inputs) {
  switch (GetOpInfo(node.op).family) {
    case OpFamily::kView:
      return std::vector<TensorData>{TensorData(graph.value(node.outputs[0]).type, inputs[0]->bytes())};
    case OpFamily::kOwn:
      switch (AsOwnOp(node.op)) {
#define MODELC_OWN_OP_CASE(kind) \
  case OwnOp::k##kind:           \
    return Evaluate##kind(graph, node, inputs);
#include "compiler/ops/own_op_cases.inc"
#undef MODELC_OWN_OP_CASE
      }
      break;
    case OpFamily::kUnary:
    case OpFamily::kBinary:
    case OpFamily::kReduce:
    case OpFamily::kIndexMap:
      break;
  }
  if (NeedsTypedKernel(graph, node)) return EvaluateTypedNode(graph, node, inputs);
  if (GetOpInfo(node.op).family == OpFamily::kReduce && IsFloat64(inputs[0]->type().element_type)) {
    ASSIGN_OR_RETURN(ReduceGeometry g, ResolveReduce(graph, node));
    const std::vector<double> out = Reduce(node.op, g, inputs[0]->Elements<double>());
    std::vector<uint8_t> bytes(out.size() * sizeof(double));
    if (!out.empty()) std::memcpy(bytes.data(), out.data(), bytes.size());
    return std::vector<TensorData>{TensorData(graph.value(node.outputs[0]).type, std::move(bytes))};
  }
  return EvaluateOnFloats(graph, node, inputs, [&](const std::vector<const FloatTensor*>& floats) {
    return EvaluateFloatNode(graph, node, floats);
  });
}

absl::StatusOr<std::vector<TensorData>> EvaluateGraph(const Graph& graph,
                                                      const std::vector<TensorData>& inputs) {
  if (inputs.size() != graph.inputs().size()) {
    return absl::InvalidArgumentError("wrong number of graph inputs");
  }
  std::vector<TensorData> values(graph.values().size());
  for (ValueId id = 0; id < static_cast<ValueId>(values.size()); ++id) {
    if (graph.value(id).constant) values[id] = *graph.value(id).constant;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ValueId id = graph.inputs()[i];
    if (inputs[i].type() != graph.value(id).type) {
      return absl::InvalidArgumentError(absl::StrCat("input '", graph.value(id).name, "' should be ",
                                                     graph.value(id).type.ToString(), ", not ",
                                                     inputs[i].type().ToString()));
    }
    values[id] = inputs[i];
  }
  for (const Node& node : graph.nodes()) {
    std::vector<const TensorData*> node_inputs;
    for (ValueId input : node.inputs) node_inputs.push_back(input == kNoValue ? nullptr : &values[input]);
    ASSIGN_OR_RETURN(std::vector<TensorData> outputs, EvaluateNode(graph, node, node_inputs));
    for (size_t o = 0; o < outputs.size(); ++o) values[node.outputs[o]] = std::move(outputs[o]);
  }
  std::vector<TensorData> results;
  for (ValueId output : graph.outputs()) results.push_back(values[output]);
  return results;
}

absl::StatusOr<std::vector<FloatTensor>> EvaluateGraph(const Graph& graph,
                                                       const std::vector<FloatTensor>& inputs) {
  std::vector<TensorData> typed;
  for (size_t i = 0; i < inputs.size() && i < graph.inputs().size(); ++i) {
    typed.push_back(TensorData::FromFloats(graph.value(graph.inputs()[i]).type.shape, inputs[i]));
  }
  ASSIGN_OR_RETURN(std::vector<TensorData> outputs, EvaluateGraph(graph, typed));
  std::vector<FloatTensor> results;
  for (const TensorData& output : outputs) {
    if (!IsFloat(output.type().element_type)) return absl::InvalidArgumentError("an output is not float32");
    results.push_back(output.Floats());
  }
  return results;
}

}  // namespace modelc
