// A TFLite model file read and checked before anything trusts it: the FlatBuffers
// Verifier has passed (every table, vector and string lies inside the file), and every
// index the importer follows is in range: buffers, tensors, operator codes. Each
// tensor's constant bytes lie inside the file and are exactly its shape's, and every
// operator of subgraph 0 reads only tensors that exist before it runs (model inputs,
// constants, or outputs of earlier operators), so the operators are in execution
// order and hold no cycle. The only code (with the rest of this folder) that includes
// FlatBuffers.
#ifndef MODELC_FRONTEND_TFLITE_TFLITE_FILE_H_
#define MODELC_FRONTEND_TFLITE_TFLITE_FILE_H_

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "compiler/frontend/tflite/tflite_format_generated.h"

namespace modelc {

class TfliteFile {
 public:
  const tflite_format::Model& model() const { return *tflite_format::GetModel(bytes_.data()); }
  // Subgraph 0, the model (the others are bodies of control-flow operators).
  const tflite_format::SubGraph& subgraph() const { return *model().subgraphs()->Get(0); }
  int TensorCount() const;
  const tflite_format::Tensor& tensor(int index) const { return *subgraph().tensors()->Get(index); }
  int OperatorCount() const;
  const tflite_format::Operator& op(int index) const { return *subgraph().operators()->Get(index); }
  const tflite_format::OperatorCode& OperatorCodeOf(const tflite_format::Operator& op) const {
    return *model().operator_codes()->Get(op.opcode_index());
  }
  // Whether the tensor is quantised (an integer tensor with a scale; a float one's
  // parameters are ignored), and whether any tensor an operator reads or writes is.
  bool IsQuantized(int tensor_index) const;
  bool HasQuantizedTensor(const tflite_format::Operator& op) const;
  // A tensor's constant bytes (its buffer's data, or the bytes its buffer's offset and
  // size name in the file); empty for a tensor computed at run time.
  std::span<const uint8_t> ConstantBytes(int tensor_index) const;

 private:
  friend absl::StatusOr<TfliteFile> ReadTfliteFile(const std::string& path, int64_t max_file_bytes);
  std::string bytes_;
};

// The builtin code of an operator code: the larger of the two fields, as TFLite reads
// them (codes above 127 live only in builtin_code).
int32_t BuiltinCode(const tflite_format::OperatorCode& code);

// Bytes per element of a TFLite tensor type; 0 for types without a fixed size
// (STRING, RESOURCE, VARIANT, packed INT4).
int64_t TfliteElementBytes(tflite_format::TensorType type);

// Reads and checks the file. Errors are InvalidArgument, one line, without the path.
absl::StatusOr<TfliteFile> ReadTfliteFile(const std::string& path, int64_t max_file_bytes);

}  // namespace modelc

#endif  // MODELC_FRONTEND_TFLITE_TFLITE_FILE_H_
