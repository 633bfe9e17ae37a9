// The index maps of the data-movement operators (see index_map.h).
#include "compiler/ir/index_map.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/checked_math.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// The most entries a node's offset tables (one per index of each walked dimension) may
// hold: 512 MiB of int64s. Only a dimension this long reaches it (an empty tensor may
// have one, or a tensor near kMaxTensorElements), and both are absurd for this compiler.
constexpr int64_t kMaxOffsetTableEntries = int64_t{1} << 26;

// Refuses absurd outputs before their offset tables are built.
absl::Status CheckSize(const Shape& out, const char* op) {
  return CheckShapeSize(out, absl::StrCat(op, " output"));
}

// Refuses walks whose offset tables would be too large, before they are built.
absl::Status CheckTables(const std::vector<int64_t>& dims, const char* op) {
  int64_t entries = 0;
  for (int64_t dim : dims) {
    const std::optional<int64_t> sum = CheckedAdd(entries, dim);
    if (dim < 0 || !sum || *sum > kMaxOffsetTableEntries) {
      return Invalid(absl::StrCat(op, " walks dimensions ", ShapeToString(dims), ", whose offset tables would hold more than ",
                                  kMaxOffsetTableEntries, " entries (the limit)"));
    }
    entries = *sum;
  }
  return absl::OkStatus();
}

// Offsets of an affine walk: start, start + step, ... (count entries), times stride.
std::vector<int64_t> Affine(int64_t start, int64_t step, int64_t count, int64_t stride) {
  std::vector<int64_t> offsets(count);
  for (int64_t i = 0; i < count; ++i) offsets[i] = (start + i * step) * stride;
  return offsets;
}

// The identity walk over a whole shape (a plain copy), as the base of the others.
IndexMapGeometry Identity(const Shape& x) {
  IndexMapGeometry g;
  g.out_shape = x;
  g.dims = x;
  const std::vector<int64_t> strides = RowMajorStrides(x);
  for (size_t d = 0; d < x.size(); ++d) g.offsets.push_back(Affine(0, 1, x[d], strides[d]));
  return g;
}

// A parameter list from a constant input (newer opsets) or an attribute (older ones).
absl::StatusOr<std::optional<std::vector<int64_t>>> IntsFromInputOrAttribute(
    const Graph& graph, const Node& node, int input, const std::string& name) {
  if (graph.HasInput(node, input)) {
    ASSIGN_OR_RETURN(std::vector<int64_t> values, ConstantInts(graph, node, input, name));
    return std::optional<std::vector<int64_t>>(std::move(values));
  }
  if (!node.attributes.Has(name)) return std::optional<std::vector<int64_t>>();
  ASSIGN_OR_RETURN(std::vector<int64_t> values, node.attributes.GetInts(name, {}));
  return std::optional<std::vector<int64_t>>(std::move(values));
}

