// OneHot: for indices of shape I, depth D (a constant input) and values [off, on], the
// output of shape I[:axis] + [D] + I[axis:] is on where its position along the new axis
// equals the index there, off elsewhere. Indices of any numeric type, read at run time;
// float ones are cast to integers (truncated), as ONNX says; negative ones count from
// the end. An index outside [-D, D) gives a row of all off, as ONNX specifies (the
// kernel reads and writes nothing out of bounds for it). The whole op lives here.
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The output as [outer, depth, inner]; indices as [outer, inner].
struct OneHotGeometry {
  int64_t outer = 1, depth = 0, inner = 1;
  Shape out_shape;
};

// Depth, a constant scalar (or one-element tensor) of any numeric type.
absl::StatusOr<int64_t> ConstantDepth(const Graph& graph, const Node& node) {
  const Value& value = graph.value(node.inputs[1]);
  if (!value.constant) return NotConstantError(graph, node, 1, "OneHot's depth");
  if (value.type.ElementCount() != 1 || IsBool(value.type.element_type)) {
    return absl::InvalidArgumentError("OneHot's depth must be one number");
  }
  const double depth = VisitDataType(value.type.element_type, [&](auto element) {
    using T = decltype(element);
    return static_cast<double>(value.constant->Elements<T>()[0]);
  });
  if (!(depth >= 1 && depth <= static_cast<double>(kMaxTensorElements))) {
    return absl::InvalidArgumentError(absl::StrCat("OneHot's depth ", depth, " is not in [1, ", kMaxTensorElements, "]"));
  }
  return static_cast<int64_t>(depth);  // a float depth is cast like the indices: truncated
}

absl::StatusOr<OneHotGeometry> ResolveOneHot(const Graph& graph, const Node& node) {
  const TensorType& indices = graph.InputType(node, 0);
  const TensorType& values = graph.InputType(node, 2);
  if (IsBool(indices.element_type)) return absl::InvalidArgumentError("OneHot's indices must be numbers");
  // The kernel compares float32 or integer indices; float64 ones are not lowered.
  if (IsFloat64(indices.element_type)) return absl::UnimplementedError("OneHot's indices of type float64 are not supported");
  if (values.shape != Shape{2}) {
    return absl::InvalidArgumentError(absl::StrCat("OneHot's values must be [off, on], of shape [2]; got ",
                                                   ShapeToString(values.shape)));
  }
  OneHotGeometry g;
  ASSIGN_OR_RETURN(g.depth, ConstantDepth(graph, node));
  ASSIGN_OR_RETURN(int64_t axis_attribute, node.attributes.GetInt("axis", -1));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attribute, indices.Rank() + 1));
  for (int64_t d = 0; d < axis; ++d) g.outer *= indices.shape[d];
  for (int64_t d = axis; d < indices.Rank(); ++d) g.inner *= indices.shape[d];
  g.out_shape = indices.shape;
  g.out_shape.insert(g.out_shape.begin() + axis, g.depth);
  RETURN_IF_ERROR(CheckShapeSize(g.out_shape, "OneHot's output"));
  return g;
}

}  // namespace

absl::Status UpgradeOneHot(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form since 9

absl::StatusOr<std::vector<TensorType>> InferOneHot(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(OneHotGeometry g, ResolveOneHot(graph, node));
  return std::vector<TensorType>{TensorType{graph.InputType(node, 2).element_type, g.out_shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateOneHot(const Graph& graph, const Node& node,
                                                       const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(OneHotGeometry g, ResolveOneHot(graph, node));
  const TensorData& values = *inputs[2];
  const int64_t size = ByteSize(values.type().element_type);
  const TensorType out_type{values.type().element_type, g.out_shape};
  std::vector<uint8_t> out(out_type.ByteSize());
  const std::vector<double> indices = VisitDataType(inputs[0]->type().element_type, [&](auto element) {
    using T = decltype(element);
    std::vector<double> all;
    for (T index : inputs[0]->Elements<T>()) all.push_back(static_cast<double>(index));
    return all;
  });
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t i = 0; i < g.inner; ++i) {
      const double index = std::trunc(indices[o * g.inner + i]);
      const bool valid = index >= static_cast<double>(-g.depth) && index < static_cast<double>(g.depth);
      const int64_t hot = valid ? (index < 0 ? static_cast<int64_t>(index) + g.depth : static_cast<int64_t>(index)) : -1;
      for (int64_t d = 0; d < g.depth; ++d) {
        std::memcpy(out.data() + ((o * g.depth + d) * g.inner + i) * size, values.bytes().data() + (d == hot ? size : 0),
                    size);
      }
    }
  return std::vector<TensorData>{TensorData(out_type, std::move(out))};
}

// Per index: its position along the new axis computed once (depth, matching none, when
// outside), then its column of depth outputs written.
absl::Status EmitOneHotKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(OneHotGeometry g, ResolveOneHot(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType index_type = k.InType(0), type = k.InType(2);
  if (g.outer * g.inner == 0) return absl::OkStatus();
  llvm::Value* off = k.LoadAs(type, k.in[2], k.Int(0));
  llvm::Value* on = k.LoadAs(type, k.in[2], k.Int(1));
  llvm::Value* depth = b.getInt64(g.depth);
  k.Loop(g.outer * g.inner, [&](llvm::Value* at) {
    llvm::Value* index = k.LoadAs(index_type, k.in[0], at);
    llvm::Value* wide;   // the index as int64, once known to be representable
    llvm::Value* valid;  // inside [-depth, depth)
    if (IsFloat(index_type)) {  // truncated: (-depth - 1, depth) truncates into [-depth, depth); NaN is outside
      llvm::Value* representable = b.CreateAnd(b.CreateFCmpOGT(index, k.Float(static_cast<float>(-g.depth - 1))),
                                               b.CreateFCmpOLT(index, k.Float(static_cast<float>(g.depth))));
      wide = b.CreateFPToSI(b.CreateSelect(representable, index, k.Float(0)), k.I64());
      valid = b.CreateAnd(representable, b.CreateICmpSGE(wide, b.CreateNeg(depth)));
      valid = b.CreateAnd(valid, b.CreateICmpSLT(wide, depth));
    } else if (IsUnsignedInteger(index_type)) {
      wide = b.CreateZExt(index, k.I64());  // a uint64 above depth stays above it: compared unsigned
      valid = b.CreateICmpULT(wide, depth);
    } else {
      wide = b.CreateSExt(index, k.I64());
      valid = b.CreateAnd(b.CreateICmpSGE(wide, b.CreateNeg(depth)), b.CreateICmpSLT(wide, depth));
    }
    llvm::Value* from_start = b.CreateSelect(b.CreateICmpSLT(wide, b.getInt64(0)), b.CreateAdd(wide, depth), wide);
    llvm::Value* hot = b.CreateTrunc(b.CreateSelect(valid, from_start, depth), k.Index());
    llvm::Value* first = b.CreateAdd(b.CreateMul(b.CreateSDiv(at, k.Int(g.inner)), k.Int(g.depth * g.inner)),
                                     b.CreateSRem(at, k.Int(g.inner)));
    k.Loop(g.depth, [&](llvm::Value* d) {
      k.StoreAs(type, b.CreateSelect(b.CreateICmpEQ(d, hot), on, off), k.out[0],
                b.CreateAdd(first, b.CreateMul(d, k.Int(g.inner))));
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
