// GatherND: data of rank r, indices of shape [..., m], batch_dims b (the first b
// dimensions of both are a shared batch, m <= r - b). Each index tuple, within its
// batch, names a slice of data (m coordinates; the slice spans data.shape[b + m:]);
// the output is the slices in tuple order, of shape indices.shape[:-1] +
// data.shape[b + m:]. Indices are int32 or int64, read at run time, negative ones
// counting from the end. ONNX calls a coordinate outside [-s, s) an error: the
// reference refuses it; the kernel writes zeros for that tuple's slice (checked_index.h).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/gather/checked_index.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct GatherNdGeometry {
  int64_t batches = 1;         // elements of the first b dimensions
  int64_t tuples = 1;          // index tuples per batch
  int64_t tuple_size = 0;      // m
  int64_t slice = 1;           // elements per slice
  int64_t batch_stride = 0;    // data's elements per batch
  Shape coordinate_extents;    // data.shape[b:b + m]
  std::vector<int64_t> coordinate_strides;  // their row-major strides in data
  Shape out_shape;
};

absl::StatusOr<GatherNdGeometry> ResolveGatherNd(const Graph& graph, const Node& node) {
  const TensorType& data = graph.InputType(node, 0);
  const TensorType& indices = graph.InputType(node, 1);
  if (indices.element_type != DataType::kInt64 && indices.element_type != DataType::kInt32) {
    return absl::InvalidArgumentError("GatherND's indices must be int32 or int64");
  }
  ASSIGN_OR_RETURN(int64_t batch_dims, node.attributes.GetInt("batch_dims", 0));
  if (batch_dims < 0 || batch_dims >= indices.Rank() || batch_dims >= data.Rank()) {
    return absl::InvalidArgumentError(absl::StrCat("GatherND's batch_dims ", batch_dims,
                                                   " must be below both ranks; data ", ShapeToString(data.shape),
                                                   ", indices ", ShapeToString(indices.shape)));
  }
  GatherNdGeometry g;
  g.tuple_size = indices.shape.back();
  if (g.tuple_size < 1 || batch_dims + g.tuple_size > data.Rank()) {
    return absl::InvalidArgumentError(absl::StrCat("GatherND's index tuples of ", g.tuple_size,
                                                   " coordinates do not fit data ", ShapeToString(data.shape),
                                                   " after ", batch_dims, " batch dimensions"));
  }
  for (int64_t d = 0; d < batch_dims; ++d) {
    if (indices.shape[d] != data.shape[d]) {
      return absl::InvalidArgumentError(absl::StrCat("GatherND's batch dimension ", d, " differs: data ",
                                                     ShapeToString(data.shape), ", indices ",
                                                     ShapeToString(indices.shape)));
    }
    g.batches *= data.shape[d];
  }
  g.tuples = ElementCount(Shape(indices.shape.begin() + batch_dims, indices.shape.end() - 1));
  const Shape slice_shape(data.shape.begin() + batch_dims + g.tuple_size, data.shape.end());
  g.slice = ElementCount(slice_shape);
  g.batch_stride = ElementCount(Shape(data.shape.begin() + batch_dims, data.shape.end()));
  const std::vector<int64_t> strides = RowMajorStrides(data.shape);
  g.coordinate_extents.assign(data.shape.begin() + batch_dims, data.shape.begin() + batch_dims + g.tuple_size);
  g.coordinate_strides.assign(strides.begin() + batch_dims, strides.begin() + batch_dims + g.tuple_size);
  g.out_shape.assign(indices.shape.begin(), indices.shape.end() - 1);
  g.out_shape.insert(g.out_shape.end(), slice_shape.begin(), slice_shape.end());
  return g;
}

}  // namespace

absl::Status UpgradeGatherND(Node& node, int64_t opset) { return absl::OkStatus(); }  // opset 11 lacks batch_dims: 0

absl::StatusOr<std::vector<TensorType>> InferGatherND(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(GatherNdGeometry g, ResolveGatherNd(graph, node));
  return std::vector<TensorType>{TensorType{graph.InputType(node, 0).element_type, g.out_shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateGatherND(const Graph& graph, const Node& node,
                                                         const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(GatherNdGeometry g, ResolveGatherNd(graph, node));
  const int64_t size = ByteSize(inputs[0]->type().element_type);
  const TensorType out_type{inputs[0]->type().element_type, g.out_shape};
  std::vector<uint8_t> out(out_type.ByteSize());
  for (int64_t batch = 0; batch < g.batches; ++batch) {
    for (int64_t t = 0; t < g.tuples; ++t) {
      const int64_t tuple = batch * g.tuples + t;
      int64_t start = batch * g.batch_stride;
      for (int64_t d = 0; d < g.tuple_size; ++d) {
        const std::optional<int64_t> index =
            CheckedIndexValue(*inputs[1], tuple * g.tuple_size + d, g.coordinate_extents[d]);
        if (!index) {
          return absl::InvalidArgumentError(absl::StrCat("GatherND: coordinate ", d, " of index tuple ", tuple,
                                                         " is outside [", -g.coordinate_extents[d], ", ",
                                                         g.coordinate_extents[d], ")"));
        }
        start += *index * g.coordinate_strides[d];
      }
      std::memcpy(out.data() + tuple * g.slice * size, inputs[0]->bytes().data() + start * size, g.slice * size);
    }
  }
  return std::vector<TensorData>{TensorData(out_type, std::move(out))};
}

// Per index tuple: its coordinates checked and summed into the slice's start in data
// (0 when any is outside), then the slice copied, zeros for an invalid tuple.
absl::Status EmitGatherNDKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(GatherNdGeometry g, ResolveGatherNd(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0), index_type = k.InType(1);
  if (g.batches * g.tuples == 0) return absl::OkStatus();  // an empty output
  const bool empty_data = ElementCount(k.graph.InputType(k.node, 0).shape) == 0;
  k.Loop(g.batches * g.tuples, [&](llvm::Value* tuple) {
    const CheckedIndex start =
        empty_data ? CheckedIndex{b.getFalse(), k.Int(0)}
                   : EmitCheckedTupleOffset(k, index_type, k.in[1], tuple, g.coordinate_extents, g.coordinate_strides,
                                            b.CreateMul(b.CreateSDiv(tuple, k.Int(g.tuples)), k.Int(g.batch_stride)));
    llvm::Value* first_out = b.CreateMul(tuple, k.Int(g.slice));
    k.Loop(g.slice, [&](llvm::Value* e) {
      llvm::Value* value = empty_data ? k.Constant(type, 0.0) : k.LoadAs(type, k.in[0], b.CreateAdd(start.index, e));
      k.StoreAs(type, b.CreateSelect(start.valid, value, k.Constant(type, 0.0)), k.out[0], b.CreateAdd(first_out, e));
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
