// The compilation pipeline behind `modelc compile`: a plain list of stages.
#ifndef MODELC_DRIVER_COMPILE_H_
#define MODELC_DRIVER_COMPILE_H_

#include <ostream>

#include "absl/status/status.h"
#include "compiler/driver/options.h"

namespace modelc {

// Writes NAME.o, NAME.h and NAME.report.txt into options.output_dir, all or none.
// Dumps requested by the options go to `dump`.
[[nodiscard]] absl::Status RunCompile(const CompileOptions& options, std::ostream& dump);

}  // namespace modelc

#endif  // MODELC_DRIVER_COMPILE_H_