absl::StatusOr<IndexMapGeometry> Slice(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(auto starts, IntsFromInputOrAttribute(graph, node, 1, "starts"));
  ASSIGN_OR_RETURN(auto ends, IntsFromInputOrAttribute(graph, node, 2, "ends"));
  ASSIGN_OR_RETURN(auto axes, IntsFromInputOrAttribute(graph, node, 3, "axes"));
  ASSIGN_OR_RETURN(auto steps, IntsFromInputOrAttribute(graph, node, 4, "steps"));
  if (!starts || !ends || starts->size() != ends->size()) {
    return Invalid("Slice needs starts and ends of equal length");
  }
  const size_t count = starts->size();
  if (!axes) {
    axes.emplace();
    for (size_t i = 0; i < count; ++i) axes->push_back(static_cast<int64_t>(i));
  }
  if (!steps) steps = std::vector<int64_t>(count, 1);
  if (axes->size() != count || steps->size() != count) {
    return Invalid("Slice's starts, ends, axes and steps must have equal lengths");
  }
  RETURN_IF_ERROR(CheckTables(x, "Slice"));
  IndexMapGeometry g = Identity(x);
  const std::vector<int64_t> strides = RowMajorStrides(x);
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < count; ++i) {
    ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis((*axes)[i], rank));
    if (seen[axis]) return Invalid(absl::StrCat("Slice lists axis ", axis, " twice"));
    seen[axis] = true;
    const int64_t dim = x[axis];
    if ((*steps)[i] == 0) return Invalid("Slice step must not be 0");
    // A step longer than the dimension takes at most its first element; clamping it
    // there keeps the same slice and keeps the arithmetic below from overflowing
    // (INT64_MAX, or INT64_MIN, which has no negation).
    const int64_t step = std::clamp((*steps)[i], -(dim + 1), dim + 1);
    auto clamp = [](int64_t v, int64_t low, int64_t high) { return std::min(std::max(v, low), high); };
    int64_t start = (*starts)[i], end = (*ends)[i];
    if (start < 0) start = start < -dim ? -1 : start + dim;  // INT64_MIN-safe
    if (end < 0) end = end < -dim ? -1 : end + dim;
    if (step > 0) {
      start = clamp(start, 0, dim);
      end = clamp(end, 0, dim);
    } else {
      start = clamp(start, -1, dim - 1);
      end = clamp(end, -1, dim - 1);
    }
    const int64_t extent = step > 0 ? std::max<int64_t>(0, (end - start + step - 1) / step)
                                    : std::max<int64_t>(0, (start - end + (-step) - 1) / (-step));
    g.out_shape[axis] = extent;
    g.dims[axis] = extent;
    g.offsets[axis] = Affine(start, step, extent, strides[axis]);
  }
  return g;
}

// Where output index i along a padded dimension reads from: constant (kOutside past
// the edges), reflect (mirrored without repeating the edge), edge (clamped) or wrap
// (opset 19: as if the dimension were a ring).
absl::StatusOr<int64_t> PaddedSource(int64_t i, int64_t dim, const std::string& mode) {
  if (i >= 0 && i < dim) return i;
  if (mode == "constant") return kOutside;
  if (mode == "edge") return i < 0 ? 0 : dim - 1;
  if (mode == "wrap") return (i % dim + dim) % dim;
  if (dim == 1) return 0;
  const int64_t period = 2 * (dim - 1);
  int64_t r = i % period;
  if (r < 0) r += period;
  return r < dim ? r : period - r;
}

