// Attribute validation and geometry computation for every operator with parameters.
#include "compiler/ir/op_geometry.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/util/checked_math.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank, bool allow_end) {
  // Valid: [-rank, rank) or, counting the end position, [-rank, rank]; negative counts
  // from the end either way.
  const int64_t upper = allow_end ? rank + 1 : rank;
  if (axis < -rank || axis >= upper) {
    return absl::InvalidArgumentError(absl::StrCat("axis ", axis, " is out of range for rank ", rank));
  }
  return axis < 0 ? axis + rank : axis;
}

// Shape arithmetic on a graph input (a model's expanded function computing pads from a
// 'shape' input, a window function's length from its size) folds at import once that
// input is frozen: the hint names the first integer graph input (in the order the walk
// meets the producers' inputs) the value is computed from. Float inputs are the model's
// data, not parameters to freeze.
std::string FreezeHint(const Graph& graph, ValueId id) {
  const auto fix = [&](ValueId input) {
    return absl::StrCat(": fix its value with --freeze ", graph.value(input).name, "=VALUES");
  };
  if (graph.IsGraphInput(id)) return absl::StrCat("; it is the graph input '", graph.value(id).name, "'", fix(id));
  // The producers, walked back (each value once) to the first integer graph input.
  std::vector<bool> seen(graph.values().size(), false);
  std::vector<ValueId> pending = {id};
  while (!pending.empty()) {
    const ValueId value = pending.back();
    pending.pop_back();
    if (value == kNoValue || graph.IsConstant(value) || seen[value]) continue;
    seen[value] = true;
    if (graph.IsGraphInput(value)) {
      if (IsFloatingPoint(graph.value(value).type.element_type)) continue;
      return absl::StrCat("; it is computed from the graph input '", graph.value(value).name, "'", fix(value));
    }
    const int producer = graph.value(value).producer;
    if (producer < 0) continue;
    const std::vector<ValueId>& inputs = graph.nodes()[producer].inputs;
    for (auto it = inputs.rbegin(); it != inputs.rend(); ++it) pending.push_back(*it);
  }
  return "";
}

absl::Status NotConstantError(const Graph& graph, const Node& node, int input, const std::string& what) {
  return absl::UnimplementedError(absl::StrCat(what, " (input ", input, ") must be known at compile time",
                                               FreezeHint(graph, node.inputs[input])));
}

absl::StatusOr<std::vector<int64_t>> ConstantInts(const Graph& graph, const Node& node, int input,
                                                  const std::string& what) {
  const Value& value = graph.value(node.inputs[input]);
  const DataType type = value.type.element_type;
  if (type != DataType::kInt64 && type != DataType::kInt32) {
    return absl::InvalidArgumentError(absl::StrCat(what, " (input ", input, ") must be int64 or int32"));
  }
  if (!value.constant) return NotConstantError(graph, node, input, what);
  if (type == DataType::kInt64) return value.constant->Int64s();
  std::vector<int64_t> values;
  for (int32_t v : value.constant->Elements<int32_t>()) values.push_back(v);
  return values;
}

namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// Reads a per-spatial-dimension attribute list, defaulting every entry to `fill`.
absl::StatusOr<std::vector<int64_t>> SpatialInts(const Node& node, const std::string& name,
                                                 size_t count, int64_t fill,
                                                 int64_t minimum) {
  ASSIGN_OR_RETURN(std::vector<int64_t> values,
                   node.attributes.GetInts(name, std::vector<int64_t>(count, fill)));
  if (values.size() != count) {
    return Invalid(absl::StrCat("attribute '", name, "' has ", values.size(),
                                " entries, expected ", count));
  }
  for (int64_t v : values) {
    if (v < minimum) {
      return Invalid(absl::StrCat("attribute '", name, "' has value ", v,
                                  ", which must be at least ", minimum));
    }
  }
  return values;
}

