/* Single-core float32 FMA peak: independent fused multiply-adds on the widest vectors
 * the compiler targets (-march=native), enough accumulators to hide the latency.
 * Prints GFLOP/s (2 FLOP per lane per FMA). */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
#define ACCUMULATORS 12

typedef float vec __attribute__((vector_size(LANES * 4)));

int main(void) {
  vec acc[ACCUMULATORS], a, b;
  for (int l = 0; l < LANES; ++l) {
    a[l] = 1.0000001f;
    b[l] = 0.9999999f;
  }
  for (int i = 0; i < ACCUMULATORS; ++i) acc[i] = a * (float)i;
  const long iterations = 200000000L / (LANES * ACCUMULATORS) * 8;
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long n = 0; n < iterations; ++n) {
    /* Written out so that every accumulator is its own register. */
    acc[0] = acc[0] * a + b; acc[1] = acc[1] * a + b; acc[2] = acc[2] * a + b;
    acc[3] = acc[3] * a + b; acc[4] = acc[4] * a + b; acc[5] = acc[5] * a + b;
    acc[6] = acc[6] * a + b; acc[7] = acc[7] * a + b; acc[8] = acc[8] * a + b;
    acc[9] = acc[9] * a + b; acc[10] = acc[10] * a + b; acc[11] = acc[11] * a + b;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  const double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
  float sink = 0;
  for (int i = 0; i < ACCUMULATORS; ++i) sink += acc[i][0];
  printf("{\"gflops\": %.2f, \"lanes\": %d, \"sink\": %g}\n",
         2.0 * LANES * ACCUMULATORS * (double)iterations / seconds / 1e9, LANES, sink);
  return 0;
}
