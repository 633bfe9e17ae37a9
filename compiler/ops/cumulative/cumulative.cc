// CumSum and CumProd: the running sum (product) along one axis, inclusive or exclusive
// (`exclusive`: each output leaves out its own element), forwards or from the end
// (`reverse`), on float32, float64 and the integer types (integers wrap). Both ops live here.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The input as [outer, steps, inner]: `steps` along the axis.
struct CumulativeGeometry {
  int64_t outer = 1, steps = 1, inner = 1;
  bool exclusive = false, reverse = false, product = false;
};

absl::StatusOr<CumulativeGeometry> ResolveCumulative(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  const char* op = OpName(node.op);
  if (x.empty()) return absl::InvalidArgumentError(absl::StrCat(op, " needs an input of rank 1 or more"));
  ASSIGN_OR_RETURN(std::vector<int64_t> axes, ConstantInts(graph, node, 1, absl::StrCat(op, "'s axis")));
  if (axes.size() != 1) return absl::InvalidArgumentError(absl::StrCat(op, "'s axis must be a scalar"));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axes[0], static_cast<int64_t>(x.size())));
  CumulativeGeometry g;
  for (int64_t d = 0; d < axis; ++d) g.outer *= x[d];
  g.steps = x[axis];
  for (size_t d = axis + 1; d < x.size(); ++d) g.inner *= x[d];
  ASSIGN_OR_RETURN(int64_t exclusive, node.attributes.GetInt("exclusive", 0));
  ASSIGN_OR_RETURN(int64_t reverse, node.attributes.GetInt("reverse", 0));
  g.exclusive = exclusive != 0;
  g.reverse = reverse != 0;
  g.product = node.op == OpKind::kCumProd;
  return g;
}

// Element `flat` of the output, from the one before it along the axis.
template <typename T>
T Step(T before, T x, bool product) {
  if constexpr (std::is_integral_v<T>) {  // wrapping, as the kernel's integer arithmetic
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(product ? static_cast<U>(before) * static_cast<U>(x) : static_cast<U>(before) + static_cast<U>(x));
  } else {
    return product ? before * x : before + x;
  }
}

absl::StatusOr<std::vector<TensorData>> EvaluateCumulative(const Graph& graph, const Node& node,
                                                           const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(CumulativeGeometry g, ResolveCumulative(graph, node));
  const TensorData& x = *inputs[0];
  std::vector<uint8_t> out(x.bytes().size());
  VisitDataType(x.type().element_type, [&](auto element) {
    using T = decltype(element);
    auto read = [&](int64_t at) {
      T v;
      std::memcpy(&v, x.bytes().data() + at * sizeof(T), sizeof(T));
      return v;
    };
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t i = 0; i < g.inner; ++i) {
        T running = g.product ? T(1) : T(0);
        for (int64_t s = 0; s < g.steps; ++s) {
          const int64_t a = g.reverse ? g.steps - 1 - s : s;
          const int64_t at = (o * g.steps + a) * g.inner + i;
          if (!g.exclusive) running = Step<T>(running, read(at), g.product);
          std::memcpy(out.data() + at * sizeof(T), &running, sizeof(T));
          if (g.exclusive) running = Step<T>(running, read(at), g.product);
        }
      }
  });
  return std::vector<TensorData>{TensorData(x.type(), std::move(out))};
}

absl::StatusOr<std::vector<TensorType>> InferCumulative(const Graph& graph, const Node& node, DataType out_type) {
  RETURN_IF_ERROR(ResolveCumulative(graph, node).status());
  return std::vector<TensorType>{TensorType{out_type, graph.InputType(node, 0).shape}};
}

// Step by step along the axis, each step a contiguous row of `inner` elements computed
// from the output's previous row (the loop over the row vectorises).
absl::Status EmitCumulativeKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(CumulativeGeometry g, ResolveCumulative(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0);
  const bool is_float = IsFloatingPoint(type);
  auto step = [&](llvm::Value* before, llvm::Value* x) {
    if (g.product) return is_float ? b.CreateFMul(before, x) : b.CreateMul(before, x);
    return is_float ? b.CreateFAdd(before, x) : b.CreateAdd(before, x);
  };
  llvm::Value* identity = k.Constant(type, g.product ? 1.0 : 0.0);
  if (g.steps == 0) return absl::OkStatus();
  k.Loop(g.outer, [&](llvm::Value* o) {
    llvm::Value* base = b.CreateMul(o, k.Int(g.steps));
    auto row = [&](llvm::Value* s) {  // where the row of step s starts (steps counted from the sum's start)
      llvm::Value* a = g.reverse ? b.CreateSub(k.Int(g.steps - 1), s) : s;
      return b.CreateMul(b.CreateAdd(base, a), k.Int(g.inner));
    };
    llvm::Value* first = row(k.Int(0));
    k.Loop(g.inner, [&](llvm::Value* i) {
      llvm::Value* here = b.CreateAdd(first, i);
      k.StoreAs(type, g.exclusive ? identity : k.LoadAs(type, k.in[0], here), k.out[0], here);
    });
    k.Loop(k.Int(1), k.Int(g.steps), [&](llvm::Value* s) {
      llvm::Value* at = row(s);
      llvm::Value* previous = row(b.CreateSub(s, k.Int(1)));
      k.Loop(g.inner, [&](llvm::Value* i) {
        // inclusive: out[s] = out[s - 1] (op) x[s]; exclusive: out[s - 1] (op) x[s - 1]
        llvm::Value* x = k.LoadAs(type, k.in[0], b.CreateAdd(g.exclusive ? previous : at, i));
        llvm::Value* before = k.LoadAs(type, k.out[0], b.CreateAdd(previous, i));
        k.StoreAs(type, step(before, x), k.out[0], b.CreateAdd(at, i));
      });
    });
  });
  return absl::OkStatus();
}

}  // namespace

absl::Status UpgradeCumSum(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form since 11
absl::Status UpgradeCumProd(Node& node, int64_t opset) { return absl::OkStatus(); }  // one form, opset 26

absl::StatusOr<std::vector<TensorType>> InferCumSum(const Graph& graph, const Node& node, DataType out_type) {
  return InferCumulative(graph, node, out_type);
}
absl::StatusOr<std::vector<TensorType>> InferCumProd(const Graph& graph, const Node& node, DataType out_type) {
  return InferCumulative(graph, node, out_type);
}
absl::StatusOr<std::vector<TensorData>> EvaluateCumSum(const Graph& graph, const Node& node,
                                                       const std::vector<const TensorData*>& inputs) {
  return EvaluateCumulative(graph, node, inputs);
}
absl::StatusOr<std::vector<TensorData>> EvaluateCumProd(const Graph& graph, const Node& node,
                                                        const std::vector<const TensorData*>& inputs) {
  return EvaluateCumulative(graph, node, inputs);
}
absl::Status EmitCumSumKernel(KernelContext& k) { return EmitCumulativeKernel(k); }
absl::Status EmitCumProdKernel(KernelContext& k) { return EmitCumulativeKernel(k); }

}  // namespace modelc
