/// @file
/// Implementation of `hilm::detail::check_activation_source`: one trait per requirement of
/// `hilm::ActivationSource` and a `static_assert` per trait whose message says how to fix the
/// source. Public API: `hilm/concepts/activation_source.hpp`.
#ifndef HILM_CONCEPTS_DETAIL_SOURCE_CHECKS_HPP
#define HILM_CONCEPTS_DETAIL_SOURCE_CHECKS_HPP

#include <concepts>
#include <type_traits>

#include <Eigen/Core>

#include <hilm/core/types.hpp>

namespace hilm::detail {

// One trait per requirement, each guarded by the requirements before it, so that a failed check
// reports only its own sentence (ensmallen's static_checks.hpp idea, in concept form).

/// `S::Scalar` names a type.
template <class S>
concept source_has_scalar = requires {
  typename S::Scalar;
};

/// `S::Scalar` is a floating-point type.
template <class S>
concept source_has_floating_scalar =
    source_has_scalar<S> && std::floating_point<typename S::Scalar>;

/// `dim()` can be called on a non-const source.
template <class S>
concept source_has_mutable_dim = requires(S& s) {
  s.dim();
};

/// `dim()` can be called on a const source and returns something convertible to `Index`.
template <class S>
concept source_has_dim = requires(const S& cs) {
  { cs.dim() } -> std::convertible_to<Index>;
};

/// A member named `read` exists (whatever its signature).
template <class S>
concept source_has_read_member = requires {
  &S::read;
}
|| requires(S& s) { s.read; };

/// `read` accepts `Eigen::Ref<RowMatrix<Scalar>>` (whatever it returns).
template <class S>
concept source_read_accepts_ref = source_has_floating_scalar<S> &&
    requires(S& s, Eigen::Ref<RowMatrix<typename S::Scalar>> out) {
  s.read(out);
};

/// `read(out)` returns something convertible to `Index`.
template <class S>
concept source_read_returns_index = source_read_accepts_ref<S> &&
    requires(S& s, Eigen::Ref<RowMatrix<typename S::Scalar>> out) {
  { s.read(out) } -> std::convertible_to<Index>;
};

/// `rewind()` can be called on a non-const source.
template <class S>
concept source_has_rewind = requires(S& s) {
  s.rewind();
};

/// Checks every requirement of `ActivationSource` separately, with a `static_assert` whose message
/// says what is missing and how to fix it. Call it where a constraint failure would otherwise
/// print a long substitution trace, e.g. at the top of an estimator's `fit`:
///
/// ```cpp
/// template <class Source>
/// Result fit(Source& source) {
///   hilm::detail::check_activation_source<Source, Scalar>();  // readable errors
///   ...
/// }
/// ```
///
/// @tparam Source the candidate source type (cv-qualifiers and references are removed).
/// @tparam Expected the scalar type the caller works in, or `void` to accept any floating type.
///         A mismatch is an error: hilm never converts a source's scalar type silently.
/// @returns `true` (so it can be used inside `static_assert` too); every failure is a compile
///          error.
template <class Source, class Expected = void>
constexpr bool check_activation_source() {
  using S = std::remove_cvref_t<Source>;
  static_assert(source_has_scalar<S>,
                "hilm: the source type has no member type `Scalar`; add `using Scalar = float;` "
                "(or double) to the class.");
  static_assert(!source_has_scalar<S> || source_has_floating_scalar<S>,
                "hilm: the source's `Scalar` must be a floating-point type (float, double or long "
                "double); convert integer data to floating point in `read`.");
  static_assert(source_has_dim<S> || source_has_mutable_dim<S>,
                "hilm: the source type has no member function `dim()`; add `Index dim() const` "
                "returning the number of features per row.");
  static_assert(source_has_dim<S> || !source_has_mutable_dim<S>,
                "hilm: the source's `dim()` must be callable on a const source and return a value "
                "convertible to hilm::Index; declare it as `Index dim() const`.");
  static_assert(
      !source_has_floating_scalar<S> || source_has_read_member<S> || source_read_accepts_ref<S>,
      "hilm: the source type has no member function `read`; add "
      "`Index read(Eigen::Ref<hilm::RowMatrix<Scalar>> out)` that fills the next rows of "
      "`out` and returns how many it wrote (0 when the pass has ended).");
  static_assert(
      !source_has_floating_scalar<S> || !source_has_read_member<S> || source_read_accepts_ref<S>,
      "hilm: the source's `read` cannot be called with "
      "`Eigen::Ref<hilm::RowMatrix<Scalar>>` (a row-major batch buffer); declare it as "
      "`Index read(Eigen::Ref<hilm::RowMatrix<Scalar>> out)`.");
  static_assert(
      !source_read_accepts_ref<S> || source_read_returns_index<S>,
      "hilm: the source's `read(Eigen::Ref<RowMatrix<Scalar>>)` must return the number of "
      "rows written (a value convertible to hilm::Index, 0 when the pass has ended), not "
      "void or another type.");
  static_assert(source_has_rewind<S>,
                "hilm: the source type has no member function `rewind()`; add `void rewind()` that "
                "restarts the pass at the first row (every pass must yield the same rows).");
  if constexpr (!std::is_void_v<Expected> && source_has_scalar<S>) {
    static_assert(std::same_as<typename S::Scalar, Expected>,
                  "hilm: the source's `Scalar` differs from the scalar type expected where it is "
                  "used (the estimator's or AnySource's `Scalar`); hilm never converts data "
                  "silently. Use the same scalar type on both sides (e.g. SparseAutoencoder<float> "
                  "for a float source) or make the source produce that type.");
  }
  return true;
}

}  // namespace hilm::detail

#endif  // HILM_CONCEPTS_DETAIL_SOURCE_CHECKS_HPP
