/// @file
/// Implementation details of `hilm/io/dtype.hpp`: loading one stored element in either byte order
/// and converting it to the target scalar under the exact-or-error policy.
#ifndef HILM_IO_DETAIL_ELEMENT_CONVERSION_HPP
#define HILM_IO_DETAIL_ELEMENT_CONVERSION_HPP

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

namespace hilm::detail {

/// The `T` stored at `p`, its bytes reversed first when `swap` (the file's byte order is not the
/// host's).
template <class T>
[[nodiscard]] inline T load(const std::byte* p, bool swap) noexcept {
  T value;
  if (!swap) {
    std::memcpy(&value, p, sizeof(T));
    return value;
  }
  std::byte reversed[sizeof(T)];
  for (std::size_t i = 0; i < sizeof(T); ++i) reversed[i] = p[sizeof(T) - 1 - i];
  std::memcpy(&value, reversed, sizeof(T));
  return value;
}

/// Converts `v` into `out` under the exact-or-error policy of `hilm/io/dtype.hpp`; returns false
/// when the value cannot be represented. `round_floats` lets a narrowing floating-point
/// conversion (float64 → float32) round to nearest (`Conversion::RoundFloats`); without it the
/// value must survive exactly (`Conversion::Exact`).
template <class Target, class Source>
[[nodiscard]] inline bool convert_one(Source v, bool round_floats, Target& out) noexcept {
  if constexpr (std::floating_point<Target>) {
    if constexpr (std::floating_point<Source>) {
      if (std::isnan(v) || std::isinf(v)) {
        out = static_cast<Target>(v);
        return true;
      }
      if constexpr (sizeof(Target) < sizeof(Source)) {
        if (std::abs(v) > static_cast<Source>(std::numeric_limits<Target>::max())) return false;
        out = static_cast<Target>(v);
        return round_floats || static_cast<Source>(out) == v;
      } else {
        out = static_cast<Target>(v);
        return true;
      }
    } else {  // integer or bool source: must be exact
      out = static_cast<Target>(v);
      if constexpr (std::numeric_limits<Source>::digits <= std::numeric_limits<Target>::digits) {
        return true;
      } else {
        // |out| may be 2^63 or 2^64 after rounding, which does not convert back: check range first.
        const Target limit = std::ldexp(Target(1), std::numeric_limits<Source>::digits);
        if (!(out < limit) || (std::is_signed_v<Source> && out < -limit)) return false;
        return static_cast<Source>(out) == v;
      }
    }
  } else {  // integer target
    if constexpr (std::floating_point<Source>) {
      if (!std::isfinite(v) || std::trunc(v) != v) return false;
      const Source lo = static_cast<Source>(std::numeric_limits<Target>::min());
      const Source hi = std::ldexp(Source(1), std::numeric_limits<Target>::digits);
      if (v < lo || !(v < hi)) return false;
      out = static_cast<Target>(v);
      return true;
    } else {
      if (!std::in_range<Target>(v)) return false;
      out = static_cast<Target>(v);
      return true;
    }
  }
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_ELEMENT_CONVERSION_HPP
