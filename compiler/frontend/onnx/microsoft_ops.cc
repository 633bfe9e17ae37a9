// com.microsoft ops read as ops of modelc's own (see microsoft_ops.h).
#include "compiler/frontend/onnx/microsoft_ops.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/onnx/op_versions.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/quantize/ort_activation_tables.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The op as its messages name it: "com.microsoft.QLinearSigmoid".
std::string MicrosoftOpName(const onnx::NodeProto& proto) { return absl::StrCat(kMicrosoftDomain, ".", proto.op_type()); }

// That a table op's codes are 8-bit, as its tables' 256 entries take them.
absl::Status CheckEightBit(const std::string& op, DataType type) {
  if (type == DataType::kInt8 || type == DataType::kUInt8) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(op, " takes int8 or uint8, not ", DataTypeName(type)));
}

// The operands an op's reader takes: x (or A) present, at most `most` in all.
absl::Status CheckOperands(const onnx::NodeProto& proto, const Node& node, size_t most) {
  if (node.inputs.empty() || node.inputs[0] == kNoValue) {
    return absl::InvalidArgumentError(absl::StrCat(proto.op_type(), " needs its first input"));
  }
  if (node.inputs.size() > most) {
    return absl::InvalidArgumentError(absl::StrCat(proto.op_type(), " takes at most ", most, " inputs, got ",
                                                   node.inputs.size()));
  }
  return absl::OkStatus();
}

// QGemm's inputs, in the file's order.
enum QGemmInput { kA, kAScale, kAZeroPoint, kB, kBScale, kBZeroPoint, kC, kYScale, kYZeroPoint };

// C as the [N] int32 bias QLinearMatMul adds: itself when [N], else a constant [N] of its
// values (one element repeated, or a [1, N] row).
absl::StatusOr<ValueId> ColumnBias(Graph& graph, ValueId c, int64_t columns) {
  const TensorType& type = graph.value(c).type;
  if (type.element_type != DataType::kInt32) {
    return absl::InvalidArgumentError(absl::StrCat("QGemm's C must be int32, not ", DataTypeName(type.element_type)));
  }
  if (type.shape == Shape{columns}) return c;
  const int64_t count = type.ElementCount();
  if (count != 1 && type.shape != Shape{1, columns}) {
    return absl::UnimplementedError(absl::StrCat("QGemm's C of shape ", ShapeToString(type.shape),
                                                 " is not supported (one element, [N] or [1, N]; N = ", columns, ")"));
  }
  if (!graph.IsConstant(c)) {
    return absl::UnimplementedError(absl::StrCat("QGemm's C of shape ", ShapeToString(type.shape),
                                                 " must be a constant (it is broadcast to [N] while compiling)"));
  }
  const std::vector<uint8_t>& bytes = graph.value(c).constant->bytes();
  std::vector<uint8_t> row;
  for (int64_t j = 0; j < columns; ++j) {
    const auto element = bytes.begin() + (count == 1 ? 0 : j) * ByteSize(type.element_type);
    row.insert(row.end(), element, element + ByteSize(type.element_type));
  }
  return graph.AddConstant(absl::StrCat(graph.value(c).name, ".row"),
                           TensorData(TensorType{type.element_type, {columns}}, std::move(row)));
}

