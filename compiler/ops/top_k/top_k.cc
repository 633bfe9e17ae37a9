// TopK: the K largest (or smallest) elements along one axis, in order, and their
// indices (int64) along it; K from a constant input (opset 10 on) or the attribute k
// (opset 1). Equal values come in index order, as ONNX specifies; NaN counts as larger
// than every number (numpy's sort order, which ONNX's reference uses). The output is
// always sorted, which `sorted = 0` (any order) allows too. The whole op lives here.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "compiler/backend/kernel_context.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/ops/own_op_hooks.h"
#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

// The input as [outer, axis_size, inner]; the outputs as [outer, k, inner].
struct TopKGeometry {
  int64_t outer = 1, axis_size = 0, inner = 1, k = 0;
  bool largest = true;
  Shape out_shape;
};

absl::StatusOr<TopKGeometry> ResolveTopK(const Graph& graph, const Node& node) {
  const Shape& x = graph.InputType(node, 0).shape;
  if (x.empty()) return absl::InvalidArgumentError("TopK needs an input of rank 1 or more");
  TopKGeometry g;
  if (graph.HasInput(node, 1)) {
    ASSIGN_OR_RETURN(std::vector<int64_t> k, ConstantInts(graph, node, 1, "TopK's K"));
    if (k.size() != 1) return absl::InvalidArgumentError("TopK's K must hold one value");
    g.k = k[0];
  } else {
    if (!node.attributes.Has("k")) return absl::InvalidArgumentError("TopK needs K, as input 1 or (opset 1) attribute k");
    ASSIGN_OR_RETURN(g.k, node.attributes.GetInt("k", 0));
  }
  ASSIGN_OR_RETURN(int64_t axis_attribute, node.attributes.GetInt("axis", -1));
  ASSIGN_OR_RETURN(int64_t axis, NormalizeAxis(axis_attribute, static_cast<int64_t>(x.size())));
  ASSIGN_OR_RETURN(int64_t largest, node.attributes.GetInt("largest", 1));
  g.largest = largest != 0;
  for (int64_t d = 0; d < axis; ++d) g.outer *= x[d];
  g.axis_size = x[axis];
  for (size_t d = axis + 1; d < x.size(); ++d) g.inner *= x[d];
  if (g.k < 0 || g.k > g.axis_size) {
    return absl::InvalidArgumentError(absl::StrCat("TopK's K ", g.k, " is outside [0, ", g.axis_size,
                                                   "], the extent of axis ", axis));
  }
  g.out_shape = x;
  g.out_shape[axis] = g.k;
  return g;
}

// a > b, NaN above every number (and equal to NaN).
template <typename T>
bool Greater(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(b)) return false;
    if (std::isnan(a)) return true;
  }
  return a > b;
}

// The kernel's Greater.
llvm::Value* EmitGreater(KernelContext& k, DataType type, llvm::Value* a, llvm::Value* b) {
  if (IsFloat(type)) return k.b.CreateAnd(k.b.CreateFCmpUGT(a, b), k.b.CreateFCmpORD(b, b));
  return IsSignedInteger(type) ? k.b.CreateICmpSGT(a, b) : k.b.CreateICmpUGT(a, b);
}

}  // namespace

absl::Status UpgradeTopK(Node& node, int64_t opset) { return absl::OkStatus(); }  // opset 1's k: ResolveTopK

absl::StatusOr<std::vector<TensorType>> InferTopK(const Graph& graph, const Node& node, DataType out_type) {
  ASSIGN_OR_RETURN(TopKGeometry g, ResolveTopK(graph, node));
  std::vector<TensorType> types{TensorType{graph.InputType(node, 0).element_type, g.out_shape},
                                TensorType{DataType::kInt64, g.out_shape}};
  types.resize(node.outputs.size());  // the indices only when the graph reads them
  return types;
}

// Each row sorted by a stable sort, which keeps equal values in index order.
absl::StatusOr<std::vector<TensorData>> EvaluateTopK(const Graph& graph, const Node& node,
                                                     const std::vector<const TensorData*>& inputs) {
  ASSIGN_OR_RETURN(TopKGeometry g, ResolveTopK(graph, node));
  const TensorData& x = *inputs[0];
  const TensorType values_type{x.type().element_type, g.out_shape}, indices_type{DataType::kInt64, g.out_shape};
  std::vector<uint8_t> values(values_type.ByteSize()), indices(indices_type.ByteSize());
  VisitDataType(x.type().element_type, [&](auto element) {
    using T = decltype(element);
    const std::vector<T> data = x.Elements<T>();
    std::vector<int64_t> order(g.axis_size);
    for (int64_t o = 0; o < g.outer; ++o)
      for (int64_t i = 0; i < g.inner; ++i) {
        auto at = [&](int64_t j) { return data[(o * g.axis_size + j) * g.inner + i]; };
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
          return g.largest ? Greater(at(a), at(b)) : Greater(at(b), at(a));
        });
        for (int64_t r = 0; r < g.k; ++r) {
          const int64_t to = (o * g.k + r) * g.inner + i;
          const T value = at(order[r]);
          std::memcpy(values.data() + to * sizeof(T), &value, sizeof(T));
          std::memcpy(indices.data() + to * sizeof(int64_t), &order[r], sizeof(int64_t));
        }
      }
  });
  std::vector<TensorData> outputs{TensorData(values_type, std::move(values)), TensorData(indices_type, std::move(indices))};
  outputs.resize(node.outputs.size());  // the indices only when the graph reads them
  return outputs;
}

