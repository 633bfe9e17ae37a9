/* Tensors in files: NumPy's .npy format (read and write) and ONNX's serialised
 * TensorProto (read). The TensorProto reader decodes the protobuf wire format of the
 * one message it needs (dims, data_type, name, raw_data and the typed repeated fields),
 * so that this runner needs no generated code and no C++ runtime. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failure.h"
#include "modelc/host_runner.h"

#define MAX_FILE_BYTES ((uint64_t)1 << 31) /* tensors of up to 2 GiB */

size_t modelc_host_element_size(int32_t element_type) {
  switch (element_type) {
    case 2: case 3: case 9: return 1;          /* uint8, int8, bool */
    case 4: case 5: case 10: case 16: return 2; /* uint16, int16, float16, bfloat16 */
    case 1: case 6: case 12: return 4;          /* float, int32, uint32 */
    case 7: case 11: case 13: return 8;         /* int64, double, uint64 */
    default: return 0;
  }
}

void modelc_host_tensor_free(modelc_host_tensor *tensor) {
  free(tensor->name);
  free(tensor->data);
  memset(tensor, 0, sizeof *tensor);
}

/* Allocates tensor->data for the element type and shape already set. */
static int allocate_data(modelc_host_tensor *tensor, const char *path, char *error, size_t error_size) {
  uint64_t count = 1;
  for (int32_t d = 0; d < tensor->rank; ++d) {
    if (tensor->shape[d] < 0) return modelc_host_fail(error, error_size, "%s: negative dimension %" PRId64, path, tensor->shape[d]);
    if (tensor->shape[d] != 0 && count > MAX_FILE_BYTES / (uint64_t)tensor->shape[d]) {
      return modelc_host_fail(error, error_size, "%s: the tensor's shape is too large", path);
    }
    count *= (uint64_t)tensor->shape[d];
  }
  const size_t element = modelc_host_element_size(tensor->element_type);
  if (element == 0) return modelc_host_fail(error, error_size, "%s: element type %d is not supported", path, tensor->element_type);
  if (count > MAX_FILE_BYTES / element) return modelc_host_fail(error, error_size, "%s: the tensor is larger than 2 GiB", path);
  tensor->byte_size = count * element;
  tensor->data = aligned_alloc(64, (tensor->byte_size / 64 + 1) * 64);
  if (!tensor->data) return modelc_host_fail(error, error_size, "%s: out of memory", path);
  memset(tensor->data, 0, tensor->byte_size);
  return 0;
}

static int read_whole_file(const char *path, unsigned char **bytes, size_t *size, char *error, size_t error_size) {
  FILE *file = fopen(path, "rb");
  if (!file) return modelc_host_fail(error, error_size, "%s: cannot open: %s", path, strerror(errno));
  size_t capacity = 0, used = 0;
  unsigned char *buffer = NULL;
  for (;;) {
    if (used == capacity) {
      if (capacity >= MAX_FILE_BYTES) {
        free(buffer);
        fclose(file);
        return modelc_host_fail(error, error_size, "%s: larger than 2 GiB", path);
      }
      capacity = capacity ? capacity * 2 : 65536;
      unsigned char *grown = realloc(buffer, capacity);
      if (!grown) {
        free(buffer);
        fclose(file);
        return modelc_host_fail(error, error_size, "%s: out of memory", path);
      }
      buffer = grown;
    }
    const size_t got = fread(buffer + used, 1, capacity - used, file);
    used += got;
    if (got == 0) break;
  }
  const int broken = ferror(file);
  fclose(file);
  if (broken) {
    free(buffer);
    return modelc_host_fail(error, error_size, "%s: read error", path);
  }
  *bytes = buffer;
  *size = used;
  return 0;
}

/* --- .npy ------------------------------------------------------------------------ */

static const unsigned char kNpyMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

