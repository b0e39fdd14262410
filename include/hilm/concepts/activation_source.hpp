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

#include <hilm/concepts/detail/source_checks.hpp>
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

}  // namespace hilm

#endif  // HILM_CONCEPTS_ACTIVATION_SOURCE_HPP