// Fills the spatial part of a window geometry (kernel from `kernel`, strides, dilations,
// pads / auto_pad, output size) from an NC[H]W input shape.
// `max_spatial_rank`: 2 for the convolutions, 3 for pooling.
absl::Status ResolveWindow(const Node& node, const Shape& input, std::vector<int64_t> kernel,
                           bool allow_ceil_mode, size_t max_spatial_rank, WindowGeometry* window) {
  const size_t spatial = input.size() - 2;
  if (spatial < 1 || spatial > max_spatial_rank) {
    const char* supported = max_spatial_rank == 2 ? "1-D and 2-D" : "1-D, 2-D and 3-D";
    return absl::UnimplementedError(
        absl::StrCat("only ", supported, " windows are supported, input has rank ", input.size()));
  }
  if (kernel.size() != spatial) {
    return Invalid(absl::StrCat("kernel has ", kernel.size(), " spatial dimensions, input has ",
                                spatial));
  }
  for (int64_t k : kernel) {
    if (k < 1) return Invalid(absl::StrCat("kernel size ", k, " must be positive"));
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> strides, SpatialInts(node, "strides", spatial, 1, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> dilations,
                   SpatialInts(node, "dilations", spatial, 1, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> pads, SpatialInts(node, "pads", 2 * spatial, 0, 0));
  ASSIGN_OR_RETURN(std::string auto_pad, node.attributes.GetString("auto_pad", "NOTSET"));
  ASSIGN_OR_RETURN(int64_t ceil_mode, node.attributes.GetInt("ceil_mode", 0));
  if (ceil_mode != 0 && !allow_ceil_mode) return Invalid("ceil_mode is not valid here");

  std::vector<int64_t> out(spatial);
  for (size_t d = 0; d < spatial; ++d) {
    // Every step is checked: a model's kernel, dilation, stride and pads are arbitrary
    // int64s, and a wrapped product could look like a valid output size.
    const auto overflow = [&] {
      return Invalid(absl::StrCat("the window along spatial dimension ", d, " (kernel ", kernel[d], ", dilation ",
                                  dilations[d], ", stride ", strides[d], ", pads ", pads[d], " and ",
                                  pads[d + spatial], ") overflows 64-bit sizes"));
    };
    const int64_t in = input[2 + d];
    const std::optional<int64_t> effective_kernel = ((CheckedInt(kernel[d]) - 1) * dilations[d] + 1).Get();
    if (!effective_kernel) return overflow();
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out[d] = in / strides[d] + (in % strides[d] != 0 ? 1 : 0);  // ceil(in / stride)
      const std::optional<int64_t> needed = ((CheckedInt(out[d]) - 1) * strides[d] + *effective_kernel - in).Get();
      if (!needed) return overflow();
      const int64_t total = std::max<int64_t>(0, *needed);
      const int64_t small = total / 2;
      pads[d] = auto_pad == "SAME_UPPER" ? small : total - small;
      pads[d + spatial] = total - pads[d];
      continue;
    }
    if (auto_pad == "VALID") {
      pads[d] = pads[d + spatial] = 0;
    } else if (auto_pad != "NOTSET") {
      return Invalid(absl::StrCat("unknown auto_pad '", auto_pad, "'"));
    }
    const std::optional<int64_t> padded = (CheckedInt(in) + pads[d] + pads[d + spatial]).Get();
    if (!padded) return overflow();
    const int64_t span = *padded - *effective_kernel;  // both non-negative: no overflow
    if (span < 0) {
      return Invalid(absl::StrCat("window of extent ", *effective_kernel,
                                  " does not fit the padded input of size ", *padded));
    }
    // ceil(span / stride) without forming span + stride - 1.
    out[d] = (ceil_mode ? span / strides[d] + (span % strides[d] != 0 ? 1 : 0) : span / strides[d]) + 1;
    // A window may not start inside the end padding (ONNX / PyTorch ceil_mode rule).
    if (ceil_mode) {
      const std::optional<int64_t> last_start = ((CheckedInt(out[d]) - 1) * strides[d]).Get();
      if (!last_start || *last_start >= in + pads[d]) --out[d];  // in + pads[d] <= *padded
    }
  }

  // Spatial dimension d of the input is the width when d = spatial - 1, the height
  // when d = spatial - 2, the depth when d = spatial - 3; missing ones stay 1 (no pads).
  window->spatial_rank = static_cast<int>(spatial);
  window->batch = input[0];
  window->channels = input[1];
  const auto along = [&](size_t from_end, int64_t* in_size, int64_t* out_size, int64_t* kernel_size, int64_t* stride,
                         int64_t* dilation, int64_t* pad_begin, int64_t* pad_end) {
    if (from_end > spatial) return;
    const size_t d = spatial - from_end;
    *in_size = input[2 + d];
    *out_size = out[d];
    *kernel_size = kernel[d];
    *stride = strides[d];
    *dilation = dilations[d];
    *pad_begin = pads[d];
    *pad_end = pads[d + spatial];
  };
  WindowGeometry& w = *window;
  w.in_h = w.out_h = w.kernel_h = w.stride_h = w.dilation_h = 1;
  w.pad_top = w.pad_bottom = 0;
  w.in_d = w.out_d = w.kernel_d = w.stride_d = w.dilation_d = 1;
  w.pad_front = w.pad_back = 0;
  along(1, &w.in_w, &w.out_w, &w.kernel_w, &w.stride_w, &w.dilation_w, &w.pad_left, &w.pad_right);
  along(2, &w.in_h, &w.out_h, &w.kernel_h, &w.stride_h, &w.dilation_h, &w.pad_top, &w.pad_bottom);
  along(3, &w.in_d, &w.out_d, &w.kernel_d, &w.stride_d, &w.dilation_d, &w.pad_front, &w.pad_back);
  return absl::OkStatus();
}

// Whether the node has its optional bias (input 2), which must then be [channels].
absl::StatusOr<bool> HasChannelBias(const Graph& graph, const Node& node, int64_t channels, const std::string& op) {
  if (!graph.HasInput(node, 2)) return false;
  if (graph.InputType(node, 2).shape != Shape{channels}) {
    return Invalid(absl::StrCat(op, " bias must have shape [", channels, "]"));
  }
  return true;
}

}  // namespace

Shape WindowGeometry::OutputSpatialShape() const {
  if (spatial_rank == 3) return {out_d, out_h, out_w};
  if (spatial_rank == 2) return {out_h, out_w};
  return {out_w};
}

