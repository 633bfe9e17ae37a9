/* The compiled Sqrt against the C library's sqrtf, bit for bit (IEEE 754 asks for the
 * correctly rounded root; both NaN counts as equal): special values (+-0, +-inf, NaN,
 * negative numbers, subnormals, the largest float) and a sweep over every exponent and
 * many mantissas. On a core without an FPU the object computes the root itself
 * (compiler/backend/soft_sqrt.cc), since it may not call libm; on one with an FPU this
 * checks the instruction. Prints one line; exit status 0 only when all match. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "semihosting.h"
#include "sqrt_only.h"

#define COUNT SQRT_ONLY_IN_X_ELEMENTS

static _Alignas(SQRT_ONLY_SCRATCH_ALIGNMENT) unsigned char scratch[SQRT_ONLY_SCRATCH_SIZE > 0 ? SQRT_ONLY_SCRATCH_SIZE : 1];
static float inputs[COUNT], outputs[COUNT];

static float FromBits(uint32_t bits) {
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

static uint32_t ToBits(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

int main(void) {
  static const uint32_t special[] = {
      0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xbf800000u, 0x80000001u,
      0x00000001u, 0x00000002u, 0x00000003u, 0x007fffffu, 0x00400000u, 0x00012345u, 0x00800000u,
      0x7f7fffffu, 0x3f800000u, 0x40000000u, 0x40800000u, 0x3e800000u, 0x3f800001u, 0x3f7fffffu};
  const uint32_t special_count = sizeof special / sizeof special[0];
  uint32_t state = 12345u; /* xorshift32: mantissas spread over the whole range */
  for (uint32_t i = 0; i < COUNT; ++i) {
    if (i < special_count) {
      inputs[i] = FromBits(special[i]);
    } else {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      const uint32_t exponent = i % 256u; /* every exponent, subnormal (0) to inf/NaN (255) */
      inputs[i] = FromBits((exponent << 23) | (state & 0x007fffffu));
    }
  }
  if (sqrt_only_run(inputs, outputs, scratch) != MODELC_OK) {
    semihosting_write("error: the model returned an error status\n");
    return 1;
  }
  uint32_t mismatches = 0;
  for (uint32_t i = 0; i < COUNT; ++i) {
    const float expected = sqrtf(inputs[i]);
    const int both_nan = outputs[i] != outputs[i] && expected != expected;
    if (!both_nan && ToBits(outputs[i]) != ToBits(expected)) {
      if (++mismatches <= 5) {
        semihosting_write("sqrt of bits ");
        semihosting_write_int((long)ToBits(inputs[i]));
        semihosting_write(": got bits ");
        semihosting_write_int((long)ToBits(outputs[i]));
        semihosting_write(", sqrtf gives ");
        semihosting_write_int((long)ToBits(expected));
        semihosting_write("\n");
      }
    }
  }
  if (mismatches > 0) {
    semihosting_write("sqrt_only: MISMATCH in ");
    semihosting_write_int((long)mismatches);
    semihosting_write(" of " );
    semihosting_write_int(COUNT);
    semihosting_write(" roots\n");
    return 1;
  }
  semihosting_write("sqrt_only: all roots equal sqrtf's\n");
  return 0;
}
