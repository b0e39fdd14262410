/// @file
/// The activation-source concept layer: how hilm's streaming estimators read rows of data.
///
/// An *activation source* hands out the rows of an `n × d` data set (rows are samples, columns are
/// features) in batches, pass after pass. It is the only thing a streaming estimator (for example
/// a sparse autoencoder) needs from the data, so data can live in memory, in a memory-mapped file,
/// in a user's own loader or be generated on the fly.
///
/// Required members of a source type `S` (checked by the concept `hilm::ActivationSource`):
///
/// | member                                          | meaning                              |
/// |-------------------------------------------------|--------------------------------------|
/// | `using Scalar = float;` (or `double`)           | element type; floating point         |
/// | `Index dim() const`                             | features per row `d`; constant       |
/// | `Index read(Eigen::Ref<RowMatrix<Scalar>> out)` | fill the next rows; return how many  |
/// | `void rewind()`                                 | start the next pass at row 0         |
///
/// Optional capabilities (refinements, detected with `if constexpr`):
/// - `Index size() const`: rows per pass (`hilm::SizedActivationSource`);
/// - `void seek(Index row)`: continue the pass at `row` (`hilm::SeekableActivationSource`).
/// New capabilities are added only as new refinements, never as requirements of
/// `ActivationSource`. A type can opt out of the refinements with `hilm::disable_sized_source`.
///
/// The contract (hilm relies on it; `hilm/testing/source_conformance.hpp` checks it at run time):
/// 1. `read(out)` is called with `out.cols() == dim()` and any `out.rows() >= 1`. It writes the
///    next rows of the pass, in order, into the first `r` rows of `out` and returns `r`, with
///    `0 <= r <= out.rows()`. Rows of `out` past `r` are left unspecified. A short batch
///    (`0 < r < out.rows()`) does not mean the pass ended; only `0` does.
/// 2. Once `read` has returned 0 it keeps returning 0 until `rewind()` is called (the end of a
///    pass is sticky).
/// 3. `rewind()` starts a new pass from the first row. Every pass yields identical data, bit for
///    bit: hilm's results are reproducible only if the data are. A stochastic source must draw
///    from a seed that it resets on `rewind()` (and should expose that seed).
/// 4. `dim()` is the same for the source's whole lifetime. If present, `size()` equals the number
///    of rows a full pass yields, and after `seek(r)` the next row read is row `r` of the pass.
/// 5. hilm never calls a source from two threads at once, so a source needs no locking.
/// 6. hilm takes sources by reference and never owns them: a source must outlive the call that
///    uses it (e.g. `fit(source)`), and whatever the source views must outlive the source.
///
/// Return types are checked leniently (`std::convertible_to<Index>`), so `read` may return `int`
/// or `std::size_t`. The scalar type is never converted silently: an estimator for `double` given
/// a `float` source refuses it at compile time (see `hilm::detail::check_activation_source`).
///
/// Write `static_assert(hilm::ActivationSource<MySource>);` next to your own source class.
#ifndef HILM_CONCEPTS_ACTIVATION_SOURCE_HPP
#define HILM_CONCEPTS_ACTIVATION_SOURCE_HPP

#include <concepts>
#include <type_traits>

#include <Eigen/Core>

#include <hilm/core/types.hpp>

namespace hilm {

/// A source of activation rows: `Scalar`, `dim()`, `read(out)` and `rewind()` (see the file
/// comment for the full contract).
///
/// @tparam S the source type (not a reference; estimators deduce it from `Source&`).
template <class S>
concept ActivationSource = std::floating_point<typename S::Scalar> &&
    requires(S& s, const S& cs, Eigen::Ref<RowMatrix<typename S::Scalar>> out) {
  { cs.dim() } -> std::convertible_to<Index>;     // features per row; constant
  { s.read(out) } -> std::convertible_to<Index>;  // fill <= out.rows() rows; 0 = pass ended
  s.rewind();                                     // begin the next pass
};

/// Opt-out for a source type whose `size()` member does not always hold (for example a
/// type-erased wrapper that knows only at run time whether its source is sized): specialise it to
/// `true` and the type does not model `SizedActivationSource` (nor `SeekableActivationSource`)
/// although it has the members. The same device as `std::ranges::disable_sized_range`.
///
/// @tparam S the source type (without cv-qualifiers).
template <class S>
inline constexpr bool disable_sized_source = false;

/// An activation source that knows its number of rows per pass: `Index size() const`.
///
/// @tparam S the source type.
template <class S>
concept SizedActivationSource =
    ActivationSource<S> && !disable_sized_source<std::remove_cv_t<S>> && requires(const S& cs) {
  { cs.size() } -> std::convertible_to<Index>;  // rows per pass
};

/// A sized activation source with random access: `seek(row)` makes the next `read` start at
/// `row` (`0 <= row <= size()`; seeking to `size()` ends the pass).
///
/// @tparam S the source type.
template <class S>
concept SeekableActivationSource = SizedActivationSource<S> && requires(S& s, Index row) {
  s.seek(row);  // the next read starts at this row
};

/// The scalar type of an activation source.
///
/// @tparam S a type modelling `ActivationSource`.
template <ActivationSource S>
using source_scalar_t = typename S::Scalar;

namespace detail {

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

}  // namespace detail
}  // namespace hilm

#endif  // HILM_CONCEPTS_ACTIVATION_SOURCE_HPP
