// The operator table, built from ops.def.
#include "compiler/ir/op_kind.h"

#include <array>
#include <string>
#include <string_view>

#include "compiler/util/status_macros.h"

namespace modelc {
namespace {

constexpr OpFamily kUnary = OpFamily::kUnary;
constexpr OpFamily kBinary = OpFamily::kBinary;
constexpr OpFamily kView = OpFamily::kView;
constexpr OpFamily kReduce = OpFamily::kReduce;
constexpr OpFamily kIndexMap = OpFamily::kIndexMap;
constexpr OpFamily kOwn = OpFamily::kOwn;
constexpr OpTypes kFloat = OpTypes::kFloat;
constexpr OpTypes kFloatOrDouble = OpTypes::kFloatOrDouble;
constexpr OpTypes kFloatOrDoubleOrBool = OpTypes::kFloatOrDoubleOrBool;
constexpr OpTypes kNumeric = OpTypes::kNumeric;
constexpr OpTypes kNumericOrDouble = OpTypes::kNumericOrDouble;
constexpr OpTypes kInteger = OpTypes::kInteger;
constexpr OpTypes kBool = OpTypes::kBool;
constexpr OpTypes kAny = OpTypes::kAny;

using namespace op_traits;  // the Traits column's names

constexpr OpInfo kOpTable[] = {
#define OP(kind, onnx_name, min_in, max_in, min_out, max_out, family, types, traits) \
  {OpKind::k##kind, onnx_name, min_in, max_in, min_out, max_out, k##family, k##types, traits},
#include "compiler/ir/ops.def"
#undef OP
};

constexpr int kOpCount = static_cast<int>(sizeof(kOpTable) / sizeof(kOpTable[0]));

// Each op's position among the ops of its family (the value of its family enum).
struct FamilyPositions {
  int of[kOpCount] = {};
};
constexpr FamilyPositions kFamilyPositions = [] {
  FamilyPositions positions;
  int next[6] = {};
  for (int i = 0; i < kOpCount; ++i) positions.of[i] = next[static_cast<int>(kOpTable[i].family)]++;
  return positions;
}();

int PositionIn(OpKind kind, OpFamily family) {
  const int index = static_cast<int>(kind);
  MODELC_CHECK(kOpTable[index].family == family, "an op converted to another family's enum");
  return kFamilyPositions.of[index];
}

}  // namespace

const OpInfo& GetOpInfo(OpKind kind) { return kOpTable[static_cast<int>(kind)]; }

UnaryOp AsUnaryOp(OpKind kind) { return static_cast<UnaryOp>(PositionIn(kind, OpFamily::kUnary)); }
BinaryOp AsBinaryOp(OpKind kind) { return static_cast<BinaryOp>(PositionIn(kind, OpFamily::kBinary)); }
ViewOp AsViewOp(OpKind kind) { return static_cast<ViewOp>(PositionIn(kind, OpFamily::kView)); }
ReduceOp AsReduceOp(OpKind kind) { return static_cast<ReduceOp>(PositionIn(kind, OpFamily::kReduce)); }
IndexMapOp AsIndexMapOp(OpKind kind) { return static_cast<IndexMapOp>(PositionIn(kind, OpFamily::kIndexMap)); }
OwnOp AsOwnOp(OpKind kind) { return static_cast<OwnOp>(PositionIn(kind, OpFamily::kOwn)); }

ElementwiseOp AsElementwiseOp(OpKind kind) {
  if (kind == OpKind::kClip) return ElementwiseOp::kClip;
  if (kind == OpKind::kIdentity) return ElementwiseOp::kIdentity;
  return static_cast<ElementwiseOp>(PositionIn(kind, OpFamily::kUnary));
}

int OpCount() { return static_cast<int>(sizeof(kOpTable) / sizeof(kOpTable[0])); }

const char* OpName(OpKind kind) { return GetOpInfo(kind).onnx_name; }

std::optional<OpKind> OpKindFromOnnxName(std::string_view onnx_name, std::string_view domain) {
  const bool default_domain = domain.empty() || domain == "ai.onnx";
  const std::string qualified = default_domain ? std::string(onnx_name) : std::string(domain) + "." + std::string(onnx_name);
  for (const OpInfo& info : kOpTable) {
    if (std::string_view(info.onnx_name) == qualified) return info.kind;
  }
  return std::nullopt;
}

}  // namespace modelc
