// Reading a TFLite file: the Verifier, then the index, size and order checks.
#include "compiler/frontend/tflite/tflite_file.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/model_file.h"
#include "compiler/ir/tensor.h"
#include "compiler/util/status_macros.h"
#include "flatbuffers/flatbuffers.h"

namespace modelc {
namespace {

namespace tfl = tflite_format;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

std::string TensorLabel(const tfl::Tensor& tensor, int index) {
  const std::string name = tensor.name() ? tensor.name()->str() : "";
  return absl::StrCat("tensor '", name, "' (index ", index, ")");
}

// Where a buffer's bytes are: [begin, begin + size) in the file.
struct BufferExtent {
  uint64_t begin = 0, size = 0;
};

absl::StatusOr<BufferExtent> ExtentOf(const tfl::Buffer& buffer, uint32_t index, const std::string& bytes) {
  if (buffer.data() && buffer.data()->size() > 0) {
    const auto* data = buffer.data()->data();
    return BufferExtent{static_cast<uint64_t>(data - reinterpret_cast<const uint8_t*>(bytes.data())),
                        buffer.data()->size()};
  }
  // Models of 2 GiB and more keep buffers after the FlatBuffer; TFLite reads an
  // offset above 1 as such a buffer's place.
  if (buffer.offset() > 1) {
    const uint64_t file_size = bytes.size();
    if (buffer.offset() > file_size || buffer.size() > file_size - buffer.offset()) {
      return Invalid(absl::StrCat("buffer ", index, " names ", buffer.size(), " bytes at offset ", buffer.offset(),
                                  ", outside the file (", file_size, " bytes)"));
    }
    return BufferExtent{buffer.offset(), buffer.size()};
  }
  return BufferExtent{};
}

absl::Status CheckIndex(int64_t index, int64_t count, const std::string& what) {
  if (index < 0 || index >= count) {
    return Invalid(absl::StrCat(what, " ", index, " is out of range (there are ", count, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

int32_t BuiltinCode(const tfl::OperatorCode& code) {
  return std::max<int32_t>(code.builtin_code(), code.deprecated_builtin_code());
}

int64_t TfliteElementBytes(tfl::TensorType type) {
  switch (type) {
    case tfl::TensorType::BOOL:
    case tfl::TensorType::INT8:
    case tfl::TensorType::UINT8:
      return 1;
    case tfl::TensorType::FLOAT16:
    case tfl::TensorType::INT16:
    case tfl::TensorType::UINT16:
      return 2;
    case tfl::TensorType::FLOAT32:
    case tfl::TensorType::INT32:
    case tfl::TensorType::UINT32:
      return 4;
    case tfl::TensorType::FLOAT64:
    case tfl::TensorType::INT64:
    case tfl::TensorType::UINT64:
    case tfl::TensorType::COMPLEX64:
      return 8;
    case tfl::TensorType::COMPLEX128:
      return 16;
    case tfl::TensorType::STRING:
    case tfl::TensorType::RESOURCE:
    case tfl::TensorType::VARIANT:
    case tfl::TensorType::INT4:
      return 0;
  }
  return 0;
}

int TfliteFile::TensorCount() const {
  return subgraph().tensors() ? static_cast<int>(subgraph().tensors()->size()) : 0;
}

int TfliteFile::OperatorCount() const {
  return subgraph().operators() ? static_cast<int>(subgraph().operators()->size()) : 0;
}

std::span<const uint8_t> TfliteFile::ConstantBytes(int tensor_index) const {
  const uint32_t index = tensor(tensor_index).buffer();
  if (!model().buffers() || index >= model().buffers()->size()) return {};  // buffer 0 of a model with none
  const tfl::Buffer& buffer = *model().buffers()->Get(index);
  // ReadTfliteFile checked the extent, so this cannot fail here.
  const BufferExtent extent = *ExtentOf(buffer, index, bytes_);
  return {reinterpret_cast<const uint8_t*>(bytes_.data()) + extent.begin, extent.size};
}

absl::StatusOr<TfliteFile> ReadTfliteFile(const std::string& path, int64_t max_file_bytes) {
  TfliteFile file;
  ASSIGN_OR_RETURN(file.bytes_, ReadModelFile(path, max_file_bytes));
  const std::string& bytes = file.bytes_;
  if (bytes.size() < 8 || !tfl::ModelBufferHasIdentifier(bytes.data())) {
    return Invalid("not a valid TFLite model (no \"TFL3\" file identifier at bytes 4 to 7)");
  }
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (!tfl::VerifyModelBuffer(verifier)) {
    return Invalid("not a valid TFLite model (the FlatBuffer fails verification; corrupt or truncated?)");
  }
  const tfl::Model& model = file.model();
  if (!model.subgraphs() || model.subgraphs()->size() == 0) return Invalid("the model has no subgraph");
  const int64_t buffer_count = model.buffers() ? model.buffers()->size() : 0;
  const int64_t code_count = model.operator_codes() ? model.operator_codes()->size() : 0;
  std::vector<BufferExtent> extents;
  for (int64_t b = 0; b < buffer_count; ++b) {
    ASSIGN_OR_RETURN(BufferExtent extent, ExtentOf(*model.buffers()->Get(b), b, bytes));
    extents.push_back(extent);
  }

  const int tensor_count = file.TensorCount();
  std::vector<bool> available(tensor_count, false);  // an input, a constant, or written already
  for (int t = 0; t < tensor_count; ++t) {
    const tfl::Tensor& tensor = file.tensor(t);
    Shape shape;
    if (tensor.shape()) shape.assign(tensor.shape()->begin(), tensor.shape()->end());
    for (int64_t dim : shape) {
      if (dim < 0) {
        return Invalid(absl::StrCat(TensorLabel(tensor, t), " has dimension ", dim,
                                    " in its shape; only static shapes are supported"));
      }
    }
    RETURN_IF_ERROR(CheckShapeSize(shape, absl::StrCat(TensorLabel(tensor, t), " shape")));
    RETURN_IF_ERROR(CheckIndex(tensor.buffer(), std::max<int64_t>(buffer_count, 1),
                               absl::StrCat(TensorLabel(tensor, t), ": buffer")));
    const uint64_t held = tensor.buffer() < buffer_count ? extents[tensor.buffer()].size : 0;
    const int64_t element_bytes = TfliteElementBytes(tensor.type());
    if (held > 0 && element_bytes > 0) {
      const uint64_t needed = static_cast<uint64_t>(ElementCount(shape)) * element_bytes;
      if (held != needed) {
        return Invalid(absl::StrCat(TensorLabel(tensor, t), " has shape ", ShapeToString(shape), " (", needed,
                                    " bytes) but its buffer ", tensor.buffer(), " holds ", held, " bytes"));
      }
    }
    // A variable's value before the first run is its buffer, or zeros (the LSTM
    // converter reads it so; any other reader refuses it).
    available[t] = held > 0 || tensor.is_variable();
  }
  const tfl::SubGraph& subgraph = file.subgraph();
  for (const auto* list : {subgraph.inputs(), subgraph.outputs()}) {
    if (!list) continue;
    for (int32_t t : *list) {
      RETURN_IF_ERROR(CheckIndex(t, tensor_count, list == subgraph.inputs() ? "model input: tensor" : "model output: tensor"));
      if (list == subgraph.inputs()) available[t] = true;
    }
  }
  for (int o = 0; o < file.OperatorCount(); ++o) {
    const tfl::Operator& op = file.op(o);
    const std::string label = absl::StrCat("operator ", o);
    RETURN_IF_ERROR(CheckIndex(op.opcode_index(), code_count, absl::StrCat(label, ": operator code")));
    if (op.inputs()) {
      for (int32_t t : *op.inputs()) {
        if (t == -1) continue;  // an omitted optional input
        RETURN_IF_ERROR(CheckIndex(t, tensor_count, absl::StrCat(label, ": input tensor")));
        if (!available[t]) {
          return Invalid(absl::StrCat(label, " reads ", TensorLabel(file.tensor(t), t),
                                      " before any operator writes it (operators out of order, or a cycle)"));
        }
      }
    }
    if (op.outputs()) {
      for (int32_t t : *op.outputs()) {
        RETURN_IF_ERROR(CheckIndex(t, tensor_count, absl::StrCat(label, ": output tensor")));
        if (available[t]) {
          return Invalid(absl::StrCat(label, " writes ", TensorLabel(file.tensor(t), t),
                                      ", which is a model input, a constant or written before"));
        }
        available[t] = true;
      }
    }
  }
  if (subgraph.outputs()) {
    for (int32_t t : *subgraph.outputs()) {
      if (!available[t]) {
        return Invalid(absl::StrCat("model output ", TensorLabel(file.tensor(t), t), " is never written"));
      }
    }
  }
  return file;
}

bool TfliteFile::IsQuantized(int tensor_index) const {
  const tflite_format::Tensor& t = tensor(tensor_index);
  // Parameters on a float tensor (a converter's leftover) quantise nothing: ignored.
  const tflite_format::TensorType type = t.type();
  if (type == tflite_format::TensorType::FLOAT32 || type == tflite_format::TensorType::FLOAT16 ||
      type == tflite_format::TensorType::FLOAT64) {
    return false;
  }
  const tflite_format::QuantizationParameters* q = t.quantization();
  return q && q->scale() && q->scale()->size() > 0;
}

bool TfliteFile::HasQuantizedTensor(const tflite_format::Operator& op) const {
  for (const auto* list : {op.inputs(), op.outputs()}) {
    if (!list) continue;
    for (int32_t t : *list) {
      if (t >= 0 && IsQuantized(t)) return true;
    }
  }
  return false;
}

}  // namespace modelc
