// The operator enum generated from ops.def, and the table's per-op facts.
#ifndef MODELC_IR_OP_KIND_H_
#define MODELC_IR_OP_KIND_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace modelc {

enum class OpKind {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types, traits) k##kind,
#include "compiler/ir/ops.def"
#undef OP
};

enum class OpFamily { kUnary, kBinary, kView, kReduce, kIndexMap, kOwn };

// One enum per family, its ops in ops.def's order: a switch over a family's ops names
// every one of them, with no `default:`, so the C++ compiler (-Werror=switch) reports
// the case an op added to the family lacks. AsUnaryOp(kind) etc. convert (an op of
// another family is a compiler bug and aborts).
#define MODELC_PICK_Unary(unary, binary, view, reduce, index_map, own) unary
#define MODELC_PICK_Binary(unary, binary, view, reduce, index_map, own) binary
#define MODELC_PICK_View(unary, binary, view, reduce, index_map, own) view
#define MODELC_PICK_Reduce(unary, binary, view, reduce, index_map, own) reduce
#define MODELC_PICK_IndexMap(unary, binary, view, reduce, index_map, own) index_map
#define MODELC_PICK_Own(unary, binary, view, reduce, index_map, own) own
#define MODELC_ENUMERATOR(kind) k##kind,
#define MODELC_SKIP(kind)

enum class UnaryOp {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types, traits) \
  MODELC_PICK_##family(MODELC_ENUMERATOR, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP)(kind)
#include "compiler/ir/ops.def"
#undef OP
};
enum class BinaryOp {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types, traits) \
  MODELC_PICK_##family(MODELC_SKIP, MODELC_ENUMERATOR, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP)(kind)
#include "compiler/ir/ops.def"
#undef OP
};
enum class ViewOp {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types, traits) \
  MODELC_PICK_##family(MODELC_SKIP, MODELC_SKIP, MODELC_ENUMERATOR, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP)(kind)
#include "compiler/ir/ops.def"
#undef OP
};
enum class ReduceOp {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types, traits) \
  MODELC_PICK_##family(MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_ENUMERATOR, MODELC_SKIP, MODELC_SKIP)(kind)
#include "compiler/ir/ops.def"
#undef OP
};
enum class IndexMapOp {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types, traits) \
  MODELC_PICK_##family(MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_ENUMERATOR, MODELC_SKIP)(kind)
#include "compiler/ir/ops.def"
#undef OP
};
enum class OwnOp {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types, traits) \
  MODELC_PICK_##family(MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_ENUMERATOR)(kind)
#include "compiler/ir/ops.def"
#undef OP
};
// The functions an ElementwiseFunction computes (a unary op, a fused activation): the
// Unary family, a constant-bound Clip, and the identity.
enum class ElementwiseOp {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types, traits) \
  MODELC_PICK_##family(MODELC_ENUMERATOR, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP, MODELC_SKIP)(kind)
#include "compiler/ir/ops.def"
#undef OP
  kClip,
  kIdentity,
};

// The element types an op's data inputs accept (ops.def's Types column).
enum class OpTypes { kFloat, kFloatOrDouble, kFloatOrDoubleOrBool, kNumeric, kNumericOrDouble, kInteger, kBool, kAny };

// Facts about an op that its family does not settle (ops.def's Traits column; see
// there for their meaning). Bits of OpInfo::traits.
namespace op_traits {
inline constexpr uint32_t kInPlace = 1u << 0;
inline constexpr uint32_t kFusedEpilogue = 1u << 1;
inline constexpr uint32_t kOnlyFirstInputIsData = 1u << 2;
inline constexpr uint32_t kSequenceLengthsInput = 1u << 3;
inline constexpr uint32_t kTypedReference = 1u << 4;
inline constexpr uint32_t kBoolOutput = 1u << 5;
inline constexpr uint32_t kInt64Output = 1u << 6;
inline constexpr uint32_t kOutputTypeOfSecondInput = 1u << 7;
inline constexpr uint32_t kOutputTypeFromAttribute = 1u << 8;
inline constexpr uint32_t kPassesValuesThrough = 1u << 9;
}  // namespace op_traits

struct OpInfo {
  OpKind kind;
  const char* onnx_name;
  int min_inputs;
  int max_inputs;
  int min_outputs;
  int max_outputs;
  OpFamily family;
  OpTypes types;
  uint32_t traits;
  bool Has(uint32_t trait) const { return (traits & trait) != 0; }
};

const OpInfo& GetOpInfo(OpKind kind);
UnaryOp AsUnaryOp(OpKind kind);
BinaryOp AsBinaryOp(OpKind kind);
ViewOp AsViewOp(OpKind kind);
ReduceOp AsReduceOp(OpKind kind);
IndexMapOp AsIndexMapOp(OpKind kind);
OwnOp AsOwnOp(OpKind kind);
// A Unary op, Clip or Identity (what an ElementwiseFunction holds).
ElementwiseOp AsElementwiseOp(OpKind kind);
int OpCount();  // the op kinds are 0 .. OpCount() - 1
const char* OpName(OpKind kind);
// The op for an ONNX op type of `domain` (the default domain: "" or "ai.onnx"), if the
// compiler supports it. An op of another domain is named "domain.op_type" in the table.
std::optional<OpKind> OpKindFromOnnxName(std::string_view onnx_name, std::string_view domain = "");

}  // namespace modelc

#endif  // MODELC_IR_OP_KIND_H_
