// C identifiers of a compiled model: the symbol prefix, macro prefix and entry-point
// parameter names derived from ONNX tensor names. Shared by code and header
// generation so the two always agree.
#ifndef MODELC_BACKEND_C_NAMES_H_
#define MODELC_BACKEND_C_NAMES_H_

#include <string>
#include <vector>

#include "compiler/ir/graph.h"

namespace modelc {

// A C identifier that is not a keyword and not reserved (no leading '_', no "__").
bool IsValidCIdentifier(const std::string& name);
// A C identifier made from any text: each run of invalid characters becomes one '_'
// (none leading or trailing), a leading digit gets a prefix, a keyword a suffix; text
// with no letter or digit at all becomes `if_empty`.
std::string SanitizeCIdentifier(const std::string& text, const std::string& if_empty = "t");

// Text from the model (a tensor's or the graph's name) made safe inside a C comment:
// printable ASCII only (other bytes and backslashes as \xNN), no "*/" that would end
// the comment and no "/*" (a warning inside one).
std::string CommentSafe(const std::string& text);

struct ModelCNames {
  std::string prefix;        // e.g. "mnist": symbols mnist_run, mnist_model_info ...
  std::string macro_prefix;  // e.g. "MNIST"
  std::vector<std::string> inputs;   // parameter names, unique, never "scratch"
  std::vector<std::string> outputs;
};

ModelCNames MakeModelCNames(const std::string& model_name, const Graph& graph);

}  // namespace modelc

#endif  // MODELC_BACKEND_C_NAMES_H_
