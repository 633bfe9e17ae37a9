/* Runs the model compiled by the installed modelc once, through its descriptor, on an
 * all-zero input, and checks the outputs are finite probabilities that sum to 1. */
#include <math.h>
#include <stdio.h>

#include "digits.h"

static _Alignas(DIGITS_SCRATCH_ALIGNMENT) unsigned char scratch[DIGITS_SCRATCH_SIZE > 0 ? DIGITS_SCRATCH_SIZE : 1];
static float input[1024], output[1024];

int main(void) {
  const modelc_model_info *model = &digits_model_info;
  if (model->inputs[0].byte_size > sizeof input || model->outputs[0].byte_size > sizeof output) return 1;
  const void *inputs[] = {input};
  void *outputs[] = {output};
  if (model->run(inputs, outputs, scratch) != MODELC_OK) return 1;
  float sum = 0.0f;
  for (unsigned i = 0; i < model->outputs[0].byte_size / sizeof(float); ++i) {
    if (!isfinite(output[i]) || output[i] < 0.0f) return 1;
    sum += output[i];
  }
  if (fabsf(sum - 1.0f) > 1e-4f) return 1;
  printf("installed modelc: %s runs\n", model->name);
  return 0;
}
