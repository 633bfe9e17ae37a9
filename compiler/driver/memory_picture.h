// A picture of the memory plan, NAME.memory.svg (--memory-svg): execution steps across,
// arena offset down; one rectangle per scratch tensor over the steps it is live, at its
// offset; one per kernel workspace at its step; the step with the most bytes live
// marked. Each rectangle's tooltip names it (escaped: names come from the model).
#ifndef MODELC_DRIVER_MEMORY_PICTURE_H_
#define MODELC_DRIVER_MEMORY_PICTURE_H_

#include <string>

#include "compiler/backend/codegen.h"

namespace modelc {

std::string DrawMemoryPlan(const CodegenRequest& request);

}  // namespace modelc

#endif  // MODELC_DRIVER_MEMORY_PICTURE_H_
