// Checks on error messages: message_of(call) runs a call that must throw and gives the what() of
// the hilm::invalid_argument it throws (message_of<hilm::io_error>(call) for an io_error), so
// that a test can check the text; contains(text, part) says whether `part` occurs in `text`.
#ifndef HILM_TESTS_SUPPORT_MESSAGES_HPP
#define HILM_TESTS_SUPPORT_MESSAGES_HPP

#include <string>
#include <utility>

#include <hilm/core/error.hpp>

#include "support/catch.hpp"

namespace hilm::test {

/// What the test expected `Error` to be called in a failure message.
template <class Error>
inline constexpr const char* error_name = "the expected exception";
template <>
inline constexpr const char* error_name<hilm::invalid_argument> = "hilm::invalid_argument";
template <>
inline constexpr const char* error_name<hilm::io_error> = "hilm::io_error";

/// The message of the `Error` that `call()` throws. A call that throws nothing is a failed check
/// (and gives ""); another exception propagates.
template <class Error = hilm::invalid_argument, class Call>
inline std::string message_of(Call&& call) {
  try {
    std::forward<Call>(call)();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL_CHECK("expected " << error_name<Error> << ", nothing was thrown");
  return {};
}

/// Whether `part` occurs in `text`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace hilm::test

#endif  // HILM_TESTS_SUPPORT_MESSAGES_HPP
