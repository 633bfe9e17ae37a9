/* The SysTick instruction counter (see instruction_counter.h).
 *
 * SysTick counts down from the reload value R to 0 and reloads on the next tick, so a
 * period is R + 1 ticks; it raises its interrupt when the count goes from 1 to 0, one
 * tick before the period ends. Writing the current value register (SYST_CVR) clears it,
 * and it reads 0 until the first reload, which raises no interrupt: start() waits for
 * that reload. The handler counts wraps; a reader masks interrupts, reads the pending
 * bit on both sides of SYST_CVR (until both agree) so that a wrap whose interrupt has
 * not been taken yet is counted exactly once. */
#include "instruction_counter.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u) /* control and status */
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u) /* reload value */
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u) /* current value */
#define SCB_ICSR (*(volatile uint32_t *)0xE000ED04u) /* interrupt control and state */

#define CSR_ENABLE (1u << 0)
#define CSR_TICKINT (1u << 1)    /* interrupt on the 1 -> 0 transition */
#define CSR_CLKSOURCE (1u << 2)  /* the processor clock, not the reference clock */
#define ICSR_PENDSTCLR (1u << 25)
#define ICSR_PENDSTSET (1u << 26)

static volatile uint32_t wraps; /* 1 -> 0 transitions whose interrupt was taken */
static uint32_t period = INSTRUCTION_COUNTER_FULL_RELOAD + 1u;

void SysTick_Handler(void) { wraps = wraps + 1u; }

static uint32_t MaskInterrupts(void) {
  uint32_t primask;
  __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
  return primask;
}

static void RestoreInterrupts(uint32_t primask) { __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory"); }

void instruction_counter_start(uint32_t reload) {
  const uint32_t primask = MaskInterrupts();
  SYST_CSR = 0u;
  SYST_RVR = reload;
  SYST_CVR = 0u;
  SYST_CSR = CSR_ENABLE | CSR_TICKINT | CSR_CLKSOURCE;
  while (SYST_CVR == 0u) {
  }
  SCB_ICSR = ICSR_PENDSTCLR; /* the first reload is not a wrap */
  wraps = 0u;
  period = reload + 1u;
  RestoreInterrupts(primask);
}

uint64_t instruction_counter_ticks(void) {
  const uint32_t primask = MaskInterrupts();
  uint32_t pending, value;
  do {
    pending = SCB_ICSR & ICSR_PENDSTSET;
    value = SYST_CVR;
  } while ((SCB_ICSR & ICSR_PENDSTSET) != pending);
  const uint64_t transitions = (uint64_t)wraps + (pending != 0u);
  RestoreInterrupts(primask);
  /* At value 0 the period's transition has happened: it ends one tick later. */
  if (value == 0u) return transitions * period - 1u;
  return transitions * period + (period - 1u - value);
}

uint32_t instruction_counter_wraps(void) { return wraps; }

uint64_t instruction_counter_instructions(uint64_t ticks) {
  return ticks * 1000000000ull / SYSTICK_CLOCK_HZ;
}

uint32_t instruction_counter_resolution(void) {
  return (uint32_t)((1000000000ull + SYSTICK_CLOCK_HZ - 1u) / SYSTICK_CLOCK_HZ);
}
