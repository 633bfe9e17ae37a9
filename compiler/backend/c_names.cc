// C identifier sanitising.
#include "compiler/backend/c_names.h"

#include <cctype>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace modelc {
namespace {

const std::set<std::string>& ReservedWords() {
  static const std::set<std::string> kWords = {
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
      "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
      "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
      "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "class",
      "new", "delete", "this", "template", "typename", "namespace", "operator", "private",
      "public", "protected", "virtual", "scratch", "inputs", "outputs"};
  return kWords;
}

}  // namespace

bool IsValidCIdentifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  if (name[0] == '_' || name.find("__") != std::string::npos) return false;  // reserved to the implementation
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return ReservedWords().count(name) == 0;
}

std::string SanitizeCIdentifier(const std::string& text, const std::string& if_empty) {
  // Runs of other characters become one '_', and no leading '_': identifiers with "__"
  // or a leading underscore are reserved to the implementation (C11 7.1.3, C++ too).
  std::string out;
  for (char c : text) {
    const bool kept = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (kept) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();  // NAME_run must not hold "__"
  if (out.empty()) out = if_empty;
  if (std::isdigit(static_cast<unsigned char>(out[0]))) out = "t_" + out;
  if (ReservedWords().count(out)) out += "_";
  return out;
}

ModelCNames MakeModelCNames(const std::string& model_name, const Graph& graph) {
  ModelCNames names;
  names.prefix = model_name;
  names.macro_prefix = absl::AsciiStrToUpper(model_name);
  std::set<std::string> taken;
  auto unique = [&](const std::string& raw) {
    std::string name = SanitizeCIdentifier(raw);
    std::string candidate = name;
    for (int suffix = 2; taken.count(candidate); ++suffix) candidate = absl::StrCat(name, "_", suffix);
    taken.insert(candidate);
    return candidate;
  };
  for (ValueId id : graph.inputs()) names.inputs.push_back(unique(graph.value(id).name));
  for (ValueId id : graph.outputs()) names.outputs.push_back(unique(graph.value(id).name));
  return names;
}

std::string CommentSafe(const std::string& text) {
  std::string safe;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c > 0x7e || c == '\\') {
      absl::StrAppend(&safe, "\\x", absl::Hex(c, absl::kZeroPad2));
    } else if (c == '*' && i + 1 < text.size() && text[i + 1] == '/') {
      safe += "*\\x2f";  // "*/" would end the comment
      ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      safe += "/\\x2a";  // "/*" inside a comment is a warning (-Wcomment)
      ++i;
    } else {
      safe += static_cast<char>(c);
    }
  }
  return safe;
}

}  // namespace modelc
