// Parts of tensors: TFLite's slicing, splitting, packing and gathering operators as IR
// Slices (ONNX semantics: starts, ends, axes, steps), Concats, Gathers and reshapes.
#include "compiler/frontend/tflite/slice_converters.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/tflite/converter_support.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc::tflite_converters {
namespace {

// One axis of a slice: elements start, start + step, ... before end (resolved, in
// [0, dim] for a positive step; in [-1, dim - 1] for a negative one, -1 meaning before
// the first element).
struct SliceRange {
  int64_t axis = 0, start = 0, end = 0, step = 1;
};

// x sliced along `ranges` (the other axes whole): an IR Slice. ONNX reads a negative
// end as counted from the back, so "before the first element" goes in as the lowest
// int64, which ONNX clamps to exactly that.
absl::StatusOr<ValueId> Sliced(SubgraphImporter& s, ValueId x, const std::vector<SliceRange>& ranges,
                               const std::string& role) {
  std::vector<int64_t> starts, ends, axes, steps;
  for (const SliceRange& r : ranges) {
    starts.push_back(r.start);
    ends.push_back(r.end < 0 ? std::numeric_limits<int64_t>::min() : r.end);
    axes.push_back(r.axis);
    steps.push_back(r.step);
  }
  const int64_t count = static_cast<int64_t>(ranges.size());
  const ValueId starts_value = s.AddConstant(role + "_starts", TensorData::FromInt64s({count}, starts));
  const ValueId ends_value = s.AddConstant(role + "_ends", TensorData::FromInt64s({count}, ends));
  const ValueId axes_value = s.AddConstant(role + "_axes", TensorData::FromInt64s({count}, axes));
  const ValueId steps_value = s.AddConstant(role + "_steps", TensorData::FromInt64s({count}, steps));
  return s.AddNode(OpKind::kSlice, role, {x, starts_value, ends_value, axes_value, steps_value});
}

// The input, one operator input that must be a constant int vector of `length` values.
absl::StatusOr<std::vector<int64_t>> ConstantVector(SubgraphImporter& s, int i, const char* what, size_t length) {
  ASSIGN_OR_RETURN(std::vector<int64_t> values, s.ConstantInputInts(i, what));
  if (values.size() != length) {
    return Invalid(absl::StrCat(what, " hold ", values.size(), " values, not ", length));
  }
  return values;
}

// The axis operand of SPLIT / SPLIT_V: one constant int.
absl::StatusOr<int64_t> SplitAxis(SubgraphImporter& s, int i, int64_t rank) {
  ASSIGN_OR_RETURN(std::vector<int64_t> axis, ConstantVector(s, i, "the axis", 1));
  return NormalizeAxis(axis[0], rank);
}

// The outputs of a split along `axis` into parts of `sizes`, each an output of its own.
absl::Status DefineParts(SubgraphImporter& s, ValueId x, int64_t axis, const std::vector<int64_t>& sizes) {
  if (static_cast<int>(sizes.size()) != s.OutputCount()) {
    return Invalid(absl::StrCat("it splits into ", sizes.size(), " parts but has ", s.OutputCount(), " outputs"));
  }
  int64_t start = 0;
  for (size_t o = 0; o < sizes.size(); ++o) {
    ASSIGN_OR_RETURN(ValueId part, Sliced(s, x, {{axis, start, start + sizes[o], 1}}, absl::StrCat("part", o)));
    RETURN_IF_ERROR(s.DefineOutput(static_cast<int>(o), part));
    start += sizes[o];
  }
  return absl::OkStatus();
}

}  // namespace

