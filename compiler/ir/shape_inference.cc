// Shape rules, dispatched from the op table's family and kind.
#include "compiler/ir/shape_inference.h"

#include "absl/strings/str_cat.h"
#include "compiler/ir/index_map.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ir/resize.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/recurrent/recurrent.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

using Types = std::vector<TensorType>;


absl::Status CheckArityAndTypes(const Graph& graph, const Node& node) {
  const OpInfo& info = GetOpInfo(node.op);
  const int inputs = static_cast<int>(node.inputs.size());
  const int outputs = static_cast<int>(node.outputs.size());
  if (inputs < info.min_inputs || inputs > info.max_inputs) {
    return absl::InvalidArgumentError(absl::StrCat("takes ", info.min_inputs, " to ",
                                                   info.max_inputs, " inputs, got ", inputs));
  }
  if (outputs < info.min_outputs || outputs > info.max_outputs) {
    return absl::UnimplementedError(absl::StrCat("supports ", info.min_outputs, " to ",
                                                 info.max_outputs, " outputs, got ", outputs));
  }
  for (int i = 0; i < info.min_inputs; ++i) {
    if (!graph.HasInput(node, i)) {
      return absl::InvalidArgumentError(absl::StrCat("required input ", i, " is missing"));
    }
  }
  // Elementwise operands and Concat's parts have no optional ones: an empty name in
  // their list (Max(a, , c)) is not an input.
  const bool all_required = info.family == OpFamily::kUnary || info.family == OpFamily::kBinary ||
                            node.op == OpKind::kConcat;
  for (int i = 0; all_required && i < inputs; ++i) {
    if (!graph.HasInput(node, i)) {
      return absl::InvalidArgumentError(absl::StrCat("input ", i, " is empty: ", info.onnx_name,
                                                     " has no optional inputs"));
    }
  }
  return absl::OkStatus();
}

bool Accepts(OpTypes types, DataType type) {
  switch (types) {
    case OpTypes::kFloat: return IsFloat(type);
    case OpTypes::kFloatOrDouble: return IsFloatingPoint(type);
    case OpTypes::kFloatOrDoubleOrBool: return IsFloatingPoint(type) || IsBool(type);
    case OpTypes::kNumeric: return IsFloat(type) || IsInteger(type);
    case OpTypes::kNumericOrDouble: return IsFloatingPoint(type) || IsInteger(type);
    case OpTypes::kInteger: return IsInteger(type);
    case OpTypes::kBool: return IsBool(type);
    case OpTypes::kAny: return true;
  }
  return false;
}

// The inputs that carry data (the rest are shapes, axes, flags or bounds, each checked
// by its op's geometry).
bool IsDataInput(const Node& node, int i) {
  const OpInfo& info = GetOpInfo(node.op);
  if (info.Has(op_traits::kOnlyFirstInputIsData)) return i == 0;
  if (info.Has(op_traits::kSequenceLengthsInput)) return i != kRecurrentSequenceLengths;
  return true;
}

absl::Status CheckElementTypes(const Graph& graph, const Node& node) {
  const OpInfo& info = GetOpInfo(node.op);
  const int inputs = static_cast<int>(node.inputs.size());
  for (int i = 0; i < inputs; ++i) {
    if (!graph.HasInput(node, i) || !IsDataInput(node, i)) continue;
    const DataType type = graph.InputType(node, i).element_type;
    if (node.op == OpKind::kWhere && i == 0) {
      if (!IsBool(type)) return absl::InvalidArgumentError("Where's condition must be bool");
      continue;
    }
    if (node.op == OpKind::kPow && i == 1) {  // the exponent may have its own type
      if (!Accepts(OpTypes::kNumeric, type)) return absl::UnimplementedError("Pow's exponent must be numeric");
      continue;
    }
    if (!Accepts(info.types, type)) {
      return absl::UnimplementedError(absl::StrCat("input ", i, " has element type ", DataTypeName(type),
                                                   ", which ", info.onnx_name, " does not support"));
    }
    // Elementwise operands share one type (Where's X and Y; every other operand).
    const int first = node.op == OpKind::kWhere ? 1 : 0;
    if (info.family == OpFamily::kBinary && node.op != OpKind::kPow && i > first &&
        type != graph.InputType(node, first).element_type) {
      return absl::InvalidArgumentError(absl::StrCat("input ", i, " has element type ", DataTypeName(type),
                                                     " but input ", first, " has ",
                                                     DataTypeName(graph.InputType(node, first).element_type)));
    }
  }
  if (node.op == OpKind::kBitShift && !IsInteger(graph.InputType(node, 0).element_type)) {
    return absl::InvalidArgumentError("BitShift takes integers");
  }
  return absl::OkStatus();
}

