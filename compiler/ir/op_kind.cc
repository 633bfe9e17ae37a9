// The operator table, built from ops.def.
#include "compiler/ir/op_kind.h"

#include <array>
#include <string_view>

namespace modelc {
namespace {

constexpr OpFamily kUnary = OpFamily::kUnary;
constexpr OpFamily kBinary = OpFamily::kBinary;
constexpr OpFamily kView = OpFamily::kView;
constexpr OpFamily kReduce = OpFamily::kReduce;
constexpr OpFamily kIndexMap = OpFamily::kIndexMap;
constexpr OpFamily kOwn = OpFamily::kOwn;
constexpr OpTypes kFloat = OpTypes::kFloat;
constexpr OpTypes kNumeric = OpTypes::kNumeric;
constexpr OpTypes kInteger = OpTypes::kInteger;
constexpr OpTypes kBool = OpTypes::kBool;
constexpr OpTypes kAny = OpTypes::kAny;

constexpr OpInfo kOpTable[] = {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types) \
  {OpKind::k##kind, onnx_name, min_in, max_in, min_out, max_out, k##family, k##types},
#include "compiler/ir/ops.def"
#undef OP
};

}  // namespace

const OpInfo& GetOpInfo(OpKind kind) { return kOpTable[static_cast<int>(kind)]; }

int OpCount() { return static_cast<int>(sizeof(kOpTable) / sizeof(kOpTable[0])); }

const char* OpName(OpKind kind) { return GetOpInfo(kind).onnx_name; }

std::optional<OpKind> OpKindFromOnnxName(std::string_view onnx_name) {
  for (const OpInfo& info : kOpTable) {
    if (std::string_view(info.onnx_name) == onnx_name) return info.kind;
  }
  return std::nullopt;
}

}  // namespace modelc
