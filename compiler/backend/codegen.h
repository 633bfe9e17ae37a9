// The backend's public interface, free of LLVM types: turns a planned graph into an
// object file for a target, and writes the matching C header.
#ifndef MODELC_BACKEND_CODEGEN_H_
#define MODELC_BACKEND_CODEGEN_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/backend/target.h"
#include "compiler/ir/graph.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/planning/buffer_assignment.h"
#include "include/modelc/abi.h"

namespace modelc {

// Version of the generated ABI (entry points, descriptor layout), as include/modelc/abi.h
// declares it; stored in the descriptor and the header.
inline constexpr int kGeneratedAbiVersion = MODELC_ABI_VERSION;

struct CodegenRequest {
  const Graph* graph = nullptr;
  const LoweringPlan* plan = nullptr;  // kernels, tiles, workspaces, layouts
  const BufferAssignment* buffers = nullptr;
  std::string model_name;  // a valid C identifier: the symbol prefix
  TargetDescription target;
  bool trace = false;    // also emit NAME_run_traced, calling a callback after every operator
  bool batched = false;  // also emit NAME_run_batched, looping the one-sample graph over a batch
  bool external_weights = false;  // constants in NAME.weights.bin, passed at run time
  std::string optimized_for = "speed";  // --optimize's word, for the report (the plan holds what it decided)
};

struct ObjectFile {
  std::string bytes;  // ELF for the targets we support
  // Footprint from the object's allocated sections: what goes to flash (code and
  // read-only data: weights, tables, descriptor) and what would need writable RAM.
  int64_t code_bytes = 0;
  int64_t read_only_bytes = 0;
  int64_t writable_bytes = 0;  // always 0: generated code keeps no mutable state
  // An upper bound on the stack one call of an entry point uses: the largest sum of
  // frames along a chain of calls through the object's own functions (-1 when the
  // target does not report frame sizes). The external functions below add their own
  // frames on top.
  int64_t stack_bound_bytes = -1;
  // The functions the object calls but does not define (memset and memcpy in the
  // spellings of the target's ABI, e.g. __aeabi_memclr4; compiler-runtime helpers),
  // sorted: their frames come from the user's C library and are not in the bound.
  std::vector<std::string> external_functions;
  // For each external function called from the object's code: the most bytes of the
  // generated frames in use at one of its calls. With the function's own frame added,
  // a bound on the stack through that call.
  std::map<std::string, int64_t> external_call_depths;
  // --weights external: the blob to write as NAME.weights.bin (empty otherwise).
  std::string weights_blob;
};

// The optimised object file and its section sizes.
absl::StatusOr<ObjectFile> GenerateObjectFile(const CodegenRequest& request);

// The textual LLVM IR before optimisation (for --dump-llvm).
absl::StatusOr<std::string> GenerateLlvmIr(const CodegenRequest& request);

// The LLVM module built and verified, as GenerateObjectFile starts, and nothing more: no
// optimisation, no code generation.
absl::Status BuildVerifiedModule(const CodegenRequest& request);

// The self-contained C header declaring the entry points and constants (the object
// tells the weights blob's size).
std::string GenerateHeader(const CodegenRequest& request, const ObjectFile& object);

}  // namespace modelc

#endif  // MODELC_BACKEND_CODEGEN_H_
