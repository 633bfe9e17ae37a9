/* Numbers in the benchmark images' semihosting output, which a script parses: unsigned
 * 64-bit decimals (instruction counts) and 32-bit hexadecimals (float bit patterns). */
#ifndef PRINT_H_
#define PRINT_H_

#include <stdint.h>

void print_uint64(uint64_t value);
void print_hex32(uint32_t value); /* 0x followed by 8 digits */

#endif /* PRINT_H_ */
