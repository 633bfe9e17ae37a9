/* A firmware-style program: two models compiled by modelc, linked into one image,
 * run again and again on different inputs from static buffers. No heap, no files:
 * the only library call is printf, which a board would replace with its UART.
 *
 * Both models share one scratch buffer, sized with the larger of their constants. */
#include <stdio.h>

#include "digit_images.h"
#include "digits_cnn.h"
#include "digits_mlp.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define SCRATCH_SIZE MAX(DIGITS_MLP_SCRATCH_SIZE, DIGITS_CNN_SCRATCH_SIZE)
#define SCRATCH_ALIGNMENT MAX(DIGITS_MLP_SCRATCH_ALIGNMENT, DIGITS_CNN_SCRATCH_ALIGNMENT)

static _Alignas(SCRATCH_ALIGNMENT) unsigned char scratch[SCRATCH_SIZE];
static float probabilities[DIGITS_MLP_OUT_PROBS_ELEMENTS];

static int ArgMax(const float *values, int count) {
  int best = 0;
  for (int i = 1; i < count; ++i) {
    if (values[i] > values[best]) best = i;
  }
  return best;
}

int main(void) {
  int agree_with_label[2] = {0, 0};
  printf("image  label  mlp (confidence)  cnn (confidence)\n");
  for (int i = 0; i < DIGIT_IMAGE_COUNT; ++i) {
    const float *image = digit_images[i];
    int predicted[2];
    float confidence[2];
    for (int model = 0; model < 2; ++model) {
      const int status = model == 0 ? digits_mlp_run(image, probabilities, scratch)
                                     : digits_cnn_run(image, probabilities, scratch);
      if (status != MODELC_OK) {
        printf("model %d failed with status %d\n", model, status);
        return 1;
      }
      predicted[model] = ArgMax(probabilities, DIGITS_MLP_OUT_PROBS_ELEMENTS);
      confidence[model] = probabilities[predicted[model]];
      agree_with_label[model] += predicted[model] == digit_labels[i];
    }
    printf("%5d  %5d  %3d (%.3f)         %3d (%.3f)\n", i, digit_labels[i], predicted[0], confidence[0],
           predicted[1], confidence[1]);
  }
  printf("correct: mlp %d/%d, cnn %d/%d; scratch shared by both models: %d bytes\n", agree_with_label[0],
         DIGIT_IMAGE_COUNT, agree_with_label[1], DIGIT_IMAGE_COUNT, (int)SCRATCH_SIZE);
  return 0;
}
