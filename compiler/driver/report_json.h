// The machine-readable report NAME.report.json (--report-json): per node its op,
// kernel, output shapes, multiply-accumulates, weight bytes, bytes live at its step and
// its workspace buffers; per scratch tensor its place and lifetime; the totals.
// Deterministic: keys in a fixed order, no times.
#ifndef MODELC_DRIVER_REPORT_JSON_H_
#define MODELC_DRIVER_REPORT_JSON_H_

#include <string>

#include "compiler/backend/codegen.h"

namespace modelc {

std::string WriteJsonReport(const CodegenRequest& request, const ObjectFile& object, const std::string& model_path);

}  // namespace modelc

#endif  // MODELC_DRIVER_REPORT_JSON_H_
