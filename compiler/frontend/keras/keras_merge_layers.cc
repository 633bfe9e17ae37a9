// The merging layers: element-wise over two or more inputs (numpy broadcasting, as
// Keras), concatenation, and Dot (a product over one axis of each input).
#include "compiler/frontend/keras/keras_merge_layers.h"

#include "absl/strings/str_cat.h"
#include "compiler/util/status_macros.h"

namespace modelc::keras_layers {
namespace {

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

// Add, Subtract, Multiply, Maximum, Minimum, Average over two or more inputs.
absl::StatusOr<std::vector<ValueId>> ConvertMerge(LayerBuilder& b, OpKind op, bool two_only) {
  RETURN_IF_ERROR(b.ExpectInputs(2, !two_only));
  if (op == OpKind::kMax || op == OpKind::kMin || op == OpKind::kMean) {
    std::vector<ValueId> inputs;
    for (int i = 0; i < b.InputCount(); ++i) inputs.push_back(b.Input(i));
    return One(b.AddNode(op, OpName(op), std::move(inputs)));
  }
  ValueId y = b.Input(0);
  for (int i = 1; i < b.InputCount(); ++i) {
    ASSIGN_OR_RETURN(y, b.AddNode(op, absl::StrCat(OpName(op), "_", i), {y, b.Input(i)}));
  }
  return std::vector<ValueId>{y};
}

// x / sqrt(max(sum(x^2) over `axis`, 1e-12)), Keras's normalize.
absl::StatusOr<ValueId> L2Normalized(LayerBuilder& b, ValueId x, int64_t axis, const std::string& role) {
  AttributeMap attributes;
  attributes.Set("keepdims", int64_t{1});
  const ValueId axes = b.AddConstant(role + "_axis", TensorData::FromInt64s({1}, std::vector<int64_t>{axis}));
  ASSIGN_OR_RETURN(ValueId squares, b.AddNode(OpKind::kReduceSumSquare, role + "_squares", {x, axes}, std::move(attributes)));
  ASSIGN_OR_RETURN(ValueId floor, b.AddNode(OpKind::kMax, role + "_floor", {squares, b.AddScalar(role + "_epsilon", 1e-12f)}));
  ASSIGN_OR_RETURN(ValueId norm, b.AddNode(OpKind::kSqrt, role + "_norm", {floor}));
  return b.AddNode(OpKind::kDiv, role, {x, norm});
}

}  // namespace

absl::StatusOr<std::vector<ValueId>> ConvertAdd(LayerBuilder& b) { return ConvertMerge(b, OpKind::kAdd, false); }
absl::StatusOr<std::vector<ValueId>> ConvertSubtract(LayerBuilder& b) { return ConvertMerge(b, OpKind::kSub, true); }
absl::StatusOr<std::vector<ValueId>> ConvertMultiply(LayerBuilder& b) { return ConvertMerge(b, OpKind::kMul, false); }
absl::StatusOr<std::vector<ValueId>> ConvertMaximum(LayerBuilder& b) { return ConvertMerge(b, OpKind::kMax, false); }
absl::StatusOr<std::vector<ValueId>> ConvertMinimum(LayerBuilder& b) { return ConvertMerge(b, OpKind::kMin, false); }
absl::StatusOr<std::vector<ValueId>> ConvertAverage(LayerBuilder& b) { return ConvertMerge(b, OpKind::kMean, false); }

absl::StatusOr<std::vector<ValueId>> ConvertConcatenate(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(1, true));
  ASSIGN_OR_RETURN(int64_t configured, ConfigInt(b.config(), "axis", -1));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(configured, static_cast<int64_t>(b.InputShape(0).size())));
  std::vector<ValueId> inputs;
  for (int i = 0; i < b.InputCount(); ++i) inputs.push_back(b.Input(i));
  AttributeMap attributes;
  attributes.Set("axis", axis);
  return One(b.AddNode(OpKind::kConcat, "concat", std::move(inputs), std::move(attributes)));
}

// Keras's batch_dot of (batch, n) or (batch, n, d) inputs: for rank 2, the sum of the
// products (batch, 1); for rank 3, a batched MatMul with the summed axes brought last
// in the first input and first (after the batch) in the second.
absl::StatusOr<std::vector<ValueId>> ConvertDot(LayerBuilder& b) {
  RETURN_IF_ERROR(b.ExpectInputs(2));
  const int64_t rank = static_cast<int64_t>(b.InputShape(0).size());
  if (rank != static_cast<int64_t>(b.InputShape(1).size()) || rank < 2 || rank > 3) {
    return absl::UnimplementedError("only a Dot of two rank-2 or two rank-3 inputs is supported");
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, ConfigInts(b.config(), "axes", 2, {}));
  if (axes.size() != 2) return Invalid("'axes' must be one axis or a pair");
  ASSIGN_OR_RETURN(axes[0], NormalizeAxis(axes[0], rank));
  ASSIGN_OR_RETURN(axes[1], NormalizeAxis(axes[1], rank));
  if (axes[0] == 0 || axes[1] == 0) return Invalid("a Dot cannot sum over the batch axis");
  if (b.InputShape(0)[axes[0]] != b.InputShape(1)[axes[1]]) return Invalid("the summed axes differ in size");
  ASSIGN_OR_RETURN(bool normalize, ConfigBool(b.config(), "normalize", false));
  ValueId x = b.Input(0), y = b.Input(1);
  if (normalize) {
    ASSIGN_OR_RETURN(x, L2Normalized(b, x, axes[0], "normalized_0"));
    ASSIGN_OR_RETURN(y, L2Normalized(b, y, axes[1], "normalized_1"));
  }
  if (rank == 2) {
    ASSIGN_OR_RETURN(ValueId products, b.AddNode(OpKind::kMul, "products", {x, y}));
    AttributeMap attributes;
    attributes.Set("keepdims", int64_t{1});
    const ValueId sum_axes = b.AddConstant("sum_axis", TensorData::FromInt64s({1}, std::vector<int64_t>{1}));
    ASSIGN_OR_RETURN(ValueId sum, b.AddNode(OpKind::kReduceSum, "sum", {products, sum_axes}, std::move(attributes)));
    return std::vector<ValueId>{sum};
  }
  if (axes[0] != 2) {
    ASSIGN_OR_RETURN(x, b.Transposed(x, {0, 2, 1}, "summed_axis_last"));
  }
  if (axes[1] != 1) {
    ASSIGN_OR_RETURN(y, b.Transposed(y, {0, 2, 1}, "summed_axis_first"));
  }
  ASSIGN_OR_RETURN(ValueId product, b.AddNode(OpKind::kMatMul, "matmul", {x, y}));
  return std::vector<ValueId>{product};
}

}  // namespace modelc::keras_layers
