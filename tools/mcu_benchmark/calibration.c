/* Calibration image: checks the SysTick instruction counter (instruction_counter.h)
 * against code whose instruction count is known, before any model is timed with it.
 *
 * - A count-down loop of two instructions per iteration (subs, bne) is timed with the
 *   full 24-bit reload (no wrap) and with a short reload (several wraps, each counted by
 *   the interrupt). The measured count must equal 2 x iterations within the tolerance:
 *   two ticks of quantisation (one at each end), the instructions of reading the counter
 *   and calling the loop, and the interrupt handler's instructions for each wrap.
 * - With a reload of a few ticks, consecutive readings of the extended counter must
 *   never go back nor jump, across hundreds of wraps: this exercises the reading at
 *   every phase of the period, including the tick at which SYST_CVR reads 0.
 * Prints one `calibration:` line per check; exit status 0 only when all pass. */
#include <stdint.h>

#include "instruction_counter.h"
#include "print.h"
#include "semihosting.h"

enum {
  kLoopIterations = 5000000,  /* 10M instructions: 0.25M ticks on a 25 MHz clock */
  kShortReload = 0xFFFF,      /* a wrap every 65536 ticks: several within the loop */
  kReadAndCallInstructions = 64, /* reading the counter twice, calling and leaving the loop */
  kInstructionsPerWrap = 16,  /* the handler: load, add, store, return, and slack */
  kTinyReload = 15,           /* a period of 16 ticks */
  kMonotonicReads = 20000,
  kMaxInstructionsBetweenReads = 256,
};

/* Exactly 2 x iterations instructions (iterations >= 1), plus its return. */
__attribute__((naked, noinline)) static void CountDown(__attribute__((unused)) uint32_t iterations) {
  __asm__ volatile(
      "1:\n\t"
      "subs r0, r0, #1\n\t"
      "bne 1b\n\t"
      "bx lr\n");
}

static int CheckLoop(const char *label, uint32_t reload) {
  instruction_counter_start(reload);
  const uint64_t start = instruction_counter_ticks();
  CountDown(kLoopIterations);
  const uint64_t end = instruction_counter_ticks();
  const uint32_t wraps = instruction_counter_wraps();
  const uint64_t measured = instruction_counter_instructions(end - start);
  const uint64_t expected = 2ull * kLoopIterations;
  const uint64_t tolerance =
      2u * instruction_counter_resolution() + kReadAndCallInstructions + (uint64_t)kInstructionsPerWrap * wraps;
  const uint64_t error = measured > expected ? measured - expected : expected - measured;
  /* The short reload must really wrap, or the wrap path went untested. */
  const int ok = error <= tolerance && (reload == INSTRUCTION_COUNTER_FULL_RELOAD || wraps >= 2u);
  semihosting_write("calibration: ");
  semihosting_write(label);
  semihosting_write(" expected=");
  print_uint64(expected);
  semihosting_write(" measured=");
  print_uint64(measured);
  semihosting_write(measured >= expected ? " error=+" : " error=-");
  print_uint64(error);
  semihosting_write(" tolerance=");
  print_uint64(tolerance);
  semihosting_write(" wraps=");
  print_uint64(wraps);
  semihosting_write(ok ? " ok\n" : " FAILED\n");
  return ok;
}

static int CheckMonotonic(void) {
  instruction_counter_start(kTinyReload);
  uint64_t previous = instruction_counter_ticks();
  uint64_t worst_step = 0;
  int ok = 1;
  for (int i = 0; i < kMonotonicReads; ++i) {
    const uint64_t now = instruction_counter_ticks();
    if (now < previous || instruction_counter_instructions(now - previous) > kMaxInstructionsBetweenReads) ok = 0;
    if (now >= previous && now - previous > worst_step) worst_step = now - previous;
    previous = now;
  }
  const uint32_t wraps = instruction_counter_wraps();
  if (wraps < 100u) ok = 0;
  semihosting_write("calibration: monotonic reads=");
  print_uint64(kMonotonicReads);
  semihosting_write(" wraps=");
  print_uint64(wraps);
  semihosting_write(" largest_step_ticks=");
  print_uint64(worst_step);
  semihosting_write(ok ? " ok\n" : " FAILED\n");
  return ok;
}

int main(void) {
  semihosting_write("calibration: clock_hz=");
  print_uint64(SYSTICK_CLOCK_HZ);
  semihosting_write(" instructions_per_tick=");
  print_uint64(instruction_counter_resolution());
  semihosting_write("\n");
  int ok = CheckLoop("loop", INSTRUCTION_COUNTER_FULL_RELOAD);
  ok &= CheckLoop("loop_with_wraps", kShortReload);
  ok &= CheckMonotonic();
  semihosting_write(ok ? "calibration: passed\n" : "calibration: FAILED\n");
  return ok ? 0 : 1;
}
