// Typed attribute access and printing.
#include "compiler/ir/attribute.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace modelc {

std::string AttributeToString(const Attribute& attribute) {
  struct Printer {
    std::string operator()(int64_t v) const { return absl::StrCat(v); }
    std::string operator()(float v) const { return absl::StrFormat("%.9g", v); }
    std::string operator()(const std::string& v) const { return absl::StrCat("\"", v, "\""); }
    std::string operator()(const std::vector<int64_t>& v) const {
      return absl::StrCat("[", absl::StrJoin(v, ","), "]");
    }
    std::string operator()(const std::vector<float>& v) const {
      return absl::StrCat("[",
                          absl::StrJoin(v, ",",
                                        [](std::string* out, float f) {
                                          absl::StrAppend(out, absl::StrFormat("%.9g", f));
                                        }),
                          "]");
    }
  };
  return std::visit(Printer{}, attribute);
}

template <typename T>
absl::StatusOr<T> AttributeMap::Get(const std::string& name, T default_value,
                                    const char* type_name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return default_value;
  if (const T* value = std::get_if<T>(&it->second)) return *value;
  return absl::InvalidArgumentError(
      absl::StrCat("attribute '", name, "' must be of type ", type_name));
}

absl::StatusOr<int64_t> AttributeMap::GetInt(const std::string& name,
                                             int64_t default_value) const {
  return Get<int64_t>(name, default_value, "int");
}

absl::StatusOr<float> AttributeMap::GetFloat(const std::string& name, float default_value) const {
  return Get<float>(name, default_value, "float");
}

absl::StatusOr<std::string> AttributeMap::GetString(const std::string& name,
                                                    const std::string& default_value) const {
  return Get<std::string>(name, default_value, "string");
}

absl::StatusOr<std::vector<int64_t>> AttributeMap::GetInts(
    const std::string& name, std::vector<int64_t> default_value) const {
  return Get<std::vector<int64_t>>(name, std::move(default_value), "ints");
}

absl::StatusOr<std::vector<float>> AttributeMap::GetFloats(const std::string& name,
                                                           std::vector<float> default_value) const {
  return Get<std::vector<float>>(name, std::move(default_value), "floats");
}

}  // namespace modelc
