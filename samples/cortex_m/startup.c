/* Reset and fault handling for Cortex-M: the vector table, copying .data, clearing
 * .bss, turning the FPU on, painting the stack so its peak use can be measured, then
 * main(). Faults end the run with a failure status instead of hanging. A program that
 * enables SysTick defines SysTick_Handler; without one, its interrupt counts as a fault. */
#include <stdint.h>

#include "semihosting.h"

extern uint32_t __stack_top[], __stack_limit[];
extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
int main(void);

#define STACK_PAINT 0xC0FFEE11u
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

_Noreturn void Reset_Handler(void) {
  for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t *dst = __bss_start; dst < __bss_end;) *dst++ = 0;
#if defined(__ARM_FP)
  SCB_CPACR |= 0xFu << 20; /* full access to coprocessors 10 and 11: the FPU */
  __asm__ volatile("dsb\n isb" ::: "memory");
#endif
  semihosting_exit(main());
}

/* Fills the unused stack below the caller's frame with a known pattern. */
void stack_paint(void) {
  uint32_t *sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t *p = __stack_limit; p < sp - 16; ++p) *p = STACK_PAINT;
}

/* Bytes of stack used since stack_paint(), measured down from `top`: the stack
 * pointer just before the measured call. */
uint32_t stack_used_since_paint(const void *top) {
  const uint32_t *p = __stack_limit;
  while (p < (const uint32_t *)top && *p == STACK_PAINT) ++p;
  return (uint32_t)((const char *)top - (const char *)p);
}

static _Noreturn void Fault_Handler(void) {
  semihosting_write("fault: the program crashed\n");
  semihosting_exit(1);
}

void SysTick_Handler(void) __attribute__((weak, alias("Fault_Handler")));

__attribute__((section(".vectors"), used)) static void (*const vector_table[16])(void) = {
    (void (*)(void))__stack_top, /* initial stack pointer */
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    Fault_Handler, /* SecureFault (v8-M) */
    [15] = SysTick_Handler,
};