// The element type of a node's outputs: that of its first data input, except where
// the op says otherwise.
absl::StatusOr<DataType> OutputElementType(const Graph& graph, const Node& node) {
  const OpInfo& info = GetOpInfo(node.op);
  if (info.Has(op_traits::kBoolOutput)) return DataType::kBool;
  if (info.Has(op_traits::kInt64Output)) return DataType::kInt64;
  if (info.Has(op_traits::kOutputTypeOfSecondInput)) return graph.InputType(node, 1).element_type;
  if (info.Has(op_traits::kOutputTypeFromAttribute)) return ResolveCastType(node);
  return graph.InputType(node, 0).element_type;
}

// The prologue every op of its own shares, then its shape rule (its Infer hook).
absl::StatusOr<Types> InferOwn(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(Epilogue epilogue, ResolveEpilogue(graph, node));
  if (!epilogue.Empty() && !GetOpInfo(node.op).Has(op_traits::kFusedEpilogue)) {
    return absl::InvalidArgumentError("only Conv, Gemm and MatMul take fused operations");
  }
  switch (AsOwnOp(node.op)) {
#define MODELC_OWN_OP_CASE(kind) \
  case OwnOp::k##kind:           \
    return Infer##kind(graph, node, out_type);
#include "compiler/ops/own_op_cases.inc"
#undef MODELC_OWN_OP_CASE
  }
  MODELC_UNREACHABLE("InferOwn of an op outside the Own family");
}

// The output types by the op's rule, before the size check.
absl::StatusOr<std::vector<TensorType>> InferUncheckedOutputTypes(const Graph& graph, const Node& node) {
  RETURN_IF_ERROR(CheckArityAndTypes(graph, node));
  RETURN_IF_ERROR(CheckElementTypes(graph, node));
  ASSIGN_OR_RETURN(const DataType out_type, OutputElementType(graph, node));
  auto Out = [out_type](Shape shape) { return TensorType{out_type, std::move(shape)}; };
  switch (GetOpInfo(node.op).family) {
    case OpFamily::kUnary:
      RETURN_IF_ERROR(ElementwiseFunctionOf(graph, node).status());
      return Types{Out(graph.InputType(node, 0).shape)};
    case OpFamily::kBinary: {
      Shape out = graph.InputType(node, 0).shape;
      for (size_t i = 1; i < node.inputs.size(); ++i) {
        ASSIGN_OR_RETURN(out, BroadcastShapes(out, graph.InputType(node, i).shape));
      }
      if (node.op == OpKind::kPRelu && out != graph.InputType(node, 0).shape) {
        return absl::InvalidArgumentError("PRelu's slope must broadcast to the input's shape");
      }
      RETURN_IF_ERROR(ElementwiseFunctionOf(graph, node).status());
      return Types{Out(out)};
    }
    case OpFamily::kView: {
      ASSIGN_OR_RETURN(Shape out, ResolveViewShape(graph, node));
      return Types{Out(out)};
    }
    case OpFamily::kReduce: {
      ASSIGN_OR_RETURN(ReduceGeometry g, ResolveReduce(graph, node));
      return Types{Out(g.out_shape)};
    }
    case OpFamily::kIndexMap: {
      ASSIGN_OR_RETURN(std::vector<IndexMapGeometry> maps, ResolveIndexMap(graph, node));
      Types types;
      for (const IndexMapGeometry& map : maps) types.push_back(Out(map.out_shape));
      return types;
    }
    case OpFamily::kOwn:
      return InferOwn(graph, node, out_type);
  }
  return absl::InternalError("unknown op family");
}

}  // namespace

// The shape rules of the ops of their own whose code is not yet in compiler/ops/.
namespace {

Types SameShapeAsInput(const Graph& graph, const Node& node, DataType out_type) {
  return Types{TensorType{out_type, graph.InputType(node, 0).shape}};
}

Types WithShape(DataType out_type, Shape shape) { return Types{TensorType{out_type, std::move(shape)}}; }

absl::StatusOr<Types> InferPool(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(graph, node));
  return WithShape(out_type, g.OutputShape());
}

absl::StatusOr<Types> InferGlobalPool(const Graph& graph, const Node& node, DataType out_type) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() < 3) return absl::InvalidArgumentError("input must have rank 3 or more");
  Shape out(x.size(), 1);
  out[0] = x[0];
  out[1] = x[1];
  return WithShape(out_type, out);
}

absl::StatusOr<Types> InferArgReduce(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(ArgReduceGeometry g, ResolveArgReduce(graph, node));
  return WithShape(out_type, g.out_shape);
}

absl::StatusOr<Types> InferResizing(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(ResizeGeometry g, ResolveResize(graph, node));
  return WithShape(out_type, g.out_shape);
}

}  // namespace