// QGemm as QLinearMatMul with C its bias (microsoft_ops.h).
absl::Status ReadQGemm(const onnx::NodeProto& proto, Graph& graph, Node& node) {
  RETURN_IF_ERROR(CheckOperands(proto, node, kYZeroPoint + 1));
  ASSIGN_OR_RETURN(const float alpha, node.attributes.GetFloat("alpha", 1.0f));
  if (alpha != 1.0f) return absl::UnimplementedError(absl::StrCat("QGemm with alpha ", alpha, " is not supported (only 1)"));
  ASSIGN_OR_RETURN(const int64_t trans_a, node.attributes.GetInt("transA", 0));
  ASSIGN_OR_RETURN(int64_t trans_b, node.attributes.GetInt("transB", 0));
  const std::vector<ValueId> in = node.inputs;
  if (in.size() <= kYZeroPoint || in[kYScale] == kNoValue) {
    return absl::UnimplementedError("QGemm without y_scale and y_zero_point (a float or int32 output) is not supported");
  }
  if (in[kB] == kNoValue || graph.value(in[kA]).type.shape.size() != 2 || graph.value(in[kB]).type.shape.size() != 2) {
    return absl::InvalidArgumentError("QGemm's A and B must be matrices");
  }
  ValueId b = in[kB];
  if (graph.IsConstant(b) && trans_b == 0) {  // kept [N, K]: each column's weights contiguous
    b = graph.AddConstant(absl::StrCat(graph.value(b).name, ".transposed"),
                          PermuteTensorData(*graph.value(b).constant, {1, 0}));
    trans_b = 1;
  }
  node.op = OpKind::kQLinearMatMul;
  node.inputs = {in[kA], in[kAScale], in[kAZeroPoint], b, in[kBScale], in[kBZeroPoint], in[kYScale], in[kYZeroPoint]};
  if (in[kC] != kNoValue) {
    const int64_t columns = graph.value(b).type.shape[trans_b ? 0 : 1];
    ASSIGN_OR_RETURN(const ValueId bias, ColumnBias(graph, in[kC], columns));
    node.inputs.push_back(bias);
  }
  node.attributes = AttributeMap();
  if (trans_a) node.attributes.Set("transA", int64_t{1});
  if (trans_b) node.attributes.Set("transB", int64_t{1});
  return absl::OkStatus();
}

// QLinearGlobalAveragePool(x, x_scale, x_zero_point, y_scale, y_zero_point), every one
// required (ORT's schema), as QLinearAveragePool with a window of the whole image.
absl::Status ReadQLinearGlobalAveragePool(const onnx::NodeProto& proto, Graph& graph, Node& node) {
  RETURN_IF_ERROR(CheckOperands(proto, node, 5));
  if (node.inputs.size() < 5 || std::find(node.inputs.begin(), node.inputs.end(), kNoValue) != node.inputs.end()) {
    return absl::InvalidArgumentError("QLinearGlobalAveragePool takes x, x_scale, x_zero_point, y_scale and y_zero_point");
  }
  ASSIGN_OR_RETURN(const int64_t channels_last, node.attributes.GetInt("channels_last", 0));
  if (channels_last != 0) {
    return absl::UnimplementedError("QLinearGlobalAveragePool with channels_last = 1 is not supported");
  }
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() < 3 || x.size() > 4) {
    return absl::UnimplementedError(
        absl::StrCat("QLinearGlobalAveragePool of a rank-", x.size(), " input is not supported (3 or 4)"));
  }
  node.op = OpKind::kQLinearAveragePool;
  node.attributes = AttributeMap();
  node.attributes.Set("kernel_shape", std::vector<int64_t>(x.begin() + 2, x.end()));
  node.attributes.Set(kFusedGlobalAverageScale, int64_t{1});
  return absl::OkStatus();
}

// A scale an op's table is built from: one positive, finite float32 constant. (The
// checks of quantization.h's CheckConstantScale, which the frontend, free of LLVM,
// cannot call.)
absl::StatusOr<float> TableScale(const Graph& graph, const Node& node, int input, const std::string& op,
                                 const char* name) {
  if (node.inputs[input] == kNoValue) return absl::InvalidArgumentError(absl::StrCat(op, " needs ", name));
  const TensorType& type = graph.InputType(node, input);
  if (!graph.IsConstant(node.inputs[input]) || type.ElementCount() != 1 || type.shape.size() > 1 ||
      type.element_type != DataType::kFloat32) {
    return absl::UnimplementedError(absl::StrCat(op, "'s ", name, " must be one float32 constant"));
  }
  const float value = graph.value(node.inputs[input]).constant->Floats()[0];
  if (!(value > 0.0f) || !std::isfinite(value)) {
    return absl::InvalidArgumentError(absl::StrCat(op, "'s ", name, " is ", value, "; it must be positive and finite"));
  }
  return value;
}

