// The human-readable compilation report NAME.report.txt: graph summary, weights and
// scratch sizes, the planner's lower bound, and where every tensor lives.
#ifndef MODELC_DRIVER_REPORT_H_
#define MODELC_DRIVER_REPORT_H_

#include <string>

#include "compiler/backend/codegen.h"

namespace modelc {

std::string WriteReport(const CodegenRequest& request, const ObjectFile& object, const std::string& model_path);

}  // namespace modelc

#endif  // MODELC_DRIVER_REPORT_H_
