// The converters of the TFLite operators that take parts of a tensor or put tensors
// together along an axis: STRIDED_SLICE, SLICE, SPLIT, SPLIT_V, PACK, UNPACK and
// GATHER (constant indices). Every part is an IR Slice (an index map: a view or a
// copy, as the lowering decides), with a reshape where TFLite drops or adds an axis.
#ifndef MODELC_FRONTEND_TFLITE_SLICE_CONVERTERS_H_
#define MODELC_FRONTEND_TFLITE_SLICE_CONVERTERS_H_

#include "absl/status/status.h"
#include "compiler/frontend/tflite/subgraph_importer.h"

namespace modelc::tflite_converters {

absl::Status ConvertStridedSlice(SubgraphImporter& s);
absl::Status ConvertSlice(SubgraphImporter& s);
absl::Status ConvertSplit(SubgraphImporter& s);
absl::Status ConvertSplitV(SubgraphImporter& s);
absl::Status ConvertPack(SubgraphImporter& s);
absl::Status ConvertUnpack(SubgraphImporter& s);
absl::Status ConvertGather(SubgraphImporter& s);

}  // namespace modelc::tflite_converters

#endif  // MODELC_FRONTEND_TFLITE_SLICE_CONVERTERS_H_
