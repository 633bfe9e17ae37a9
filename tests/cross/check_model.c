/* Runs a compiled model (through its descriptor) on every sample in an input file and
 * compares each output with a reference file (raw float32, samples one after another).
 * Exit status 0 only when every element is within the tolerance. Built for cross
 * targets and run under emulation; MODEL_INFO names the model's descriptor. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelc/abi.h"

extern const modelc_model_info MODEL_INFO;

static void *ReadFile(const char *path, long *size) {
  FILE *file = fopen(path, "rb");
  if (!file) return NULL;
  fseek(file, 0, SEEK_END);
  *size = ftell(file);
  fseek(file, 0, SEEK_SET);
  void *data = aligned_alloc(64, (size_t)(*size + 63) / 64 * 64);
  if (data && fread(data, 1, (size_t)*size, file) != (size_t)*size) *size = -1;
  fclose(file);
  return data;
}

int main(int argc, char **argv) {
  const modelc_model_info *model = &MODEL_INFO;
  if (argc != 3 || model->input_count != 1 || model->output_count != 1) {
    fprintf(stderr, "usage: %s INPUTS.bin REFERENCES.bin (single-input, single-output models)\n", argv[0]);
    return 2;
  }
  long input_bytes = 0, reference_bytes = 0;
  const float *inputs = ReadFile(argv[1], &input_bytes);
  const float *references = ReadFile(argv[2], &reference_bytes);
  const long in_size = (long)model->inputs[0].byte_size, out_size = (long)model->outputs[0].byte_size;
  if (!inputs || !references || input_bytes <= 0 || input_bytes % in_size != 0 ||
      reference_bytes != input_bytes / in_size * out_size) {
    fprintf(stderr, "%s: data files missing or of the wrong size\n", model->name);
    return 2;
  }
  const long samples = input_bytes / in_size;
  /* Guard bytes after the scratch must come back unchanged: the arena ends at its top
   * tensor's last byte, and no kernel may write past it. */
  enum { kGuardBytes = 64, kGuardValue = 0xC5 };
  const size_t scratch_bytes = (model->scratch_size + kGuardBytes + model->scratch_alignment - 1) /
                               model->scratch_alignment * model->scratch_alignment;
  unsigned char *scratch = aligned_alloc(model->scratch_alignment, scratch_bytes);
  memset(scratch + model->scratch_size, kGuardValue, scratch_bytes - model->scratch_size);
  float *output = aligned_alloc(64, (size_t)(out_size + 63) / 64 * 64);
  int failures = 0;
  double worst = 0.0;
  for (long s = 0; s < samples; ++s) {
    const void *in[] = {inputs + s * (in_size / 4)};
    void *out[] = {output};
    if (model->run(in, out, scratch) != MODELC_OK) {
      ++failures;
      continue;
    }
    for (long i = 0; i < out_size / 4; ++i) {
      const double difference = fabs((double)output[i] - references[s * (out_size / 4) + i]);
      if (!(difference <= 1e-4)) ++failures;
      if (difference > worst || difference != difference) worst = difference;
    }
  }
  for (size_t i = model->scratch_size; i < scratch_bytes; ++i) {
    if (scratch[i] != kGuardValue) {
      fprintf(stderr, "%s: a kernel wrote past the end of the scratch (byte %zu)\n", model->name, i);
      return 1;
    }
  }
  printf("%s: %ld samples, max |diff| %.3g, %s\n", model->name, samples, worst, failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
