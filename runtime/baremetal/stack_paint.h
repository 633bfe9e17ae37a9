/* The peak stack use of a call, measured by painting: stack_paint() fills the free stack
 * with a pattern, the call runs, stack_used_since_paint() finds the lowest word that no
 * longer holds it. Shared by the Cortex-M and RISC-V firmware. */
#ifndef STACK_PAINT_H_
#define STACK_PAINT_H_

#include <stdint.h>

/* The stack pointer of the calling function, e.g. just before a measured call. */
static inline const void *current_stack_pointer(void) {
  const void *sp;
#if defined(__riscv)
  __asm__ volatile("mv %0, sp" : "=r"(sp));
#else
  __asm__ volatile("mov %0, sp" : "=r"(sp));
#endif
  return sp;
}

/* Fills the unused stack, from its limit up to the caller's stack pointer, with a known
 * pattern. */
void stack_paint(void);

/* Bytes of stack used since stack_paint(), measured down from `top`: the stack
 * pointer just before the measured call. */
uint32_t stack_used_since_paint(const void *top);

#endif /* STACK_PAINT_H_ */