std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out_shape) {
  std::vector<int64_t> strides(out_shape.size(), 0);
  int64_t stride = 1;
  const size_t offset = out_shape.size() - shape.size();
  for (size_t i = shape.size(); i-- > 0;) {
    strides[offset + i] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      return Invalid(absl::StrCat("shapes ", ShapeToString(a), " and ", ShapeToString(b),
                                  " do not broadcast"));
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

absl::StatusOr<GemmGeometry> ResolveGemm(const Graph& graph, const Node& node) {
  GemmGeometry g;
  const Shape& a = graph.InputType(node, 0).shape;
  const Shape& b = graph.InputType(node, 1).shape;
  if (a.size() != 2 || b.size() != 2) return Invalid("Gemm inputs A and B must be 2-D");
  ASSIGN_OR_RETURN(int64_t trans_a, node.attributes.GetInt("transA", 0));
  ASSIGN_OR_RETURN(int64_t trans_b, node.attributes.GetInt("transB", 0));
  ASSIGN_OR_RETURN(g.alpha, node.attributes.GetFloat("alpha", 1.0f));
  ASSIGN_OR_RETURN(g.beta, node.attributes.GetFloat("beta", 1.0f));
  g.trans_a = trans_a != 0;
  g.trans_b = trans_b != 0;
  g.m = g.trans_a ? a[1] : a[0];
  g.k = g.trans_a ? a[0] : a[1];
  const int64_t k_b = g.trans_b ? b[1] : b[0];
  g.n = g.trans_b ? b[0] : b[1];
  if (g.k != k_b) {
    return Invalid(absl::StrCat("Gemm inner dimensions differ: A gives ", g.k, ", B gives ", k_b));
  }
  g.has_c = graph.HasInput(node, 2);
  if (g.has_c) {
    const Shape& c = graph.InputType(node, 2).shape;
    ASSIGN_OR_RETURN(Shape broadcast, BroadcastShapes(c, {g.m, g.n}));
    if (broadcast != Shape{g.m, g.n} || c.size() > 2) {
      return Invalid(absl::StrCat("Gemm input C of shape ", ShapeToString(c),
                                  " does not broadcast to [", g.m, ",", g.n, "]"));
    }
    std::vector<int64_t> strides = BroadcastStrides(c, {g.m, g.n});
    g.c_stride_m = strides[0];
    g.c_stride_n = strides[1];
  }
  return g;
}

absl::StatusOr<MatMulGeometry> ResolveMatMul(const Graph& graph, const Node& node) {
  return ResolveMatMulOperands(node, graph.InputType(node, 0).shape, graph.InputType(node, 1).shape);
}

absl::StatusOr<MatMulGeometry> ResolveMatMulOperands(const Node& node, Shape a, Shape b) {
  ASSIGN_OR_RETURN(int64_t trans_a, node.attributes.GetInt("transA", 0));
  ASSIGN_OR_RETURN(int64_t trans_b, node.attributes.GetInt("transB", 0));
  if ((trans_a != 0 && a.size() < 2) || (trans_b != 0 && b.size() < 2)) {
    return Invalid("a transposed operand needs rank 2 or more");
  }
  if (trans_a != 0) std::swap(a[a.size() - 2], a[a.size() - 1]);
  if (trans_b != 0) std::swap(b[b.size() - 2], b[b.size() - 1]);
  ASSIGN_OR_RETURN(MatMulGeometry g, ResolveMatMulShapes(std::move(a), std::move(b)));
  g.a_transposed = trans_a != 0;
  g.b_transposed = trans_b != 0;
  return g;
}

absl::StatusOr<MatMulGeometry> ResolveMatMulShapes(Shape a, Shape b) {
  if (a.empty() || b.empty()) return Invalid("MatMul inputs must have rank at least 1");
  const bool a_vector = a.size() == 1;
  const bool b_vector = b.size() == 1;
  if (a_vector) a.insert(a.begin(), 1);
  if (b_vector) b.push_back(1);
  MatMulGeometry g;
  g.m = a[a.size() - 2];
  g.k = a[a.size() - 1];
  g.n = b[b.size() - 1];
  if (b[b.size() - 2] != g.k) {
    return Invalid(absl::StrCat("MatMul inner dimensions differ: ", g.k, " vs ", b[b.size() - 2]));
  }
  const Shape a_batch(a.begin(), a.end() - 2);
  const Shape b_batch(b.begin(), b.end() - 2);
  ASSIGN_OR_RETURN(Shape batch, BroadcastShapes(a_batch, b_batch));
  g.batch_count = ElementCount(batch);
  const std::vector<int64_t> a_strides = BroadcastStrides(a_batch, batch);
  const std::vector<int64_t> b_strides = BroadcastStrides(b_batch, batch);
  for (int64_t index = 0; index < g.batch_count; ++index) {
    int64_t remaining = index, a_offset = 0, b_offset = 0;
    for (size_t d = batch.size(); d-- > 0;) {
      const int64_t coordinate = remaining % batch[d];
      remaining /= batch[d];
      a_offset += coordinate * a_strides[d];
      b_offset += coordinate * b_strides[d];
    }
    g.a_batch_offsets.push_back(a_offset * g.m * g.k);
    g.b_batch_offsets.push_back(b_offset * g.k * g.n);
  }
  g.out_shape = batch;
  if (!a_vector) g.out_shape.push_back(g.m);
  if (!b_vector) g.out_shape.push_back(g.n);
  return g;
}

PlaneStrides WindowPlaneStrides(int64_t channels, int64_t depth, int64_t height, int64_t width, bool channels_last) {
  if (channels_last) return {height * width * channels, 1, width * channels, channels};
  return {channels * depth * height * width, depth * height * width, width, 1};
}

PlaneStrides ConvGeometry::InputStrides() const {
  return WindowPlaneStrides(window.channels, 1, window.in_h, window.in_w, channels_last_input);
}

PlaneStrides ConvGeometry::OutputStrides() const {
  return WindowPlaneStrides(out_channels, 1, window.out_h, window.out_w, channels_last_output);
}

Shape ConvGeometry::OutputShape() const {
  if (channels_last_output) return {window.batch, window.out_h, window.out_w, out_channels};
  Shape out{window.batch, out_channels};
  for (int64_t size : window.OutputSpatialShape()) out.push_back(size);
  return out;
}

absl::StatusOr<ConvGeometry> ResolveConv(const Graph& graph, const Node& node) {
  ASSIGN_OR_RETURN(int64_t channels_last_input, node.attributes.GetInt(kFusedChannelsLastInput, 0));
  ASSIGN_OR_RETURN(int64_t channels_last_output, node.attributes.GetInt(kFusedChannelsLastOutput, 0));
  if ((channels_last_input != 0 || channels_last_output != 0) && graph.InputType(node, 0).Rank() != 4) {
    return Invalid("a channels-last convolution needs a 4-D input");
  }
  ASSIGN_OR_RETURN(ConvGeometry g,
                   ResolveConvShapes(node, ChannelsFirstDataShape(graph, node), graph.InputType(node, 1).shape));
  ASSIGN_OR_RETURN(g.has_bias, HasChannelBias(graph, node, g.out_channels, "Conv"));
  g.channels_last_input = channels_last_input != 0;
  g.channels_last_output = channels_last_output != 0;
  return g;
}

absl::StatusOr<ConvGeometry> ResolveConvShapes(const Node& node, const Shape& x, const Shape& w) {
  if (x.size() < 3) return Invalid("Conv input must have rank 3 or more");
  if (w.size() != x.size()) {
    return Invalid(absl::StrCat("Conv weight rank ", w.size(), " differs from input rank ",
                                x.size()));
  }
  ConvGeometry g;
  ASSIGN_OR_RETURN(g.groups, node.attributes.GetInt("group", 1));
  if (g.groups < 1) return Invalid("Conv group must be positive");
  std::vector<int64_t> kernel_from_weight(w.begin() + 2, w.end());
  ASSIGN_OR_RETURN(std::vector<int64_t> kernel,
                   node.attributes.GetInts("kernel_shape", kernel_from_weight));
  if (kernel != kernel_from_weight) return Invalid("kernel_shape disagrees with the weight shape");
  RETURN_IF_ERROR(ResolveWindow(node, x, kernel, /*allow_ceil_mode=*/false, /*max_spatial_rank=*/2, &g.window));
  g.out_channels = w[0];
  if (x[1] % g.groups != 0 || g.out_channels % g.groups != 0) {
    return Invalid(absl::StrCat("channels (", x[1], " in, ", g.out_channels,
                                " out) are not divisible by group ", g.groups));
  }
  if (w[1] != x[1] / g.groups) {
    return Invalid(absl::StrCat("Conv weight has ", w[1], " input channels per group, input has ",
                                x[1] / g.groups));
  }
  return g;
}

PlaneStrides ConvTransposeGeometry::InputStrides() const {
  return WindowPlaneStrides(in_channels, 1, in_h, in_w, channels_last_input);
}

PlaneStrides ConvTransposeGeometry::OutputStrides() const {
  return WindowPlaneStrides(out_channels, 1, out_h, out_w, channels_last_output);
}

Shape ConvTransposeGeometry::OutputShape() const {
  if (channels_last_output) return {batch, out_h, out_w, out_channels};
  if (spatial_rank == 2) return {batch, out_channels, out_h, out_w};
  return {batch, out_channels, out_w};
}

absl::StatusOr<ConvTransposeGeometry> ResolveConvTranspose(const Graph& graph, const Node& node) {
  ASSIGN_OR_RETURN(int64_t channels_last_input, node.attributes.GetInt(kFusedChannelsLastInput, 0));
  ASSIGN_OR_RETURN(int64_t channels_last_output, node.attributes.GetInt(kFusedChannelsLastOutput, 0));
  if ((channels_last_input != 0 || channels_last_output != 0) && graph.InputType(node, 0).Rank() != 4) {
    return Invalid("a channels-last ConvTranspose needs a 4-D input");
  }
  const Shape x = ChannelsFirstDataShape(graph, node);
  const Shape& w = graph.InputType(node, 1).shape;
  if (x.size() != 3 && x.size() != 4) {
    return absl::UnimplementedError(absl::StrCat("only 1-D and 2-D ConvTranspose is supported, input has rank ", x.size()));
  }
  if (w.size() != x.size()) return Invalid("ConvTranspose weight rank differs from the input's");
  const size_t spatial = x.size() - 2;
  ConvTransposeGeometry g;
  g.spatial_rank = static_cast<int>(spatial);
  ASSIGN_OR_RETURN(g.groups, node.attributes.GetInt("group", 1));
  g.batch = x[0];
  g.in_channels = x[1];
  if (g.groups < 1 || x[1] % g.groups != 0) return Invalid("input channels are not divisible by group");
  if (w[0] != x[1]) return Invalid(absl::StrCat("ConvTranspose weight has ", w[0], " input channels, input has ", x[1]));
  g.out_channels = w[1] * g.groups;
  std::vector<int64_t> kernel_from_weight(w.begin() + 2, w.end());
  ASSIGN_OR_RETURN(std::vector<int64_t> kernel, node.attributes.GetInts("kernel_shape", kernel_from_weight));
  if (kernel != kernel_from_weight) return Invalid("kernel_shape disagrees with the weight shape");
  ASSIGN_OR_RETURN(std::vector<int64_t> strides, SpatialInts(node, "strides", spatial, 1, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> dilations, SpatialInts(node, "dilations", spatial, 1, 1));
  ASSIGN_OR_RETURN(std::vector<int64_t> pads, SpatialInts(node, "pads", 2 * spatial, 0, 0));
  ASSIGN_OR_RETURN(std::vector<int64_t> output_padding, SpatialInts(node, "output_padding", spatial, 0, 0));
  ASSIGN_OR_RETURN(std::vector<int64_t> output_shape, node.attributes.GetInts("output_shape", {}));
  ASSIGN_OR_RETURN(std::string auto_pad, node.attributes.GetString("auto_pad", "NOTSET"));
  if (output_shape.size() == spatial + 2) output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
  if (!output_shape.empty() && output_shape.size() != spatial) return Invalid("output_shape has the wrong length");
  std::vector<int64_t> out(spatial);
  for (size_t d = 0; d < spatial; ++d) {
    if (output_padding[d] >= std::max(strides[d], dilations[d])) {
      return Invalid("output_padding must be smaller than the stride or the dilation");
    }
    // Checked: the attributes are arbitrary int64s.
    const auto overflow = [&] {
      return Invalid(absl::StrCat("the ConvTranspose window along spatial dimension ", d, " (kernel ", kernel[d],
                                  ", dilation ", dilations[d], ", stride ", strides[d], ", pads ", pads[d], " and ",
                                  pads[d + spatial], ") overflows 64-bit sizes"));
    };
    const std::optional<int64_t> full =
        (CheckedInt(strides[d]) * (x[2 + d] - 1) + output_padding[d] + (CheckedInt(kernel[d]) - 1) * dilations[d] + 1)
            .Get();
    if (!full) return overflow();
    const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    if (!output_shape.empty() || same) {
      const std::optional<int64_t> wanted =
          !output_shape.empty() ? output_shape[d] : (CheckedInt(x[2 + d]) * strides[d]).Get();
      const std::optional<int64_t> total_or = wanted ? (CheckedInt(*full) - *wanted).Get() : std::nullopt;
      if (!total_or) return overflow();
      out[d] = *wanted;
      // Negative when output_shape asks for more than the input reaches: the extra
      // positions get the bias only. ONNX's rule, with Python's floor division:
      // SAME_UPPER starts with total // 2, otherwise with total - total // 2.
      const int64_t total = *total_or;
      const int64_t half = total >= 0 ? total / 2 : -(total / -2 + (total % 2 != 0 ? 1 : 0));
      pads[d] = auto_pad == "SAME_UPPER" ? half : total - half;
      pads[d + spatial] = total - pads[d];
    } else {
      if (auto_pad == "VALID") pads[d] = pads[d + spatial] = 0;
      else if (auto_pad != "NOTSET") return Invalid(absl::StrCat("unknown auto_pad '", auto_pad, "'"));
      const std::optional<int64_t> unpadded = (CheckedInt(*full) - pads[d] - pads[d + spatial]).Get();
      if (!unpadded) return overflow();
      out[d] = *unpadded;
    }
    if (out[d] < 1) return Invalid("ConvTranspose output would be empty");
  }
  const bool two_d = spatial == 2;
  g.in_h = two_d ? x[2] : 1;
  g.in_w = x[x.size() - 1];
  g.out_h = two_d ? out[0] : 1;
  g.out_w = out[spatial - 1];
  g.kernel_h = two_d ? kernel[0] : 1;
  g.kernel_w = kernel[spatial - 1];
  g.stride_h = two_d ? strides[0] : 1;
  g.stride_w = strides[spatial - 1];
  g.dilation_h = two_d ? dilations[0] : 1;
  g.dilation_w = dilations[spatial - 1];
  g.pad_top = two_d ? pads[0] : 0;
  g.pad_left = pads[spatial - 1];
  ASSIGN_OR_RETURN(g.has_bias, HasChannelBias(graph, node, g.out_channels, "ConvTranspose"));
  g.channels_last_input = channels_last_input != 0;
  g.channels_last_output = channels_last_output != 0;
  return g;
}

absl::StatusOr<InstanceNormGeometry> ResolveInstanceNorm(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() < 3) return Invalid("InstanceNormalization needs an input of rank 3 or more");
  InstanceNormGeometry g;
  g.batch = x[0];
  g.channels = x[1];
  g.inner = ElementCount(x) / std::max<int64_t>(x[0] * x[1], 1);
  ASSIGN_OR_RETURN(g.epsilon, node.attributes.GetFloat("epsilon", 1e-5f));
  for (int i = 1; i <= 2; ++i) {
    if (graph.InputType(node, i).shape != Shape{g.channels}) {
      return Invalid(absl::StrCat("InstanceNormalization's ", i == 1 ? "scale" : "B", " must have shape [", g.channels, "]"));
    }
  }
  return g;
}

PlaneStrides PoolGeometry::InputStrides() const {
  return WindowPlaneStrides(window.channels, window.in_d, window.in_h, window.in_w, channels_last_input);
}

PlaneStrides PoolGeometry::OutputStrides() const {
  return WindowPlaneStrides(window.channels, window.out_d, window.out_h, window.out_w, channels_last_output);
}

Shape PoolGeometry::OutputShape() const {
  if (channels_last_output) return {window.batch, window.out_h, window.out_w, window.channels};
  Shape out{window.batch, window.channels};
  for (int64_t size : window.OutputSpatialShape()) out.push_back(size);
  return out;
}

absl::StatusOr<PoolGeometry> ResolvePool(const Graph& graph, const Node& node) {
  const Shape& stored = graph.InputType(node, 0).shape;
  if (stored.size() < 3) return Invalid("pooling input must have rank 3 or more");
  PoolGeometry g;
  ASSIGN_OR_RETURN(int64_t channels_last_input, node.attributes.GetInt(kFusedChannelsLastInput, 0));
  ASSIGN_OR_RETURN(int64_t channels_last_output, node.attributes.GetInt(kFusedChannelsLastOutput, 0));
  g.channels_last_input = channels_last_input != 0;
  g.channels_last_output = channels_last_output != 0;
  if ((g.channels_last_input || g.channels_last_output) && (stored.size() != 4 || node.outputs.size() != 1)) {
    return Invalid("a channels-last pool needs a 4-D input and one output");
  }
  const Shape x = ChannelsFirstDataShape(graph, node);
  ASSIGN_OR_RETURN(std::vector<int64_t> kernel, node.attributes.GetInts("kernel_shape", {}));
  if (kernel.empty()) return Invalid("attribute 'kernel_shape' is required");
  ASSIGN_OR_RETURN(int64_t storage_order, node.attributes.GetInt("storage_order", 0));
  if (storage_order != 0 && storage_order != 1) {
    return Invalid(absl::StrCat("storage_order ", storage_order, " must be 0 or 1"));
  }
  g.column_major_indices = storage_order == 1;
  RETURN_IF_ERROR(ResolveWindow(node, x, kernel, /*allow_ceil_mode=*/true, /*max_spatial_rank=*/3, &g.window));
  ASSIGN_OR_RETURN(int64_t include_pad, node.attributes.GetInt("count_include_pad", 0));
  g.count_include_pad = include_pad != 0;
  ASSIGN_OR_RETURN(g.p, node.attributes.GetInt("p", 2));
  if (g.p < 1) return Invalid(absl::StrCat("LpPool's p is ", g.p, ", which must be at least 1"));
  return g;
}

bool PoolMayBeChannelsLast(const Graph& graph, const Node& node) {
  const bool pool = node.op == OpKind::kMaxPool || node.op == OpKind::kAveragePool || node.op == OpKind::kLpPool ||
                    node.op == OpKind::kQLinearAveragePool;
  return pool && node.outputs.size() == 1 && node.guard == kNoValue && graph.InputType(node, 0).Rank() == 4;
}

bool ConvMayBeChannelsLast(const Graph& graph, const Node& node) {
  const bool convolution = node.op == OpKind::kConv || node.op == OpKind::kConvTranspose || node.op == OpKind::kQLinearConv;
  return convolution && node.outputs.size() == 1 && node.guard == kNoValue && graph.InputType(node, 0).Rank() == 4;
}

bool MayReadChannelsLast(const Graph& graph, const Node& reader, ValueId x) {
  const bool kind = ConvMayBeChannelsLast(graph, reader) || PoolMayBeChannelsLast(graph, reader);
  return kind && !reader.inputs.empty() && reader.inputs[0] == x &&
         std::count(reader.inputs.begin(), reader.inputs.end(), x) == 1 && !reader.attributes.Has(kFusedChannelsLastInput);
}

absl::StatusOr<SoftmaxGeometry> ResolveSoftmax(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(int64_t coerce_2d, node.attributes.GetInt("coerce_to_2d", 0));
  ASSIGN_OR_RETURN(int64_t axis_attr, node.attributes.GetInt("axis", coerce_2d ? 1 : -1));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attr, rank));
  SoftmaxGeometry g;
  for (int64_t d = 0; d < axis; ++d) g.outer *= x[d];
  if (coerce_2d) {
    // Opset < 13: the input is flattened to 2-D at `axis` and normalised along dim 1.
    for (int64_t d = axis; d < rank; ++d) g.axis_dim *= x[d];
  } else {
    g.axis_dim = x[axis];
    for (int64_t d = axis + 1; d < rank; ++d) g.inner *= x[d];
  }
  return g;
}

