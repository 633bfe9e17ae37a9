// Trilu: keeps the upper (or lower) triangle of the last two dimensions of a tensor of
// any element type, from the diagonal k on, and zeroes the rest. The whole op lives
// here: its geometry, shape rule, reference and kernel (the hooks of own_op_hooks.h).
#include <algorithm>
#include <cstring>

#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// `batch` matrices of [rows, cols]: keeps col - row >= k (upper) or col - row <= k
// (lower).
struct TriluGeometry {
  int64_t batch = 1, rows = 1, cols = 1, k = 0;
  bool upper = true;
  bool Keeps(int64_t row, int64_t col) const { return upper ? col - row >= k : col - row <= k; }
};

absl::StatusOr<TriluGeometry> ResolveTrilu(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.size() < 2) return absl::InvalidArgumentError("Trilu needs an input of rank 2 or more");
  TriluGeometry g;
  ASSIGN_OR_RETURN(int64_t upper, node.attributes.GetInt("upper", 1));
  g.upper = upper != 0;
  if (graph.HasInput(node, 1)) {
    ASSIGN_OR_RETURN(std::vector<int64_t> k, ConstantInts(graph, node, 1, "Trilu's k"));
    if (k.size() != 1) return absl::InvalidArgumentError("Trilu's k must be a scalar");
    g.k = k[0];
  }
  g.rows = x[x.size() - 2];
  g.cols = x[x.size() - 1];
  // A diagonal beyond the matrix keeps all of it or none: clamped, k is exact in any
  // core's index type (a k of 2^31 no longer wraps on a 32-bit one).
  g.k = std::clamp(g.k, -g.rows, g.cols);
  g.batch = ElementCount(x) / std::max<int64_t>(g.rows * g.cols, 1);
  if (g.rows * g.cols == 0) g.batch = 0;
  return g;
}

}  // namespace

absl::Status UpgradeTrilu(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 14

absl::StatusOr<std::vector<TensorType>> InferTrilu(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveTrilu(graph, node).status());
  return std::vector<TensorType>{TensorType{out_type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateTrilu(const Graph& graph, const Node& node,
                                                      const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(TriluGeometry g, ResolveTrilu(graph, node));
  const int64_t size = ByteSize(graph.InputType(node, 0).element_type);
  std::vector<uint8_t> out(inputs[0]->bytes());
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t r = 0; r < g.rows; ++r)
      for (int64_t c = 0; c < g.cols; ++c) {
        if (!g.Keeps(r, c)) std::memset(out.data() + ((b * g.rows + r) * g.cols + c) * size, 0, size);
      }
  return std::vector<TensorData>{TensorData(graph.value(node.outputs[0]).type, std::move(out))};
}

absl::Status EmitTriluKernel(KernelContext& k) {
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0);
  ASSIGN_OR_RETURN(TriluGeometry g, ResolveTrilu(k.graph, k.node));
  llvm::Value* zero = k.Constant(type, 0.0);
  k.LoopNest({g.batch, g.rows, g.cols}, {}, [&](llvm::Value* at, const std::vector<llvm::Value*>&) {
    llvm::Value* column = b.CreateSRem(at, k.Int(g.cols));
    llvm::Value* row = b.CreateSRem(b.CreateSDiv(at, k.Int(g.cols)), k.Int(g.rows));
    llvm::Value* diagonal = b.CreateSub(column, row);
    llvm::Value* keep = g.upper ? b.CreateICmpSGE(diagonal, k.Int(g.k)) : b.CreateICmpSLE(diagonal, k.Int(g.k));
    k.StoreAs(type, b.CreateSelect(keep, k.LoadAs(type, k.in[0], at), zero), k.out[0], at);
  });
  return absl::OkStatus();
}

}  // namespace modelc
