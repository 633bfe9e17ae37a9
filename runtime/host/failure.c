#include "failure.h"

#include <stdarg.h>
#include <stdio.h>

int modelc_host_fail(char *error, size_t error_size, const char *format, ...) {
  if (error && error_size) {
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
  }
  return 1;
}
