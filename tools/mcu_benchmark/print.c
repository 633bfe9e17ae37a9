/* Number printing for the benchmark images (see print.h), through semihosting. */
#include "print.h"

#include "semihosting.h"

void print_uint64(uint64_t value) {
  char buffer[24];
  char *p = buffer + sizeof buffer;
  *--p = '\0';
  do {
    *--p = (char)('0' + (int)(value % 10u));
    value /= 10u;
  } while (value != 0u);
  semihosting_write(p);
}

void print_hex32(uint32_t value) {
  char buffer[11] = "0x";
  for (int i = 0; i < 8; ++i) buffer[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xFu];
  buffer[10] = '\0';
  semihosting_write(buffer);
}
