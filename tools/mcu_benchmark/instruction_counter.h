/* Counts executed instructions on QEMU's Cortex-M boards run with `-icount shift=0`,
 * where every instruction advances virtual time by exactly one nanosecond. SysTick,
 * clocked by the processor clock (SYSTICK_CLOCK_HZ, the board's `cpuclk`), then ticks
 * once every 1e9 / SYSTICK_CLOCK_HZ instructions: that is the counter's resolution. Its
 * 24-bit down-counter is extended to 64 bits by counting its wrap interrupts, so an
 * interval of any length can be timed. Instruction counts are not cycles: QEMU models no
 * pipeline, no wait states and no memory timing. */
#ifndef INSTRUCTION_COUNTER_H_
#define INSTRUCTION_COUNTER_H_

#include <stdint.h>

/* The largest SysTick reload value: a wrap every 2^24 ticks. */
#define INSTRUCTION_COUNTER_FULL_RELOAD 0xFFFFFFu

/* Restarts SysTick with a period of reload + 1 ticks (reload in 1..2^24-1) and returns
 * once the counter holds a real value, at the start of a period. */
void instruction_counter_start(uint32_t reload);

/* Ticks since the last instruction_counter_start, wraps included. */
uint64_t instruction_counter_ticks(void);

/* Wrap interrupts taken since the last instruction_counter_start. */
uint32_t instruction_counter_wraps(void);

/* Instructions that make up `ticks` (rounded down). */
uint64_t instruction_counter_instructions(uint64_t ticks);

/* Instructions per tick, rounded up: the resolution of one measurement. */
uint32_t instruction_counter_resolution(void);

#endif /* INSTRUCTION_COUNTER_H_ */
