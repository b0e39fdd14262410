/// @file
/// Element types of array files (`.npy`, `.safetensors`) and their conversion to Eigen scalars.
///
/// Conversion policy, shared by every reader: integer and boolean sources convert to a
/// floating-point or integer target only when every value is represented exactly (an int64 above
/// 2^53 read as double is an error, not a rounding); float16/bfloat16/float32 widen exactly;
/// float64 read as float32 rounds to nearest (as numpy's `astype`) unless the policy is
/// `Conversion::Exact`, and a finite value beyond float32's range is always an error. NaN and
/// infinities pass through; callers that forbid them check separately. Floating values read into
/// an integer target must be integral and in range.
#ifndef HILM_IO_DTYPE_HPP
#define HILM_IO_DTYPE_HPP

#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/detail/element_conversion.hpp>

namespace hilm {

/// Element type of a stored array.
enum class DType {
  Bool,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Float16,
  BFloat16,
  Float32,
  Float64
};

/// How strictly float64 → float32 narrowing is treated (see the file comment).
enum class Conversion {
  RoundFloats,  ///< float64 → float32 rounds to nearest; everything else must be exact.
  Exact         ///< Every value must be represented exactly.
};

/// Size of one element in bytes.
[[nodiscard]] constexpr std::size_t dtype_size(DType t) noexcept {
  switch (t) {
    case DType::Bool:
    case DType::Int8:
    case DType::UInt8:
      return 1;
    case DType::Int16:
    case DType::UInt16:
    case DType::Float16:
    case DType::BFloat16:
      return 2;
    case DType::Int32:
    case DType::UInt32:
    case DType::Float32:
      return 4;
    case DType::Int64:
    case DType::UInt64:
    case DType::Float64:
      return 8;
  }
  return 0;
}

/// numpy's name of the type ("float32", "int64", "bool", "bfloat16", ...).
[[nodiscard]] constexpr std::string_view dtype_name(DType t) noexcept {
  switch (t) {
    case DType::Bool:
      return "bool";
    case DType::Int8:
      return "int8";
    case DType::Int16:
      return "int16";
    case DType::Int32:
      return "int32";
    case DType::Int64:
      return "int64";
    case DType::UInt8:
      return "uint8";
    case DType::UInt16:
      return "uint16";
    case DType::UInt32:
      return "uint32";
    case DType::UInt64:
      return "uint64";
    case DType::Float16:
      return "float16";
    case DType::BFloat16:
      return "bfloat16";
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
  }
  return "unknown";
}

/// True for the floating-point types.
[[nodiscard]] constexpr bool is_floating(DType t) noexcept {
  return t == DType::Float16 || t == DType::BFloat16 || t == DType::Float32 || t == DType::Float64;
}

/// The DType that stores a C++ arithmetic type exactly.
template <class T>
[[nodiscard]] constexpr DType dtype_of() noexcept {
  if constexpr (std::same_as<T, bool>)
    return DType::Bool;
  else if constexpr (std::same_as<T, float>)
    return DType::Float32;
  else if constexpr (std::same_as<T, double>)
    return DType::Float64;
  else if constexpr (std::signed_integral<T> && sizeof(T) == 1)
    return DType::Int8;
  else if constexpr (std::signed_integral<T> && sizeof(T) == 2)
    return DType::Int16;
  else if constexpr (std::signed_integral<T> && sizeof(T) == 4)
    return DType::Int32;
  else if constexpr (std::signed_integral<T> && sizeof(T) == 8)
    return DType::Int64;
  else if constexpr (std::unsigned_integral<T> && sizeof(T) == 1)
    return DType::UInt8;
  else if constexpr (std::unsigned_integral<T> && sizeof(T) == 2)
    return DType::UInt16;
  else if constexpr (std::unsigned_integral<T> && sizeof(T) == 4)
    return DType::UInt32;
  else if constexpr (std::unsigned_integral<T> && sizeof(T) == 8)
    return DType::UInt64;
  else
    static_assert(sizeof(T) == 0, "hilm::dtype_of: unsupported element type");
}

/// IEEE 754 binary16 → float (exact).
[[nodiscard]] inline float half_to_float(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1Fu;
  std::uint32_t mantissa = h & 0x3FFu;
  std::uint32_t bits = 0;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;  // signed zero
    } else {        // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mantissa <<= 1;
      } while ((mantissa & 0x400u) == 0);
      bits = sign | (static_cast<std::uint32_t>(127 - 15 - e) << 23) | ((mantissa & 0x3FFu) << 13);
    }
  } else if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf or NaN
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  return std::bit_cast<float>(bits);
}

