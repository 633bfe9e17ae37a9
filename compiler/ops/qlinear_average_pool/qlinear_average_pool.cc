// QLinearAveragePool: AveragePool of a quantised tensor (ONNX Runtime's com.microsoft op
// of that name; the QDQ fusion makes it from DequantizeLinear -> AveragePool (or
// GlobalAveragePool) -> QuantizeLinear, so the float tensors between never exist).
// Inputs: x, x_scale, x_zero_point, y_scale, y_zero_point, per tensor; AveragePool's
// attributes. Each window's sum of (x - x_zero_point) is exact in int32, then
//   y = round_half_even(((sum * x_scale) / count) / y_scale) + y_zero_point, saturated
// (the float operations of dequantise, average, quantise, in that order, on the exact
// sum). With kRoundHalfAwayFromZero (the TFLite frontend's int8 AVERAGE_POOL_2D, whose
// y is quantised as x) TFLite's integer average instead: s = the window's sum of x,
//   y = (s > 0 ? s + count / 2 : s - count / 2) / count (truncated), saturated.
// With kFixedPointRequantization = 2 (the TFLite frontend's int8 MEAN over height and
// width; windows without padding, constant scales) TFLite's MEAN instead:
//   y = MultiplyByFixedPoint(sum(x - x_zero_point), TfliteMeanMultiplier(...)) + y_zero_point
// (fixed_point_multiplier.h), saturated; with kFusedSum as well (its int8 SUM) the
// multiplier's count is 1: the sum requantised. With kFusedGlobalAverageScale (ONNX
// Runtime's QLinearGlobalAveragePool, as the ONNX frontend reads it) ORT's one multiplier:
//   y = round_half_even(sum * (x_scale / (y_scale * count))) + y_zero_point, saturated.
// The kernel is the pool kernels' window walk (kernels_window.cc).
#include <algorithm>

#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/fixed_point_multiplier.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct QLinearAveragePoolGeometry {
  PoolGeometry pool;
  QuantizationParameters x, y;
  Shape out_shape;
  bool sum = false;  // kFusedSum: TFLite's SUM, not its MEAN
  bool one_multiplier = false;  // kFusedGlobalAverageScale: ORT's QLinearGlobalAveragePool
};

absl::StatusOr<QLinearAveragePoolGeometry> ResolveQLinearAveragePool(const Graph& graph, const Node& node) {
  QLinearAveragePoolGeometry g;
  ASSIGN_OR_RETURN(int64_t channels_last, node.attributes.GetInt("channels_last", 0));
  if (channels_last != 0) return absl::UnimplementedError("QLinearAveragePool with channels_last = 1 is not supported");
  ASSIGN_OR_RETURN(g.pool, ResolvePool(graph, node));
  const WindowGeometry& s = g.pool.window;
  if (s.spatial_rank == 3) return absl::UnimplementedError("3-D QLinearAveragePool is not supported");
  g.out_shape = g.pool.OutputShape();
  ASSIGN_OR_RETURN(g.x, ResolveQuantizedOperand(graph, node, 0, 1, 2, std::nullopt, "x"));
  ASSIGN_OR_RETURN(g.y, ResolveQuantization(graph, node, 3, 4, g.out_shape, std::nullopt, "y"));
  ASSIGN_OR_RETURN(int64_t sum, node.attributes.GetInt(kFusedSum, 0));
  g.sum = sum != 0;
  ASSIGN_OR_RETURN(int64_t one_multiplier, node.attributes.GetInt(kFusedGlobalAverageScale, 0));
  g.one_multiplier = one_multiplier != 0;
  if (g.one_multiplier && (RequantizesInFixedPoint(node) || HalfRoundingOf(node) != HalfRounding::kToEven)) {
    return absl::InvalidArgumentError("ONNX Runtime's global average takes neither fixed point nor another rounding");
  }
  if (g.sum && !RequantizesInFixedPoint(node)) {
    return absl::InvalidArgumentError("a QLinearAveragePool summing its windows needs TFLite's fixed-point requantisation");
  }
  if (RequantizesInFixedPoint(node)) {
    const WindowGeometry& w = g.pool.window;
    if (w.pad_top || w.pad_left || w.pad_bottom || w.pad_right || !graph.IsConstant(node.inputs[1]) ||
        !graph.IsConstant(node.inputs[3])) {
      return absl::InvalidArgumentError("TFLite's int8 mean or sum needs windows without padding and constant scales");
    }
    if (w.kernel_h * w.kernel_w > (int64_t{1} << 23)) {  // the int32 sum of codes less the zero point
      return absl::UnimplementedError("TFLite's int8 mean or sum over more than 2^23 elements is not supported");
    }
  }
  if (HalfRoundingOf(node) == HalfRounding::kAwayFromZero) {
    // The integer average keeps x's quantisation: y's must be the same constants.
    auto same = [&](int a, int b) {
      return graph.HasInput(node, a) && graph.HasInput(node, b) && graph.IsConstant(node.inputs[a]) &&
             graph.IsConstant(node.inputs[b]) && graph.InputType(node, a) == graph.InputType(node, b) &&
             graph.value(node.inputs[a]).constant->bytes() == graph.value(node.inputs[b]).constant->bytes();
    };
    if (!same(1, 3) || !same(2, 4)) {
      return absl::InvalidArgumentError("the integer average needs y quantised as x (the same constant scale and zero point)");
    }
  }
  return g;
}

