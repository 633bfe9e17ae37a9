/* The peak stack use of a call, measured by painting: fill the free stack with a
 * pattern, make the call, then find the lowest word that no longer holds the pattern. */
#ifndef STACK_USAGE_H_
#define STACK_USAGE_H_

#include <stdint.h>

/* Paints the whole free stack, from its limit up to the caller's stack pointer. */
void stack_usage_paint(void);

/* Bytes of stack used since stack_usage_paint(), counted down from `top`: the stack
 * pointer just before the measured call. */
uint32_t stack_usage_since_paint(const void *top);

#endif /* STACK_USAGE_H_ */
