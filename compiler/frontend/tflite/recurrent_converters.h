// The converter of TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM (Keras's LSTM layer): the IR's
// LSTM (ONNX's gate order and layout), its state starting at zero on every run.
#ifndef MODELC_FRONTEND_TFLITE_RECURRENT_CONVERTERS_H_
#define MODELC_FRONTEND_TFLITE_RECURRENT_CONVERTERS_H_

#include "absl/status/status.h"
#include "compiler/frontend/tflite/subgraph_importer.h"

namespace modelc::tflite_converters {

absl::Status ConvertUnidirectionalSequenceLstm(SubgraphImporter& s);

}  // namespace modelc::tflite_converters

#endif  // MODELC_FRONTEND_TFLITE_RECURRENT_CONVERTERS_H_