// Per row, the outputs themselves are the working set (no scratch): a list kept in
// order while the row's elements are read in index order. The first K elements are
// each inserted; each later one only when it beats the list's last, then carried
// along the list, swapped with every entry it beats (the displaced entry carried on),
// the last entry dropped. O(n K) per row, for the small K of a microcontroller's
// models. An element beats an entry when it comes first in ONNX's order: greater
// (smaller), or equal with a lower index. When the graph does not read the indices,
// equal values are interchangeable and the values alone decide.
absl::Status EmitTopKKernel(KernelContext& k) {
  ASSIGN_OR_RETURN(TopKGeometry g, ResolveTopK(k.graph, k.node));
  llvm::IRBuilder<>& b = k.b;
  const DataType type = k.InType(0);
  const bool with_indices = k.node.outputs.size() > 1;
  if (g.outer * g.inner * g.k == 0) return absl::OkStatus();
  auto greater = [&](llvm::Value* x, llvm::Value* y) { return EmitGreater(k, type, x, y); };
  // Whether (value, index) comes before (entry_value, entry_index).
  auto beats = [&](llvm::Value* value, llvm::Value* index, llvm::Value* entry_value, llvm::Value* entry_index) {
    llvm::Value* ahead = g.largest ? greater(value, entry_value) : greater(entry_value, value);
    if (!with_indices) return ahead;
    llvm::Value* behind = g.largest ? greater(entry_value, value) : greater(value, entry_value);
    return b.CreateOr(ahead, b.CreateAnd(b.CreateNot(behind), b.CreateICmpSLT(index, entry_index)));
  };
  llvm::Value* carried_value = k.EntryAlloca(k.Elem(type));
  llvm::Value* carried_index = k.EntryAlloca(k.I64());
  k.Loop(g.outer, [&](llvm::Value* o) {
    k.Loop(g.inner, [&](llvm::Value* i) {
      llvm::Value* row_in = b.CreateAdd(b.CreateMul(o, k.Int(g.axis_size * g.inner)), i);
      llvm::Value* row_out = b.CreateAdd(b.CreateMul(o, k.Int(g.k * g.inner)), i);
      auto input = [&](llvm::Value* j) { return b.CreateAdd(row_in, b.CreateMul(j, k.Int(g.inner))); };
      auto entry = [&](llvm::Value* q) { return b.CreateAdd(row_out, b.CreateMul(q, k.Int(g.inner))); };
      // Carries the element along entries [0, end), swapping it with each it beats.
      auto carry = [&](llvm::Value* end) {
        k.Loop(k.Int(0), end, [&](llvm::Value* q) {
          llvm::Value* value = b.CreateLoad(k.Elem(type), carried_value);
          llvm::Value* index = b.CreateLoad(k.I64(), carried_index);
          llvm::Value* at = entry(q);
          llvm::Value* entry_value = k.LoadAs(type, k.out[0], at);
          llvm::Value* entry_index = with_indices ? k.LoadAs(DataType::kInt64, k.out[1], at) : index;
          llvm::Value* swap = beats(value, index, entry_value, entry_index);
          k.StoreAs(type, b.CreateSelect(swap, value, entry_value), k.out[0], at);
          b.CreateStore(b.CreateSelect(swap, entry_value, value), carried_value);
          if (with_indices) {
            k.StoreAs(DataType::kInt64, b.CreateSelect(swap, index, entry_index), k.out[1], at);
            b.CreateStore(b.CreateSelect(swap, entry_index, index), carried_index);
          }
        });
      };
      k.Loop(g.k, [&](llvm::Value* j) {  // the first K: each inserted into the list of those before it
        b.CreateStore(k.LoadAs(type, k.in[0], input(j)), carried_value);
        b.CreateStore(b.CreateSExt(j, k.I64()), carried_index);
        carry(j);
        k.StoreAs(type, b.CreateLoad(k.Elem(type), carried_value), k.out[0], entry(j));
        if (with_indices) k.StoreAs(DataType::kInt64, b.CreateLoad(k.I64(), carried_index), k.out[1], entry(j));
      });
      k.Loop(k.Int(g.k), k.Int(g.axis_size), [&](llvm::Value* j) {  // the rest: only those beating the last
        llvm::Value* value = k.LoadAs(type, k.in[0], input(j));
        llvm::Value* last = k.LoadAs(type, k.out[0], entry(k.Int(g.k - 1)));
        // j is above every listed index: beating the last means coming strictly first.
        k.When(g.largest ? greater(value, last) : greater(last, value), [&] {
          b.CreateStore(value, carried_value);
          b.CreateStore(b.CreateSExt(j, k.I64()), carried_index);
          carry(k.Int(g.k));
        });
      }, /*allow_unrolling=*/false);
    });
  });
  return absl::OkStatus();
}

}  // namespace modelc
