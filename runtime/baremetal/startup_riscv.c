/* Reset and trap handling for 32-bit RISC-V bare metal (machine mode, one hart, e.g.
 * QEMU's virt board started with -bios none, which jumps to the start of its RAM): the
 * entry code in .vectors sets the stack pointer and the trap vector, then C copies
 * .data, clears .bss and calls main(). Any trap (an illegal instruction such as a float
 * instruction on a core without F, a misaligned or faulting access) ends the run with a
 * failure status instead of hanging. The Cortex-M counterpart is startup.c. */
#include <stdint.h>

#include "semihosting.h"

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
int main(void);

static _Noreturn void Reset_C(void) __attribute__((used));
void Trap_Handler(void) __attribute__((used));

/* The first code in the image: the linker script puts .vectors at the image's start.
 * Naked, because no stack exists yet. */
__attribute__((naked, section(".vectors"))) void Reset_Handler(void) {
  __asm__ volatile(
      ".option push\n\t"
      ".option arch, +zicsr\n\t"
      "la sp, __stack_top\n\t"
      "la t0, Trap_Handler\n\t"
      "csrw mtvec, t0\n\t"
      ".option pop\n\t"
      "j Reset_C\n");
}

static _Noreturn void Reset_C(void) {
  for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t *dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  semihosting_exit(main());
}

/* mtvec in direct mode needs a 4-byte aligned handler. */
__attribute__((aligned(4))) void Trap_Handler(void) {
  semihosting_write("fault: the program crashed (RISC-V trap)\n");
  semihosting_exit(1);
}
