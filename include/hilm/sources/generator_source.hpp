/// @file
/// Activation sources made from callables: `hilm::GeneratorSource` (a stream with a rewind
/// callable) and `hilm::IndexedGeneratorSource` (rows computed from their index; sized and
/// seekable). Both take care of the contract's bookkeeping (argument checks, sticky end of pass),
/// so the callables only produce numbers.
#ifndef HILM_SOURCES_GENERATOR_SOURCE_HPP
#define HILM_SOURCES_GENERATOR_SOURCE_HPP

#include <algorithm>
#include <concepts>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sources/detail/argument_checks.hpp>

namespace hilm {

/// A stream of rows produced by a callable, restarted by another callable.
///
/// `next(out)` writes the next rows of the pass into the top of `out` (`b × d`) and returns how
/// many it wrote (`0 <= r <= b`; 0 means the pass ended). `rewind()` restarts the stream so that
/// the next pass yields the same rows again: a random generator must reset its engine to the same
/// seed. The adaptor checks `out`, checks what `next` returns and makes the end of a pass sticky
/// (once `next` has returned 0 it is not called again until `rewind()`).
///
/// Models `ActivationSource` only (the length of a pass is unknown). For data whose row `i` can be
/// computed directly, `IndexedGeneratorSource` is sized and seekable.
///
/// ```cpp
/// hilm::Random rng(seed);
/// Index produced = 0;
/// auto source = hilm::make_generator_source<float>(
///     d,
///     [&](Eigen::Ref<hilm::RowMatrix<float>> out) -> Index {
///       const Index r = std::min<Index>(out.rows(), n - produced);
///       for (Index i = 0; i < r; ++i)
///         for (Index j = 0; j < d; ++j) out(i, j) = static_cast<float>(rng.normal());
///       produced += r;
///       return r;
///     },
///     [&] { rng = hilm::Random(seed); produced = 0; });
/// ```
///
/// @tparam Scalar_ floating-point element type.
/// @tparam Next callable `Index-convertible(Eigen::Ref<RowMatrix<Scalar_>>)`.
/// @tparam Rewind callable `void()`.
template <std::floating_point Scalar_, class Next, class Rewind>
class GeneratorSource {
  static_assert(std::is_invocable_v<Next&, Eigen::Ref<RowMatrix<Scalar_>>&>,
                "hilm::GeneratorSource: `next` must be callable with "
                "`Eigen::Ref<hilm::RowMatrix<Scalar>>` (the batch buffer to fill).");
  static_assert(
      std::is_convertible_v<std::invoke_result_t<Next&, Eigen::Ref<RowMatrix<Scalar_>>&>, Index>,
      "hilm::GeneratorSource: `next(out)` must return the number of rows it wrote "
      "(convertible to hilm::Index), 0 when the pass has ended.");
  static_assert(std::is_invocable_v<Rewind&>,
                "hilm::GeneratorSource: `rewind` must be callable without arguments.");

 public:
  /// Element type of the rows.
  using Scalar = Scalar_;

  /// @param[in] dim features per row `d >= 0`.
  /// @param[in] next fills the next rows of a batch (see the class comment).
  /// @param[in] rewind restarts the stream.
  /// @throws invalid_argument if `dim` is negative.
  GeneratorSource(Index dim, Next next, Rewind rewind)
      : dim_(detail::checked_generator_dim(dim, "hilm::GeneratorSource")),
        next_(std::move(next)),
        rewind_(std::move(rewind)) {}

  /// Number of features per row, `d`.
  [[nodiscard]] Index dim() const noexcept { return dim_; }

  /// Asks `next` for the next rows; returns 0 without calling it once the pass has ended.
  ///
  /// @param[out] out batch buffer, `b × d` with `b >= 1`.
  /// @returns the number of rows written.
  /// @throws invalid_argument if `out` has the wrong shape, or if `next` returns a count outside
  ///         `[0, out.rows()]` (a broken callable).
  Index read(Eigen::Ref<RowMatrix<Scalar>> out) {
    detail::check_read_buffer<Scalar>(out, dim_, "hilm::GeneratorSource::read");
    if (ended_) return 0;
    const Index count = static_cast<Index>(std::invoke(next_, out));
    if (count < 0 || count > out.rows()) {
      detail::raise<invalid_argument>("hilm::GeneratorSource::read: the callable `next` returned " +
                                      std::to_string(count) + " rows for a buffer of " +
                                      std::to_string(out.rows()) + " rows");
    }
    ended_ = count == 0;
    return count;
  }

  /// Calls the `rewind` callable and starts the next pass.
  void rewind() {
    std::invoke(rewind_);
    ended_ = false;
  }

