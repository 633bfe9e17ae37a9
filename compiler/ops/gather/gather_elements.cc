// GatherElements: out[p] = data[p with p[axis] replaced by indices[p]], the output of
// indices' shape; indices of int32 or int64, given at compile time or at run time,
// negative ones counting from the end. ONNX calls an index outside [-s, s) an error:
// the reference refuses it; the kernel writes 0 for it (checked_index.h). The whole op
// lives here.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/gather/checked_index.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct GatherElementsGeometry {
  int64_t axis = 0;
  int64_t axis_size = 0;       // s: data's extent along the axis
  Shape out_shape;             // indices' shape
  std::vector<int64_t> data_strides;  // data's row-major strides
};

absl::StatusOr<GatherElementsGeometry> ResolveGatherElements(const Graph& graph, const Node& node) {
  const Shape& data = graph.InputType(node, 0).shape;
  const TensorType& indices = graph.InputType(node, 1);
  if (indices.element_type != DataType::kInt64 && indices.element_type != DataType::kInt32) {
    return absl::InvalidArgumentError("GatherElements' indices must be int32 or int64");
  }
  if (data.empty() || indices.shape.size() != data.size()) {
    return absl::InvalidArgumentError(absl::StrCat("GatherElements needs data of rank 1 or more and indices of the same rank; got ",
                                                   ShapeToString(data), " and ", ShapeToString(indices.shape)));
  }
  GatherElementsGeometry g;
  ASSIGN_OR_RETURN(int64_t axis, node.attributes.GetInt("axis", 0));
  ASSIGN_OR_RETURN(g.axis, NormalizeAxis(axis, static_cast<int64_t>(data.size())));
  for (size_t d = 0; d < data.size(); ++d) {
    if (static_cast<int64_t>(d) != g.axis && indices.shape[d] > data[d]) {
      return absl::InvalidArgumentError(absl::StrCat("GatherElements' indices ", ShapeToString(indices.shape),
                                                     " reach past data ", ShapeToString(data), " in dimension ", d));
    }
  }
  g.axis_size = data[g.axis];
  g.out_shape = indices.shape;
  g.data_strides = RowMajorStrides(data);
  return g;
}

}  // namespace

absl::Status UpgradeGatherElements(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form since 11

absl::StatusOr<std::vector<TensorType>> InferGatherElements(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(GatherElementsGeometry g, ResolveGatherElements(graph, node));
  return std::vector<TensorType>{TensorType{graph.InputType(node, 0).element_type, g.out_shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateGatherElements(const Graph& graph, const Node& node,
                                                               const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(GatherElementsGeometry g, ResolveGatherElements(graph, node));
  const int64_t size = ByteSize(inputs[0]->type().element_type);
  const TensorType out_type{inputs[0]->type().element_type, g.out_shape};
  std::vector<uint8_t> out(out_type.ByteSize());
  const std::vector<int64_t> out_strides = RowMajorStrides(g.out_shape);
  const int64_t count = out_type.ElementCount();
  for (int64_t flat = 0; flat < count; ++flat) {
    const std::optional<int64_t> index = CheckedIndexValue(*inputs[1], flat, g.axis_size);
    if (!index) {
      return absl::InvalidArgumentError(absl::StrCat("GatherElements: indices element ", flat, " is outside [", -g.axis_size,
                                                     ", ", g.axis_size, ")"));
    }
    int64_t source = 0;
    for (size_t d = 0; d < g.out_shape.size(); ++d) {
      const int64_t position = flat / out_strides[d] % g.out_shape[d];
      source += (static_cast<int64_t>(d) == g.axis ? *index : position) * g.data_strides[d];
    }
    std::memcpy(out.data() + flat * size, inputs[0]->bytes().data() + source * size, size);
  }
  return std::vector<TensorData>{TensorData(out_type, std::move(out))};
}

// One loop nest over the output: the data offset of every dimension but the axis from
// the nest, the axis's from the index, checked before it is used.
absl::Status EmitGatherElementsKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(GatherElementsGeometry g, ResolveGatherElements(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0), index_type = k.InType(1);
  if (ElementCount(k.graph.InputType(k.node, 0).shape) == 0) {  // every index is outside: zeros, nothing read
    k.LoopNest(g.out_shape, {}, [&](llvm::Value* flat, const std::vector<llvm::Value*>&) {
      k.StoreAs(type, k.Constant(type, 0.0), k.out[0], flat);
    });
    return absl::OkStatus();
  }
  std::vector<int64_t> other_strides = g.data_strides;
  other_strides[g.axis] = 0;
  k.LoopNest(g.out_shape, {other_strides}, [&](llvm::Value* flat, const std::vector<llvm::Value*>& at) {
    const CheckedIndex index = EmitCheckedIndex(k, index_type, k.in[1], flat, g.axis_size);
    llvm::Value* source = b.CreateAdd(at[0], b.CreateMul(index.index, k.Int(g.data_strides[g.axis])));
    llvm::Value* value = k.LoadAs(type, k.in[0], source);
    k.StoreAs(type, b.CreateSelect(index.valid, value, k.Constant(type, 0.0)), k.out[0], flat);
  });
  return absl::OkStatus();
}

}  // namespace modelc