static const struct {
  const char *descr;
  int32_t element_type;
} kNpyTypes[] = {{"f4", 1}, {"u1", 2}, {"i1", 3}, {"u2", 4}, {"i2", 5}, {"i4", 6}, {"i8", 7},
                 {"b1", 9}, {"f2", 10}, {"f8", 11}, {"u4", 12}, {"u8", 13}};

/* The value of 'key' in the header dictionary: a pointer just after "'key':" and blanks. */
static const char *npy_field(const char *header, const char *key) {
  char quoted[32];
  snprintf(quoted, sizeof quoted, "'%s'", key);
  const char *at = strstr(header, quoted);
  if (!at) return NULL;
  at += strlen(quoted);
  while (*at == ' ') ++at;
  if (*at != ':') return NULL;
  ++at;
  while (*at == ' ') ++at;
  return at;
}

static int read_npy(const char *path, const unsigned char *bytes, size_t size, modelc_host_tensor *tensor, char *error,
                    size_t error_size) {
  if (size < 10) return modelc_host_fail(error, error_size, "%s: truncated .npy header", path);
  const unsigned major = bytes[6];
  size_t header_size, header_start;
  if (major == 1) {
    header_size = (size_t)bytes[8] | (size_t)bytes[9] << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) return modelc_host_fail(error, error_size, "%s: truncated .npy header", path);
    header_size = (size_t)bytes[8] | (size_t)bytes[9] << 8 | (size_t)bytes[10] << 16 | (size_t)bytes[11] << 24;
    header_start = 12;
  } else {
    return modelc_host_fail(error, error_size, "%s: .npy version %u is not supported", path, major);
  }
  if (header_size > size - header_start || header_size > 65536) {
    return modelc_host_fail(error, error_size, "%s: truncated .npy header", path);
  }
  char header[65537];
  memcpy(header, bytes + header_start, header_size);
  header[header_size] = '\0';

  const char *descr = npy_field(header, "descr");
  if (!descr || *descr != '\'') return modelc_host_fail(error, error_size, "%s: .npy header without 'descr'", path);
  ++descr;
  if (descr[0] == '>' && !(descr[1] == 'i' && descr[2] == '1') && !(descr[1] == 'u' && descr[2] == '1')) {
    return modelc_host_fail(error, error_size, "%s: big-endian .npy data is not supported", path);
  }
  if (descr[0] == '<' || descr[0] == '|' || descr[0] == '=' || descr[0] == '>') ++descr;
  tensor->element_type = 0;
  for (size_t t = 0; t < sizeof kNpyTypes / sizeof kNpyTypes[0]; ++t) {
    const size_t n = strlen(kNpyTypes[t].descr);
    if (strncmp(descr, kNpyTypes[t].descr, n) == 0 && descr[n] == '\'') tensor->element_type = kNpyTypes[t].element_type;
  }
  if (tensor->element_type == 0) {
    return modelc_host_fail(error, error_size, "%s: .npy element type '%.8s' is not supported", path, descr);
  }
  const char *fortran = npy_field(header, "fortran_order");
  if (!fortran || strncmp(fortran, "False", 5) != 0) {
    return modelc_host_fail(error, error_size, "%s: only C-order .npy arrays are supported", path);
  }
  const char *shape = npy_field(header, "shape");
  if (!shape || *shape != '(') return modelc_host_fail(error, error_size, "%s: .npy header without 'shape'", path);
  ++shape;
  tensor->rank = 0;
  for (;;) {
    while (*shape == ' ' || *shape == ',') ++shape;
    if (*shape == ')') break;
    char *end;
    errno = 0;
    const long long dim = strtoll(shape, &end, 10);
    if (end == shape || errno || dim < 0) return modelc_host_fail(error, error_size, "%s: malformed .npy shape", path);
    if (tensor->rank == MODELC_HOST_MAX_RANK) {
      return modelc_host_fail(error, error_size, "%s: more than %d dimensions", path, MODELC_HOST_MAX_RANK);
    }
    tensor->shape[tensor->rank++] = dim;
    shape = end;
  }
  if (allocate_data(tensor, path, error, error_size)) return 1;
  const size_t data_start = header_start + header_size;
  if (size - data_start != tensor->byte_size) {
    return modelc_host_fail(error, error_size, "%s: .npy data holds %zu bytes, its shape needs %" PRIu64, path, size - data_start,
                tensor->byte_size);
  }
  memcpy(tensor->data, bytes + data_start, tensor->byte_size);
  return 0;
}