BatchNormScaleShift ResolveBatchNormScaleShift(const Graph& graph, const Node& node, float epsilon) {
  auto values = [&](int i) { return graph.value(node.inputs[i]).constant->Floats(); };
  const std::vector<float> gamma = values(1), beta = values(2), mean = values(3), var = values(4);
  BatchNormScaleShift result;
  for (size_t c = 0; c < gamma.size(); ++c) {
    const double s = gamma[c] / std::sqrt(static_cast<double>(var[c]) + epsilon);
    result.scale.push_back(static_cast<float>(s));
    result.shift.push_back(static_cast<float>(beta[c] - mean[c] * s));
  }
  return result;
}

absl::StatusOr<BatchNormGeometry> ResolveBatchNorm(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() < 2) return Invalid("BatchNormalization input must have rank 2 or more");
  BatchNormGeometry g;
  g.batch = x[0];
  g.channels = x[1];
  for (size_t d = 2; d < x.size(); ++d) g.inner *= x[d];
  for (int i = 1; i <= 4; ++i) {
    if (graph.InputType(node, i).shape != Shape{g.channels}) {
      return Invalid(absl::StrCat("BatchNormalization input ", i, " must have shape [",
                                  g.channels, "]"));
    }
  }
  ASSIGN_OR_RETURN(g.epsilon, node.attributes.GetFloat("epsilon", 1e-5f));
  ASSIGN_OR_RETURN(int64_t training, node.attributes.GetInt("training_mode", 0));
  if (training != 0) return absl::UnimplementedError("training_mode=1 is not supported");
  return g;
}

