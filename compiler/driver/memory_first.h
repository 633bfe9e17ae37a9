// --optimize memory: no kernel workspace may lift the arena above the activation bound
// (the most bytes of tensors live at one step). Where a convolution's workspace does, at
// a step whose tensors already fill the bound, that convolution is planned again with
// the direct kernel, which clips its windows at the borders and needs no workspace.
#ifndef MODELC_DRIVER_MEMORY_FIRST_H_
#define MODELC_DRIVER_MEMORY_FIRST_H_

#include <map>
#include <string>

#include "compiler/ir/graph.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/planning/buffer_assignment.h"

namespace modelc {

// The convolutions to plan again with the direct kernel, by node name: those whose
// workspace, added to the tensors live at their step, exceeds the activation bound.
std::map<std::string, ConvKernel> WorkspaceFreeKernelsAboveTheBound(const Graph& graph, const LoweringPlan& plan,
                                                                     const BufferAssignment& buffers);

}  // namespace modelc

#endif  // MODELC_DRIVER_MEMORY_FIRST_H_