int modelc_host_tensor_write_npy(const char *path, const modelc_host_tensor *tensor, char *error, size_t error_size) {
  const char *descr = NULL;
  for (size_t t = 0; t < sizeof kNpyTypes / sizeof kNpyTypes[0]; ++t) {
    if (kNpyTypes[t].element_type == tensor->element_type) descr = kNpyTypes[t].descr;
  }
  if (!descr) return modelc_host_fail(error, error_size, "%s: element type %d has no .npy form", path, tensor->element_type);
  char header[1024];
  int length = snprintf(header, sizeof header, "{'descr': '%c%s', 'fortran_order': False, 'shape': (",
                        modelc_host_element_size(tensor->element_type) == 1 ? '|' : '<', descr);
  for (int32_t d = 0; d < tensor->rank; ++d) {
    length += snprintf(header + length, sizeof header - (size_t)length, "%" PRId64 "%s", tensor->shape[d],
                       tensor->rank == 1 || d + 1 < tensor->rank ? ", " : "");
  }
  length += snprintf(header + length, sizeof header - (size_t)length, "), }");
  /* Padded with spaces and a newline so that the data starts at a multiple of 64. */
  const size_t padded = ((10 + (size_t)length + 1 + 63) / 64) * 64 - 10;
  memset(header + length, ' ', padded - (size_t)length - 1);
  header[padded - 1] = '\n';
  FILE *file = fopen(path, "wb");
  if (!file) return modelc_host_fail(error, error_size, "%s: cannot create: %s", path, strerror(errno));
  const unsigned char preamble[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(padded & 0xFF),
                                      (unsigned char)(padded >> 8)};
  const int written = fwrite(preamble, 1, sizeof preamble, file) == sizeof preamble &&
                      fwrite(header, 1, padded, file) == padded &&
                      fwrite(tensor->data, 1, tensor->byte_size, file) == tensor->byte_size;
  if (fclose(file) != 0 || !written) return modelc_host_fail(error, error_size, "%s: write error", path);
  return 0;
}

/* --- ONNX TensorProto ------------------------------------------------------------ */

enum { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

typedef struct {
  const unsigned char *at, *end;
} cursor;

static int read_varint(cursor *c, uint64_t *value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (c->at == c->end) return 1;
    const unsigned char byte = *c->at++;
    result |= (uint64_t)(byte & 0x7F) << shift;
    if (!(byte & 0x80)) {
      *value = result;
      return 0;
    }
  }
  return 1;
}

/* The typed repeated fields of TensorProto, by field number. */
enum { kDims = 1, kDataType = 2, kSegment = 3, kFloatData = 4, kInt32Data = 5, kStringData = 6, kInt64Data = 7,
       kName = 8, kRawData = 9, kDoubleData = 10, kUint64Data = 11, kExternalData = 13, kDataLocation = 14 };

/* Where the values of a repeated numeric field go: counted in the first pass (dims
 * become the shape), written into tensor->data in the second. */
typedef struct {
  modelc_host_tensor *tensor;
  uint64_t count; /* data values seen so far */
  int store;      /* the second pass */
} value_sink;

