// ConvInteger and QLinearConv: 1-D and 2-D grouped convolutions of int8/uint8 images and
// weights, products accumulated in int32. Padding reads the input's zero point, so it
// adds nothing.
//   ConvInteger: y = conv(x - x_zero_point, w - w_zero_point), int32
//   QLinearConv: the same accumulator plus the int32 bias B, requantised to int8/uint8
//                with the multiplier x_scale * w_scale[m] / y_scale (quantization.h's
//                rounding rule)
// The input's parameters are per tensor; the weights' per tensor or per output channel.
// Both ops live here: shape rule, reference and kernel (the hooks of own_op_hooks.h).
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct QuantizedConvGeometry {
  ConvGeometry conv;
  int x_input = 0, w_input = 1, bias_input = -1;
  DataType x_type = DataType::kUInt8, w_type = DataType::kUInt8;
  QuantizationParameters x, w;              // per tensor; per tensor or per output channel
  std::optional<QuantizationParameters> y;  // QLinearConv's output; none: int32 out
  DataType OutType() const { return y ? y->type : DataType::kInt32; }
};

Shape OutputShape(const QuantizedConvGeometry& g) {
  const WindowGeometry& s = g.conv.window;
  Shape out = {s.batch, g.conv.out_channels};
  if (s.spatial_rank == 2) out.push_back(s.out_h);
  out.push_back(s.out_w);
  return out;
}

absl::StatusOr<QuantizedConvGeometry> ResolveQuantizedConv(const Graph& graph, const Node& node) {
  const bool qlinear = node.op == OpKind::kQLinearConv;
  QuantizedConvGeometry g;
  g.w_input = qlinear ? 3 : 1;
  g.x_type = graph.InputType(node, g.x_input).element_type;
  g.w_type = graph.InputType(node, g.w_input).element_type;
  ASSIGN_OR_RETURN(g.conv, ResolveConvShapes(node, graph.InputType(node, g.x_input).shape,
                                             graph.InputType(node, g.w_input).shape));
  ASSIGN_OR_RETURN(g.x, ResolveQuantizedOperand(graph, node, g.x_input, qlinear ? 1 : -1, 2, std::nullopt, "x"));
  ASSIGN_OR_RETURN(g.w, ResolveQuantizedOperand(graph, node, g.w_input, qlinear ? 4 : -1, qlinear ? 5 : 3, 0, "w"));
  if (!qlinear) return g;
  ASSIGN_OR_RETURN(g.y, ResolveQuantization(graph, node, 6, 7, OutputShape(g), std::nullopt, "y"));
  if (graph.HasInput(node, 8)) {
    g.bias_input = 8;
    const TensorType& bias = graph.InputType(node, 8);
    if (bias.element_type != DataType::kInt32 || bias.shape != Shape{g.conv.out_channels}) {
      return absl::InvalidArgumentError(absl::StrCat("the bias B must be int32 of shape [", g.conv.out_channels,
                                                     "], got ", DataTypeName(bias.element_type), " of rank ",
                                                     bias.shape.size()));
    }
  }
  return g;
}

}  // namespace

absl::Status UpgradeConvInteger(Node& node, int64_t opset) { return absl::OkStatus(); }  // opset 10
absl::Status UpgradeQLinearConv(Node& node, int64_t opset) { return absl::OkStatus(); }  // opset 10

absl::StatusOr<std::vector<TensorType>> InferConvInteger(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(QuantizedConvGeometry g, ResolveQuantizedConv(graph, node));
  return std::vector<TensorType>{TensorType{g.OutType(), OutputShape(g)}};
}
absl::StatusOr<std::vector<TensorType>> InferQLinearConv(const Graph& graph, const Node& node, DataType) {
  return InferConvInteger(graph, node, DataType::kInt32);
}

