/* Runs the model compiled by the installed modelc once, through its descriptor, on an
 * all-zero input, and checks the outputs are finite probabilities that sum to 1; then
 * quantises them with the installed runtime library. */
#include <math.h>
#include <stdio.h>

#include "digits.h"
#include "modelc/quantize.h"

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
  /* Probabilities in int8 with scale 1/256 and zero point -128: 1.0 saturates at 127. */
  int8_t q[2];
  const float p[2] = {1.0f, 0.0f};
  modelc_quantize_int8(p, q, 2, 1.0f / 256.0f, -128);
  if (q[0] != 127 || q[1] != -128) return 1;
  printf("installed modelc: %s runs\n", model->name);
  return 0;
}
