// How a value scaled to a quantised type is rounded where it lies half-way between two
// integers: to even (ONNX's rule, ONNX Runtime's), or away from zero (TFLite's reference
// kernels: TfLiteRound, std::round). A node says which (LLVM-free, so that passes read it).
#ifndef MODELC_OPS_QUANTIZE_HALF_ROUNDING_H_
#define MODELC_OPS_QUANTIZE_HALF_ROUNDING_H_

#include "compiler/ir/graph.h"

namespace modelc {

enum class HalfRounding { kToEven, kAwayFromZero };

// The node attribute (int, 1) that makes a QuantizeLinear (or a QLinearConv that
// quantises its input, kFusedQuantizeInput) round halves away from zero: the TFLite
// frontend's QUANTIZE. The ONNX importer refuses it in a model file (any domain).
inline constexpr char kRoundHalfAwayFromZero[] = "round_half_away_from_zero";

inline HalfRounding HalfRoundingOf(const Node& node) {
  const absl::StatusOr<int64_t> value = node.attributes.GetInt(kRoundHalfAwayFromZero, 0);
  return value.ok() && *value != 0 ? HalfRounding::kAwayFromZero : HalfRounding::kToEven;
}

}  // namespace modelc

#endif  // MODELC_OPS_QUANTIZE_HALF_ROUNDING_H_
