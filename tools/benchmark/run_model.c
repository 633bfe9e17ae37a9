/* Times one compiled model (any model, through its descriptor): warm-up, then repeated
 * runs, each timed; prints a JSON line with the median, p10 and p90 in microseconds, and
 * writes the first output to a file so the caller can compare it with ONNX Runtime.
 *   run_model INPUT.bin OUTPUT.bin RUNS        (MODEL_INFO names the descriptor) */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modelc/abi.h"

extern const modelc_model_info MODEL_INFO;

static double NowMicroseconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int Compare(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void *Buffer(size_t bytes, size_t alignment) {
  return aligned_alloc(alignment, (bytes / alignment + 1) * alignment);
}

int main(int argc, char **argv) {
  const modelc_model_info *m = &MODEL_INFO;
  if (argc != 4 || !m->run) return 2; /* run is NULL with --weights external or --pool */
  const int runs = atoi(argv[3]);
  const void *inputs[64];
  void *outputs[64];
  FILE *in = fopen(argv[1], "rb");
  if (!in) return 2;
  for (uint32_t i = 0; i < m->input_count; ++i) {
    void *data = Buffer(m->inputs[i].byte_size, 64);
    if (fread(data, 1, m->inputs[i].byte_size, in) != m->inputs[i].byte_size) memset(data, 0, m->inputs[i].byte_size);
    inputs[i] = data;
  }
  fclose(in);
  for (uint32_t o = 0; o < m->output_count; ++o) outputs[o] = Buffer(m->outputs[o].byte_size, 64);
  void *scratch = Buffer(m->scratch_size, m->scratch_alignment);
  for (int i = 0; i < runs / 10 + 10; ++i) m->run(inputs, outputs, scratch);
  double *times = malloc(sizeof(double) * (size_t)runs);
  for (int i = 0; i < runs; ++i) {
    const double start = NowMicroseconds();
    m->run(inputs, outputs, scratch);
    times[i] = NowMicroseconds() - start;
  }
  qsort(times, (size_t)runs, sizeof(double), Compare);
  FILE *out = fopen(argv[2], "wb");
  if (out) {
    fwrite(outputs[0], 1, m->outputs[0].byte_size, out);
    fclose(out);
  }
  printf("{\"median_us\": %.3f, \"p10_us\": %.3f, \"p90_us\": %.3f, \"runs\": %d}\n", times[runs / 2],
         times[runs / 10], times[runs * 9 / 10], runs);
  return 0;
}