absl::StatusOr<IndexMapGeometry> Pad(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(std::string mode, node.attributes.GetString("mode", "constant"));
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap") {
    return absl::UnimplementedError(absl::StrCat("Pad mode '", mode, "' is not supported"));
  }
  ASSIGN_OR_RETURN(auto pads, IntsFromInputOrAttribute(graph, node, 1, "pads"));
  if (graph.HasInput(node, 3) && pads) {  // opset 18's axes: pads for those axes only
    ASSIGN_OR_RETURN(std::vector<int64_t> axes, ConstantInts(graph, node, 3, "Pad's axes"));
    const int64_t count = static_cast<int64_t>(axes.size());
    if (static_cast<int64_t>(pads->size()) != 2 * count) {
      return Invalid(absl::StrCat("Pad needs 2 x ", count, " pads for its ", count, " axes"));
    }
    std::vector<int64_t> full(2 * rank, 0);
    std::vector<bool> seen(rank, false);
    for (int64_t i = 0; i < count; ++i) {
      ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axes[i], rank));
      if (seen[axis]) return Invalid(absl::StrCat("Pad lists axis ", axis, " twice"));
      seen[axis] = true;
      full[axis] = (*pads)[i];
      full[axis + rank] = (*pads)[i + count];
    }
    pads = std::move(full);
  }
  if (!pads || static_cast<int64_t>(pads->size()) != 2 * rank) {
    return Invalid(absl::StrCat("Pad needs 2 x rank = ", 2 * rank, " pads"));
  }
  IndexMapGeometry g;
  ASSIGN_OR_RETURN(float value, node.attributes.GetFloat("value", 0.0f));
  g.fill = value;
  if (graph.HasInput(node, 2)) {
    const Value& fill = graph.value(node.inputs[2]);
    if (fill.type.ElementCount() != 1 || fill.type.element_type != graph.InputType(node, 0).element_type) {
      return Invalid("Pad's constant_value must be a scalar of the input's type");
    }
    if (!fill.constant) return NotConstantError(graph, node, 2, "Pad's constant_value");
    g.fill = VisitDataType(fill.type.element_type, [&](auto element) {
      return static_cast<double>(fill.constant->Elements<decltype(element)>()[0]);
    });
  }
  Shape padded;
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t before = (*pads)[d], after = (*pads)[d + rank];
    if (std::abs(before) > kMaxTensorElements || std::abs(after) > kMaxTensorElements) return Invalid("Pad pads are absurdly large");
    padded.push_back(std::max<int64_t>(0, x[d] + before + after));
  }
  RETURN_IF_ERROR(CheckSize(padded, "Pad"));
  RETURN_IF_ERROR(CheckTables(padded, "Pad"));
  const std::vector<int64_t> strides = RowMajorStrides(x);
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t before = (*pads)[d], after = (*pads)[d + rank];
    const int64_t extent = x[d] + before + after;
    if (extent < 0) return Invalid(absl::StrCat("Pad makes dimension ", d, " negative"));
    if (x[d] == 0 && extent > 0 && mode != "constant") {
      return Invalid("Pad cannot reflect or extend an empty dimension");
    }
    std::vector<int64_t> offsets(extent);
    for (int64_t i = 0; i < extent; ++i) {
      ASSIGN_OR_RETURN(int64_t source, PaddedSource(i - before, x[d], mode));
      offsets[i] = source == kOutside ? kOutside : source * strides[d];
      g.has_outside |= source == kOutside;
    }
    g.out_shape.push_back(extent);
    g.dims.push_back(extent);
    g.offsets.push_back(std::move(offsets));
  }
  return g;
}

// CenterCropPad (opset 18): each listed axis cropped or zero-padded to its size in
// `shape` (input 1, constant), centred; an odd difference leaves the extra element at
// the end (crop start and pad start are both floor(difference / 2)).
absl::StatusOr<IndexMapGeometry> CenterCropPad(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(std::vector<int64_t> sizes, ConstantInts(graph, node, 1, "CenterCropPad's shape"));
  std::vector<int64_t> all_axes(rank);
  for (int64_t d = 0; d < rank; ++d) all_axes[d] = d;
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, node.attributes.GetInts("axes", all_axes));
  if (sizes.size() != axes.size()) {
    return Invalid(absl::StrCat("CenterCropPad's shape has ", sizes.size(), " sizes for ", axes.size(), " axes"));
  }
  Shape out = x;
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axes[i], rank));
    if (seen[axis]) return Invalid(absl::StrCat("CenterCropPad lists axis ", axis, " twice"));
    seen[axis] = true;
    if (sizes[i] < 0) return Invalid(absl::StrCat("CenterCropPad's size ", sizes[i], " is negative"));
    out[axis] = sizes[i];
  }
  RETURN_IF_ERROR(CheckSize(out, "CenterCropPad"));
  RETURN_IF_ERROR(CheckTables(out, "CenterCropPad"));
  IndexMapGeometry g;
  g.out_shape = out;
  g.dims = out;
  const std::vector<int64_t> strides = RowMajorStrides(x);
  for (int64_t d = 0; d < rank; ++d) {
    // Output index i reads input index i + shift: a crop starts (x - out) / 2 in, a pad
    // puts the input (out - x) / 2 in.
    const int64_t shift = x[d] >= out[d] ? (x[d] - out[d]) / 2 : -((out[d] - x[d]) / 2);
    std::vector<int64_t> offsets(out[d]);
    for (int64_t i = 0; i < out[d]; ++i) {
      const int64_t source = i + shift;
      const bool inside = source >= 0 && source < x[d];
      offsets[i] = inside ? source * strides[d] : kOutside;
      g.has_outside |= !inside;
    }
    g.offsets.push_back(std::move(offsets));
  }
  return g;
}

