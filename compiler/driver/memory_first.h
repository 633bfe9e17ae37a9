// --optimize memory: no kernel workspace may lift the arena above the activation bound
// (the most bytes of tensors live at one step). Where a convolution's workspace does, at
// a step whose tensors already fill the bound, that convolution is planned again with a
// form that needs none: blocked-clipped (the blocked tiles reading the input where it
// lies: rows outside it read a zero row, lanes outside it are masked), or the direct
// kernel where that cannot run (weights given at run time) or where it writes over a
// fused residual that blocked-clipped cannot; so is a quantised convolution whose int16
// window buffer (dsp-pairs) would, with its direct kernel.
#ifndef MODELC_DRIVER_MEMORY_FIRST_H_
#define MODELC_DRIVER_MEMORY_FIRST_H_

#include <cstdint>
#include <set>
#include <string>

#include "compiler/ir/graph.h"
#include "compiler/lowering/lowering_plan.h"
#include "compiler/planning/buffer_assignment.h"

namespace modelc {

// The convolutions to plan again with a smaller workspace (NodePlan::HasNarrowerWorkspace)
// or without one, by node name: those whose workspace, added to the tensors live at
// their step, exceeds the activation bound by more than `allowed_bytes` (0 for
// --optimize memory).
std::set<std::string> WorkspaceFreeKernelsAboveTheBound(const Graph& graph, const LoweringPlan& plan,
                                                        const BufferAssignment& buffers, int64_t allowed_bytes);

// --optimize balanced: how far above the activation bound a kernel's workspace may lift
// the arena, 1/32 of the bound. On Cortex-M4 that keeps resnet8_int8's DSP-pairs window
// buffers (288 bytes over 32,768: 29.2M instructions instead of 70.5M).
inline int64_t BalancedAllowance(int64_t activation_bound) { return activation_bound / 32; }

}  // namespace modelc

#endif  // MODELC_DRIVER_MEMORY_FIRST_H_
