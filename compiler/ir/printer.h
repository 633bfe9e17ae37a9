// A stable, human-readable text form of the graph (`modelc compile --dump-ir`).
#ifndef MODELC_IR_PRINTER_H_
#define MODELC_IR_PRINTER_H_

#include <string>

#include "compiler/ir/graph.h"

namespace modelc {

std::string PrintGraph(const Graph& graph);

}  // namespace modelc

#endif  // MODELC_IR_PRINTER_H_