absl::StatusOr<std::vector<TensorData>> EvaluateConvInteger(const Graph& graph, const Node& node,
                                                            const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(QuantizedConvGeometry g, ResolveQuantizedConv(graph, node));
  const WindowGeometry& s = g.conv.window;
  const std::vector<int32_t> x = ElementsAsInt32(*inputs[g.x_input]);
  const std::vector<int32_t> w = ElementsAsInt32(*inputs[g.w_input]);
  const QuantizationValues qx = ReadQuantization(g.x, inputs), qw = ReadQuantization(g.w, inputs);
  std::optional<QuantizationValues> qy;
  if (g.y) qy = ReadQuantization(*g.y, inputs);
  const std::vector<int32_t> bias = g.bias_input >= 0 ? ElementsAsInt32(*inputs[g.bias_input]) : std::vector<int32_t>();
  const int64_t channels = g.conv.InChannelsPerGroup(), per_group = g.conv.OutChannelsPerGroup();
  std::vector<int32_t> out;
  out.reserve(s.batch * g.conv.out_channels * s.out_h * s.out_w);
  for (int64_t n = 0; n < s.batch; ++n)
    for (int64_t m = 0; m < g.conv.out_channels; ++m) {
      const int64_t pw = g.w.PerTensor() ? 0 : m;
      for (int64_t oh = 0; oh < s.out_h; ++oh)
        for (int64_t ow = 0; ow < s.out_w; ++ow) {
          int64_t sum = 0;
          for (int64_t c = 0; c < channels; ++c) {
            const int64_t plane = (n * s.channels + (m / per_group) * channels + c) * s.in_h * s.in_w;
            for (int64_t kh = 0; kh < s.kernel_h; ++kh)
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
                const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
                if (ih < 0 || ih >= s.in_h || iw < 0 || iw >= s.in_w) continue;  // the zero point: adds 0
                const int64_t tap = ((m * channels + c) * s.kernel_h + kh) * s.kernel_w + kw;
                sum += static_cast<int64_t>(x[plane + ih * s.in_w + iw] - qx.zero_point[0]) *
                       (w[tap] - qw.zero_point[pw]);
              }
          }
          int32_t accumulator = static_cast<int32_t>(static_cast<uint32_t>(sum));  // int32 wraps, as the kernel's
          if (!qy) {
            out.push_back(accumulator);
            continue;
          }
          if (!bias.empty()) accumulator = static_cast<int32_t>(static_cast<uint32_t>(accumulator) + bias[m]);
          const float multiplier = RequantizationMultiplier(qx.scale[0], qw.scale[pw], qy->scale[0]);
          out.push_back(Requantize(accumulator, multiplier, qy->zero_point[0], g.y->type));
        }
    }
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, out)};
}
absl::StatusOr<std::vector<TensorData>> EvaluateQLinearConv(const Graph& graph, const Node& node,
                                                            const std::vector<const TensorData*>& inputs) {
  return EvaluateConvInteger(graph, node, inputs);
}

