/* The binary interface shared by every model modelc compiles: status codes and the
 * descriptor types behind NAME_model_info. Each generated header embeds this text, so
 * a program needs only the model's header; a generic program that drives models it
 * does not know at build time can include this file instead. Plain C, no dependencies
 * beyond <stdint.h>. */
#ifndef MODELC_COMMON_ABI_2
#define MODELC_COMMON_ABI_2
#include <stdint.h>

/* The abi_version of descriptors laid out as below (NAME_ABI_VERSION of their headers).
 * 2: the descriptor ends with the pools and run_with_pools (--pool). */
#define MODELC_ABI_VERSION 2u

/* Status codes returned by every modelc entry point. */
#define MODELC_OK 0
#define MODELC_ERROR_NULL_POINTER 1 /* an input, output or needed scratch pointer is NULL */
#define MODELC_ERROR_MISALIGNED 2   /* a tensor is not aligned to its element size (4 bytes
                                       for float32), or the scratch is not aligned to the model's
                                       SCRATCH_ALIGNMENT (or the weights to 64 bytes) */
#define MODELC_ERROR_WEIGHTS 3      /* the weights blob is not this model's (--weights external) */
/* Element types in modelc_tensor_info (ONNX's TensorProto codes). Bools are one byte,
 * 0 or 1, declared uint8_t in the generated headers. */
#define MODELC_FLOAT32 1
#define MODELC_UINT8 2
#define MODELC_INT8 3
#define MODELC_UINT16 4
#define MODELC_INT16 5
#define MODELC_INT32 6
#define MODELC_INT64 7
#define MODELC_BOOL 9
#define MODELC_FLOAT64 11 /* double */
#define MODELC_UINT32 12
#define MODELC_UINT64 13

typedef struct modelc_tensor_info {
  const char *name;      /* the tensor's name in the model */
  int32_t element_type;  /* MODELC_FLOAT32, MODELC_INT64, ... */
  int32_t rank;
  const int64_t *shape;  /* rank entries */
  uint64_t byte_size;
} modelc_tensor_info;

/* One memory pool of a model compiled with --pool NAME=BYTES: the caller passes a
 * pointer to `size` bytes aligned to `alignment` for each, in the descriptor's order. */
typedef struct modelc_pool_info {
  const char *name;
  uint64_t size;
  uint64_t alignment;
} modelc_pool_info;

/* The descriptor NAME_model_info: everything a generic program needs to run a model. */
typedef struct modelc_model_info {
  const char *name;
  uint32_t abi_version;
  uint32_t input_count;
  uint32_t output_count;
  const modelc_tensor_info *inputs;   /* input_count entries, in model order */
  const modelc_tensor_info *outputs;  /* output_count entries, in model order */
  uint64_t scratch_size;              /* bytes the caller provides */
  uint64_t scratch_alignment;         /* their required alignment */
  uint64_t scratch_lower_bound;       /* activation bound: most bytes of tensors live at one
                                         step, without kernel workspaces */
  /* `scratch`: scratch_size bytes. NULL for models compiled with --weights external
   * (run_with_weights) or --pool (run_with_pools). */
  int (*run)(const void *const *inputs, void *const *outputs, void *scratch);
  /* Models compiled with --weights external: `run` is NULL, this takes the blob
   * (NAME.weights.bin, weights_bytes long, 64-byte aligned). NULL otherwise. */
  int (*run_with_weights)(const void *const *inputs, void *const *outputs, const void *weights, void *scratch);
  uint64_t weights_bytes;
  /* Models compiled with --pool: the pools, fastest first; scratch_size is the sum of
   * their sizes. 0 and NULL otherwise. */
  uint32_t pool_count;
  const modelc_pool_info *pools;
  /* Models compiled with --pool (`run` and `run_with_weights` are NULL): `pools` is an
   * array of pool_count pointers, `weights` the blob with --weights external, else
   * ignored. NULL otherwise. */
  int (*run_with_pools)(const void *const *inputs, void *const *outputs, const void *weights, void *const *pools);
} modelc_model_info;
/* Called by NAME_run_traced (models compiled with --trace) after every operator, once
 * per tensor it produced: the tensor's name, type and shape, and its data, valid during
 * the call only. `user` is the pointer given to NAME_run_traced. */
typedef void (*modelc_trace_fn)(void *user, const modelc_tensor_info *tensor, const void *data);
#endif /* MODELC_COMMON_ABI_2 */
