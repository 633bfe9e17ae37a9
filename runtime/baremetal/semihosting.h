/* Output and exit through Arm (or RISC-V) semihosting: the debugger or emulator (QEMU with
 * -semihosting-config enable=on) carries the text and the exit status. */
#ifndef SEMIHOSTING_H_
#define SEMIHOSTING_H_

void semihosting_write(const char *text);
void semihosting_write_int(long value);
/* Prints value with `decimals` digits after the point (no libm, no printf). */
void semihosting_write_fixed(float value, int decimals);
/* Ends the program: status 0 makes QEMU exit with 0, anything else with 1. */
_Noreturn void semihosting_exit(int status);

#endif /* SEMIHOSTING_H_ */