absl::StatusOr<IndexMapGeometry> Tile(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  ASSIGN_OR_RETURN(std::vector<int64_t> repeats, ConstantInts(graph, node, 1, "Tile's repeats"));
  if (repeats.size() != x.size()) return Invalid("Tile needs one repeat count per dimension");
  Shape out;
  for (size_t d = 0; d < x.size(); ++d) {
    if (repeats[d] < 0) return Invalid("Tile repeats must not be negative");
    if (repeats[d] > kMaxTensorElements) {
      return Invalid(absl::StrCat("Tile repeats ", repeats[d], " times, more than ", kMaxTensorElements, " (the limit)"));
    }
    out.push_back(x[d] * repeats[d]);  // both at most 2^32: no overflow
  }
  RETURN_IF_ERROR(CheckSize(out, "Tile"));
  std::vector<int64_t> walked = repeats;
  walked.insert(walked.end(), x.begin(), x.end());
  RETURN_IF_ERROR(CheckTables(walked, "Tile"));
  IndexMapGeometry g;
  const std::vector<int64_t> strides = RowMajorStrides(x);
  for (size_t d = 0; d < x.size(); ++d) {
    if (repeats[d] < 0) return Invalid("Tile repeats must not be negative");
    g.out_shape.push_back(x[d] * repeats[d]);
    // The output dimension walked as [repeat, position]: offsets 0 for the repeat.
    g.dims.push_back(repeats[d]);
    g.offsets.push_back(std::vector<int64_t>(repeats[d], 0));
    g.dims.push_back(x[d]);
    g.offsets.push_back(Affine(0, 1, x[d], strides[d]));
  }
  return g;
}

absl::StatusOr<IndexMapGeometry> Expand(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  ASSIGN_OR_RETURN(std::vector<int64_t> shape, ConstantInts(graph, node, 1, "Expand's shape"));
  for (int64_t dim : shape) {
    if (dim < 0) return Invalid("Expand's shape has a negative dimension");
  }
  ASSIGN_OR_RETURN(Shape out, BroadcastShapes(x, shape));
  RETURN_IF_ERROR(CheckSize(out, "Expand"));
  RETURN_IF_ERROR(CheckTables(out, "Expand"));
  const std::vector<int64_t> strides = BroadcastStrides(x, out);
  IndexMapGeometry g;
  g.out_shape = out;
  g.dims = out;
  for (size_t d = 0; d < out.size(); ++d) g.offsets.push_back(Affine(0, 1, out[d], strides[d]));
  return g;
}

absl::StatusOr<IndexMapGeometry> Gather(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.size());
  ASSIGN_OR_RETURN(int64_t axis_attr, node.attributes.GetInt("axis", 0));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attr, rank));
  ASSIGN_OR_RETURN(std::vector<int64_t> indices, ConstantInts(graph, node, 1, "Gather's indices"));
  const Shape& index_shape = graph.InputType(node, 1).shape;
  RETURN_IF_ERROR(CheckTables(x, "Gather"));
  const std::vector<int64_t> strides = RowMajorStrides(x);
  IndexMapGeometry g;
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis) {
      g.out_shape.push_back(x[d]);
      g.dims.push_back(x[d]);
      g.offsets.push_back(Affine(0, 1, x[d], strides[d]));
      continue;
    }
    // The index dimensions are walked as one: their row-major order is the indices'.
    g.out_shape.insert(g.out_shape.end(), index_shape.begin(), index_shape.end());
    g.dims.push_back(static_cast<int64_t>(indices.size()));
    std::vector<int64_t> offsets;
    for (int64_t index : indices) {
      if (index < -x[d] || index >= x[d]) {
        return Invalid(absl::StrCat("Gather index ", index, " is out of range for dimension ", x[d]));
      }
      offsets.push_back((index < 0 ? index + x[d] : index) * strides[d]);
    }
    g.offsets.push_back(std::move(offsets));
  }
  return g;
}