/// float → IEEE 754 binary16, rounding to nearest even; overflow gives ±inf.
[[nodiscard]] inline std::uint16_t float_to_half(float f) noexcept {
  const auto bits = std::bit_cast<std::uint32_t>(f);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t abs = bits & 0x7FFFFFFFu;
  if (abs >= 0x7F800000u) {  // inf or NaN (keep NaN quiet and non-zero)
    return static_cast<std::uint16_t>(sign | 0x7C00u | (abs > 0x7F800000u ? 0x200u : 0u));
  }
  if (abs >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // rounds to inf
  if (abs < 0x38800000u) {               // result is subnormal or zero
    if (abs < 0x33000000u) return sign;  // below half the smallest subnormal
    const std::uint32_t mantissa = (abs & 0x7FFFFFu) | 0x800000u;
    const int shift = 126 - static_cast<int>(abs >> 23);  // 14..24
    std::uint32_t value = mantissa >> shift;
    const std::uint32_t remainder = mantissa & ((1u << shift) - 1);
    const std::uint32_t halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (value & 1u))) ++value;
    return static_cast<std::uint16_t>(sign | value);
  }
  std::uint32_t value = ((abs >> 13) - (112u << 10));
  const std::uint32_t remainder = abs & 0x1FFFu;
  if (remainder > 0x1000u || (remainder == 0x1000u && (value & 1u))) ++value;
  return static_cast<std::uint16_t>(sign | value);
}

/// bfloat16 → float (exact).
[[nodiscard]] inline float bfloat16_to_float(std::uint16_t b) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

/// float → bfloat16, rounding to nearest even.
[[nodiscard]] inline std::uint16_t float_to_bfloat16(float f) noexcept {
  const auto bits = std::bit_cast<std::uint32_t>(f);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((bits >> 16) | 0x40u);
  const std::uint32_t rounding = 0x7FFFu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>((bits + rounding) >> 16);
}

/// Converts `count` stored elements of type `from` (big-endian when `big_endian`) at `src` into
/// `dst`, following the file's conversion policy.
/// @param path    file named in error messages.
/// @param offset  index of `src[0]` within the whole array, so errors name the element.
/// @throws io_error naming the element index when a value cannot be converted.
template <class Scalar>
void convert_elements(const std::byte* src, DType from, bool big_endian, Index count, Scalar* dst,
                      const std::string& path, Index offset = 0,
                      Conversion policy = Conversion::RoundFloats) {
  static_assert(std::is_arithmetic_v<Scalar> && !std::same_as<Scalar, bool>,
                "hilm::convert_elements: the target must be an arithmetic Eigen scalar");
  constexpr bool host_big = std::endian::native == std::endian::big;
  const bool swap = big_endian != host_big;
  const bool round_floats = policy == Conversion::RoundFloats;
  const std::size_t size = dtype_size(from);
  auto fail = [&](Index i) {
    hilm::detail::raise<io_error>(
        path, "element " + std::to_string(offset + i) + " of type " +
                  std::string(dtype_name(from)) + " cannot be represented " +
                  (policy == Conversion::Exact ? "exactly " : "") + "as the requested " +
                  (std::floating_point<Scalar> ? "float" + std::to_string(8 * sizeof(Scalar))
                                               : "integer") +
                  " type");
  };
  for (Index i = 0; i < count; ++i) {
    const std::byte* p = src + static_cast<std::size_t>(i) * size;
    bool ok = false;
    switch (from) {
      case DType::Bool:
        dst[i] = static_cast<Scalar>(std::to_integer<std::uint8_t>(p[0]) != 0);
        ok = true;
        break;
      case DType::Int8:
        ok = detail::convert_one(detail::load<std::int8_t>(p, false), round_floats, dst[i]);
        break;
      case DType::UInt8:
        ok = detail::convert_one(detail::load<std::uint8_t>(p, false), round_floats, dst[i]);
        break;
      case DType::Int16:
        ok = detail::convert_one(detail::load<std::int16_t>(p, swap), round_floats, dst[i]);
        break;
      case DType::UInt16:
        ok = detail::convert_one(detail::load<std::uint16_t>(p, swap), round_floats, dst[i]);
        break;
      case DType::Int32:
        ok = detail::convert_one(detail::load<std::int32_t>(p, swap), round_floats, dst[i]);
        break;
      case DType::UInt32:
        ok = detail::convert_one(detail::load<std::uint32_t>(p, swap), round_floats, dst[i]);
        break;
      case DType::Int64:
        ok = detail::convert_one(detail::load<std::int64_t>(p, swap), round_floats, dst[i]);
        break;
      case DType::UInt64:
        ok = detail::convert_one(detail::load<std::uint64_t>(p, swap), round_floats, dst[i]);
        break;
      case DType::Float16:
        ok = detail::convert_one(half_to_float(detail::load<std::uint16_t>(p, swap)), round_floats,
                                 dst[i]);
        break;
      case DType::BFloat16:
        ok = detail::convert_one(bfloat16_to_float(detail::load<std::uint16_t>(p, swap)),
                                 round_floats, dst[i]);
        break;
      case DType::Float32:
        ok = detail::convert_one(detail::load<float>(p, swap), round_floats, dst[i]);
        break;
      case DType::Float64:
        ok = detail::convert_one(detail::load<double>(p, swap), round_floats, dst[i]);
        break;
    }
    if (!ok) [[unlikely]]
      fail(i);
  }
}

}  // namespace hilm

#endif  // HILM_IO_DTYPE_HPP