// A zero point an op's table is built from: one constant of the codes' `type`; 0 when
// absent.
absl::StatusOr<int32_t> TableZeroPoint(const Graph& graph, const Node& node, int input, DataType type,
                                       const std::string& op, const char* name) {
  if (node.inputs[input] == kNoValue) return 0;
  const TensorType& given = graph.InputType(node, input);
  if (!graph.IsConstant(node.inputs[input]) || given.ElementCount() != 1 || given.shape.size() > 1 ||
      given.element_type != type) {
    return absl::UnimplementedError(absl::StrCat(op, "'s ", name, " must be one constant of x's type"));
  }
  const TensorData& value = *graph.value(node.inputs[input]).constant;
  return type == DataType::kInt8 ? int32_t{value.Elements<int8_t>()[0]} : int32_t{value.Elements<uint8_t>()[0]};
}

// QLinearSigmoid and QLinearLeakyRelu(x, x_scale, x_zero_point, y_scale, y_zero_point) as
// TableLookup of ORT's table (ort_activation_tables.h). Scales and zero points must be
// constants (ORT builds the table at run time otherwise). (The scale checks are
// quantization.h's CheckConstantScale's, which the frontend, free of LLVM, cannot call.)
absl::Status ReadQLinearActivation(const onnx::NodeProto& proto, Graph& graph, Node& node) {
  RETURN_IF_ERROR(CheckOperands(proto, node, 5));
  const std::string op = MicrosoftOpName(proto);
  node.inputs.resize(5, kNoValue);
  const DataType type = graph.InputType(node, 0).element_type;
  RETURN_IF_ERROR(CheckEightBit(op, type));
  ASSIGN_OR_RETURN(const float x_scale, TableScale(graph, node, 1, op, "x_scale"));
  ASSIGN_OR_RETURN(const int32_t x_zero_point, TableZeroPoint(graph, node, 2, type, op, "x_zero_point"));
  ASSIGN_OR_RETURN(const float y_scale, TableScale(graph, node, 3, op, "y_scale"));
  ASSIGN_OR_RETURN(const int32_t y_zero_point, TableZeroPoint(graph, node, 4, type, op, "y_zero_point"));
  const OrtQuantization x_pair{x_scale, x_zero_point}, y_pair{y_scale, y_zero_point};
  std::vector<int32_t> table;
  if (proto.op_type() == "QLinearSigmoid") {
    table = OrtSigmoidTable(x_pair, y_pair, type);
  } else {
    ASSIGN_OR_RETURN(const float alpha, node.attributes.GetFloat("alpha", 0.01f));  // ORT's default
    table = OrtLeakyReluTable(x_pair, y_pair, alpha, type);
  }
  const ValueId y_zero_point_value =
      node.inputs[4] != kNoValue
          ? node.inputs[4]
          : graph.AddConstant(absl::StrCat(node.name, ".y_zero_point"), TensorData(TensorType{type, {}}, {0}));
  node.op = OpKind::kTableLookup;
  node.inputs = {node.inputs[0], graph.AddConstant(absl::StrCat(node.name, ".table"), TableTensor(type, table)), node.inputs[3],
                 y_zero_point_value};
  node.attributes = AttributeMap();
  return absl::OkStatus();
}

