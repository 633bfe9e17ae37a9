/* Stack painting for the firmware (see stack_paint.h); the stack's lower end comes from
 * the linker script (firmware.ld). stack_paint is written in assembly: compiled C could
 * keep registers on the stack below the pointer it read, and the loop would paint over
 * them. Being naked, it has no frame, so it paints right up to its caller's stack
 * pointer and a call of a few bytes is measured exactly. */
#include "stack_paint.h"

extern uint32_t __stack_limit[];

#define STACK_PAINT 0xC0FFEE11u
#define STRINGIFY_VALUE(x) #x
#define STRINGIFY(x) STRINGIFY_VALUE(x)

__attribute__((naked, noinline)) void stack_paint(void) {
#if defined(__riscv)
  __asm__ volatile(
      "la t0, __stack_limit\n\t"
      "li t1, " STRINGIFY(STACK_PAINT) "\n"
      "1:\n\t"
      "bgeu t0, sp, 2f\n\t"
      "sw t1, 0(t0)\n\t"
      "addi t0, t0, 4\n\t"
      "j 1b\n"
      "2:\n\t"
      "ret\n");
#else
  __asm__ volatile(  /* Thumb instructions every Cortex-M has */
      "ldr r0, =__stack_limit\n\t"
      "ldr r1, =" STRINGIFY(STACK_PAINT) "\n\t"
      "mov r2, sp\n"
      "1:\n\t"
      "cmp r0, r2\n\t"
      "bhs 2f\n\t"
      "str r1, [r0]\n\t"
      "adds r0, r0, #4\n\t"
      "b 1b\n"
      "2:\n\t"
      "bx lr\n\t"
      ".ltorg\n");
#endif
}

uint32_t stack_used_since_paint(const void *top) {
  const uint32_t *p = __stack_limit;
  while (p < (const uint32_t *)top && *p == STACK_PAINT) ++p;
  return (uint32_t)((const char *)top - (const char *)p);
}