absl::StatusOr<std::vector<IndexMapGeometry>> Split(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  ASSIGN_OR_RETURN(int64_t axis_attr, node.attributes.GetInt("axis", 0));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attr, static_cast<int64_t>(x.size())));
  ASSIGN_OR_RETURN(auto sizes, IntsFromInputOrAttribute(graph, node, 1, "split"));
  const int64_t outputs = static_cast<int64_t>(node.outputs.size());
  // A Split without sizes in the model gets them at import (onnx_importer.cc's
  // SetSplitSizes), where the model's output count is still known.
  if (!sizes) return Invalid("Split has no sizes");
  // Outputs nobody reads are not computed (the importer drops them from the end).
  if (static_cast<int64_t>(sizes->size()) < outputs) return Invalid("Split needs one size per output");
  int64_t total = 0;
  for (int64_t size : *sizes) {
    if (size < 0) return Invalid("Split sizes must not be negative");
    const std::optional<int64_t> sum = CheckedAdd(total, size);
    if (!sum) return Invalid("Split sizes must add up to the dimension's size");
    total = *sum;
  }
  if (total != x[axis]) return Invalid("Split sizes must add up to the dimension's size");
  RETURN_IF_ERROR(CheckTables(x, "Split"));
  const std::vector<int64_t> strides = RowMajorStrides(x);
  std::vector<IndexMapGeometry> parts;
  int64_t start = 0;
  for (int64_t size : *sizes) {
    if (static_cast<int64_t>(parts.size()) == outputs) break;
    IndexMapGeometry g = Identity(x);
    g.out_shape[axis] = size;
    g.dims[axis] = size;
    g.offsets[axis] = Affine(start, 1, size, strides[axis]);
    parts.push_back(std::move(g));
    start += size;
  }
  return parts;
}

// DepthToSpace (DCR or CRD) and SpaceToDepth, walked over six output dimensions.
absl::StatusOr<IndexMapGeometry> DepthSpace(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() != 4) return Invalid("DepthToSpace and SpaceToDepth take a 4-D NCHW input");
  ASSIGN_OR_RETURN(int64_t bs, node.attributes.GetInt("blocksize", 0));
  if (bs < 1) return Invalid("blocksize must be positive");
  // Each output dimension and channel count is one of the input's times or over
  // blocksize (or its square); a blocksize past the input's sizes cannot be valid.
  if (!IsSaneShape({bs, bs}) || !IsSaneShape({x[1], bs, bs})) {
    return Invalid(absl::StrCat("blocksize ", bs, " is too large: its square times the channels of ", ShapeToString(x),
                                " exceeds ", kMaxTensorElements, " (the limit)"));
  }
  const int64_t n = x[0], c = x[1], h = x[2], w = x[3];
  IndexMapGeometry g;
  auto walk = [&](std::vector<std::pair<int64_t, int64_t>> dims) {  // (extent, stride)
    for (auto [extent, stride] : dims) {
      g.dims.push_back(extent);
      g.offsets.push_back(Affine(0, 1, extent, stride));
    }
  };
  const int64_t plane = h * w, image = c * plane;
  if (!IsSaneShape({n, c, h * bs, w * bs})) {
    return Invalid(absl::StrCat("blocksize ", bs, " makes the output of ", ShapeToString(x), " too large"));
  }
  RETURN_IF_ERROR(CheckTables({n, c, h, w, bs, bs}, node.op == OpKind::kDepthToSpace ? "DepthToSpace" : "SpaceToDepth"));
  if (node.op == OpKind::kDepthToSpace) {
    if (c % (bs * bs) != 0) return Invalid("channels must be a multiple of blocksize squared");
    ASSIGN_OR_RETURN(std::string mode, node.attributes.GetString("mode", "DCR"));
    if (mode != "DCR" && mode != "CRD") return Invalid(absl::StrCat("DepthToSpace mode '", mode, "' is unknown"));
    const int64_t cout = c / (bs * bs);
    g.out_shape = {n, cout, h * bs, w * bs};
    // Output (n, oc, y * bs + by, x * bs + bx) reads channel (by * bs + bx) * cout + oc
    // (DCR) or oc * bs * bs + by * bs + bx (CRD) at (y, x).
    if (mode == "DCR") {
      walk({{n, image}, {cout, plane}, {h, w}, {bs, bs * cout * plane}, {w, 1}, {bs, cout * plane}});
    } else {
      walk({{n, image}, {cout, bs * bs * plane}, {h, w}, {bs, bs * plane}, {w, 1}, {bs, plane}});
    }
    return g;
  }
  if (h % bs != 0 || w % bs != 0) return Invalid("height and width must be multiples of blocksize");
  ASSIGN_OR_RETURN(std::string mode, node.attributes.GetString("mode", "DCR"));  // opset 28
  if (mode != "DCR" && mode != "CRD") return Invalid(absl::StrCat("SpaceToDepth mode '", mode, "' is unknown"));
  g.out_shape = {n, c * bs * bs, h / bs, w / bs};
  // Output channel (by * bs + bx) * c + ic (DCR) or ic * bs * bs + by * bs + bx (CRD) at
  // (y, x) reads (ic, y * bs + by, x * bs + bx).
  if (mode == "DCR") {
    walk({{n, image}, {bs, w}, {bs, 1}, {c, plane}, {h / bs, bs * w}, {w / bs, bs}});
  } else {
    walk({{n, image}, {c, plane}, {bs, w}, {bs, 1}, {h / bs, bs * w}, {w / bs, bs}});
  }
  return g;
}

}  // namespace