// TFLite's strided slice (reference_ops::StridedSlice, strided_slice_logic.h): per
// axis of begin/end/strides a start and a stop, from the masks (a set begin or end bit:
// the axis's first or last element for the step's direction), counted from the back
// when negative, then clamped; a shrunk axis takes the one element at begin and
// leaves the output. Axes beyond begin's length are whole. The ellipsis and new-axis
// masks and the offset form are refused.
absl::Status ConvertStridedSlice(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 4, 4, 1));
  ASSIGN_OR_RETURN(const tfl::StridedSliceOptions* options,
                   Required(s.op().builtin_options_as_StridedSliceOptions(), "StridedSliceOptions"));
  if (options->ellipsis_mask() != 0 || options->new_axis_mask() != 0) {
    return absl::UnimplementedError("a STRIDED_SLICE with an ellipsis or a new axis is not supported");
  }
  if (options->offset()) return absl::UnimplementedError("a STRIDED_SLICE with offset ends is not supported");
  const Shape x = s.InputShape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(std::vector<int64_t> begin, s.ConstantInputInts(1, "the begin"));
  ASSIGN_OR_RETURN(std::vector<int64_t> end, s.ConstantInputInts(2, "the end"));
  ASSIGN_OR_RETURN(std::vector<int64_t> strides, s.ConstantInputInts(3, "the strides"));
  const size_t count = begin.size();
  if (end.size() != count || strides.size() != count || static_cast<int64_t>(count) > rank || count > 32) {
    return Invalid(absl::StrCat("begin, end and strides hold ", begin.size(), ", ", end.size(), " and ",
                                strides.size(), " values for an input of rank ", rank));
  }
  std::vector<SliceRange> ranges;
  for (size_t d = 0; d < count; ++d) {
    const int64_t dim = x[d], bit = int64_t{1} << d;
    if (dim < 1) return Invalid(absl::StrCat("dimension ", d, " of the input is empty"));
    if (options->shrink_axis_mask() & bit) {
      if (options->begin_mask() & bit) {
        return absl::UnimplementedError(absl::StrCat("a STRIDED_SLICE axis ", d, " both shrunk and begin-masked"));
      }
      const int64_t index = begin[d] < 0 ? begin[d] + dim : begin[d];
      if (index < 0 || index >= dim) {
        return Invalid(absl::StrCat("index ", begin[d], " of a shrunk axis is outside dimension ", d, " (", dim, ")"));
      }
      ranges.push_back({static_cast<int64_t>(d), index, index + 1, 1});
      continue;
    }
    const int64_t step = strides[d];
    if (step == 0) return Invalid(absl::StrCat("stride ", d, " is 0"));
    const int64_t low = step > 0 ? 0 : -1, high = step > 0 ? dim : dim - 1;
    const auto resolve = [&](int64_t value, bool masked, int64_t masked_value) {
      if (masked) return masked_value;
      if (value < 0) value += dim;
      return std::clamp(value, low, high);
    };
    const int64_t start = resolve(begin[d], options->begin_mask() & bit, step > 0 ? 0 : dim - 1);
    const int64_t stop = resolve(end[d], options->end_mask() & bit, step > 0 ? dim : -1);
    // A negative stride starting before the first element: TFLite's versions disagree
    // on it (empty, or the first element); refused rather than guessed.
    if (step < 0 && start < 0) {
      return absl::UnimplementedError(absl::StrCat("a STRIDED_SLICE starting before axis ", d, "'s first element with a negative stride"));
    }
    // Strides beyond the dimension take the first element only: held to dim + 1 so
    // that no later arithmetic overflows.
    ranges.push_back({static_cast<int64_t>(d), start, stop, std::clamp(step, -(dim + 1), dim + 1)});
  }
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, Sliced(s, input, ranges, "slice"));
  // The shrunk axes leave the output: the slice's shape without them.
  if (options->shrink_axis_mask() != 0) {
    Shape shape;
    for (int64_t d = 0; d < rank; ++d) {
      if (d >= static_cast<int64_t>(count)) {
        shape.push_back(x[d]);
      } else if (!(options->shrink_axis_mask() & (int64_t{1} << d))) {
        const SliceRange& r = ranges[d];
        const int64_t span = r.step > 0 ? r.end - r.start : r.start - r.end, step = r.step > 0 ? r.step : -r.step;
        shape.push_back(std::max<int64_t>(0, (span + step - 1) / step));
      }
    }
    ASSIGN_OR_RETURN(y, Reshaped(s, y, shape, "shrink"));
  }
  return s.DefineOutput(0, y);
}