absl::StatusOr<LayerNormGeometry> ResolveLayerNorm(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(int64_t axis_attr, node.attributes.GetInt("axis", -1));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attr, rank));
  ASSIGN_OR_RETURN(int64_t stash_type, node.attributes.GetInt("stash_type", 1));
  if (stash_type != 1) return absl::UnimplementedError("only stash_type=1 (float) is supported");
  LayerNormGeometry g;
  ASSIGN_OR_RETURN(g.epsilon, node.attributes.GetFloat("epsilon", 1e-5f));
  g.normalized_shape.assign(x.begin() + axis, x.end());
  g.statistics_shape = x;
  for (int64_t d = 0; d < rank; ++d) {
    if (d < axis) g.outer *= x[d];
    else {
      g.inner *= x[d];
      g.statistics_shape[d] = 1;
    }
  }
  for (int i = 1; i <= 2; ++i) {
    if (!graph.HasInput(node, i)) continue;
    const Shape& shape = graph.InputType(node, i).shape;
    ASSIGN_OR_RETURN(Shape broadcast, BroadcastShapes(shape, g.normalized_shape));
    if (broadcast != g.normalized_shape) {
      return Invalid(absl::StrCat(OpName(node.op), " input ", i, " of shape ", ShapeToString(shape),
                                  " does not broadcast to ", ShapeToString(g.normalized_shape)));
    }
    (i == 1 ? g.scale_strides : g.bias_strides) = BroadcastStrides(shape, g.normalized_shape);
  }
  return g;
}