std::optional<int64_t> ContiguousStart(const IndexMapGeometry& g) {
  if (g.has_outside) return std::nullopt;
  const std::vector<int64_t> strides = RowMajorStrides(g.dims);
  int64_t start = 0;
  for (size_t d = 0; d < g.dims.size(); ++d) {
    if (g.dims[d] == 0) return std::nullopt;
    start += g.offsets[d][0];
    for (int64_t i = 1; i < g.dims[d]; ++i) {
      if (g.offsets[d][i] != g.offsets[d][0] + i * strides[d]) return std::nullopt;
    }
  }
  return start;
}

absl::StatusOr<std::vector<IndexMapGeometry>> ResolveIndexMap(const Graph& graph, const Node& node) {
  using Maps = std::vector<IndexMapGeometry>;
  switch (AsIndexMapOp(node.op)) {
    case IndexMapOp::kSlice: {
      ASSIGN_OR_RETURN(IndexMapGeometry g, Slice(graph, node));
      return Maps{std::move(g)};
    }
    case IndexMapOp::kPad: {
      ASSIGN_OR_RETURN(IndexMapGeometry g, Pad(graph, node));
      return Maps{std::move(g)};
    }
    case IndexMapOp::kCenterCropPad: {
      ASSIGN_OR_RETURN(IndexMapGeometry g, CenterCropPad(graph, node));
      return Maps{std::move(g)};
    }
    case IndexMapOp::kTile: {
      ASSIGN_OR_RETURN(IndexMapGeometry g, Tile(graph, node));
      return Maps{std::move(g)};
    }
    case IndexMapOp::kExpand: {
      ASSIGN_OR_RETURN(IndexMapGeometry g, Expand(graph, node));
      return Maps{std::move(g)};
    }
    case IndexMapOp::kGather: {
      ASSIGN_OR_RETURN(IndexMapGeometry g, Gather(graph, node));
      return Maps{std::move(g)};
    }
    case IndexMapOp::kSplit:
      return Split(graph, node);
    case IndexMapOp::kDepthToSpace:
    case IndexMapOp::kSpaceToDepth: {
      ASSIGN_OR_RETURN(IndexMapGeometry g, DepthSpace(graph, node));
      return Maps{std::move(g)};
    }
  }
  MODELC_UNREACHABLE("ResolveIndexMap of an op outside the IndexMap family");
}

}  // namespace modelc