// SLICE: begin and size per axis (a size of -1: to the end).
absl::Status ConvertSlice(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 3, 3, 1));
  const Shape x = s.InputShape(0);
  ASSIGN_OR_RETURN(std::vector<int64_t> begin, ConstantVector(s, 1, "the begin", x.size()));
  ASSIGN_OR_RETURN(std::vector<int64_t> size, ConstantVector(s, 2, "the sizes", x.size()));
  std::vector<SliceRange> ranges;
  for (size_t d = 0; d < x.size(); ++d) {
    if (begin[d] < 0 || begin[d] > x[d] || size[d] < -1 || size[d] > x[d] - begin[d]) {
      return Invalid(absl::StrCat("begin ", begin[d], " and size ", size[d], " do not fit dimension ", d, " (", x[d], ")"));
    }
    const int64_t stop = size[d] == -1 ? x[d] : begin[d] + size[d];
    ranges.push_back({static_cast<int64_t>(d), begin[d], stop, 1});
  }
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, Sliced(s, input, ranges, "slice"));
  return s.DefineOutput(0, y);
}

// SPLIT (axis, x): num_splits equal parts.
absl::Status ConvertSplit(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, s.OutputCount()));
  const Shape x = s.InputShape(1);
  ASSIGN_OR_RETURN(int64_t axis, SplitAxis(s, 0, static_cast<int64_t>(x.size())));
  const int64_t parts = s.OutputCount();
  if (parts < 1 || x[axis] % parts != 0) {
    return Invalid(absl::StrCat("dimension ", axis, " (", x[axis], ") does not split into ", parts, " equal parts"));
  }
  ASSIGN_OR_RETURN(ValueId input, s.Input(1));
  return DefineParts(s, input, axis, std::vector<int64_t>(parts, x[axis] / parts));
}

// SPLIT_V (x, sizes, axis): parts of the given sizes, one of which may be -1 (the rest).
absl::Status ConvertSplitV(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 3, 3, s.OutputCount()));
  const Shape x = s.InputShape(0);
  ASSIGN_OR_RETURN(int64_t axis, SplitAxis(s, 2, static_cast<int64_t>(x.size())));
  ASSIGN_OR_RETURN(std::vector<int64_t> sizes, s.ConstantInputInts(1, "the sizes"));
  int64_t known = 0, rest = -1;
  for (size_t p = 0; p < sizes.size(); ++p) {
    if (sizes[p] == -1 && rest < 0) rest = static_cast<int64_t>(p);
    else if (sizes[p] < 0 || sizes[p] > x[axis]) return Invalid(absl::StrCat("part size ", sizes[p], " is not valid"));
    else known += sizes[p];  // each at most the dimension: no overflow for any count a file holds
  }
  if (rest >= 0 && known <= x[axis]) sizes[rest] = x[axis] - known, known = x[axis];
  if (known != x[axis]) {
    return Invalid(absl::StrCat("the parts' sizes add up to ", known, ", not dimension ", axis, " (", x[axis], ")"));
  }
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  return DefineParts(s, input, axis, sizes);
}

