/* Per-operator timing of a compiled model: the time between consecutive calls of the
 * trace callback is the time of the operator that just finished. Compile the model with
 * --trace --name bench, then
 *   cc -O2 -I OUT tools/benchmark/profile_layers.c OUT/bench.o -o profile && ./profile [RUNS]
 * Prints each operator's output tensor with its mean and its best (minimum) time over
 * RUNS runs (after as many warm-up runs), on zero inputs. On a noisy machine the best
 * time is the steadier figure for comparing kernels. The callback costs well under a
 * microsecond per call. An operator whose output is stored channels-last (the report
 * says which) also pays for the copy into ONNX's layout that the trace makes for the
 * callback: compare whole models with run_model.c or the benchmark. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define MAX_STEPS 4096

static double Now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

struct Profile {
  double last;
  int step;
  double total[MAX_STEPS];
  double best[MAX_STEPS];
  const char *names[MAX_STEPS];
};

static void Record(void *user, const modelc_tensor_info *tensor, const void *data) {
  struct Profile *p = user;
  (void)data;
  const double now = Now();
  if (p->step < MAX_STEPS) {
    p->total[p->step] += now - p->last;
    if (p->best[p->step] == 0.0 || now - p->last < p->best[p->step]) p->best[p->step] = now - p->last;
    p->names[p->step] = tensor->name;
  }
  ++p->step;
  p->last = Now();
}

int main(int argc, char **argv) {
  const modelc_model_info *m = &bench_model_info;
  const int runs = argc > 1 ? atoi(argv[1]) : 2000;
  const void *inputs[64];
  void *outputs[64];
  for (uint32_t i = 0; i < m->input_count; ++i) inputs[i] = calloc(1, m->inputs[i].byte_size + 64);
  for (uint32_t o = 0; o < m->output_count; ++o) outputs[o] = calloc(1, m->outputs[o].byte_size + 64);
  void *scratch = aligned_alloc(m->scratch_alignment, (m->scratch_size / m->scratch_alignment + 1) * m->scratch_alignment);
  static struct Profile profile;
  for (int pass = 0; pass < 2; ++pass) {  /* warm-up, then measure */
    memset(profile.total, 0, sizeof profile.total);
    memset(profile.best, 0, sizeof profile.best);
    for (int r = 0; r < runs; ++r) {
      profile.step = 0;
      profile.last = Now();
      if (bench_run_traced_generic(inputs, outputs, scratch, Record, &profile) != MODELC_OK) return 1;
    }
  }
  double sum = 0.0, best_sum = 0.0;
  printf("%-32s %12s %12s\n", "operator output", "mean us", "best us");
  for (int s = 0; s < profile.step && s < MAX_STEPS; ++s) {
    printf("%-32s %12.2f %12.2f\n", profile.names[s], profile.total[s] / runs, profile.best[s]);
    sum += profile.total[s] / runs;
    best_sum += profile.best[s];
  }
  printf("%-32s %12.2f %12.2f\n", "total", sum, best_sum);
  for (uint32_t i = 0; i < m->input_count; ++i) free((void *)inputs[i]);
  for (uint32_t o = 0; o < m->output_count; ++o) free(outputs[o]);
  free(scratch);
  return 0;
}
