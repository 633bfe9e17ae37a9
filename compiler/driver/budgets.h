// Memory budgets (--max-ram, --max-flash): a model that does not fit is refused with
// what to change: the step at the RAM peak and what is live there, or the largest
// weights.
#ifndef MODELC_DRIVER_BUDGETS_H_
#define MODELC_DRIVER_BUDGETS_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "compiler/backend/codegen.h"

namespace modelc {

// RAM: the scratch arena (generated code has no writable data). Checked before code
// generation.
[[nodiscard]] absl::Status CheckRamBudget(const CodegenRequest& request, std::optional<int64_t> max_ram);
// The target's index width: generated code indexes tensors, the scratch arena and the
// weights with integers of the target's pointer width, so on a 32-bit target none of
// them may reach 2 GiB. Checked before code generation.
[[nodiscard]] absl::Status CheckIndexWidth(const CodegenRequest& request);
// Flash: the object's code and read-only data.
[[nodiscard]] absl::Status CheckFlashBudget(const CodegenRequest& request, const ObjectFile& object,
                                            std::optional<int64_t> max_flash);

}  // namespace modelc

#endif  // MODELC_DRIVER_BUDGETS_H_
