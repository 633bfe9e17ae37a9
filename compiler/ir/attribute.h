// Node attributes: a small typed map with accessors that turn a missing or
// mistyped attribute into a Status naming the attribute.
#ifndef MODELC_IR_ATTRIBUTE_H_
#define MODELC_IR_ATTRIBUTE_H_

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"

namespace modelc {

using Attribute =
    std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>>;

std::string AttributeToString(const Attribute& attribute);

// Ordered map so that printing and hashing are deterministic.
class AttributeMap {
 public:
  void Set(const std::string& name, Attribute value) { values_[name] = std::move(value); }
  bool Has(const std::string& name) const { return values_.count(name) != 0; }
  const std::map<std::string, Attribute>& entries() const { return values_; }

  absl::StatusOr<int64_t> GetInt(const std::string& name, int64_t default_value) const;
  absl::StatusOr<float> GetFloat(const std::string& name, float default_value) const;
  absl::StatusOr<std::string> GetString(const std::string& name,
                                        const std::string& default_value) const;
  absl::StatusOr<std::vector<int64_t>> GetInts(const std::string& name,
                                               std::vector<int64_t> default_value) const;
  absl::StatusOr<std::vector<float>> GetFloats(const std::string& name, std::vector<float> default_value) const;

 private:
  template <typename T>
  absl::StatusOr<T> Get(const std::string& name, T default_value, const char* type_name) const;

  std::map<std::string, Attribute> values_;
};

}  // namespace modelc

#endif  // MODELC_IR_ATTRIBUTE_H_
