// The stack one call of a compiled model needs, bounded from its object file: the
// frame of each function (the .stack_sizes section LLVM emits) along the deepest chain
// of calls, tail calls starting where their caller's frame started.
#ifndef MODELC_BACKEND_STACK_BOUND_H_
#define MODELC_BACKEND_STACK_BOUND_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "llvm/Object/ObjectFile.h"

namespace modelc {

struct StackFigures {
  // The most bytes of the object's own frames in use during one call of any entry
  // point (PREFIX_run, PREFIX_run_generic, PREFIX_run_traced, ...); -1 when the object
  // has no frame sizes.
  int64_t bound = -1;
  // For each function the object calls but does not define (the C library's, the
  // compiler runtime's, whose frames are not known here): the most bytes of the
  // object's frames in use at a call of it.
  std::map<std::string, int64_t> external_call_depths;
};

StackFigures BoundStack(const llvm::object::ObjectFile& file, const std::string& prefix);

// The names of the symbols the object references but does not define, sorted.
std::vector<std::string> UndefinedSymbols(const llvm::object::ObjectFile& file);

}  // namespace modelc

#endif  // MODELC_BACKEND_STACK_BOUND_H_