// PACK: the inputs (one shape) stacked along a new axis: each given a dimension of 1
// there, then concatenated along it.
absl::Status ConvertPack(SubgraphImporter& s) {
  if (s.InputCount() < 1 || s.OutputCount() != 1) return Invalid("takes at least one input and has one output");
  ASSIGN_OR_RETURN(const tfl::PackOptions* options, Required(s.op().builtin_options_as_PackOptions(), "PackOptions"));
  if (options->values_count() != s.InputCount()) {
    return Invalid(absl::StrCat("values_count is ", options->values_count(), " for ", s.InputCount(), " inputs"));
  }
  Shape shape = s.InputShape(0);
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(options->axis(), static_cast<int64_t>(shape.size()) + 1));
  shape.insert(shape.begin() + axis, 1);
  std::vector<ValueId> parts;
  for (int i = 0; i < s.InputCount(); ++i) {
    if (s.InputShape(i) != s.InputShape(0)) {
      return Invalid(absl::StrCat("input ", i, " is ", ShapeToString(s.InputShape(i)), ", not input 0's ",
                                  ShapeToString(s.InputShape(0))));
    }
    ASSIGN_OR_RETURN(ValueId input, s.Input(i));
    ASSIGN_OR_RETURN(ValueId part, Reshaped(s, input, shape, absl::StrCat("expand", i)));
    parts.push_back(part);
  }
  AttributeMap attributes;
  attributes.Set("axis", axis);
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kConcat, "stack", std::move(parts), std::move(attributes)));
  return s.DefineOutput(0, y);
}

// UNPACK: output i is element i along the axis, the axis dropped.
absl::Status ConvertUnpack(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 1, 1, s.OutputCount()));
  ASSIGN_OR_RETURN(const tfl::UnpackOptions* options,
                   Required(s.op().builtin_options_as_UnpackOptions(), "UnpackOptions"));
  const Shape x = s.InputShape(0);
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(options->axis(), static_cast<int64_t>(x.size())));
  if (options->num() != x[axis] || s.OutputCount() != x[axis]) {
    return Invalid(absl::StrCat("num is ", options->num(), " with ", s.OutputCount(), " outputs for dimension ", axis,
                                " (", x[axis], ")"));
  }
  Shape shape = x;
  shape.erase(shape.begin() + axis);
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  for (int64_t o = 0; o < x[axis]; ++o) {
    ASSIGN_OR_RETURN(ValueId part, Sliced(s, input, {{axis, o, o + 1, 1}}, absl::StrCat("part", o)));
    ASSIGN_OR_RETURN(part, Reshaped(s, part, shape, absl::StrCat("squeeze", o)));
    RETURN_IF_ERROR(s.DefineOutput(static_cast<int>(o), part));
  }
  return absl::OkStatus();
}

// GATHER along an axis with constant indices, each within the axis (TFLite's kernel
// fails on any other); batch_dims must be 0.
absl::Status ConvertGather(SubgraphImporter& s) {
  RETURN_IF_ERROR(ExpectArity(s, 2, 2, 1));
  const tfl::GatherOptions* options = s.op().builtin_options_as_GatherOptions();
  if (options && options->batch_dims() != 0) {
    return absl::UnimplementedError(absl::StrCat("a GATHER with batch_dims ", options->batch_dims(), " is not supported"));
  }
  const Shape x = s.InputShape(0);
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(options ? options->axis() : 0, static_cast<int64_t>(x.size())));
  absl::StatusOr<std::vector<int64_t>> indices = s.ConstantInputInts(1, "the indices");
  if (!indices.ok()) return absl::UnimplementedError("a GATHER whose indices are not constant is not supported");
  for (int64_t index : *indices) {
    if (index < 0 || index >= x[axis]) {
      return Invalid(absl::StrCat("index ", index, " is outside dimension ", axis, " (", x[axis], ")"));
    }
  }
  const ValueId indices_value = s.AddConstant("indices", TensorData::FromInt64s(s.InputShape(1), *indices));
  AttributeMap attributes;
  attributes.Set("axis", axis);
  ASSIGN_OR_RETURN(ValueId input, s.Input(0));
  ASSIGN_OR_RETURN(ValueId y, s.AddNode(OpKind::kGather, "gather", {input, indices_value}, std::move(attributes)));
  return s.DefineOutput(0, y);
}

}  // namespace modelc::tflite_converters
