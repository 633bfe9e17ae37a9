/* Semihosting calls: the operation in the first argument register (r0, a0) and its
 * argument in the second (r1, a1); Arm traps with `bkpt 0xab`, RISC-V with its marked
 * ebreak. */
#include "semihosting.h"

enum {
  kSysWrite0 = 0x04,                   /* print a NUL-terminated string */
  kSysExit = 0x18,                     /* stop, with a reason code */
  kStoppedApplicationExit = 0x20026,   /* reason: normal exit (QEMU exits 0) */
  kStoppedRunTimeErrorUnknown = 0x20023 /* reason: failure (QEMU exits 1) */
};

static long Call(long operation, const void *argument) {
#if defined(__riscv)
  /* RISC-V's semihosting trap: ebreak between two marker instructions, uncompressed. */
  register long a0 __asm__("a0") = operation;
  register const void *a1 __asm__("a1") = argument;
  __asm__ volatile(
      ".balign 16\n\t" /* all three in one page, as the specification asks */
      ".option push\n\t"
      ".option norvc\n\t"
      "slli zero, zero, 0x1f\n\t"
      "ebreak\n\t"
      "srai zero, zero, 7\n\t"
      ".option pop"
      : "+r"(a0)
      : "r"(a1)
      : "memory");
  return a0;
#else
  register long r0 __asm__("r0") = operation;
  register const void *r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
#endif
}

void semihosting_write(const char *text) { Call(kSysWrite0, text); }

void semihosting_write_int(long value) {
  char buffer[24];
  char *p = buffer + sizeof buffer;
  unsigned long magnitude = value < 0 ? 0ul - (unsigned long)value : (unsigned long)value;
  *--p = '\0';
  do {
    *--p = (char)('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0) *--p = '-';
  semihosting_write(p);
}

void semihosting_write_fixed(float value, int decimals) {
  long scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  if (value < 0) {
    semihosting_write("-");
    value = -value;
  }
  const long scaled = (long)(value * (float)scale + 0.5f);
  semihosting_write_int(scaled / scale);
  semihosting_write(".");
  char digits[12];
  long fraction = scaled % scale;
  for (int i = decimals - 1; i >= 0; --i) {
    digits[i] = (char)('0' + fraction % 10);
    fraction /= 10;
  }
  digits[decimals] = '\0';
  semihosting_write(digits);
}

_Noreturn void semihosting_exit(int status) {
  Call(kSysExit, (const void *)(long)(status == 0 ? kStoppedApplicationExit : kStoppedRunTimeErrorUnknown));
  for (;;) {
  }
}