static int take_value(value_sink *sink, int field, uint64_t bits) {
  modelc_host_tensor *t = sink->tensor;
  if (field == kDims) {
    if (sink->store) return 0;
    if (t->rank == MODELC_HOST_MAX_RANK) return 1;
    t->shape[t->rank++] = (int64_t)bits;
    return 0;
  }
  const uint64_t i = sink->count++;
  if (!sink->store) return 0;
  const size_t element = modelc_host_element_size(t->element_type);
  if ((i + 1) * element > t->byte_size) return 0; /* too many values: refused after the pass */
  unsigned char *out = (unsigned char *)t->data + i * element;
  if (element == 8) {
    memcpy(out, &bits, 8);
  } else if (element == 4) {
    const uint32_t v = (uint32_t)bits; /* float bits, int32, uint32 */
    memcpy(out, &v, 4);
  } else if (element == 2) {
    const uint16_t v = (uint16_t)bits; /* int16, uint16, float16 and bfloat16 bits */
    memcpy(out, &v, 2);
  } else {
    out[0] = (unsigned char)bits;
  }
  return 0;
}

/* Reads one occurrence of a repeated numeric field, packed or not. */
static int visit_values(cursor *c, int field, int wire_type, value_sink *sink) {
  const int element_wire = field == kFloatData ? kFixed32 : field == kDoubleData ? kFixed64 : kVarint;
  cursor values = *c;
  if (wire_type == kLengthDelimited) {
    uint64_t length;
    if (read_varint(c, &length) || length > (uint64_t)(c->end - c->at)) return 1;
    values.at = c->at;
    values.end = c->at + length;
    c->at += length;
  } else if (wire_type != element_wire) {
    return 1;
  }
  do {
    uint64_t bits = 0;
    if (element_wire == kVarint) {
      if (read_varint(&values, &bits)) return 1;
    } else {
      const size_t n = element_wire == kFixed32 ? 4 : 8;
      if ((size_t)(values.end - values.at) < n) return 1;
      for (size_t b = 0; b < n; ++b) bits |= (uint64_t)values.at[b] << (8 * b);
      values.at += n;
    }
    if (take_value(sink, field, bits)) return 1;
  } while (wire_type == kLengthDelimited && values.at < values.end);
  if (wire_type != kLengthDelimited) *c = values;
  return 0;
}

static int skip_field(cursor *c, int wire_type) {
  uint64_t length;
  switch (wire_type) {
    case kVarint: return read_varint(c, &length);
    case kFixed64: length = 8; break;
    case kFixed32: length = 4; break;
    case kLengthDelimited:
      if (read_varint(c, &length)) return 1;
      break;
    default: return 1; /* groups: not in TensorProto */
  }
  if (length > (uint64_t)(c->end - c->at)) return 1;
  c->at += length;
  return 0;
}

/* The field that holds the values of an element type when raw_data is absent. */
static int typed_field(int32_t element_type) {
  switch (element_type) {
    case 1: return kFloatData;
    case 11: return kDoubleData;
    case 7: return kInt64Data;
    case 12: case 13: return kUint64Data;
    default: return kInt32Data;
  }
}

