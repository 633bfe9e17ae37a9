// Resize geometry (see resize.h), following ONNX's definition of each mode.
#include "compiler/ir/resize.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

struct ResizeAttributes {
  std::string mode = "nearest";
  std::string transform = "half_pixel";
  std::string nearest_mode = "round_prefer_floor";
  double cubic_a = -0.75;
  bool exclude_outside = false;
  float extrapolation_value = 0.0f;
  bool antialias = false;
};

// The most input elements one output element may read (the product of the dimensions'
// taps): a kernel's loop body holds one load and product per combination.
constexpr int64_t kMaxTapCombinations = 4096;

absl::StatusOr<std::vector<float>> ConstantFloatsOf(const Graph& graph, const Node& node, int input,
                                                    const std::string& what) {
  const Value& value = graph.value(node.inputs[input]);
  if (!IsFloat(value.type.element_type)) return Invalid(absl::StrCat(what, " must be float32"));
  if (!value.constant) return NotConstantError(graph, node, input, what);
  return value.constant->Floats();
}

// Where output index `out_index` of a dimension lies in input coordinates.
// out_len is the resized length before flooring (in_len x scale), as ONNX's definition
// uses it; out_count the output's length.
double SourceCoordinate(const ResizeAttributes& a, double out_index, double scale, int64_t in_len,
                        double out_len, int64_t out_count, double roi_start, double roi_end) {
  const std::string& t = a.transform;
  if (t == "half_pixel") return (out_index + 0.5) / scale - 0.5;
  if (t == "half_pixel_symmetric") {  // opset 19: the output's centre on the input's
    const double offset = in_len / 2.0 * (1.0 - out_count / out_len);
    return offset + (out_index + 0.5) / scale - 0.5;
  }
  if (t == "pytorch_half_pixel") return out_len > 1 ? (out_index + 0.5) / scale - 0.5 : 0.0;
  if (t == "align_corners") return out_len == 1 ? 0.0 : out_index * (in_len - 1) / (out_len - 1);
  if (t == "asymmetric") return out_index / scale;
  if (t == "tf_half_pixel_for_nn") return (out_index + 0.5) / scale;
  // tf_crop_and_resize
  if (out_len > 1) {
    return roi_start * (in_len - 1) + out_index * (roi_end - roi_start) * (in_len - 1) / (out_len - 1);
  }
  return 0.5 * (roi_start + roi_end) * (in_len - 1);
}

int64_t NearestIndex(const std::string& mode, double x) {
  if (mode == "floor") return static_cast<int64_t>(std::floor(x));
  if (mode == "ceil") return static_cast<int64_t>(std::ceil(x));
  const double fraction = x - std::floor(x);
  if (fraction == 0.5) return static_cast<int64_t>(mode == "round_prefer_ceil" ? std::ceil(x) : std::floor(x));
  return static_cast<int64_t>(std::round(x));
}

