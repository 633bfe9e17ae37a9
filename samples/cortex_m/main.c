/* Bare-metal firmware: the two shipped digit models, compiled by modelc for this
 * Cortex-M (or 32-bit RISC-V core), run on held-out images stored in flash. Each output
 * is compared with the reference ONNX Runtime produced on the host; the exit status
 * (through semihosting) is 0 only when every output matches within 1e-4. Also prints
 * the footprint: flash and static RAM of the whole image, the shared scratch arena, and
 * the peak stack the generated code used (measured by painting the stack). No heap, no
 * printf. */
#include <stdint.h>

#include "digit_data.h"
#include "digits_cnn.h"
#include "digits_mlp.h"
#include "semihosting.h"
#include "stack_paint.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define SCRATCH_SIZE MAX(DIGITS_MLP_SCRATCH_SIZE, DIGITS_CNN_SCRATCH_SIZE)
#define SCRATCH_ALIGNMENT MAX(DIGITS_MLP_SCRATCH_ALIGNMENT, DIGITS_CNN_SCRATCH_ALIGNMENT)
#define CLASSES 10
#define PIXELS 64
#define TOLERANCE 1e-4f

extern const char __flash_used[], __ram_static[];

static _Alignas(SCRATCH_ALIGNMENT) unsigned char scratch[SCRATCH_SIZE];
static float probabilities[CLASSES];

typedef int (*RunFunction)(const float *, float *, void *);

static int ArgMax(const float *values) {
  int best = 0;
  for (int i = 1; i < CLASSES; ++i) {
    if (values[i] > values[best]) best = i;
  }
  return best;
}

/* Runs one model on every stored image; returns the number of mismatching outputs. */
static int CheckModel(const char *name, RunFunction run, const float *images, const float *expected,
                      uint32_t *peak_stack) {
  int mismatches = 0;
  uint32_t model_peak = 0;
  for (int i = 0; i < DIGIT_SAMPLE_COUNT; ++i) {
    const void *stack_before_call = current_stack_pointer();
    stack_paint();
    const int status = run(images + i * PIXELS, probabilities, scratch);
    const uint32_t used = stack_used_since_paint(stack_before_call);
    if (used > model_peak) model_peak = used;
    float worst = 0.0f;
    for (int c = 0; c < CLASSES; ++c) {
      float difference = probabilities[c] - expected[i * CLASSES + c];
      if (difference < 0) difference = -difference;
      if (!(difference <= worst)) worst = difference; /* NaN counts as worst */
    }
    const int ok = status == MODELC_OK && worst <= TOLERANCE;
    mismatches += !ok;
    semihosting_write(name);
    semihosting_write(" image ");
    semihosting_write_int(i);
    semihosting_write(": class ");
    semihosting_write_int(ArgMax(probabilities));
    semihosting_write(" (p=");
    semihosting_write_fixed(probabilities[ArgMax(probabilities)], 3);
    semihosting_write(") max |diff| vs ORT ");
    semihosting_write_fixed(worst * 1e6f, 2);
    semihosting_write("e-6 ");
    semihosting_write(ok ? "ok\n" : "MISMATCH\n");
  }
  semihosting_write(name);
  semihosting_write(": peak stack of one run ");
  semihosting_write_int((long)model_peak);
  semihosting_write(" bytes\n");
  if (model_peak > *peak_stack) *peak_stack = model_peak;
  return mismatches;
}

int main(void) {
  uint32_t peak_stack = 0;
  int mismatches = CheckModel("digits_mlp", digits_mlp_run, (const float *)digits_mlp_inputs,
                              (const float *)digits_mlp_references, &peak_stack);
  mismatches += CheckModel("digits_cnn", digits_cnn_run, (const float *)digits_cnn_inputs,
                           (const float *)digits_cnn_references, &peak_stack);
  semihosting_write("footprint: flash ");
  semihosting_write_int((long)(uintptr_t)__flash_used);
  semihosting_write(" bytes (code + weights + test data), static RAM ");
  semihosting_write_int((long)(uintptr_t)__ram_static);
  semihosting_write(" bytes (of which scratch ");
  semihosting_write_int(SCRATCH_SIZE);
  semihosting_write("), peak stack of the models ");
  semihosting_write_int((long)peak_stack);
  semihosting_write(" bytes\n");
  semihosting_write(mismatches == 0 ? "all outputs match the host reference\n" : "OUTPUTS DIFFER from the host reference\n");
  return mismatches == 0 ? 0 : 1;
}
