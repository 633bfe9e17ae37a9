/* Running a model through its descriptor on host tensors, and comparing its outputs
 * with expected ones. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failure.h"
#include "modelc/host_runner.h"

const char *modelc_host_type_name(int32_t element_type) {
  static const char *const kNames[] = {"undefined", "float32", "uint8",  "int8",   "uint16",  "int16",  "int32",
                                       "int64",     "string",  "bool",   "float16", "float64", "uint32", "uint64"};
  return element_type >= 0 && element_type < (int32_t)(sizeof kNames / sizeof kNames[0]) ? kNames[element_type]
                                                                                          : "an unsupported type";
}

int modelc_host_run(const modelc_model_info *model, const modelc_host_tensor *inputs, modelc_host_tensor *outputs,
                    char *error, size_t error_size) {
  if (model->abi_version != MODELC_ABI_VERSION) {
    return modelc_host_fail(error, error_size, "model '%s' was compiled for ABI version %u, this runner reads version %u",
                            model->name, model->abi_version, MODELC_ABI_VERSION);
  }
  if (model->weights_bytes != 0 || (!model->run && !model->run_with_pools)) {
    return modelc_host_fail(error, error_size, "model '%s' takes external weights; compile it with embedded weights to run it here",
                model->name);
  }
  for (uint32_t i = 0; i < model->input_count; ++i) {
    const modelc_tensor_info *want = &model->inputs[i];
    if (inputs[i].element_type != want->element_type) {
      return modelc_host_fail(error, error_size, "input %u ('%s') is %s, the model takes %s", i, want->name,
                  modelc_host_type_name(inputs[i].element_type), modelc_host_type_name(want->element_type));
    }
    if (inputs[i].byte_size != want->byte_size) {
      return modelc_host_fail(error, error_size, "input %u ('%s') holds %" PRIu64 " bytes, the model takes %" PRIu64, i,
                  want->name, inputs[i].byte_size, want->byte_size);
    }
  }
  const void **in = calloc(model->input_count + 1, sizeof *in);
  void **out = calloc(model->output_count + 1, sizeof *out);
  /* The scratch, or (--pool) each pool in an allocation of its own and their pointers. */
  const uint64_t alignment = model->scratch_alignment ? model->scratch_alignment : 1;
  void *scratch = NULL;
  void **pools = calloc(model->pool_count + 1, sizeof *pools);
  int failed = !pools;
  if (model->pool_count == 0) {
    scratch = aligned_alloc(alignment, (model->scratch_size / alignment + 1) * alignment);
    failed |= !scratch;
  }
  for (uint32_t p = 0; p < model->pool_count && !failed; ++p) {
    const uint64_t pool_alignment = model->pools[p].alignment ? model->pools[p].alignment : 1;
    pools[p] = aligned_alloc(pool_alignment, (model->pools[p].size / pool_alignment + 1) * pool_alignment);
    failed |= !pools[p];
  }
  memset(outputs, 0, model->output_count * sizeof *outputs);
  failed |= !in || !out;
  for (uint32_t o = 0; o < model->output_count && !failed; ++o) {
    const modelc_tensor_info *info = &model->outputs[o];
    modelc_host_tensor *t = &outputs[o];
    t->element_type = info->element_type;
    t->rank = info->rank <= MODELC_HOST_MAX_RANK ? info->rank : 0;
    for (int32_t d = 0; d < t->rank; ++d) t->shape[d] = info->shape[d];
    t->byte_size = info->byte_size;
    t->name = malloc(strlen(info->name) + 1);
    t->data = aligned_alloc(64, (info->byte_size / 64 + 1) * 64);
    failed = !t->name || !t->data || info->rank > MODELC_HOST_MAX_RANK;
    if (t->name) strcpy(t->name, info->name);
    if (t->data) memset(t->data, 0xA5, info->byte_size); /* a poison pattern, not zeros */
    out[o] = t->data;
  }
  int status = MODELC_OK;
  if (!failed) {
    for (uint32_t i = 0; i < model->input_count; ++i) in[i] = inputs[i].data;
    status = model->pool_count ? model->run_with_pools(in, out, NULL, pools) : model->run(in, out, scratch);
  }
  free(in);
  free(out);
  free(scratch);
  for (uint32_t p = 0; pools && p < model->pool_count; ++p) free(pools[p]);
  free(pools);
  if (failed) {
    for (uint32_t o = 0; o < model->output_count; ++o) modelc_host_tensor_free(&outputs[o]);
    return modelc_host_fail(error, error_size, "out of memory running model '%s'", model->name);
  }
  if (status != MODELC_OK) {
    for (uint32_t o = 0; o < model->output_count; ++o) modelc_host_tensor_free(&outputs[o]);
    return modelc_host_fail(error, error_size, "model '%s' returned status %d", model->name, status);
  }
  return 0;
}

int modelc_host_compare(const modelc_host_tensor *actual, const modelc_host_tensor *expected, double rtol, double atol,
                        char *error, size_t error_size) {
  if (actual->element_type != expected->element_type) {
    return modelc_host_fail(error, error_size, "%s, expected %s", modelc_host_type_name(actual->element_type), modelc_host_type_name(expected->element_type));
  }
  if (actual->byte_size != expected->byte_size) {
    return modelc_host_fail(error, error_size, "%" PRIu64 " bytes, expected %" PRIu64, actual->byte_size, expected->byte_size);
  }
  const size_t element = modelc_host_element_size(actual->element_type);
  const uint64_t count = element ? actual->byte_size / element : 0;
  for (uint64_t i = 0; i < count; ++i) {
    const unsigned char *a = (const unsigned char *)actual->data + i * element;
    const unsigned char *e = (const unsigned char *)expected->data + i * element;
    if (actual->element_type != MODELC_FLOAT32 && actual->element_type != MODELC_FLOAT64) {
      if (memcmp(a, e, element) != 0) return modelc_host_fail(error, error_size, "element %" PRIu64 " differs", i);
      continue;
    }
    double x, y;
    if (element == 4) {
      float xf, yf;
      memcpy(&xf, a, 4);
      memcpy(&yf, e, 4);
      x = xf;
      y = yf;
    } else {
      memcpy(&x, a, 8);
      memcpy(&y, e, 8);
    }
    const int both_nan = x != x && y != y;
    const double difference = x > y ? x - y : y - x;
    const double magnitude = y < 0 ? -y : y;
    if (!both_nan && x != y && !(difference <= atol + rtol * magnitude)) {
      return modelc_host_fail(error, error_size, "element %" PRIu64 " is %.9g, expected %.9g", i, x, y);
    }
  }
  return 0;
}
