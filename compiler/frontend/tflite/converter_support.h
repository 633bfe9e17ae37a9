// What the TFLite operator converters share: arity and option checks, and the small
// node sequences several of them emit (a fused activation, a layout Transpose, a
// reshape to a shape, a clip). Used only by the converters of this folder.
#ifndef MODELC_FRONTEND_TFLITE_CONVERTER_SUPPORT_H_
#define MODELC_FRONTEND_TFLITE_CONVERTER_SUPPORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "compiler/frontend/tflite/subgraph_importer.h"
#include "compiler/ops/quantize/tflite_activation_tables.h"

namespace modelc::tflite_converters {

namespace tfl = tflite_format;

inline const std::vector<int64_t> kToChannelsFirst = {0, 3, 1, 2};  // NHWC -> NCHW
inline const std::vector<int64_t> kToChannelsLast = {0, 2, 3, 1};   // NCHW -> NHWC

absl::Status Invalid(const std::string& message);
// The operator has min_inputs to max_inputs inputs (the first min_inputs present) and
// exactly `outputs` outputs.
absl::Status ExpectArity(SubgraphImporter& s, int min_inputs, int max_inputs, int outputs);
absl::Status ExpectRank(const Shape& shape, size_t rank, const char* what);

// --- Quantised (int8) operators. ---
// A quantised tensor's scale (float32) and zero point (int8) as graph constants: a
// scalar each for one pair, vectors for one pair per channel.
struct QuantizationValues {
  ValueId scale = kNoValue;
  ValueId zero_point = kNoValue;
};
QuantizationValues AddQuantization(SubgraphImporter& s, const TfliteQuantization& q, const std::string& role);
// An int8 scalar constant (a clamp bound, a padding value).
ValueId AddInt8Scalar(SubgraphImporter& s, const std::string& role, int8_t value);
// Marks a quantised op to compute as TFLite's reference kernel for it
// (kFixedPointRequantization = 2: fixed_point_multiplier.h).
void SetTfliteArithmetic(AttributeMap& attributes);
// Input i's / output o's quantisation, which must be there, per tensor (for data) or
// not (for weights); `what` names it in the error.
absl::StatusOr<TfliteQuantization> RequiredQuantization(const std::optional<TfliteQuantization>& q, const char* what,
                                                        bool per_tensor);
// A fused activation on an int8 output: the output clamped to what TFLite's
// CalculateActivationRangeQuantized gives (the activation's bounds quantised, halves
// away from zero, within int8), as an int8 Clip when that is narrower than int8.
absl::StatusOr<ValueId> ApplyQuantizedActivation(SubgraphImporter& s, tfl::ActivationFunctionType function, ValueId x,
                                                 const TfliteQuantization& output);
// y = table[x + 128] for int8 x (a TableLookup), y quantised as `output`.
absl::StatusOr<ValueId> TableLookup(SubgraphImporter& s, ValueId x, const Int8Table& table,
                                    const TfliteQuantization& output);
// An operator that moves int8 values without changing them (RESHAPE, SQUEEZE, a max
// pool, a slice, GATHER): its int8 inputs and all its outputs must be quantised as its
// output 0.
absl::Status ExpectSameQuantization(SubgraphImporter& s);

// The operator's options, which must be there.
template <typename Options>
absl::StatusOr<const Options*> Required(const Options* options, const char* name) {
  if (!options) return Invalid(absl::StrCat("its ", name, " are missing"));
  return options;
}
// The fused activation of options that may be absent (then NONE).
template <typename Options>
tfl::ActivationFunctionType ActivationOf(const Options* options) {
  return options ? options->fused_activation_function() : tfl::ActivationFunctionType::NONE;
}

absl::StatusOr<ValueId> Transposed(SubgraphImporter& s, ValueId x, const std::vector<int64_t>& perm,
                                   const std::string& role);
absl::StatusOr<ValueId> Reshaped(SubgraphImporter& s, ValueId x, const Shape& shape, const std::string& role);
absl::StatusOr<ValueId> Cast(SubgraphImporter& s, ValueId x, DataType to);
absl::StatusOr<ValueId> Clipped(SubgraphImporter& s, ValueId x, float low, float high, const std::string& role);
// A fused activation function as the node after the op (the activation-fusion pass
// folds it into a Conv or Gemm); x itself for NONE.
absl::StatusOr<ValueId> ApplyActivation(SubgraphImporter& s, tfl::ActivationFunctionType function, ValueId x);

}  // namespace modelc::tflite_converters

#endif  // MODELC_FRONTEND_TFLITE_CONVERTER_SUPPORT_H_