absl::StatusOr<Types> InferClip(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveClip(graph, node).status());
  return SameShapeAsInput(graph, node, out_type);
}

absl::StatusOr<Types> InferLayerNormalization(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(LayerNormGeometry g, ResolveLayerNorm(graph, node));
  Types types = SameShapeAsInput(graph, node, out_type);
  for (size_t o = 1; o < node.outputs.size(); ++o) types.push_back(TensorType{out_type, g.statistics_shape});
  return types;
}

absl::StatusOr<Types> InferTranspose(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(TransposeGeometry g, ResolveTranspose(graph, node));
  return WithShape(out_type, g.out_shape);
}

absl::StatusOr<Types> InferConcat(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(ConcatGeometry g, ResolveConcat(graph, node));
  return WithShape(out_type, g.out_shape);
}

absl::StatusOr<Types> InferBatchNormalization(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveBatchNorm(graph, node).status());
  return SameShapeAsInput(graph, node, out_type);
}

absl::StatusOr<Types> InferGemm(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(GemmGeometry g, ResolveGemm(graph, node));
  return WithShape(out_type, {g.m, g.n});
}

absl::StatusOr<Types> InferMatMul(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(MatMulGeometry g, ResolveMatMul(graph, node));
  return WithShape(out_type, g.out_shape);
}

absl::StatusOr<Types> InferConv(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(ConvGeometry g, ResolveConv(graph, node));
  ASSIGN_OR_RETURN(Epilogue epilogue, ResolveEpilogue(graph, node));
  const Shape out = g.OutputShape();
  if (epilogue.residual && graph.InputType(node, kConvResidualInput).shape != out) {
    return absl::InvalidArgumentError("the fused residual must have the output's shape");
  }
  if (!epilogue.residual && graph.HasInput(node, kConvResidualInput)) {
    return absl::InvalidArgumentError("Conv takes at most 3 inputs");
  }
  return WithShape(out_type, out);
}

absl::StatusOr<Types> InferMaxPool(const Graph& graph, const Node& node, DataType out_type) {
  if (!IsFloat(out_type) && out_type != DataType::kInt8 && out_type != DataType::kUInt8) {
    return absl::UnimplementedError(absl::StrCat("MaxPool of ", DataTypeName(out_type),
                                                 " is not supported (float32, int8 and uint8 are)"));
  }
  return InferPool(graph, node, out_type);
}

absl::StatusOr<Types> InferAveragePool(const Graph& graph, const Node& node, DataType out_type) {
  return InferPool(graph, node, out_type);
}

absl::StatusOr<Types> InferLpPool(const Graph& graph, const Node& node, DataType out_type) {
  return InferPool(graph, node, out_type);
}

absl::StatusOr<Types> InferGlobalAveragePool(const Graph& graph, const Node& node, DataType out_type) {
  return InferGlobalPool(graph, node, out_type);
}

absl::StatusOr<Types> InferGlobalMaxPool(const Graph& graph, const Node& node, DataType out_type) {
  return InferGlobalPool(graph, node, out_type);
}

absl::StatusOr<Types> InferArgMax(const Graph& graph, const Node& node, DataType out_type) {
  return InferArgReduce(graph, node, out_type);
}

absl::StatusOr<Types> InferArgMin(const Graph& graph, const Node& node, DataType out_type) {
  return InferArgReduce(graph, node, out_type);
}

absl::StatusOr<Types> InferHardmax(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveSoftmax(graph, node).status());
  return SameShapeAsInput(graph, node, out_type);
}

absl::StatusOr<Types> InferResize(const Graph& graph, const Node& node, DataType out_type) {
  return InferResizing(graph, node, out_type);
}

absl::StatusOr<Types> InferUpsample(const Graph& graph, const Node& node, DataType out_type) {
  return InferResizing(graph, node, out_type);
}

absl::StatusOr<Types> InferConvTranspose(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(ConvTransposeGeometry g, ResolveConvTranspose(graph, node));
  return WithShape(out_type, g.OutputShape());
}

absl::StatusOr<Types> InferInstanceNormalization(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveInstanceNorm(graph, node).status());
  return SameShapeAsInput(graph, node, out_type);
}

absl::StatusOr<std::vector<TensorType>> InferOutputTypes(const Graph& graph, const Node& node) {
  ASSIGN_OR_RETURN(std::vector<TensorType> types, InferUncheckedOutputTypes(graph, node));
  for (const TensorType& type : types) {
    if (!IsSaneShape(type.shape)) {
      return absl::InvalidArgumentError(absl::StrCat("output ", type.ToString(), " is absurdly large"));
    }
  }
  return types;
}

}  // namespace modelc
