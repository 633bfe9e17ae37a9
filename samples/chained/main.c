/* Two models chained by hand: a feature extractor (digits_cnn compiled with
 * --outputs flat, and --trace) feeds its 64 features to a classifier head (digits_cnn
 * compiled with --inputs flat). The trace hook prints an intermediate tensor of the
 * extractor. Both share one scratch buffer; the chain must give exactly what the full
 * model gives, which the extractor also returns. Static buffers only. */
#include <stdio.h>
#include <string.h>

#include "digit_images.h"
#include "digits_features.h"
#include "digits_head.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define SCRATCH_SIZE MAX(DIGITS_FEATURES_SCRATCH_SIZE, DIGITS_HEAD_SCRATCH_SIZE)
#define SCRATCH_ALIGNMENT MAX(DIGITS_FEATURES_SCRATCH_ALIGNMENT, DIGITS_HEAD_SCRATCH_ALIGNMENT)

static _Alignas(SCRATCH_ALIGNMENT) unsigned char scratch[SCRATCH_SIZE];
static float full_model[DIGITS_FEATURES_OUT_PROBS_ELEMENTS];
static float features[DIGITS_FEATURES_OUT_FLAT_ELEMENTS];
static float chained[DIGITS_HEAD_OUT_PROBS_ELEMENTS];

/* Prints the first pooling layer's output: one line per channel, its strongest value. */
static void PrintPool1(void *user, const modelc_tensor_info *tensor, const void *data) {
  (void)user;
  if (strcmp(tensor->name, "pool1") != 0) return;
  const float *values = data;
  const int64_t channels = tensor->shape[1], area = tensor->shape[2] * tensor->shape[3];
  printf("  trace: '%s' [%lld,%lld,%lld,%lld], strongest response per channel:", tensor->name,
         (long long)tensor->shape[0], (long long)channels, (long long)tensor->shape[2], (long long)tensor->shape[3]);
  for (int64_t c = 0; c < channels; ++c) {
    float strongest = values[c * area];
    for (int64_t i = 1; i < area; ++i) strongest = MAX(strongest, values[c * area + i]);
    printf(" %.2f", strongest);
  }
  printf("\n");
}

int main(void) {
  int agree = 0;
  for (int i = 0; i < DIGIT_IMAGE_COUNT; ++i) {
    modelc_trace_fn trace = i == 0 ? PrintPool1 : NULL;  /* trace the first image only */
    if (digits_features_run_traced(digit_images[i], full_model, features, scratch, trace, NULL) != MODELC_OK ||
        digits_head_run(features, chained, scratch) != MODELC_OK) {
      return 1;
    }
    unsigned best = 0;
    for (unsigned c = 1; c < DIGITS_HEAD_OUT_PROBS_ELEMENTS; ++c) best = chained[c] > chained[best] ? c : best;
    const int same = memcmp(chained, full_model, sizeof chained) == 0;
    agree += same;
    printf("image %d (label %d): class %u, p=%.3f, chain %s the full model\n", i, digit_labels[i], best,
           chained[best], same ? "equals" : "DIFFERS FROM");
  }
  printf("%d/%d chained results equal the full model's\n", agree, DIGIT_IMAGE_COUNT);
  return agree == DIGIT_IMAGE_COUNT ? 0 : 1;
}
