// EyeLike: a matrix of its 2-D input's shape with ones on diagonal k (column - row = k)
// and zeros elsewhere, of the element type `dtype` (the input's when absent). The
// input's values are never read. The whole op lives here.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

struct EyeLikeGeometry {
  int64_t rows = 0, cols = 0, k = 0;
  DataType type = DataType::kFloat32;
};

absl::StatusOr<EyeLikeGeometry> ResolveEyeLike(const Graph& graph, const Node& node) {
  const TensorType& x = graph.InputType(node, 0);
  if (x.Rank() != 2) return absl::InvalidArgumentError(absl::StrCat("EyeLike needs a 2-D input; got ", ShapeToString(x.shape)));
  EyeLikeGeometry g;
  g.rows = x.shape[0];
  g.cols = x.shape[1];
  ASSIGN_OR_RETURN(g.k, node.attributes.GetInt("k", 0));
  g.type = x.element_type;
  if (node.attributes.Has("dtype")) {
    ASSIGN_OR_RETURN(int64_t code, node.attributes.GetInt("dtype", 0));
    const std::optional<DataType> type = DataTypeFromCode(code);
    if (!type) return absl::UnimplementedError(absl::StrCat("EyeLike's dtype ", code, " is not a supported element type"));
    g.type = *type;
  }
  return g;
}

}  // namespace

absl::Status UpgradeEyeLike(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form since 9

absl::StatusOr<std::vector<TensorType>> InferEyeLike(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(EyeLikeGeometry g, ResolveEyeLike(graph, node));
  return std::vector<TensorType>{TensorType{g.type, graph.InputType(node, 0).shape}};
}

absl::StatusOr<std::vector<TensorData>> EvaluateEyeLike(const Graph& graph, const Node& node,
                                                        const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(EyeLikeGeometry g, ResolveEyeLike(graph, node));
  const TensorType out_type{g.type, {g.rows, g.cols}};
  std::vector<uint8_t> out(out_type.ByteSize());
  VisitDataType(g.type, [&](auto element) {
    using T = decltype(element);
    const T one = T(1);
    for (int64_t r = 0; r < g.rows; ++r)
      for (int64_t c = 0; c < g.cols; ++c) {
        if (c - r == g.k) std::memcpy(out.data() + (r * g.cols + c) * sizeof(T), &one, sizeof(T));
      }
  });
  return std::vector<TensorData>{TensorData(out_type, std::move(out))};
}

absl::Status EmitEyeLikeKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(EyeLikeGeometry g, ResolveEyeLike(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  llvm::Value* zero = k.Constant(g.type, 0.0);
  llvm::Value* one = k.Constant(g.type, 1.0);
  // column - row lies in (-rows, cols): a diagonal beyond matches nothing, kept in range.
  const int64_t diagonal = std::clamp(g.k, -g.rows, g.cols);
  k.Loop(g.rows, [&](llvm::Value* r) {
    llvm::Value* row = b.CreateMul(r, k.Int(g.cols));
    k.Loop(g.cols, [&](llvm::Value* c) {
      llvm::Value* on_diagonal = b.CreateICmpEQ(b.CreateSub(c, r), k.Int(diagonal));
      k.StoreAs(g.type, b.CreateSelect(on_diagonal, one, zero), k.out[0], b.CreateAdd(row, c));
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
