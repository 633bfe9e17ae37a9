// ScatterElements (and Scatter, its name in opsets 9 and 10, which the importer maps
// here): the output is data with, for every position p of indices,
// out[p with p[axis] replaced by indices[p]] combined with updates[p]
// (scatter_reduction.h), in row-major order of p. Indices are int32 or int64, read at
// run time, negative ones counting from the end. ONNX calls an index outside [-s, s)
// an error: the reference refuses it; the kernel skips its update (nothing is read or
// written out of bounds; checked_index.h). The whole op lives here.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/gather/checked_index.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/scatter/scatter_reduction.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct ScatterElementsGeometry {
  int64_t axis = 0;
  int64_t axis_size = 0;              // s: data's extent along the axis
  Shape updates_shape;                // indices' shape, and updates'
  std::vector<int64_t> data_strides;  // data's row-major strides
  ScatterReduction reduction = ScatterReduction::kNone;
};

absl::StatusOr<ScatterElementsGeometry> ResolveScatterElements(const Graph& graph, const Node& node) {
  const TensorType& data = graph.InputType(node, 0);
  const TensorType& indices = graph.InputType(node, 1);
  const TensorType& updates = graph.InputType(node, 2);
  if (indices.element_type != DataType::kInt64 && indices.element_type != DataType::kInt32) {
    return absl::InvalidArgumentError("ScatterElements' indices must be int32 or int64");
  }
  if (updates.element_type != data.element_type) {
    return absl::InvalidArgumentError("ScatterElements' updates must have data's element type");
  }
  if (data.shape.empty() || indices.shape.size() != data.shape.size() || updates.shape != indices.shape) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ScatterElements needs data of rank 1 or more, indices of the same rank and updates of indices' shape; got ",
        ShapeToString(data.shape), ", ", ShapeToString(indices.shape), " and ", ShapeToString(updates.shape)));
  }
  ScatterElementsGeometry g;
  ASSIGN_OR_RETURN(int64_t axis, node.attributes.GetInt("axis", 0));
  ASSIGN_OR_RETURN(g.axis, NormalizeAxis(axis, data.Rank()));
  for (size_t d = 0; d < data.shape.size(); ++d) {
    if (static_cast<int64_t>(d) != g.axis && indices.shape[d] > data.shape[d]) {
      return absl::InvalidArgumentError(absl::StrCat("ScatterElements' indices ", ShapeToString(indices.shape),
                                                     " reach past data ", ShapeToString(data.shape), " in dimension ", d));
    }
  }
  ASSIGN_OR_RETURN(g.reduction, ResolveScatterReduction(node, data.element_type));
  g.axis_size = data.shape[g.axis];
  g.updates_shape = indices.shape;
  g.data_strides = RowMajorStrides(data.shape);
  return g;
}

}  // namespace

absl::Status UpgradeScatterElements(Node& node, int64_t opset) { return absl::OkStatus(); }  // reductions only add

absl::StatusOr<std::vector<TensorType>> InferScatterElements(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveScatterElements(graph, node).status());
  return std::vector<TensorType>{graph.InputType(node, 0)};
}

absl::StatusOr<std::vector<TensorData>> EvaluateScatterElements(const Graph& graph, const Node& node,
                                                                const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(ScatterElementsGeometry g, ResolveScatterElements(graph, node));
  const TensorData& data = *inputs[0];
  std::vector<uint8_t> out(data.bytes());
  const std::vector<int64_t> updates_strides = RowMajorStrides(g.updates_shape);
  const int64_t count = ElementCount(g.updates_shape);
  absl::Status status = absl::OkStatus();
  VisitDataType(data.type().element_type, [&](auto element) {
    using T = decltype(element);
    for (int64_t flat = 0; flat < count; ++flat) {
      const std::optional<int64_t> index = CheckedIndexValue(*inputs[1], flat, g.axis_size);
      if (!index) {
        status = absl::InvalidArgumentError(absl::StrCat("ScatterElements: indices element ", flat, " is outside [",
                                                         -g.axis_size, ", ", g.axis_size, ")"));
        return;
      }
      int64_t target = 0;
      for (size_t d = 0; d < g.updates_shape.size(); ++d) {
        const int64_t position = flat / updates_strides[d] % g.updates_shape[d];
        target += (static_cast<int64_t>(d) == g.axis ? *index : position) * g.data_strides[d];
      }
      T old_value, update;
      std::memcpy(&old_value, out.data() + target * sizeof(T), sizeof(T));
      std::memcpy(&update, inputs[2]->bytes().data() + flat * sizeof(T), sizeof(T));
      const T combined = CombineScatter<T>(g.reduction, old_value, update);
      std::memcpy(out.data() + target * sizeof(T), &combined, sizeof(T));
    }
  });
  RETURN_IF_ERROR(status);
  return std::vector<TensorData>{TensorData(data.type(), std::move(out))};
}

// The copy of data, then one loop nest over the updates: the target's offset in every
// dimension but the axis from the nest, the axis's from the index, checked before it is
// used. An index outside leaves its target (element 0 of the row, read and written
// back unchanged) as it was: no branch in the loop.
absl::Status EmitScatterElementsKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(ScatterElementsGeometry g, ResolveScatterElements(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0), index_type = k.InType(1);
  EmitCopyOfData(k, type, ElementCount(k.graph.InputType(k.node, 0).shape));
  if (g.axis_size == 0) return absl::OkStatus();  // every index is outside: nothing to write
  std::vector<int64_t> other_strides = g.data_strides;
  other_strides[g.axis] = 0;
  k.LoopNest(g.updates_shape, {other_strides}, [&](llvm::Value* flat, const std::vector<llvm::Value*>& at) {
    const CheckedIndex index = EmitCheckedIndex(k, index_type, k.in[1], flat, g.axis_size);
    llvm::Value* target = b.CreateAdd(at[0], b.CreateMul(index.index, k.Int(g.data_strides[g.axis])));
    llvm::Value* old_value = k.LoadAs(type, k.out[0], target);
    llvm::Value* combined = EmitCombineScatter(k, type, g.reduction, old_value, k.LoadAs(type, k.in[2], flat));
    k.StoreAs(type, b.CreateSelect(index.valid, combined, old_value), k.out[0], target);
  });
  return absl::OkStatus();
}

}  // namespace modelc
