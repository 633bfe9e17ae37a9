// The hooks of every op of its own (family Own in ops.def), declared from the table.
// An op Kind of its own has four functions, named after it:
//   UpgradeKind      its opset shim: brings a node of an older opset (attributes and
//                    inputs as the model wrote them) to today's form, or refuses a
//                    legacy form modelc cannot express; most ops have nothing to do
//   InferKind        its shape rule: the output types from the input types and attributes
//   EvaluateKind     its reference: the outputs from the inputs, in double precision or
//                    exactly (the oracle every compiled kernel is tested against)
//   EmitKindKernel   its kernel: LLVM IR for the node, reading the lowering plan
// The importer, the shape inference, the reference evaluator and the kernel registry call
// them through switches generated from ops.def (own_op_cases.inc): a missing hook is a
// link error, never a run-time "no kernel for X". An op whose code lives in
// compiler/ops/<op>/ has all four there; docs/adding-an-operator.md walks through it.
#ifndef MODELC_OPS_OWN_OP_HOOKS_H_
#define MODELC_OPS_OWN_OP_HOOKS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/op_kind.h"
#include "compiler/ir/tensor.h"

namespace modelc {

class KernelContext;

#define MODELC_OWN_OP_DECLARE_HOOKS(kind)                                                 \
  absl::Status Upgrade##kind(Node& node, int64_t opset);                                  \
  absl::StatusOr<std::vector<TensorType>> Infer##kind(const Graph& graph, const Node& node, \
                                                      DataType out_type);                 \
  absl::StatusOr<std::vector<TensorData>> Evaluate##kind(                                 \
      const Graph& graph, const Node& node, const std::vector<const TensorData*>& inputs); \
  absl::Status Emit##kind##Kernel(KernelContext& k);

#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types, traits) \
  MODELC_PICK_##family(MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP,  \
                       MODELC_OWN_OP_DECLARE_HOOKS)(kind)
#include "compiler/ir/ops.def"
#undef OP

}  // namespace modelc

#endif  // MODELC_OPS_OWN_OP_HOOKS_H_
