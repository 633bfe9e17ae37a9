// Transpose simplification: a Transpose that moves only dimensions of size 1 keeps
// every element where it was, so it becomes a Reshape to the same shape, which is a
// view (no code, no memory). After: every remaining Transpose really moves data.
#include "absl/strings/str_cat.h"
#include "compiler/ir/op_geometry.h"
#include "compiler/passes/passes.h"
#include "compiler/util/status_macros.h"

namespace modelc {

absl::Status SimplifyTransposes(Graph& graph) {
  for (Node& node : graph.mutable_nodes()) {
    if (node.op != OpKind::kTranspose) continue;
    const Shape& in = graph.InputType(node, 0).shape;
    ASSIGN_OR_RETURN(std::vector<int64_t> perm, node.attributes.GetInts("perm", {}));
    if (perm.empty()) {
      for (int64_t d = static_cast<int64_t>(in.size()) - 1; d >= 0; --d) perm.push_back(d);
    }
    // The non-1 dimensions must keep their relative order.
    int64_t last = -1;
    bool keeps_order = true;
    for (int64_t source : perm) {
      if (in[source] == 1) continue;
      keeps_order &= source > last;
      last = source;
    }
    if (!keeps_order) continue;
    const Shape& out = graph.value(node.outputs[0]).type.shape;
    const ValueId shape = graph.AddConstant(absl::StrCat(node.name, ".shape"),
                                            TensorData::FromInt64s({static_cast<int64_t>(out.size())}, out));
    node.op = OpKind::kReshape;
    node.inputs.push_back(shape);
    node.attributes = AttributeMap{};
  }
  return absl::OkStatus();
}

}  // namespace modelc
