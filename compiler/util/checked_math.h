// Overflow-checked arithmetic for sizes, indices and conversions computed from a
// model's numbers. A model is hostile input: a product of its dimensions, a sum of its
// pads or a float scale cast to an integer must never overflow (undefined behaviour,
// or a wrapped value that looks valid). Each helper returns std::nullopt where the
// exact result does not fit; the caller turns that into a refusal naming the value.
#ifndef MODELC_UTIL_CHECKED_MATH_H_
#define MODELC_UTIL_CHECKED_MATH_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <type_traits>

namespace modelc {

template <typename T>
[[nodiscard]] std::optional<T> CheckedAdd(T a, T b) {
  static_assert(std::is_integral_v<T>);
  T result;
  if (__builtin_add_overflow(a, b, &result)) return std::nullopt;
  return result;
}

template <typename T>
[[nodiscard]] std::optional<T> CheckedSub(T a, T b) {
  static_assert(std::is_integral_v<T>);
  T result;
  if (__builtin_sub_overflow(a, b, &result)) return std::nullopt;
  return result;
}

template <typename T>
[[nodiscard]] std::optional<T> CheckedMul(T a, T b) {
  static_assert(std::is_integral_v<T>);
  T result;
  if (__builtin_mul_overflow(a, b, &result)) return std::nullopt;
  return result;
}

// -a, which does not fit for the type's minimum.
template <typename T>
[[nodiscard]] std::optional<T> CheckedNegate(T a) {
  return CheckedSub<T>(T{0}, a);
}

// The product of all values (1 for none); a zero anywhere makes it 0 even when the
// others alone would overflow.
[[nodiscard]] inline std::optional<int64_t> CheckedProduct(std::span<const int64_t> values) {
  for (int64_t v : values) {
    if (v == 0) return 0;
  }
  int64_t product = 1;
  for (int64_t v : values) {
    std::optional<int64_t> next = CheckedMul(product, v);
    if (!next) return std::nullopt;
    product = *next;
  }
  return product;
}

// An int64 expression that remembers whether any step overflowed (or divided by 0),
// for formulas such as (kernel - 1) * dilation + 1 over a model's numbers:
//   std::optional<int64_t> extent = ((CheckedInt(k) - 1) * dilation + 1).Get();
class CheckedInt {
 public:
  CheckedInt(int64_t value) : value_(value) {}  // NOLINT: implicit, for mixed expressions

  // The result, or nullopt if any step of the expression did not fit.
  [[nodiscard]] std::optional<int64_t> Get() const {
    if (!valid_) return std::nullopt;
    return value_;
  }

  friend CheckedInt operator+(CheckedInt a, CheckedInt b) { return Combine(a, b, CheckedAdd(a.value_, b.value_)); }
  friend CheckedInt operator-(CheckedInt a, CheckedInt b) { return Combine(a, b, CheckedSub(a.value_, b.value_)); }
  friend CheckedInt operator*(CheckedInt a, CheckedInt b) { return Combine(a, b, CheckedMul(a.value_, b.value_)); }
  // Truncating division, as C++'s.
  friend CheckedInt operator/(CheckedInt a, CheckedInt b) {
    const bool fits = b.value_ != 0 && !(a.value_ == std::numeric_limits<int64_t>::min() && b.value_ == -1);
    return Combine(a, b, fits ? std::optional<int64_t>(a.value_ / b.value_) : std::nullopt);
  }

 private:
  static CheckedInt Combine(CheckedInt a, CheckedInt b, std::optional<int64_t> result) {
    CheckedInt combined(result.value_or(0));
    combined.valid_ = a.valid_ && b.valid_ && result.has_value();
    return combined;
  }

  int64_t value_;
  bool valid_ = true;
};

// A floating-point value converted to the integer type T (truncating toward zero, as
// static_cast does), or nullopt for NaN, infinities and values outside T's range.
template <typename T, typename F>
[[nodiscard]] std::optional<T> CheckedFloatToInt(F value) {
  static_assert(std::is_integral_v<T> && std::is_floating_point_v<F>);
  if (!std::isfinite(value)) return std::nullopt;
  // T's limits as F: the minimum (a power of two, or 0) is exact; max + 1 is a power of
  // two, also exact, and the first value that does not fit.
  const F low = static_cast<F>(std::numeric_limits<T>::min());
  const F high = static_cast<F>(std::numeric_limits<T>::max() / 2 + 1) * F{2};
  const F truncated = std::trunc(value);
  if (truncated < low || truncated >= high) return std::nullopt;
  return static_cast<T>(truncated);
}

}  // namespace modelc

#endif  // MODELC_UTIL_CHECKED_MATH_H_
