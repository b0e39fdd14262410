/// @file
/// The one message format of every options struct's `validate()`:
/// `<Struct>::<field> must <requirement>, got <value>` (docs/development.md, "Options and
/// results"). For example `SaeOptions::k must be in [1, latents], got 0`.
#ifndef HILM_CORE_DETAIL_VALIDATE_HPP
#define HILM_CORE_DETAIL_VALIDATE_HPP

#include <array>
#include <charconv>
#include <concepts>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace hilm::detail {

/// `value` as a user reads it in a message: integers in decimal, floating-point values in their
/// shortest round-trip form (`1e-09`, `0.5`, `nan`, `inf`), booleans as `true`/`false`, strings
/// quoted.
template <class T>
[[nodiscard]] std::string describe_value(const T& value) {
  if constexpr (std::same_as<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_floating_point_v<T>) {
    std::array<char, 64> buffer{};
    const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    if (error != std::errc()) return "?";
    return std::string(buffer.data(), end);
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(value);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return "\"" + std::string(std::string_view(value)) + "\"";
  } else {
    static_assert(std::is_integral_v<T>, "describe_value: no text form for this type");
    return {};
  }
}

/// The message `<type>::<field> must <requirement>, got <got>`, for a field whose value the caller
/// describes (a list, an enum, a relation between two fields). `requirement` starts with a verb
/// phrase that follows "must" ("be >= 1", "lie in (0, 1)", "be finite and > 0").
[[nodiscard]] inline std::string invalid_field_described(std::string_view type,
                                                         std::string_view field,
                                                         std::string_view requirement,
                                                         std::string_view got) {
  std::string message;
  message.reserve(type.size() + field.size() + requirement.size() + got.size() + 16);
  message.append(type).append("::").append(field).append(" must ").append(requirement);
  message.append(", got ").append(got);
  return message;
}

/// The same message with `value` described by `describe_value`.
template <class T>
[[nodiscard]] std::string invalid_field(std::string_view type, std::string_view field,
                                        std::string_view requirement, const T& value) {
  return invalid_field_described(type, field, requirement, describe_value(value));
}

}  // namespace hilm::detail

#endif  // HILM_CORE_DETAIL_VALIDATE_HPP