absl::StatusOr<ClipGeometry> ResolveClip(const Graph& graph, const Node& node) {
  ClipGeometry g;
  float min = static_cast<float>(g.min), max = static_cast<float>(g.max);
  ASSIGN_OR_RETURN(min, node.attributes.GetFloat("min", min));
  ASSIGN_OR_RETURN(max, node.attributes.GetFloat("max", max));
  g.min = min;
  g.max = max;
  const DataType type = graph.InputType(node, 0).element_type;
  if (!IsFloat(type)) {  // integer bounds default to the type's range
    VisitDataType(type, [&](auto element) {
      g.min = static_cast<double>(std::numeric_limits<decltype(element)>::lowest());
      g.max = static_cast<double>(std::numeric_limits<decltype(element)>::max());
    });
  }
  for (int i = 1; i <= 2; ++i) {
    if (!graph.HasInput(node, i)) continue;
    const Value& bound = graph.value(node.inputs[i]);
    if (bound.type.ElementCount() != 1 || bound.type.element_type != type) {
      return Invalid("Clip bounds must be scalars of the input's element type");
    }
    if (bound.constant) {
      (i == 1 ? g.min : g.max) = VisitDataType(type, [&](auto element) {
        return static_cast<double>(bound.constant->Elements<decltype(element)>()[0]);
      });
    } else {
      (i == 1 ? g.min_from_input : g.max_from_input) = true;
    }
  }
  return g;
}

namespace {

// The parameters of a unary op from attributes named `alpha`, `beta`, `gamma` (or, for
// a fused activation, `fused_alpha`...), with ONNX's defaults.
absl::StatusOr<ElementwiseFunction> UnaryFunction(OpKind op, const AttributeMap& attributes,
                                                  const std::string& prefix) {
  ElementwiseFunction f;
  f.op = op;
  float alpha = 0.0f, beta = 0.0f, gamma = 0.0f;
  switch (AsElementwiseOp(op)) {
    case ElementwiseOp::kElu:
    case ElementwiseOp::kCelu:
    case ElementwiseOp::kThresholdedRelu:
      alpha = 1.0f;
      break;
    case ElementwiseOp::kLeakyRelu:
      alpha = 0.01f;
      break;
    case ElementwiseOp::kSwish:
      alpha = 1.0f;
      break;
    case ElementwiseOp::kShrink: {  // lambd, bias
      ASSIGN_OR_RETURN(alpha, attributes.GetFloat("lambd", 0.5f));
      ASSIGN_OR_RETURN(beta, attributes.GetFloat("bias", 0.0f));
      break;
    }
    case ElementwiseOp::kSelu:
      alpha = 1.67326319217681884765625f;
      gamma = 1.05070102214813232421875f;
      break;
    case ElementwiseOp::kHardSigmoid:
      alpha = 0.2f;
      beta = 0.5f;
      break;
    case ElementwiseOp::kClip:
      alpha = -3.402823466e+38f;
      beta = 3.402823466e+38f;
      break;
    case ElementwiseOp::kIsInf:  // detect_negative, detect_positive
      alpha = static_cast<float>(attributes.GetInt("detect_negative", 1).value_or(1));
      beta = static_cast<float>(attributes.GetInt("detect_positive", 1).value_or(1));
      break;
    case ElementwiseOp::kRelu: case ElementwiseOp::kSigmoid: case ElementwiseOp::kTanh: case ElementwiseOp::kExp:
    case ElementwiseOp::kLog: case ElementwiseOp::kAbs: case ElementwiseOp::kNeg: case ElementwiseOp::kSqrt:
    case ElementwiseOp::kReciprocal: case ElementwiseOp::kFloor: case ElementwiseOp::kCeil:
    case ElementwiseOp::kRound: case ElementwiseOp::kSign: case ElementwiseOp::kErf: case ElementwiseOp::kSoftplus:
    case ElementwiseOp::kSoftsign: case ElementwiseOp::kHardSwish: case ElementwiseOp::kNot:
    case ElementwiseOp::kCast: case ElementwiseOp::kIsNaN: case ElementwiseOp::kSin: case ElementwiseOp::kCos:
    case ElementwiseOp::kTan: case ElementwiseOp::kAsin: case ElementwiseOp::kAcos: case ElementwiseOp::kAtan:
    case ElementwiseOp::kSinh: case ElementwiseOp::kCosh: case ElementwiseOp::kAsinh: case ElementwiseOp::kAcosh:
    case ElementwiseOp::kAtanh: case ElementwiseOp::kIdentity: case ElementwiseOp::kBitwiseNot:
      break;
  }
  ASSIGN_OR_RETURN(f.alpha, attributes.GetFloat(prefix + "alpha", alpha));
  ASSIGN_OR_RETURN(f.beta, attributes.GetFloat(prefix + "beta", beta));
  ASSIGN_OR_RETURN(f.gamma, attributes.GetFloat(prefix + "gamma", gamma));
  if (op == OpKind::kCelu && f.alpha == 0.0f) return Invalid("Celu alpha must not be 0");
  return f;
}

}  // namespace

bool IsFloatFunction(OpKind op) {
  return op != OpKind::kCast && op != OpKind::kNot && op != OpKind::kIsNaN && op != OpKind::kIsInf &&
         op != OpKind::kBitwiseNot;
}

absl::StatusOr<ElementwiseFunction> ElementwiseFunctionOf(const Graph& graph, const Node& node) {
  if (GetOpInfo(node.op).family == OpFamily::kUnary) return UnaryFunction(node.op, node.attributes, "");
  if (node.op == OpKind::kClip) {
    ASSIGN_OR_RETURN(ClipGeometry clip, ResolveClip(graph, node));
    if (clip.min_from_input || clip.max_from_input || !IsFloat(graph.InputType(node, 0).element_type)) {
      return ElementwiseFunction{};
    }
    return ElementwiseFunction{OpKind::kClip, static_cast<float>(clip.min), static_cast<float>(clip.max), 0.0f};
  }
  return ElementwiseFunction{};
}

absl::StatusOr<Epilogue> ResolveEpilogue(const Graph& graph, const Node& node) {
  Epilogue epilogue;
  ASSIGN_OR_RETURN(int64_t residual, node.attributes.GetInt(kFusedResidual, 0));
  epilogue.residual = residual != 0;
  if (epilogue.residual && (node.op != OpKind::kConv || !graph.HasInput(node, kConvResidualInput))) {
    return Invalid("a fused residual needs a Conv with a residual input");
  }
  ASSIGN_OR_RETURN(std::string activation, node.attributes.GetString(kFusedActivation, ""));
  if (activation.empty()) return epilogue;
  const std::optional<OpKind> op = OpKindFromOnnxName(activation);
  if (!op || (GetOpInfo(*op).family != OpFamily::kUnary && *op != OpKind::kClip)) {
    return Invalid(absl::StrCat("unknown fused activation '", activation, "'"));
  }
  ASSIGN_OR_RETURN(epilogue.activation, UnaryFunction(*op, node.attributes, "fused_"));
  return epilogue;
}