// Cubic convolution weights for taps at -1, 0, 1, 2 around floor(x), t = x - floor(x).
std::vector<double> CubicWeights(double t, double a) {
  auto far = [a](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 < d < 2
  auto near = [a](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };      // d <= 1
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

// Antialiasing a shrinking dimension (antialias = 1, linear and cubic): the filter
// stretched by 1 / scale, ONNX's definition. Taps start .. start + taps - 1 around the
// left neighbour of the source coordinate, weighted by the filter at the tap's distance
// times the scale, normalised to sum 1.
struct StretchedFilter {
  int64_t start = 0;
  int64_t taps = 0;
};

StretchedFilter Stretched(const ResizeAttributes& a, double scale) {
  const double reach = a.mode == "linear" ? 1.0 : 2.0;
  const int64_t start = static_cast<int64_t>(std::floor(-reach / scale)) + 1;
  return {start, 2 - 2 * start};
}

double FilterWeight(const ResizeAttributes& a, double distance) {
  const double d = std::fabs(distance);
  if (a.mode == "linear") return std::max(0.0, 1.0 - d);
  const double c = a.cubic_a;
  if (d <= 1) return ((c + 2) * d - (c + 3)) * d * d + 1;
  if (d < 2) return ((c * d - 5 * c) * d + 8 * c) * d - 4 * c;
  return 0.0;
}

absl::StatusOr<ResizeAxis> ResolveAxis(const ResizeAttributes& a, int64_t in_len, int64_t out_len,
                                       double resized_len, double scale, int64_t stride, double roi_start,
                                       double roi_end, bool* has_outside) {
  ResizeAxis axis;
  axis.taps = a.mode == "nearest" ? 1 : a.mode == "linear" ? 2 : 4;
  const bool stretched = a.antialias && a.mode != "nearest" && scale > 0.0 && scale < 1.0;
  const StretchedFilter filter = stretched ? Stretched(a, scale) : StretchedFilter{};
  if (stretched) axis.taps = filter.taps;
  axis.outside.assign(out_len, 0);
  for (int64_t i = 0; i < out_len; ++i) {
    double x = SourceCoordinate(a, static_cast<double>(i), scale, in_len, resized_len, out_len, roi_start, roi_end);
    if (a.transform == "tf_crop_and_resize" && (x < 0 || x > in_len - 1)) {
      axis.outside[i] = 1;
      *has_outside = true;
    }
    auto clamp = [in_len](int64_t index) { return std::min(std::max<int64_t>(index, 0), in_len - 1); };
    // Past the input by more than the widest filter's reach, every tap clamps to the
    // same edge (and tf_crop_and_resize marked it outside above): clamping x there
    // changes nothing and keeps the conversions below in range.
    x = std::clamp(x, -4.0, static_cast<double>(in_len) + 4.0);
    if (a.mode == "nearest") {
      axis.offsets.push_back(clamp(NearestIndex(a.nearest_mode, x)) * stride);
      axis.weights.push_back(1.0f);
      continue;
    }
    const double base = std::floor(x), t = x - base;
    std::vector<double> weights;
    int64_t first = 0;
    if (stretched) {
      // The left neighbour is the one below x, also when x is whole (ratio 1).
      const double left = t == 0.0 ? base - 1 : base, ratio = t == 0.0 ? 1.0 : t;
      double sum = 0.0;
      for (int64_t k = 0; k < filter.taps; ++k) {
        weights.push_back(FilterWeight(a, (static_cast<double>(filter.start + k) - ratio) * scale));
        sum += weights.back();
      }
      for (double& w : weights) w /= sum;
      first = static_cast<int64_t>(left) + filter.start;
    } else {
      weights = a.mode == "linear" ? std::vector<double>{1 - t, t} : CubicWeights(t, a.cubic_a);
      first = static_cast<int64_t>(base) - (a.mode == "linear" ? 0 : 1);
    }
    if (a.exclude_outside) {  // taps outside the input get weight 0; the rest renormalise
      double sum = 0.0;
      for (int64_t k = 0; k < axis.taps; ++k) {
        const int64_t index = first + k;
        if (index < 0 || index >= in_len) weights[k] = 0.0;
        sum += weights[k];
      }
      for (double& w : weights) w = sum != 0.0 ? w / sum : 0.0;
    }
    for (int64_t k = 0; k < axis.taps; ++k) {
      axis.offsets.push_back(clamp(first + k) * stride);  // edge values past the border
      axis.weights.push_back(static_cast<float>(weights[k]));
    }
  }
  return axis;
}

}  // namespace

absl::StatusOr<ResizeGeometry> ResolveResize(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const size_t rank = x.size();
  ResizeAttributes a;
  ASSIGN_OR_RETURN(a.mode, node.attributes.GetString("mode", "nearest"));
  if (a.mode != "nearest" && a.mode != "linear" && a.mode != "cubic") {
    return Invalid(absl::StrCat("Resize mode '", a.mode, "' is unknown"));
  }
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  std::vector<float> roi;
  std::vector<int64_t> axes;  // the axes scales or sizes apply to (all but Resize's opset 18 form)
  std::string policy = "stretch";
  int64_t antialias = 0;
  if (node.op == OpKind::kUpsample) {  // opset 7: scales attribute; 9: scales input
    a.transform = "asymmetric";
    a.nearest_mode = "floor";
    if (graph.HasInput(node, 1)) {
      ASSIGN_OR_RETURN(scales, ConstantFloatsOf(graph, node, 1, "Upsample's scales"));
    } else {
      ASSIGN_OR_RETURN(std::vector<float> attribute, node.attributes.GetFloats("scales", {}));
      scales = attribute;
    }
  } else {
    ASSIGN_OR_RETURN(a.transform, node.attributes.GetString("coordinate_transformation_mode", "half_pixel"));
    ASSIGN_OR_RETURN(a.nearest_mode, node.attributes.GetString("nearest_mode", "round_prefer_floor"));
    ASSIGN_OR_RETURN(float cubic_a, node.attributes.GetFloat("cubic_coeff_a", -0.75f));
    a.cubic_a = cubic_a;
    ASSIGN_OR_RETURN(int64_t exclude, node.attributes.GetInt("exclude_outside", 0));
    a.exclude_outside = exclude != 0;
    ASSIGN_OR_RETURN(a.extrapolation_value, node.attributes.GetFloat("extrapolation_value", 0.0f));
    // (X, roi, scales, sizes); the importer moves opset 10's (X, scales) into this form.
    const int scales_input = 2, sizes_input = 3;
    if (graph.HasInput(node, 1) && graph.InputType(node, 1).ElementCount() > 0) {
      ASSIGN_OR_RETURN(roi, ConstantFloatsOf(graph, node, 1, "Resize's roi"));
    }
    if (graph.HasInput(node, scales_input) && graph.InputType(node, scales_input).ElementCount() > 0) {
      ASSIGN_OR_RETURN(scales, ConstantFloatsOf(graph, node, scales_input, "Resize's scales"));
    }
    if (graph.HasInput(node, sizes_input) && graph.InputType(node, sizes_input).ElementCount() > 0) {
      ASSIGN_OR_RETURN(sizes, ConstantInts(graph, node, sizes_input, "Resize's sizes"));
    }
    ASSIGN_OR_RETURN(policy, node.attributes.GetString("keep_aspect_ratio_policy", "stretch"));
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller") {
      return Invalid(absl::StrCat("keep_aspect_ratio_policy '", policy, "' is unknown"));
    }
    ASSIGN_OR_RETURN(antialias, node.attributes.GetInt("antialias", 0));
    a.antialias = antialias != 0;
    // Opset 18's axes: scales, sizes and roi list only these axes; the others stay.
    if (node.attributes.Has("axes")) {
      ASSIGN_OR_RETURN(std::vector<int64_t> listed, node.attributes.GetInts("axes", {}));
      for (int64_t axis : listed) {
        ASSIGN_OR_RETURN(int64_t normalized, NormalizeAxis(axis, static_cast<int64_t>(rank)));
        if (std::find(axes.begin(), axes.end(), normalized) != axes.end()) {
          return Invalid(absl::StrCat("Resize lists axis ", normalized, " twice"));
        }
        axes.push_back(normalized);
      }
      const size_t count = axes.size();
      if (!scales.empty() && scales.size() != count) return Invalid("Resize needs one scale per listed axis");
      if (!sizes.empty() && sizes.size() != count) return Invalid("Resize needs one size per listed axis");
      if (!roi.empty() && roi.size() != 2 * count) return Invalid("Resize needs 2 roi values per listed axis");
      std::vector<float> full_scales(scales.empty() ? 0 : rank, 1.0f), full_roi(roi.empty() ? 0 : 2 * rank);
      std::vector<int64_t> full_sizes(sizes.empty() ? std::vector<int64_t>{} : x);
      for (size_t d = 0; d < rank && !roi.empty(); ++d) full_roi[d + rank] = 1.0f;
      for (size_t i = 0; i < count; ++i) {
        if (!scales.empty()) full_scales[axes[i]] = scales[i];
        if (!sizes.empty()) full_sizes[axes[i]] = sizes[i];
        if (!roi.empty()) {
          full_roi[axes[i]] = roi[i];
          full_roi[axes[i] + rank] = roi[i + count];
        }
      }
      scales = std::move(full_scales);
      sizes = std::move(full_sizes);
      roi = std::move(full_roi);
    }
  }
  if (axes.empty()) {
    for (size_t d = 0; d < rank; ++d) axes.push_back(static_cast<int64_t>(d));
  }
  static const char* kTransforms[] = {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                                      "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  if (std::find(std::begin(kTransforms), std::end(kTransforms), a.transform) == std::end(kTransforms)) {
    return Invalid(absl::StrCat("coordinate_transformation_mode '", a.transform, "' is unknown"));
  }
  static const char* kNearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  if (std::find(std::begin(kNearest), std::end(kNearest), a.nearest_mode) == std::end(kNearest)) {
    return Invalid(absl::StrCat("nearest_mode '", a.nearest_mode, "' is unknown"));
  }
  if (scales.empty() == sizes.empty()) return Invalid("Resize needs either scales or sizes");
  if (!scales.empty() && scales.size() != rank) return Invalid("Resize needs one scale per dimension");
  if (!sizes.empty() && sizes.size() != rank) return Invalid("Resize needs one size per dimension");
  if (a.transform == "tf_crop_and_resize" && roi.size() != 2 * rank) {
    return Invalid("tf_crop_and_resize needs a roi of 2 x rank values");
  }
  // A roi is read as [start_1 .. start_rank, end_1 .. end_rank]: one of another length
  // would be read past its end.
  if (!roi.empty() && roi.size() != 2 * rank) {
    return Invalid(absl::StrCat("Resize's roi has ", roi.size(), " values; it needs 2 x rank = ", 2 * rank));
  }
  for (float value : roi) {
    if (!std::isfinite(value)) return Invalid(absl::StrCat("Resize's roi holds ", value, ", which is not finite"));
  }
  // Values are checked before any becomes an integer.
  for (float scale : scales) {
    if (!(scale > 0.0f) || scale > (1 << 16)) {
      return Invalid(absl::StrCat("Resize's scale ", scale, " is invalid: scales must be positive and at most 65536"));
    }
  }
  for (int64_t size : sizes) {
    if (size < 0 || size > (int64_t{1} << 24)) {
      return Invalid(absl::StrCat("Resize's size ", size, " is out of range: sizes must be from 0 to ", int64_t{1} << 24));
    }
  }
  // Each dimension's scale, output length and resized length before flooring.
  std::vector<double> dim_scales(rank), resized_lens(rank);
  Shape out(rank);
  // keep_aspect_ratio_policy (with sizes): one scale for the listed axes, the smallest
  // or largest of sizes / input; lengths round half up (ONNX's definition).
  std::optional<double> kept_scale;
  if (!sizes.empty() && policy != "stretch") {
    for (int64_t axis : axes) {
      const double ratio = x[axis] == 0 ? 1.0 : static_cast<double>(sizes[axis]) / x[axis];
      if (!kept_scale || (policy == "not_larger" ? ratio < *kept_scale : ratio > *kept_scale)) kept_scale = ratio;
    }
  }
  for (size_t d = 0; d < rank; ++d) {
    const bool listed = std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    if (kept_scale) {
      dim_scales[d] = listed ? *kept_scale : 1.0;
      resized_lens[d] = x[d] * dim_scales[d];
      out[d] = listed ? static_cast<int64_t>(std::floor(resized_lens[d] + 0.5)) : x[d];
    } else if (!sizes.empty()) {
      out[d] = sizes[d];
      dim_scales[d] = x[d] == 0 ? 1.0 : static_cast<double>(sizes[d]) / x[d];
      resized_lens[d] = static_cast<double>(sizes[d]);
    } else {
      // x[d] <= 2^32 and scale <= 2^16: the product fits an int64.
      dim_scales[d] = scales[d];
      resized_lens[d] = x[d] * static_cast<double>(scales[d]);
      out[d] = static_cast<int64_t>(std::floor(resized_lens[d]));
    }
  }
  RETURN_IF_ERROR(CheckShapeSize(out, "Resize output"));
  // An antialiased shrink by 1/s reads about 2/s (linear) or 4/s (cubic) taps.
  bool stretches = false;
  int64_t combinations = 1;
  for (size_t d = 0; d < rank; ++d) {
    int64_t taps = a.mode == "nearest" ? 1 : a.mode == "linear" ? 2 : 4;
    if (a.antialias && a.mode != "nearest" && dim_scales[d] > 0.0 && dim_scales[d] < 1.0) {
      stretches = true;
      taps = Stretched(a, std::max(dim_scales[d], 1.0 / kMaxTapCombinations)).taps;
    }
    combinations = std::min(combinations * taps, kMaxTapCombinations + 1);
  }
  if (stretches && combinations > kMaxTapCombinations) {
    return absl::UnimplementedError(absl::StrCat("Resize would read more than ", kMaxTapCombinations,
                                                 " input elements for each output element (the limit)"));
  }
  ResizeGeometry g;
  g.extrapolation_value = a.extrapolation_value;
  const std::vector<int64_t> strides = RowMajorStrides(x);
  for (size_t d = 0; d < rank; ++d) {
    const double scale = dim_scales[d], resized_len = resized_lens[d];
    const int64_t out_len = out[d];
    if (out_len < 0 || out_len > (int64_t{1} << 24)) return Invalid("Resize size out of range");
    if (x[d] == 0 && out_len > 0) return Invalid("Resize cannot grow an empty dimension");
    const double roi_start = roi.empty() ? 0.0 : roi[d], roi_end = roi.empty() ? 1.0 : roi[d + rank];
    ASSIGN_OR_RETURN(ResizeAxis axis, ResolveAxis(a, x[d], out_len, resized_len, scale, strides[d], roi_start, roi_end,
                                                            &g.has_outside));
    // A dimension kept as it is reads one tap (exactly index i).
    if (out_len == x[d] && !axis.outside.empty() && a.transform != "tf_crop_and_resize") {
      bool identity = true;
      for (int64_t i = 0; i < out_len && identity; ++i) {
        for (int64_t k = 0; k < axis.taps; ++k) {
          const float w = axis.weights[i * axis.taps + k];
          identity &= w == 0.0f || (w == 1.0f && axis.offsets[i * axis.taps + k] == i * strides[d]);
        }
      }
      if (identity) {
        axis = ResizeAxis{1, {}, {}, std::vector<uint8_t>(out_len, 0)};
        for (int64_t i = 0; i < out_len; ++i) {
          axis.offsets.push_back(i * strides[d]);
          axis.weights.push_back(1.0f);
        }
      }
    }
    g.out_shape.push_back(out_len);
    g.axes.push_back(std::move(axis));
  }
  return g;
}

}  // namespace modelc