 private:
  Index dim_;
  Next next_;
  Rewind rewind_;
  bool ended_ = false;
};

/// Builds a `GeneratorSource<Scalar, …>`, deducing the callable types.
///
/// @tparam Scalar floating-point element type (give it explicitly).
/// @param[in] dim features per row `d >= 0`.
/// @param[in] next `Index(Eigen::Ref<RowMatrix<Scalar>> out)`: fills the next rows.
/// @param[in] rewind `void()`: restarts the stream.
/// @throws invalid_argument if `dim` is negative.
template <std::floating_point Scalar, class Next, class Rewind>
[[nodiscard]] GeneratorSource<Scalar, std::decay_t<Next>, std::decay_t<Rewind>>
make_generator_source(Index dim, Next&& next, Rewind&& rewind) {
  return GeneratorSource<Scalar, std::decay_t<Next>, std::decay_t<Rewind>>(
      dim, std::forward<Next>(next), std::forward<Rewind>(rewind));
}

/// A pass of `rows_per_pass` rows, each computed from its index by a callable.
///
/// `fill(first_row, rows)` writes rows `first_row, …, first_row + rows.rows() − 1` of the pass into
/// `rows` (`b × d`, `Eigen::Ref<RowMatrix<Scalar>>`). The values of row `i` must depend only on
/// `i` (and on state fixed at construction, such as a seed), never on how the rows are batched
/// or on how often `fill` was called: then every pass is identical and `seek` is exact. For random
/// rows, derive an engine per row, e.g. `hilm::Random(seed).stream(i)`.
///
/// Models `SeekableActivationSource`.
///
/// @tparam Scalar_ floating-point element type.
/// @tparam Fill callable `void(Index first_row, Eigen::Ref<RowMatrix<Scalar_>> rows)`.
template <std::floating_point Scalar_, class Fill>
class IndexedGeneratorSource {
  static_assert(std::is_invocable_v<const Fill&, Index, Eigen::Ref<RowMatrix<Scalar_>>&>,
                "hilm::IndexedGeneratorSource: `fill` must be callable as "
                "`fill(Index first_row, Eigen::Ref<hilm::RowMatrix<Scalar>> rows)` on a const "
                "object (row values may depend only on the row index).");

 public:
  /// Element type of the rows.
  using Scalar = Scalar_;

  /// @param[in] dim features per row `d >= 0`.
  /// @param[in] rows_per_pass rows per pass `n >= 0`.
  /// @param[in] fill computes rows from their indices (see the class comment).
  /// @throws invalid_argument if `dim` or `rows_per_pass` is negative.
  IndexedGeneratorSource(Index dim, Index rows_per_pass, Fill fill)
      : dim_(detail::checked_generator_dim(dim, "hilm::IndexedGeneratorSource")),
        rows_(rows_per_pass),
        fill_(std::move(fill)) {
    if (rows_per_pass < 0) {
      detail::raise<invalid_argument>("hilm::IndexedGeneratorSource: parameter `rows_per_pass` = " +
                                      std::to_string(rows_per_pass) + " is negative");
    }
  }

  /// Number of features per row, `d`.
  [[nodiscard]] Index dim() const noexcept { return dim_; }

  /// Number of rows per pass, `n`.
  [[nodiscard]] Index size() const noexcept { return rows_; }

  /// Index of the next row `read` will return (`size()` once the pass has ended).
  [[nodiscard]] Index position() const noexcept { return position_; }

  /// Computes the next `min(out.rows(), size() - position())` rows into the top of `out`.
  ///
  /// @param[out] out batch buffer, `b × d` with `b >= 1`.
  /// @returns the number of rows written; 0 once the pass has ended.
  /// @throws invalid_argument if `out.cols() != dim()` or `out.rows() == 0`.
  Index read(Eigen::Ref<RowMatrix<Scalar>> out) {
    detail::check_read_buffer<Scalar>(out, dim_, "hilm::IndexedGeneratorSource::read");
    const Index count = std::min<Index>(out.rows(), rows_ - position_);
    if (count <= 0) return 0;
    Eigen::Ref<RowMatrix<Scalar>> batch(out.topRows(count));
    std::invoke(fill_, position_, batch);
    position_ += count;
    return count;
  }

  /// Starts the next pass at row 0.
  void rewind() noexcept { position_ = 0; }

  /// Makes the next `read` start at `row`.
  ///
  /// @param[in] row `0 <= row <= size()`; `size()` ends the pass.
  /// @throws invalid_argument if `row` is out of range.
  void seek(Index row) {
    detail::check_seek_row(row, rows_, "hilm::IndexedGeneratorSource::seek");
    position_ = row;
  }

 private:
  Index dim_;
  Index rows_;
  Fill fill_;
  Index position_ = 0;
};

/// Builds an `IndexedGeneratorSource<Scalar, Fill>`, deducing the callable type.
///
/// @tparam Scalar floating-point element type (give it explicitly).
/// @param[in] dim features per row `d >= 0`.
/// @param[in] rows_per_pass rows per pass `n >= 0`.
/// @param[in] fill `void(Index first_row, Eigen::Ref<RowMatrix<Scalar>> rows)`.
/// @throws invalid_argument if `dim` or `rows_per_pass` is negative.
template <std::floating_point Scalar, class Fill>
[[nodiscard]] IndexedGeneratorSource<Scalar, std::decay_t<Fill>> make_indexed_generator_source(
    Index dim, Index rows_per_pass, Fill&& fill) {
  return IndexedGeneratorSource<Scalar, std::decay_t<Fill>>(dim, rows_per_pass,
                                                            std::forward<Fill>(fill));
}

}  // namespace hilm

#endif  // HILM_SOURCES_GENERATOR_SOURCE_HPP
