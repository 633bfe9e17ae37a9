/* Running any compiled model on the host through its descriptor (NAME_model_info),
 * on tensors read from files: the machinery behind `modelc run`, the conformance
 * tests, and a user's own host-side test harness. Host only (it allocates, reads files
 * and loads shared libraries); what firmware links is runtime/quantize.c and
 * runtime/baremetal. Every function returns 0 on success, or non-zero with a one-line
 * message in `error` (error_size bytes, always NUL-terminated). */
#ifndef MODELC_HOST_RUNNER_H_
#define MODELC_HOST_RUNNER_H_

#include <stddef.h>
#include <stdint.h>

#include "modelc/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MODELC_HOST_MAX_RANK 16

/* A tensor in host memory. `data` (64-byte aligned, byte_size bytes) and `name` belong
 * to the tensor: release them with modelc_host_tensor_free. */
typedef struct modelc_host_tensor {
  char *name;           /* NULL when the file gives none */
  int32_t element_type; /* ONNX's TensorProto codes: MODELC_FLOAT32, ..., 10 float16, 11 double */
  int32_t rank;
  int64_t shape[MODELC_HOST_MAX_RANK];
  uint64_t byte_size;
  void *data;
} modelc_host_tensor;

/* Reads a tensor from a NumPy .npy file (little-endian, C order) or a serialised ONNX
 * TensorProto (.pb, as in ONNX's test data), told apart by content. */
int modelc_host_tensor_read(const char *path, modelc_host_tensor *tensor, char *error, size_t error_size);
/* Writes a tensor as a .npy file (version 1.0). */
int modelc_host_tensor_write_npy(const char *path, const modelc_host_tensor *tensor, char *error, size_t error_size);
void modelc_host_tensor_free(modelc_host_tensor *tensor);
/* The name of an ONNX element type ("float32", "int64", ...), as messages print it. */
const char *modelc_host_type_name(int32_t element_type);
/* Bytes of one element of an ONNX element type; 0 for types without a fixed size. */
size_t modelc_host_element_size(int32_t element_type);

/* Links an object compiled for this machine into a shared library beside it (with $CC,
 * or cc) and loads it; returns its descriptor MODEL_NAME_model_info. *handle is for
 * modelc_host_unload. */
const modelc_model_info *modelc_host_load(const char *object_path, const char *model_name, void **handle,
                                          char *error, size_t error_size);
void modelc_host_unload(void *handle);

/* Runs a model on model->input_count inputs, whose element types and sizes must be the
 * model's; fills model->output_count outputs (allocated here, named as the model's).
 * The scratch is allocated and freed here. */
int modelc_host_run(const modelc_model_info *model, const modelc_host_tensor *inputs, modelc_host_tensor *outputs,
                    char *error, size_t error_size);

/* Compares an output with an expected tensor: same element type and element count;
 * floating-point elements within atol + rtol * |expected| (NaN equals NaN), others
 * exactly. On a difference returns 1 with the first differing element in `error`. */
int modelc_host_compare(const modelc_host_tensor *actual, const modelc_host_tensor *expected, double rtol,
                        double atol, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* MODELC_HOST_RUNNER_H_ */