void SetFusedActivation(const ElementwiseFunction& activation, Node* node) {
  node->attributes.Set(kFusedActivation, std::string(OpName(activation.op)));
  // Only parameters that differ from the op's defaults, to keep the IR readable.
  const ElementwiseFunction defaults = *UnaryFunction(activation.op, AttributeMap{}, "");
  if (activation.alpha != defaults.alpha) node->attributes.Set("fused_alpha", activation.alpha);
  if (activation.beta != defaults.beta) node->attributes.Set("fused_beta", activation.beta);
  if (activation.gamma != defaults.gamma) node->attributes.Set("fused_gamma", activation.gamma);
}

std::string DescribeOp(const Node& node) {
  std::string description = OpName(node.op);
  if (node.attributes.Has(kFusedResidual)) absl::StrAppend(&description, "+Add");
  if (auto activation = node.attributes.GetString(kFusedActivation, ""); activation.ok() && !activation->empty()) {
    absl::StrAppend(&description, "+", *activation);
  }
  return description;
}

namespace {

// Axes from the `axes` attribute (older opsets) or a constant int64 input (newer ones).
absl::StatusOr<std::optional<std::vector<int64_t>>> AxesOf(const Graph& graph, const Node& node, int input) {
  if (graph.HasInput(node, input)) {
    ASSIGN_OR_RETURN(std::vector<int64_t> axes, ConstantInts(graph, node, input, "axes"));
    return std::optional<std::vector<int64_t>>(std::move(axes));
  }
  if (!node.attributes.Has("axes")) return std::optional<std::vector<int64_t>>();
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, node.attributes.GetInts("axes", {}));
  return std::optional<std::vector<int64_t>>(axes);
}

// Normalised, sorted, duplicate-free axes.
absl::StatusOr<std::vector<int64_t>> NormalizeAxes(const std::vector<int64_t>& axes, int64_t rank) {
  std::vector<int64_t> normalized;
  for (int64_t axis : axes) {
    ASSIGN_OR_RETURN(int64_t n, NormalizeAxis(axis, rank));
    if (std::find(normalized.begin(), normalized.end(), n) != normalized.end()) {
      return Invalid(absl::StrCat("axis ", axis, " is listed twice"));
    }
    normalized.push_back(n);
  }
  std::sort(normalized.begin(), normalized.end());
  return normalized;
}

}  // namespace

std::vector<int64_t> RowMajorStrides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

absl::StatusOr<ReduceGeometry> ResolveReduce(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(int64_t keepdims, node.attributes.GetInt("keepdims", 1));
  ASSIGN_OR_RETURN(int64_t noop_with_empty_axes, node.attributes.GetInt("noop_with_empty_axes", 0));
  ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> axes_given, AxesOf(graph, node, 1));
  std::vector<int64_t> axes;
  if (axes_given && !axes_given->empty()) {
    ASSIGN_OR_RETURN(axes, NormalizeAxes(*axes_given, rank));
  } else if (!noop_with_empty_axes) {
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  ReduceGeometry g;
  g.axes = axes;
  g.keepdims = keepdims != 0;
  const std::vector<int64_t> strides = RowMajorStrides(x);
  for (int64_t d = 0; d < rank; ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    (reduced ? g.reduced_dims : g.kept_dims).push_back(x[d]);
    (reduced ? g.reduced_strides : g.kept_strides).push_back(strides[d]);
    if (!reduced) g.out_shape.push_back(x[d]);
    else if (keepdims) g.out_shape.push_back(1);
  }
  // An empty set reduces to the operation's identity (0, 1, -inf for Max and the
  // logarithms, +inf for Min); its mean has none.
  if (g.ReducedCount() == 0 && node.op == OpKind::kReduceMean) {
    return Invalid("the mean of an empty set of values is undefined");
  }
  return g;
}

absl::StatusOr<TransposeGeometry> ResolveTranspose(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  std::vector<int64_t> reverse;
  for (int64_t d = rank - 1; d >= 0; --d) reverse.push_back(d);
  ASSIGN_OR_RETURN(std::vector<int64_t> perm, node.attributes.GetInts("perm", reverse));
  std::vector<bool> seen(rank, false);
  if (static_cast<int64_t>(perm.size()) != rank) return Invalid("perm must list every dimension once");
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p]) return Invalid("perm must list every dimension once");
    seen[p] = true;
  }
  TransposeGeometry g;
  const std::vector<int64_t> strides = RowMajorStrides(x);
  for (int64_t p : perm) {
    g.out_shape.push_back(x[p]);
    g.input_strides.push_back(strides[p]);
  }
  return g;
}

absl::StatusOr<ConcatGeometry> ResolveConcat(const Graph& graph, const Node& node) {
  const Shape& first = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(first.size());
  ASSIGN_OR_RETURN(int64_t axis_attr, node.attributes.GetInt("axis", INT64_MIN));
  if (axis_attr == INT64_MIN) return Invalid("attribute 'axis' is required");
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attr, rank));
  ConcatGeometry g;
  g.out_shape = first;
  g.out_shape[axis] = 0;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const Shape& shape = graph.InputType(node, i).shape;
    if (static_cast<int64_t>(shape.size()) != rank) return Invalid("Concat inputs must have the same rank");
    for (int64_t d = 0; d < rank; ++d) {
      if (d != axis && shape[d] != first[d]) {
        return Invalid(absl::StrCat("Concat input ", i, " has shape ", ShapeToString(shape),
                                    ", which differs from the first input off the axis"));
      }
    }
    g.extents.push_back(shape[axis]);
    g.out_shape[axis] += shape[axis];
  }
  for (int64_t d = 0; d < axis; ++d) g.outer *= first[d];
  for (int64_t d = axis + 1; d < rank; ++d) g.inner *= first[d];
  return g;
}

