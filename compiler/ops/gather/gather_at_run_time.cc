// Gather with indices known only at run time (a token embedding lookup, a loss's class
// weights picked by the labels): the importer gives a Gather whose indices are not a
// constant this op kind, so that Gather itself stays a compile-time index map.
// out[o, j, i] = data[o, indices[j], i] over data's [outer, axis, inner] and the
// indices' elements j; an index outside [-s, s) gives 0 (checked_index.h).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/gather/checked_index.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct RunTimeGatherGeometry {
  int64_t outer = 1, axis_size = 0, inner = 1, count = 1;  // count: the indices' elements
  Shape out_shape;
};

absl::StatusOr<RunTimeGatherGeometry> ResolveRunTimeGather(const Graph& graph, const Node& node) {
  const Shape& data = graph.InputType(node, 0).shape;
  const TensorType& indices = graph.InputType(node, 1);
  if (indices.element_type != DataType::kInt64 && indices.element_type != DataType::kInt32) {
    return absl::InvalidArgumentError("Gather's indices must be int32 or int64");
  }
  if (data.empty()) return absl::InvalidArgumentError("Gather needs data of rank 1 or more");
  ASSIGN_OR_RETURN(int64_t axis_attribute, node.attributes.GetInt("axis", 0));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attribute, static_cast<int64_t>(data.size())));
  RunTimeGatherGeometry g;
  for (int64_t d = 0; d < axis; ++d) g.outer *= data[d];
  g.axis_size = data[axis];
  for (size_t d = axis + 1; d < data.size(); ++d) g.inner *= data[d];
  g.count = ElementCount(indices.shape);
  g.out_shape.assign(data.begin(), data.begin() + axis);
  g.out_shape.insert(g.out_shape.end(), indices.shape.begin(), indices.shape.end());
  g.out_shape.insert(g.out_shape.end(), data.begin() + axis + 1, data.end());
  return g;
}

}  // namespace

absl::Status UpgradeGatherAtRunTime(Node& node, int64_t opset) { return absl::OkStatus(); }  // Gather's form

absl::StatusOr<std::vector<TensorType>> InferGatherAtRunTime(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(RunTimeGatherGeometry g, ResolveRunTimeGather(graph, node));
  return std::vector<TensorType>{TensorType{graph.InputType(node, 0).element_type, g.out_shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateGatherAtRunTime(const Graph& graph, const Node& node,
                                                                const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(RunTimeGatherGeometry g, ResolveRunTimeGather(graph, node));
  const int64_t size = ByteSize(inputs[0]->type().element_type);
  const TensorType out_type{inputs[0]->type().element_type, g.out_shape};
  std::vector<uint8_t> out(out_type.ByteSize());
  for (int64_t j = 0; j < g.count; ++j) {
    const std::optional<int64_t> index = CheckedIndexValue(*inputs[1], j, g.axis_size);
    if (!index) {
      return absl::InvalidArgumentError(absl::StrCat("Gather: indices element ", j, " is outside [", -g.axis_size,
                                                     ", ", g.axis_size, ")"));
    }
    for (int64_t o = 0; o < g.outer; ++o) {
      std::memcpy(out.data() + ((o * g.count + j) * g.inner) * size,
                  inputs[0]->bytes().data() + ((o * g.axis_size + *index) * g.inner) * size, g.inner * size);
    }
  }
  return std::vector<TensorData>{TensorData(out_type, std::move(out))};
}

// Per index: checked once, then its row of `inner` elements copied for every outer
// slice (zeros for an index outside).
absl::Status EmitGatherAtRunTimeKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(RunTimeGatherGeometry g, ResolveRunTimeGather(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0), index_type = k.InType(1);
  const bool empty_data = g.outer * g.axis_size * g.inner == 0;
  k.Loop(g.count, [&](llvm::Value* j) {
    const CheckedIndex index = empty_data ? CheckedIndex{b.getFalse(), k.Int(0)}
                                          : EmitCheckedIndex(k, index_type, k.in[1], j, g.axis_size);
    k.Loop(g.outer, [&](llvm::Value* o) {
      llvm::Value* from = b.CreateMul(b.CreateAdd(b.CreateMul(o, k.Int(g.axis_size)), index.index), k.Int(g.inner));
      llvm::Value* to = b.CreateMul(b.CreateAdd(b.CreateMul(o, k.Int(g.count)), j), k.Int(g.inner));
      k.Loop(g.inner, [&](llvm::Value* i) {
        llvm::Value* value = empty_data ? k.Constant(type, 0.0) : k.LoadAs(type, k.in[0], b.CreateAdd(from, i));
        k.StoreAs(type, b.CreateSelect(index.valid, value, k.Constant(type, 0.0)), k.out[0], b.CreateAdd(to, i));
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
