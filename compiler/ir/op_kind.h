// The operator enum generated from ops.def, and the table's per-op facts.
#ifndef MODELC_IR_OP_KIND_H_
#define MODELC_IR_OP_KIND_H_

#include <optional>
#include <string_view>

namespace modelc {

enum class OpKind {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types) k##kind,
#include "compiler/ir/ops.def"
#undef OP
};

enum class OpFamily { kUnary, kBinary, kView, kReduce, kIndexMap, kOwn };

// The element types an op's data inputs accept (ops.def's Types column).
enum class OpTypes { kFloat, kNumeric, kInteger, kBool, kAny };

struct OpInfo {
  OpKind kind;
  const char* onnx_name;
  int min_inputs;
  int max_inputs;
  int min_outputs;
  int max_outputs;
  OpFamily family;
  OpTypes types;
};

const OpInfo& GetOpInfo(OpKind kind);
int OpCount();  // the op kinds are 0 .. OpCount() - 1
const char* OpName(OpKind kind);
// The op for an ONNX op type in the default domain, if the compiler supports it.
std::optional<OpKind> OpKindFromOnnxName(std::string_view onnx_name);

}  // namespace modelc

#endif  // MODELC_IR_OP_KIND_H_
