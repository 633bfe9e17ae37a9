/* The runtime's host functions report a failure as a one-line message and a non-zero
 * return. Internal to runtime/host. */
#ifndef MODELC_RUNTIME_HOST_FAILURE_H_
#define MODELC_RUNTIME_HOST_FAILURE_H_

#include <stddef.h>

/* Formats the message into error (error_size bytes, NUL-terminated); returns 1. */
int modelc_host_fail(char *error, size_t error_size, const char *format, ...) __attribute__((format(printf, 3, 4)));

#endif /* MODELC_RUNTIME_HOST_FAILURE_H_ */