// QLinearConcat(y_scale, y_zero_point, x1, x1_scale, x1_zero_point, x2, ...) as Concat of
// its inputs, each first requantised to y's pair by a TableLookup of ORT's table (each
// code dequantised and quantised again) unless it has y's very scale and zero point
// (ORT copies those). The parameters must be constants (ORT builds the tables at run
// time otherwise).
absl::Status ReadQLinearConcat(const onnx::NodeProto& proto, Graph& graph, Node& node) {
  const std::string op = MicrosoftOpName(proto);
  if (node.inputs.size() < 5 || (node.inputs.size() - 2) % 3 != 0 ||
      std::find(node.inputs.begin(), node.inputs.end(), kNoValue) != node.inputs.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, " takes y_scale, y_zero_point and x, x_scale, x_zero_point for each input"));
  }
  const size_t count = (node.inputs.size() - 2) / 3;
  if (count > static_cast<size_t>(GetOpInfo(OpKind::kConcat).max_inputs)) {
    return absl::UnimplementedError(absl::StrCat(op, " of ", count, " inputs is not supported (at most ",
                                                 GetOpInfo(OpKind::kConcat).max_inputs, ")"));
  }
  const DataType type = graph.InputType(node, 1).element_type;
  RETURN_IF_ERROR(CheckEightBit(op, type));
  ASSIGN_OR_RETURN(const float y_scale, TableScale(graph, node, 0, op, "y_scale"));
  ASSIGN_OR_RETURN(const int32_t y_zero_point, TableZeroPoint(graph, node, 1, type, op, "y_zero_point"));
  std::vector<ValueId> parts;
  for (size_t first = 2; first < node.inputs.size(); first += 3) {
    const int i = static_cast<int>(first);
    const ValueId x = node.inputs[first];
    if (graph.value(x).type.element_type != type) {
      return absl::InvalidArgumentError(absl::StrCat(op, "'s inputs and y_zero_point must be of one type"));
    }
    ASSIGN_OR_RETURN(const float x_scale, TableScale(graph, node, i + 1, op, "x_scale"));
    ASSIGN_OR_RETURN(const int32_t x_zero_point, TableZeroPoint(graph, node, i + 2, type, op, "x_zero_point"));
    if (x_scale == y_scale && x_zero_point == y_zero_point) {
      parts.push_back(x);
      continue;
    }
    parts.push_back(AddRequantizingLookup(graph, absl::StrCat(node.name, ".requantized_", (first - 2) / 3), node.guard,
                                          x, {x_scale, x_zero_point}, {y_scale, y_zero_point}, node.inputs[0],
                                          node.inputs[1], type));
  }
  node.op = OpKind::kConcat;
  node.inputs = std::move(parts);
  return absl::OkStatus();
}

// Each op: its name in the domain, the op it is read as, and its reader.
struct MicrosoftOp {
  const char* name;
  OpKind read_as;
  absl::Status (*read)(const onnx::NodeProto& proto, Graph& graph, Node& node);
};

constexpr MicrosoftOp kMicrosoftOps[] = {
    {"QGemm", OpKind::kQLinearMatMul, ReadQGemm},
    {"QLinearGlobalAveragePool", OpKind::kQLinearAveragePool, ReadQLinearGlobalAveragePool},
    {"QLinearSigmoid", OpKind::kTableLookup, ReadQLinearActivation},
    {"QLinearLeakyRelu", OpKind::kTableLookup, ReadQLinearActivation},
    {"QLinearConcat", OpKind::kConcat, ReadQLinearConcat},
};

const MicrosoftOp* FindMicrosoftOp(const onnx::NodeProto& node) {
  if (node.domain() != kMicrosoftDomain) return nullptr;
  for (const MicrosoftOp& op : kMicrosoftOps) {
    if (node.op_type() == op.name) return &op;
  }
  return nullptr;
}

}  // namespace

std::optional<OpKind> MicrosoftOpReadAs(const onnx::NodeProto& node) {
  const MicrosoftOp* op = FindMicrosoftOp(node);
  if (!op) return std::nullopt;
  return op->read_as;
}

absl::Status ReadMicrosoftOp(const onnx::NodeProto& proto, Graph& graph, Node& node) {
  const MicrosoftOp* op = FindMicrosoftOp(proto);
  if (!op) return absl::InternalError(absl::StrCat(proto.op_type(), " is not read as an op of modelc's own"));
  return op->read(proto, graph, node);
}

}  // namespace modelc