absl::StatusOr<Shape> ResolveViewShape(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  switch (AsViewOp(node.op)) {
    case ViewOp::kFlatten: {
      ASSIGN_OR_RETURN(int64_t axis_attr, node.attributes.GetInt("axis", 1));
      ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attr, rank, /*allow_end=*/true));
      int64_t outer = 1, inner = 1;
      for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= x[d];
      return Shape{outer, inner};
    }
    case ViewOp::kReshape: {
      ASSIGN_OR_RETURN(int64_t allow_zero, node.attributes.GetInt("allowzero", 0));
      ASSIGN_OR_RETURN(Shape out, ConstantInts(graph, node, 1, "Reshape's shape"));
      int infer_at = -1;
      int64_t known = 1;
      for (size_t i = 0; i < out.size(); ++i) {
        if (out[i] == 0 && !allow_zero) {
          if (i >= x.size()) return Invalid("Reshape copies a dimension the input lacks");
          out[i] = x[i];
        }
        if (out[i] == -1) {
          if (infer_at >= 0) return Invalid("Reshape shape has more than one -1");
          infer_at = static_cast<int>(i);
          continue;
        }
        if (out[i] < 0) return Invalid(absl::StrCat("Reshape shape has dimension ", out[i]));
        // The input's count is at most kMaxTensorElements; a shape past it cannot match.
        const std::optional<int64_t> product = CheckedMul(known, out[i]);
        if (!product || *product > kMaxTensorElements) {
          return Invalid(absl::StrCat("Reshape shape ", ShapeToString(out), " has more than ", kMaxTensorElements,
                                      " elements (the limit), the input ", ShapeToString(x), " has ",
                                      ElementCount(x)));
        }
        known = *product;
      }
      if (infer_at >= 0) {
        if (known == 0 || ElementCount(x) % known != 0) {
          return Invalid("Reshape cannot infer the -1 dimension");
        }
        out[infer_at] = ElementCount(x) / known;
      }
      if (ElementCount(out) != ElementCount(x)) {
        return Invalid(absl::StrCat("Reshape from ", ShapeToString(x), " to ",
                                    ShapeToString(out), " changes the element count"));
      }
      return out;
    }
    case ViewOp::kDropout:
      if (graph.HasInput(node, 2)) {
        const Value& training = graph.value(node.inputs[2]);
        if (!training.constant || training.constant->bytes().empty() ||
            training.constant->bytes()[0] != 0) {
          return absl::UnimplementedError("Dropout is supported for inference only");
        }
      }
      return x;
    case ViewOp::kIdentity:
      return x;
    case ViewOp::kSqueeze: {
      ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> axes_given, AxesOf(graph, node, 1));
      std::vector<int64_t> axes;
      if (axes_given) {
        ASSIGN_OR_RETURN(axes, NormalizeAxes(*axes_given, rank));
      }
      Shape out;
      for (int64_t d = 0; d < rank; ++d) {
        const bool listed = std::find(axes.begin(), axes.end(), d) != axes.end();
        if (listed && x[d] != 1) return Invalid(absl::StrCat("Squeeze axis ", d, " has size ", x[d], ", not 1"));
        if (listed || (!axes_given && x[d] == 1)) continue;
        out.push_back(x[d]);
      }
      return out;
    }
    case ViewOp::kUnsqueeze: {
      ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> axes_given, AxesOf(graph, node, 1));
      if (!axes_given) return Invalid("Unsqueeze needs axes");
      const int64_t out_rank = rank + static_cast<int64_t>(axes_given->size());
      ASSIGN_OR_RETURN(std::vector<int64_t> axes, NormalizeAxes(*axes_given, out_rank));
      Shape out;
      size_t next = 0;
      for (int64_t d = 0; d < out_rank; ++d) {
        if (std::find(axes.begin(), axes.end(), d) != axes.end()) {
          out.push_back(1);
        } else {
          out.push_back(x[next++]);
        }
      }
      return out;
    }
  }
  MODELC_UNREACHABLE("ResolveViewShape of an op outside the View family");
}

}  // namespace modelc

namespace modelc {

absl::StatusOr<ArgReduceGeometry> ResolveArgReduce(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(int64_t axis_attr, node.attributes.GetInt("axis", 0));
  ASSIGN_OR_RETURN(int64_t keepdims, node.attributes.GetInt("keepdims", 1));
  ASSIGN_OR_RETURN(int64_t select_last, node.attributes.GetInt("select_last_index", 0));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attr, rank));
  ArgReduceGeometry g;
  g.select_last = select_last != 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (d < axis) g.outer *= x[d];
    if (d > axis) g.inner *= x[d];
    if (d != axis) g.out_shape.push_back(x[d]);
    else if (keepdims) g.out_shape.push_back(1);
  }
  g.axis_dim = x[axis];
  if (g.axis_dim == 0) return absl::InvalidArgumentError("ArgMax/ArgMin over an empty axis");
  return g;
}

absl::StatusOr<DataType> ResolveCastType(const Node& node) {
  ASSIGN_OR_RETURN(int64_t to, node.attributes.GetInt("to", -1));
  std::optional<DataType> type = DataTypeFromCode(to);
  if (!type) return absl::UnimplementedError(absl::StrCat("Cast to element type ", to, " is not supported"));
  return *type;
}

int FirstInternalInput(OpKind op) {
  if (op == OpKind::kConv) return kConvResidualInput;
  if (op == OpKind::kQLinearConv) return kQLinearConvAddendInput;
  if (op == OpKind::kQLinearMatMul) return kQLinearMatMulBiasInput;
  return -1;
}

Shape ChannelsFirstDataShape(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() != 4 || node.attributes.GetInt(kFusedChannelsLastInput, 0).value_or(0) == 0) return x;
  return {x[0], x[3], x[1], x[2]};
}

int64_t MultiplyAccumulates(const Graph& graph, const Node& node) {
  // The quantised forms: the same products on int8 data (QLinearConv's and
  // QLinearMatMul's weights are input 3).
  const bool qlinear = node.op == OpKind::kQLinearConv || node.op == OpKind::kQLinearMatMul;
  const int weights = qlinear ? 3 : 1;
  if (node.op == OpKind::kConv || node.op == OpKind::kConvInteger || node.op == OpKind::kQLinearConv) {
    if (!graph.HasInput(node, weights)) return 0;
    if (auto g = ResolveConvShapes(node, ChannelsFirstDataShape(graph, node), graph.InputType(node, weights).shape); g.ok()) {
      return g->window.batch * g->out_channels * g->window.out_h * g->window.out_w * g->InChannelsPerGroup() *
             g->window.kernel_h * g->window.kernel_w;
    }
  } else if (node.op == OpKind::kGemm) {
    if (auto g = ResolveGemm(graph, node); g.ok()) return g->m * g->n * g->k;
  } else if (node.op == OpKind::kMatMul || node.op == OpKind::kMatMulInteger || node.op == OpKind::kQLinearMatMul ||
             node.op == OpKind::kInt8WeightsMatMul) {  // the last: float data, int8 weights [K, N]
    if (!graph.HasInput(node, weights)) return 0;
    if (auto g = ResolveMatMulOperands(node, graph.InputType(node, 0).shape, graph.InputType(node, weights).shape);
        g.ok()) {
      return g->batch_count * g->m * g->n * g->k;
    }
  }
  return 0;
}

}  // namespace modelc