// TFLite's int8 MEAN's multiplier, for a node that computes it.
std::optional<FixedPointMultiplier> TfliteMeanOf(const Graph& graph, const Node& node, const QLinearAveragePoolGeometry& g) {
  if (!RequantizesInFixedPoint(node)) return std::nullopt;
  auto scale = [&](int input) { return graph.value(node.inputs[input]).constant->Floats()[0]; };
  return TfliteMeanMultiplier(scale(1), scale(3), g.sum ? 1 : g.pool.window.kernel_h * g.pool.window.kernel_w);
}

// TFLite's int8 average: the sum of the x values over `count`, halves away from zero.
int32_t IntegerAverage(int32_t sum_of_x, int64_t count) {
  const int32_t n = static_cast<int32_t>(count), half = n / 2;
  return (sum_of_x > 0 ? sum_of_x + half : sum_of_x - half) / n;
}

// The average of a window's sum of x - x_zero_point in y's units, before rounding: the
// float operations of dequantise, average, quantise, in that order, or ORT's one
// multiplier of the global average.
float RequantizedAverage(int32_t sum, int64_t count, float x_scale, float y_scale, bool one_multiplier) {
  if (one_multiplier) return static_cast<float>(sum) * (x_scale / (y_scale * static_cast<float>(count)));
  return ((static_cast<float>(sum) * x_scale) / static_cast<float>(count)) / y_scale;
}

}  // namespace

absl::Status UpgradeQLinearAveragePool(Node& node, int64_t opset) { return absl::OkStatus(); }

absl::StatusOr<std::vector<TensorType>> InferQLinearAveragePool(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(QLinearAveragePoolGeometry g, ResolveQLinearAveragePool(graph, node));
  return std::vector<TensorType>{TensorType{g.y.type, g.out_shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateQLinearAveragePool(const Graph& graph, const Node& node,
                                                                   const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(QLinearAveragePoolGeometry g, ResolveQLinearAveragePool(graph, node));
  const WindowGeometry& s = g.pool.window;
  const std::vector<int32_t> x = ElementsAsInt32(*inputs[0]);
  const QuantizationValues qx = ReadQuantization(g.x, inputs), qy = ReadQuantization(g.y, inputs);
  const std::optional<FixedPointMultiplier> mean = TfliteMeanOf(graph, node, g);
  const PlaneStrides in = g.pool.InputStrides(), at = g.pool.OutputStrides();
  std::vector<int32_t> y(s.batch * s.channels * s.out_h * s.out_w);
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t c = 0; c < s.channels; ++c)
      for (int64_t oh = 0; oh < s.out_h; ++oh)
        for (int64_t ow = 0; ow < s.out_w; ++ow) {
          int32_t sum = 0;
          int64_t inside = 0, padded = 0;
          for (int64_t kh = 0; kh < s.kernel_h; ++kh)
            for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
              const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
              const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
              const bool in_padding = ih >= -s.pad_top && ih < s.in_h + s.pad_bottom && iw >= -s.pad_left &&
                                      iw < s.in_w + s.pad_right;
              padded += in_padding;
              if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;
              sum += x[n * in.batch + c * in.channel + ih * in.row + iw * in.column] - qx.zero_point[0];
              ++inside;
            }
          const int64_t count = std::max<int64_t>(g.pool.count_include_pad ? padded : inside, 1);
          int32_t& result = y[n * at.batch + c * at.channel + oh * at.row + ow * at.column];
          if (mean) {
            result = RequantizeFixedPoint(sum, *mean, qy.zero_point[0], g.y.type, FixedPointRounding::kDouble);
            continue;
          }
          if (HalfRoundingOf(node) == HalfRounding::kAwayFromZero) {
            const int32_t average = IntegerAverage(sum + static_cast<int32_t>(count) * qx.zero_point[0], count);
            result = std::clamp(average, QuantizedMin(g.y.type), QuantizedMax(g.y.type));
            continue;
          }
          result = RoundToQuantized(RequantizedAverage(sum, count, qx.scale[0], qy.scale[0], g.one_multiplier),
                                    qy.zero_point[0], g.y.type);
        }
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, y)};
}

absl::Status EmitQLinearAveragePoolKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(QLinearAveragePoolGeometry g, ResolveQLinearAveragePool(k.graph, k.node));
  QuantizedAverage average{g.x, g.y, HalfRoundingOf(k.node) == HalfRounding::kAwayFromZero, g.one_multiplier,
                           /*mean_multiplier_and_shift=*/std::nullopt};
  if (const std::optional<FixedPointMultiplier> mean = TfliteMeanOf(k.graph, k.node, g)) {
    average.mean_multiplier_and_shift = std::make_pair(mean->multiplier, mean->shift);
  }
  return EmitPoolKernel(k, &average);
}

}  // namespace modelc