/* One pass over the message; the second (store) pass fills tensor->data. */
static int walk_tensor_proto(const char *path, const unsigned char *bytes, size_t size, modelc_host_tensor *tensor,
                             int store, uint64_t *typed_values, char *error, size_t error_size) {
  cursor c = {bytes, bytes + size};
  value_sink sink = {tensor, 0, store};
  int raw_seen = 0;
  if (!store) tensor->rank = 0;
  while (c.at < c.end) {
    uint64_t key;
    if (read_varint(&c, &key) || key >> 3 == 0 || key >> 3 > 536870911) goto malformed;
    const int field = (int)(key >> 3), wire_type = (int)(key & 7);
    switch (field) {
      case kDims:
        if (visit_values(&c, kDims, wire_type, &sink)) {
          if (tensor->rank == MODELC_HOST_MAX_RANK) {
            return modelc_host_fail(error, error_size, "%s: more than %d dimensions", path, MODELC_HOST_MAX_RANK);
          }
          goto malformed;
        }
        break;
      case kDataType: {
        uint64_t type;
        if (wire_type != kVarint || read_varint(&c, &type)) goto malformed;
        if (!store) tensor->element_type = (int32_t)type;
        break;
      }
      case kSegment: return modelc_host_fail(error, error_size, "%s: segmented tensors are not supported", path);
      case kStringData: return modelc_host_fail(error, error_size, "%s: string tensors are not supported", path);
      case kExternalData: return modelc_host_fail(error, error_size, "%s: tensors with external data are not supported", path);
      case kDataLocation: {
        uint64_t location;
        if (wire_type != kVarint || read_varint(&c, &location)) goto malformed;
        if (location != 0) return modelc_host_fail(error, error_size, "%s: tensors with external data are not supported", path);
        break;
      }
      case kName: {
        uint64_t length;
        if (wire_type != kLengthDelimited || read_varint(&c, &length) || length > (uint64_t)(c.end - c.at)) {
          goto malformed;
        }
        if (!store) {
          free(tensor->name);
          tensor->name = malloc(length + 1);
          if (!tensor->name) return modelc_host_fail(error, error_size, "%s: out of memory", path);
          memcpy(tensor->name, c.at, length);
          tensor->name[length] = '\0';
        }
        c.at += length;
        break;
      }
      case kRawData: {
        uint64_t length;
        if (wire_type != kLengthDelimited || read_varint(&c, &length) || length > (uint64_t)(c.end - c.at)) {
          goto malformed;
        }
        if (store) {
          if (length != tensor->byte_size) {
            return modelc_host_fail(error, error_size, "%s: raw_data holds %" PRIu64 " bytes, the shape needs %" PRIu64, path,
                        length, tensor->byte_size);
          }
          memcpy(tensor->data, c.at, length);
        }
        raw_seen = 1;
        c.at += length;
        break;
      }
      case kFloatData: case kInt32Data: case kInt64Data: case kDoubleData: case kUint64Data:
        if (store && field != typed_field(tensor->element_type)) {
          if (skip_field(&c, wire_type)) goto malformed;
        } else if (visit_values(&c, field, wire_type, &sink)) {
          goto malformed;
        }
        break;
      default:
        if (skip_field(&c, wire_type)) goto malformed;
    }
  }
  *typed_values = sink.count;
  if (store && raw_seen && sink.count) return modelc_host_fail(error, error_size, "%s: both raw_data and typed values", path);
  return 0;
malformed:
  return modelc_host_fail(error, error_size, "%s: not a .npy file nor a valid ONNX TensorProto", path);
}

static int read_tensor_proto(const char *path, const unsigned char *bytes, size_t size, modelc_host_tensor *tensor,
                             char *error, size_t error_size) {
  uint64_t values = 0;
  if (walk_tensor_proto(path, bytes, size, tensor, 0, &values, error, error_size)) return 1;
  if (tensor->element_type == 0) return modelc_host_fail(error, error_size, "%s: not a .npy file nor an ONNX TensorProto", path);
  if (allocate_data(tensor, path, error, error_size)) return 1;
  if (walk_tensor_proto(path, bytes, size, tensor, 1, &values, error, error_size)) return 1;
  const uint64_t count = tensor->byte_size / modelc_host_element_size(tensor->element_type);
  if (values != 0 && values != count) {
    return modelc_host_fail(error, error_size, "%s: %" PRIu64 " values for a shape of %" PRIu64 " elements", path, values, count);
  }
  return 0;
}

int modelc_host_tensor_read(const char *path, modelc_host_tensor *tensor, char *error, size_t error_size) {
  memset(tensor, 0, sizeof *tensor);
  unsigned char *bytes = NULL;
  size_t size = 0;
  if (read_whole_file(path, &bytes, &size, error, error_size)) return 1;
  const int failed = size >= sizeof kNpyMagic && memcmp(bytes, kNpyMagic, sizeof kNpyMagic) == 0
                         ? read_npy(path, bytes, size, tensor, error, error_size)
                         : read_tensor_proto(path, bytes, size, tensor, error, error_size);
  free(bytes);
  if (failed) modelc_host_tensor_free(tensor);
  return failed;
}
