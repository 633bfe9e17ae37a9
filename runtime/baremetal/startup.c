/* Reset and fault handling for Cortex-M: the vector table, copying .data, clearing
 * .bss, turning the FPU on, then main(). Faults end the run with a failure status
 * instead of hanging. A program that enables SysTick defines SysTick_Handler; without
 * one, its interrupt counts as a fault. (startup_riscv.c is the RISC-V counterpart;
 * stack_paint.c measures the stack on both.) */
#include <stdint.h>

#include "semihosting.h"

extern uint32_t __stack_top[];
extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
int main(void);

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
