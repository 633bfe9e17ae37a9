// MaxUnpool: the partial inverse of MaxPool. Output zeros, then each value X[i] at
// the place indices[i] names (MaxPool's indices output: flattened, row-major) in the
// unpooled tensor [N, C, (in - 1) * stride - pads + kernel ...]. With output_shape
// (input 2, known at compile time) the output is that shape, the unpooled tensor in its
// leading corner, as ONNX's reference does. Indices are read at run time: one outside
// the unpooled tensor (after counting negative ones from its end) writes nothing. The
// whole op lives here: geometry, shape rule, reference and kernel.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/gather/checked_index.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/checked_math.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct MaxUnpoolGeometry {
  Shape unpooled;  // what the indices address
  Shape out;       // unpooled, or output_shape
  int64_t values = 0;
};

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

absl::StatusOr<MaxUnpoolGeometry> ResolveMaxUnpool(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (!IsFloat(graph.InputType(node, 0).element_type)) return absl::UnimplementedError("MaxUnpool takes float32 X");
  const DataType index_type = graph.InputType(node, 1).element_type;
  if (index_type != DataType::kInt64 && index_type != DataType::kInt32) {
    return Invalid("MaxUnpool's indices must be int64 or int32");
  }
  if (graph.InputType(node, 1).shape != x) return Invalid("MaxUnpool's indices must have X's shape");
  if (x.size() < 3) return Invalid("MaxUnpool's X must have rank 3 or more");
  const size_t spatial = x.size() - 2;
  ASSIGN_OR_RETURN(std::vector<int64_t> kernel, node.attributes.GetInts("kernel_shape", {}));
  if (kernel.size() != spatial) {
    return Invalid(absl::StrCat("MaxUnpool's kernel_shape needs ", spatial, " sizes, has ", kernel.size()));
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> strides, node.attributes.GetInts("strides", std::vector<int64_t>(spatial, 1)));
  ASSIGN_OR_RETURN(std::vector<int64_t> pads, node.attributes.GetInts("pads", std::vector<int64_t>(2 * spatial, 0)));
  if (strides.size() != spatial || pads.size() != 2 * spatial) {
    return Invalid("MaxUnpool's strides and pads must have one and two entries per spatial dimension");
  }
  MaxUnpoolGeometry g;
  g.unpooled = {x[0], x[1]};
  for (size_t d = 0; d < spatial; ++d) {
    if (kernel[d] < 1 || strides[d] < 1 || pads[d] < 0 || pads[d + spatial] < 0) {
      return Invalid("MaxUnpool's kernel sizes and strides must be positive, its pads not negative");
    }
    const std::optional<int64_t> size =
        ((CheckedInt(x[2 + d]) - 1) * strides[d] - pads[d] - pads[d + spatial] + kernel[d]).Get();
    if (!size || *size < 0) return Invalid(absl::StrCat("MaxUnpool's output along spatial dimension ", d, " is invalid"));
    // An empty unpooled tensor has no position for X's values to go to (and the kernel
    // divides by its extents).
    if (*size == 0) return absl::UnimplementedError("MaxUnpool with an empty output is not supported");
    g.unpooled.push_back(*size);
  }
  g.out = g.unpooled;
  if (graph.HasInput(node, 2)) {
    ASSIGN_OR_RETURN(g.out, ConstantInts(graph, node, 2, "MaxUnpool's output_shape"));
    if (g.out.size() != x.size()) return Invalid("MaxUnpool's output_shape must have X's rank");
    for (size_t d = 0; d < x.size(); ++d) {
      if (g.out[d] < g.unpooled[d]) {
        return Invalid(absl::StrCat("MaxUnpool's output_shape ", ShapeToString(g.out), " is smaller than ",
                                    ShapeToString(g.unpooled)));
      }
    }
  }
  const std::optional<int64_t> elements = CheckedProduct(g.out);
  if (!elements || *elements > kMaxTensorElements) {
    return Invalid(absl::StrCat("MaxUnpool's output ", ShapeToString(g.out), " is too large"));
  }
  g.values = ElementCount(x);
  return g;
}

// Where element `index` of the unpooled tensor lands in the output.
int64_t OutputOffset(const MaxUnpoolGeometry& g, int64_t index) {
  const std::vector<int64_t> unpooled_strides = RowMajorStrides(g.unpooled), out_strides = RowMajorStrides(g.out);
  int64_t offset = 0;
  for (size_t d = 0; d < g.out.size(); ++d) offset += index / unpooled_strides[d] % g.unpooled[d] * out_strides[d];
  return offset;
}

}  // namespace

absl::Status UpgradeMaxUnpool(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 9

absl::StatusOr<std::vector<TensorType>> InferMaxUnpool(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(MaxUnpoolGeometry g, ResolveMaxUnpool(graph, node));
  return std::vector<TensorType>{TensorType{out_type, g.out}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateMaxUnpool(const Graph& graph, const Node& node,
                                                          const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(MaxUnpoolGeometry g, ResolveMaxUnpool(graph, node));
  const std::vector<float> x = inputs[0]->Floats();
  std::vector<float> y(ElementCount(g.out), 0.0f);
  const int64_t unpooled_size = ElementCount(g.unpooled);
  for (int64_t i = 0; i < g.values; ++i) {
    if (std::optional<int64_t> index = CheckedIndexValue(*inputs[1], i, unpooled_size)) {
      y[OutputOffset(g, *index)] = x[i];
    }
  }
  return std::vector<TensorData>{TensorData::FromFloats(g.out, y)};
}

// The output zeroed, then one checked store per value (a loop of 0 or 1 iterations
// skips an index outside the tensor).
absl::Status EmitMaxUnpoolKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(MaxUnpoolGeometry g, ResolveMaxUnpool(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const std::vector<int64_t> unpooled_strides = RowMajorStrides(g.unpooled), out_strides = RowMajorStrides(g.out);
  k.Loop(ElementCount(g.out), [&](llvm::Value* i) { k.Store(k.Float(0.0f), k.out[0], i); });
  k.Loop(g.values, [&](llvm::Value* i) {
    const CheckedIndex index = EmitCheckedIndex(k, k.InType(1), k.in[1], i, ElementCount(g.unpooled));
    llvm::Value* offset = index.index;
    if (g.out != g.unpooled) {
      offset = k.Int(0);
      for (size_t d = 0; d < g.out.size(); ++d) {
        llvm::Value* at = b.CreateURem(b.CreateUDiv(index.index, k.Int(unpooled_strides[d])), k.Int(g.unpooled[d]));
        offset = b.CreateAdd(offset, b.CreateMul(at, k.Int(out_strides[d])));
      }
    }
    k.Loop(k.Int(0), b.CreateZExt(index.valid, k.Index()), [&](llvm::Value*) {
      k.Store(k.Load(k.in[0], i), k.out[0], offset);
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
