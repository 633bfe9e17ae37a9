/* Stack painting (see stack_usage.h), as the firmware sample's stack_paint.c does: up
 * to the stack pointer, so a call that needs only a few bytes is measured too. Painting
 * below the stack pointer is safe: nothing of the caller lives there. */
#include "stack_usage.h"

extern uint32_t __stack_limit[]; /* from the linker script */

#define STACK_PAINT 0x5EED5EEDu
#define STRINGIFY_VALUE(x) #x
#define STRINGIFY(x) STRINGIFY_VALUE(x)

/* In assembly: compiled C may push registers after reading the stack pointer, and the
 * loop would paint over them. */
__attribute__((naked, noinline)) void stack_usage_paint(void) {
  __asm__ volatile(
      "movw r0, #:lower16:__stack_limit\n\t"
      "movt r0, #:upper16:__stack_limit\n\t"
      "movw r1, #:lower16:" STRINGIFY(STACK_PAINT) "\n\t"
      "movt r1, #:upper16:" STRINGIFY(STACK_PAINT) "\n\t"
      "mov r2, sp\n"
      "1:\n\t"
      "cmp r0, r2\n\t"
      "bhs 2f\n\t"
      "str r1, [r0], #4\n\t"
      "b 1b\n"
      "2:\n\t"
      "bx lr\n");
}

uint32_t stack_usage_since_paint(const void *top) {
  const uint32_t *p = __stack_limit;
  while (p < (const uint32_t *)top && *p == STACK_PAINT) ++p;
  return (uint32_t)((const char *)top - (const char *)p);
}
