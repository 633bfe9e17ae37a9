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

namespace modelc::tflite_converters {

namespace tfl = tflite_format;

inline const std::vector<int64_t> kToChannelsFirst = {0, 3, 1, 2};  // NHWC -> NCHW
inline const std::vector<int64_t> kToChannelsLast = {0, 2, 3, 1};   // NCHW -> NHWC

absl::Status Invalid(const std::string& message);
// The operator has min_inputs to max_inputs inputs (the first min_inputs present) and
// exactly `outputs` outputs.
absl::Status ExpectArity(SubgraphImporter& s, int min_inputs, int max_inputs, int outputs);
absl::Status ExpectRank(const Shape& shape, size_t rank, const char* what);

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
absl::StatusOr<ValueId> Clipped(SubgraphImporter& s, ValueId x, float low, float high, const std::string& role);
// A fused activation function as the node after the op (the activation-fusion pass
// folds it into a Conv or Gemm); x itself for NONE.
absl::StatusOr<ValueId> ApplyActivation(SubgraphImporter& s, tfl::ActivationFunctionType function, ValueId x);

}  // namespace modelc::tflite_converters

#endif  // MODELC_FRONTEND_TFLITE_CONVERTER_SUPPORT_H_
