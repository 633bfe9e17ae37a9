// Early-return helpers for absl::Status / absl::StatusOr, which the Abseil version
// in Debian 12 does not provide, plus an internal-invariant check that aborts with a
// message (for compiler bugs only; everything a user's model can cause is a Status).
#ifndef MODELC_UTIL_STATUS_MACROS_H_
#define MODELC_UTIL_STATUS_MACROS_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MODELC_CONCAT_INNER(a, b) a##b
#define MODELC_CONCAT(a, b) MODELC_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    ::absl::Status modelc_status_ = (expr);      \
    if (!modelc_status_.ok()) return modelc_status_; \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(var, lhs, expr) \
  auto var = (expr);                          \
  if (!var.ok()) return var.status();         \
  lhs = std::move(var).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(MODELC_CONCAT(modelc_statusor_, __LINE__), lhs, expr)

#define MODELC_CHECK(condition, message)                                              \
  do {                                                                                \
    if (!(condition)) {                                                               \
      std::fprintf(stderr, "modelc internal error at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   message, #condition);                                              \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

// After a switch whose every case of an enum returns: the compiler cannot prove the
// end unreachable (an enum may hold other values), so say it, loudly.
#define MODELC_UNREACHABLE(message)                                                 \
  do {                                                                              \
    std::fprintf(stderr, "modelc internal error at %s:%d: %s\n", __FILE__, __LINE__, \
                 message);                                                          \
    std::abort();                                                                   \
  } while (0)

#endif  // MODELC_UTIL_STATUS_MACROS_H_
