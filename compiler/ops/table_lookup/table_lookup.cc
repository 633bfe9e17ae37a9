// TableLookup (modelc's own, internal): an element-wise function of an 8-bit quantised
// tensor given as its table, y = table[x - min(x's type)]: 256 entries of y's type,
// made while compiling by whoever knows the function's integer arithmetic (the TFLite
// frontend's int8 RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, HARD_SWISH, LOGISTIC and TANH:
// tflite_activation_tables.h; the ONNX frontend's ONNX Runtime QLinearSigmoid,
// QLinearLeakyRelu and QLinearConcat's requantised inputs: ort_activation_tables.h).
// Inputs x, table (a constant [256]), y_scale, y_zero_point (constants, per tensor: the
// output's quantisation, which the table already applies; the header states it). May
// write over x.
#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/ops/quantize/quantization.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct TableLookupGeometry {
  DataType x_type, y_type;
  int32_t offset = 0;  // x - offset indexes the table
};

absl::StatusOr<TableLookupGeometry> ResolveTableLookup(const Graph& graph, const Node& node) {
  TableLookupGeometry g;
  g.x_type = graph.InputType(node, 0).element_type;
  if (g.x_type != DataType::kInt8 && g.x_type != DataType::kUInt8) {
    return absl::InvalidArgumentError(absl::StrCat("TableLookup reads int8 or uint8, not ", DataTypeName(g.x_type)));
  }
  const TensorType& table = graph.InputType(node, 1);
  if (!graph.IsConstant(node.inputs[1]) || table.shape != Shape{256} ||
      (table.element_type != DataType::kInt8 && table.element_type != DataType::kUInt8)) {
    return absl::InvalidArgumentError("TableLookup's table must be a constant of 256 int8 or uint8 entries");
  }
  g.y_type = table.element_type;
  ASSIGN_OR_RETURN(QuantizationParameters y,
                   ResolveQuantization(graph, node, 2, 3, graph.InputType(node, 0).shape, std::nullopt, "y"));
  if (y.type != g.y_type) return absl::InvalidArgumentError("TableLookup's zero point must have the table's type");
  g.offset = QuantizedMin(g.x_type);
  return g;
}

}  // namespace

absl::Status UpgradeTableLookup(Node&, int64_t) { return absl::OkStatus(); }  // internal: one form

absl::StatusOr<std::vector<TensorType>> InferTableLookup(const Graph& graph, const Node& node, DataType) {
  ASSIGN_OR_RETURN(TableLookupGeometry g, ResolveTableLookup(graph, node));
  return std::vector<TensorType>{TensorType{g.y_type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateTableLookup(const Graph& graph, const Node& node,
                                                            const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(TableLookupGeometry g, ResolveTableLookup(graph, node));
  const std::vector<int32_t> table = ElementsAsInt32(*inputs[1]);
  std::vector<int32_t> y;
  for (int32_t x : ElementsAsInt32(*inputs[0])) y.push_back(table[x - g.offset]);
  return std::vector<TensorData>{TensorFromInt32(graph.value(node.outputs[0]).type, y)};
}

absl::Status EmitTableLookupKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(TableLookupGeometry g, ResolveTableLookup(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  k.Loop(k.graph.InputType(k.node, 0).ElementCount(), [&](llvm::Value* e) {
    llvm::Value* x = EmitWidenToInt32(k, k.LoadAs(g.x_type, k.in[0], e), g.x_type);
    k.StoreAs(g.y_type, k.LoadAs(g.y_type, k.in[1], b.CreateSub(x, b.getInt32(g.offset))), k.out[0], e);
  });
  return absl::OkStatus();
}

}  // namespace modelc
