// Shape rules, dispatched from the op table's family and kind.
#include "compiler/ir/shape_inference.h"

#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

using Types = std::vector<TensorType>;

TensorType Float(Shape shape) { return TensorType{DataType::kFloat32, std::move(shape)}; }

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
  // Data inputs are float32; Reshape's shape and Dropout's ratio / training flag are not data.
  for (int i = 0; i < inputs; ++i) {
    if (!graph.HasInput(node, i)) continue;
    // Only the first input of a view or reduction is data; the rest are shapes, axes
    // or flags.
    const OpFamily family = GetOpInfo(node.op).family;
    const bool data_input = i == 0 || (family != OpFamily::kView && family != OpFamily::kReduce);
    const DataType type = graph.InputType(node, i).element_type;
    if (data_input && type != DataType::kFloat32) {
      return absl::UnimplementedError(absl::StrCat("input ", i, " has element type ",
                                                   DataTypeName(type), "; only float32 is supported"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Types> InferOwn(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  ASSIGN_OR_RETURN(Epilogue epilogue, ResolveEpilogue(graph, node));
  if (!epilogue.Empty() && node.op != OpKind::kConv && node.op != OpKind::kGemm &&
      node.op != OpKind::kMatMul) {
    return absl::InvalidArgumentError("only Conv, Gemm and MatMul take fused operations");
  }
  switch (node.op) {
    case OpKind::kClip:
      RETURN_IF_ERROR(ResolveClip(graph, node).status());
      return Types{Float(x)};
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax:
      RETURN_IF_ERROR(ResolveSoftmax(graph, node).status());
      return Types{Float(x)};
    case OpKind::kLayerNormalization: {
      ASSIGN_OR_RETURN(LayerNormGeometry g, ResolveLayerNorm(graph, node));
      Types types = {Float(x)};
      for (size_t o = 1; o < node.outputs.size(); ++o) types.push_back(Float(g.statistics_shape));
      return types;
    }
    case OpKind::kTranspose: {
      ASSIGN_OR_RETURN(TransposeGeometry g, ResolveTranspose(graph, node));
      return Types{Float(g.out_shape)};
    }
    case OpKind::kConcat: {
      ASSIGN_OR_RETURN(ConcatGeometry g, ResolveConcat(graph, node));
      return Types{Float(g.out_shape)};
    }
    case OpKind::kBatchNormalization:
      RETURN_IF_ERROR(ResolveBatchNorm(graph, node).status());
      return Types{Float(x)};
    case OpKind::kGemm: {
      ASSIGN_OR_RETURN(GemmGeometry g, ResolveGemm(graph, node));
      return Types{Float({g.m, g.n})};
    }
    case OpKind::kMatMul: {
      ASSIGN_OR_RETURN(MatMulGeometry g, ResolveMatMul(graph, node));
      return Types{Float(g.out_shape)};
    }
    case OpKind::kConv: {
      ASSIGN_OR_RETURN(ConvGeometry g, ResolveConv(graph, node));
      Shape out{g.window.batch, g.out_channels};
      if (g.window.spatial_rank == 2) out.push_back(g.window.out_h);
      out.push_back(g.window.out_w);
      if (epilogue.residual && graph.InputType(node, kConvResidualInput).shape != out) {
        return absl::InvalidArgumentError("the fused residual must have the output's shape");
      }
      if (!epilogue.residual && graph.HasInput(node, kConvResidualInput)) {
        return absl::InvalidArgumentError("Conv takes at most 3 inputs");
      }
      return Types{Float(out)};
    }
    case OpKind::kMaxPool:
    case OpKind::kAveragePool: {
      ASSIGN_OR_RETURN(PoolGeometry g, ResolvePool(graph, node));
      Shape out{g.window.batch, g.window.channels};
      if (g.window.spatial_rank == 2) out.push_back(g.window.out_h);
      out.push_back(g.window.out_w);
      return Types{Float(out)};
    }
    case OpKind::kGlobalAveragePool:
    case OpKind::kGlobalMaxPool: {
      if (x.size() < 3) return absl::InvalidArgumentError("input must have rank 3 or more");
      Shape out(x.size(), 1);
      out[0] = x[0];
      out[1] = x[1];
      return Types{Float(out)};
    }
    default:
      return absl::InternalError("op has no rule of its own");
  }
}

}  // namespace

absl::StatusOr<std::vector<TensorType>> InferOutputTypes(const Graph& graph, const Node& node) {
  RETURN_IF_ERROR(CheckArityAndTypes(graph, node));
  switch (GetOpInfo(node.op).family) {
    case OpFamily::kUnary:
      RETURN_IF_ERROR(ElementwiseFunctionOf(graph, node).status());
      return Types{Float(graph.InputType(node, 0).shape)};
    case OpFamily::kBinary: {
      Shape out = graph.InputType(node, 0).shape;
      for (size_t i = 1; i < node.inputs.size(); ++i) {
        ASSIGN_OR_RETURN(out, BroadcastShapes(out, graph.InputType(node, i).shape));
      }
      if (node.op == OpKind::kPRelu && out != graph.InputType(node, 0).shape) {
        return absl::InvalidArgumentError("PRelu's slope must broadcast to the input's shape");
      }
      RETURN_IF_ERROR(ElementwiseFunctionOf(graph, node).status());
      return Types{Float(out)};
    }
    case OpFamily::kView: {
      ASSIGN_OR_RETURN(Shape out, ResolveViewShape(graph, node));
      return Types{Float(out)};
    }
    case OpFamily::kReduce: {
      ASSIGN_OR_RETURN(ReduceGeometry g, ResolveReduce(graph, node));
      return Types{Float(g.out_shape)};
    }
    case OpFamily::kOwn:
      return InferOwn(graph, node);
  }
  return absl::InternalError("unknown op family");
}

}  // namespace modelc
