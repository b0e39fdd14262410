/// @file
/// hilm's exception types. The single cold throw path, `hilm::detail::raise<E>(...)`, lives in
/// `hilm/core/detail/raise.hpp`, which this header includes.
///
/// Policy (STYLE.md §6): a violated argument contract throws `hilm::invalid_argument`; unreadable
/// or malformed files throw `hilm::io_error`; a numerical failure that makes a *requested value*
/// impossible (not mere non-convergence, which is a status) throws `hilm::numerical_error`.
/// All of them can be caught together as `hilm::error`, or individually through their standard
/// base classes.
#ifndef HILM_CORE_ERROR_HPP
#define HILM_CORE_ERROR_HPP

#include <stdexcept>
#include <string>
#include <utility>

#include <hilm/core/detail/raise.hpp>

namespace hilm {

/// Mix-in base shared by every exception hilm throws: `catch (const hilm::error&)` catches them
/// all. It carries no data; `what()` comes from the standard base of each concrete type.
class error {
 public:
  virtual ~error() = default;
  /// The message, identical to the concrete type's `what()`.
  [[nodiscard]] virtual const char* message() const noexcept = 0;

 protected:
  error() = default;
  error(const error&) = default;
  error& operator=(const error&) = default;
};

/// A caller violated an argument contract (bad option, shape mismatch, index out of range). The
/// message names the parameter, its value and what was expected.
class invalid_argument : public std::invalid_argument, public error {
 public:
  explicit invalid_argument(const std::string& what) : std::invalid_argument(what) {}
  [[nodiscard]] const char* message() const noexcept override { return what(); }
};

/// A file could not be read or written, or its contents are malformed. `path()` names the file
/// (empty when parsing an in-memory buffer); `what()` is "path: problem".
class io_error : public std::runtime_error, public error {
 public:
  io_error(std::string path, const std::string& problem)
      : std::runtime_error(path.empty() ? problem : path + ": " + problem),
        path_(std::move(path)),
        problem_(problem) {}
  [[nodiscard]] const char* message() const noexcept override { return what(); }
  /// The file concerned; empty for in-memory buffers.
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// The problem without the path.
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

 private:
  std::string path_;
  std::string problem_;
};

/// A numerical breakdown that leaves no usable answer (for example a singular system where a
/// solution was required). Non-convergence is reported through a status, not this.
class numerical_error : public std::runtime_error, public error {
 public:
  explicit numerical_error(const std::string& what) : std::runtime_error(what) {}
  [[nodiscard]] const char* message() const noexcept override { return what(); }
};

}  // namespace hilm

#endif  // HILM_CORE_ERROR_HPP