// Direct convolution, planar: one int32 dot product per output element over the taps
// inside the image (the valid kernel rows and columns are computed per output pixel).
absl::Status EmitConvIntegerKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(QuantizedConvGeometry g, ResolveQuantizedConv(k.graph, k.node));
  const WindowGeometry& s = g.conv.window;
  llvm::IRBuilder<>& b = k.b;
  const int64_t channels = g.conv.InChannelsPerGroup(), per_group = g.conv.OutChannelsPerGroup();
  const int64_t plane_size = s.in_h * s.in_w, out_plane_size = s.out_h * s.out_w;
  const int64_t taps = s.kernel_h * s.kernel_w;
  llvm::Value* x_zero_point = EmitLoadZeroPoint(k, g.x, k.Int(0));
  llvm::Value* x_scale = g.y ? EmitLoadScale(k, g.x, k.Int(0)) : nullptr;
  llvm::Value* y_scale = g.y ? EmitLoadScale(k, *g.y, k.Int(0)) : nullptr;
  llvm::Value* y_zero_point = g.y ? EmitLoadZeroPoint(k, *g.y, k.Int(0)) : nullptr;
  llvm::Value* accumulator = k.EntryAlloca(b.getInt32Ty());
  llvm::Type* i32 = b.getInt32Ty();
  k.Loop(s.batch * g.conv.out_channels, [&](llvm::Value* image_channel) {
    llvm::Value* n = b.CreateSDiv(image_channel, k.Int(g.conv.out_channels));
    llvm::Value* m = b.CreateSRem(image_channel, k.Int(g.conv.out_channels));
    llvm::Value* first_plane =
        b.CreateAdd(b.CreateMul(n, k.Int(s.channels)), b.CreateMul(b.CreateSDiv(m, k.Int(per_group)), k.Int(channels)));
    llvm::Value* w_zero_point = EmitLoadZeroPoint(k, g.w, m);
    llvm::Value* bias = g.bias_input >= 0 ? k.LoadAs(DataType::kInt32, k.in[g.bias_input], m) : b.getInt32(0);
    llvm::Value* multiplier = g.y ? EmitRequantizationMultiplier(k, x_scale, EmitLoadScale(k, g.w, m), y_scale) : nullptr;
    llvm::Value* out_plane = b.CreateMul(image_channel, k.Int(out_plane_size));
    k.Loop(s.out_h, [&](llvm::Value* oh) {
      llvm::Value* h_base = b.CreateSub(b.CreateMul(oh, k.Int(s.stride_h)), k.Int(s.pad_top));
      ValidRange rows = k.ValidIndices(h_base, s.dilation_h, s.in_h, s.kernel_h);
      k.Loop(s.out_w, [&](llvm::Value* ow) {
        llvm::Value* w_base = b.CreateSub(b.CreateMul(ow, k.Int(s.stride_w)), k.Int(s.pad_left));
        ValidRange cols = k.ValidIndices(w_base, s.dilation_w, s.in_w, s.kernel_w);
        b.CreateStore(b.getInt32(0), accumulator);
        k.Loop(channels, [&](llvm::Value* c) {
          llvm::Value* plane = b.CreateMul(b.CreateAdd(first_plane, c), k.Int(plane_size));
          llvm::Value* filter = b.CreateMul(b.CreateAdd(b.CreateMul(m, k.Int(channels)), c), k.Int(taps));
          k.Loop(rows.begin, rows.end, [&](llvm::Value* kh) {
            llvm::Value* ih = b.CreateAdd(h_base, b.CreateMul(kh, k.Int(s.dilation_h)));
            llvm::Value* in_row = b.CreateAdd(plane, b.CreateMul(ih, k.Int(s.in_w)));
            llvm::Value* w_row = b.CreateAdd(filter, b.CreateMul(kh, k.Int(s.kernel_w)));
            k.Loop(cols.begin, cols.end, [&](llvm::Value* kw) {
              llvm::Value* iw = b.CreateAdd(w_base, b.CreateMul(kw, k.Int(s.dilation_w)));
              llvm::Value* x = EmitWidenToInt32(k, k.LoadAs(g.x_type, k.in[g.x_input], b.CreateAdd(in_row, iw)), g.x_type);
              llvm::Value* w = EmitWidenToInt32(k, k.LoadAs(g.w_type, k.in[g.w_input], b.CreateAdd(w_row, kw)), g.w_type);
              llvm::Value* product = b.CreateMul(b.CreateSub(x, x_zero_point), b.CreateSub(w, w_zero_point));
              b.CreateStore(b.CreateAdd(b.CreateLoad(i32, accumulator), product), accumulator);
            });
          });
        });
        llvm::Value* sum = b.CreateLoad(i32, accumulator);
        llvm::Value* at = b.CreateAdd(out_plane, b.CreateAdd(b.CreateMul(oh, k.Int(s.out_w)), ow));
        if (!g.y) {
          k.StoreAs(DataType::kInt32, sum, k.out[0], at);
          return;
        }
        k.StoreAs(g.y->type, EmitRequantize(k, b.CreateAdd(sum, bias), multiplier, y_zero_point, g.y->type), k.out[0], at);
      });
    });
  });
  return absl::OkStatus();
}
absl::Status EmitQLinearConvKernel(KernelContext& k) { return EmitConvIntegerKernel(k); }

}  // namespace modelc
