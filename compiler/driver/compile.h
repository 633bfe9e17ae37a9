// The compilation pipeline behind `modelc compile`: a plain list of stages.
#ifndef MODELC_DRIVER_COMPILE_H_
#define MODELC_DRIVER_COMPILE_H_

#include <memory>
#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/backend/codegen.h"
#include "compiler/driver/options.h"
#include "compiler/ir/graph.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/planning/buffer_assignment.h"

namespace modelc {

// A model taken through every stage before code generation: imported, verified,
// transformed by the passes, lowered and its buffers placed, within the RAM budget.
struct PlannedModel {
  TargetDescription target;
  Graph graph;
  LoweringPlan plan;
  BufferAssignment buffers;
  CodegenRequest request;  // points into this object: PlannedModel is neither copied nor moved
};

// The stages of RunCompile up to code generation; dumps requested by the options go to
// `dump`. Errors name the model file. Refuses options with --quantize (modelc compile's
// step before the compiler, RunCompileCommand).
[[nodiscard]] absl::StatusOr<std::unique_ptr<PlannedModel>> PlanModel(const CompileOptions& options,
                                                                      std::ostream& dump);

// Writes NAME.o, NAME.h and NAME.report.txt into options.output_dir, all or none.
// Dumps requested by the options go to `dump`.
[[nodiscard]] absl::Status RunCompile(const CompileOptions& options, std::ostream& dump);

// RunCompile's stages up to the LLVM module, built and verified, and none after them:
// no optimisation, no code generation, no files. The sanitizer build's tests run the
// compiler's own code on many models this way (tests/lower_only.cc, the conformance
// runner's --lower-only, the fuzzers). PlanModel's dumps go to `dump`; --dump-llvm is
// RunCompile's. Errors name the model file.
[[nodiscard]] absl::Status LowerModel(const CompileOptions& options, std::ostream& dump);

}  // namespace modelc

#endif  // MODELC_DRIVER_COMPILE_H_
