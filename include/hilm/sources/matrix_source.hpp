/// @file
/// `hilm::MatrixSource`: an activation source that views an in-memory row-major matrix.
#ifndef HILM_SOURCES_MATRIX_SOURCE_HPP
#define HILM_SOURCES_MATRIX_SOURCE_HPP

#include <concepts>
#include <type_traits>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/assert.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sources/detail/strided_rows.hpp>

namespace hilm {

/// Streams the rows of an in-memory `n × d` matrix, in order, without copying it (the built-in
/// adaptor for data that fit in memory; modelled on Spectra's `DenseSymMatProd`).
///
/// The source stores a view (`Eigen::Ref<const RowMatrix<Scalar>>`) of the matrix, so the matrix
/// must outlive the source and must not be resized while the source is in use. Any row-major
/// expression with direct access and contiguous rows is accepted: a `RowMatrix<Scalar>`, a block
/// of rows or columns of one (`x.middleRows(a, b)`, `x.leftCols(k)`), a row-major `Eigen::Map`.
///
/// A column-major matrix (`hilm::Matrix`, Eigen's default) is rejected at compile time rather than
/// copied: a silent copy would double the memory of what is usually the largest object in the
/// program, and would break the promise that the source is a view. Convert once, explicitly, into
/// a named row-major matrix (`hilm::RowMatrix<float> rows = x;`) and view that.
///
/// Models `SeekableActivationSource` (hence also `SizedActivationSource` and `ActivationSource`).
/// Copies are independent cursors over the same data. Not thread-safe (no source needs to be).
///
/// ```cpp
/// hilm::RowMatrix<float> x = ...;          // n × d, rows are samples
/// hilm::MatrixSource source(x);            // MatrixSource<float>, views x
/// ```
///
/// @tparam Scalar_ floating-point element type; must equal the matrix's scalar type.
template <std::floating_point Scalar_>
class MatrixSource {
 public:
  /// Element type of the rows.
  using Scalar = Scalar_;

  /// Views `data` (`n × d`, row-major). O(1); never copies.
  ///
  /// @tparam Derived an Eigen dense expression with scalar `Scalar`, row-major storage, direct
  ///         access and unit inner stride (checked by `static_assert`s whose messages say how to
  ///         fix a mismatch).
  /// @param[in] data `n × d` matrix; must outlive the source.
  template <class Derived>
  explicit MatrixSource(const Eigen::MatrixBase<Derived>& data)
      : view_(checked_view(data)),
        rows_(view_.data(), view_.rows(), view_.cols(), view_.outerStride()) {}

  /// Refuses a temporary plain matrix: the source would view memory that dies at the end of the
  /// full expression. Keep the matrix in a named variable instead.
  template <class Derived>
    requires(!std::is_lvalue_reference_v<Derived> &&
             std::derived_from<Derived, Eigen::PlainObjectBase<Derived>>)
  explicit MatrixSource(Derived&& temporary) : MatrixSource(temporary) {
    static_assert(!std::is_same_v<Derived, Derived>,
                  "hilm::MatrixSource views its matrix and does not own it; constructing it from a "
                  "temporary matrix would leave it dangling. Store the matrix in a named variable "
                  "that outlives the source.");
  }

  /// Copies are independent cursors over the same matrix (the position is copied too).
  MatrixSource(const MatrixSource&) = default;
  /// Not assignable: the stored `Eigen::Ref` cannot be re-seated.
  MatrixSource& operator=(const MatrixSource&) = delete;

  /// Number of features per row, `d`.
  [[nodiscard]] Index dim() const noexcept { return rows_.dim(); }

  /// Number of rows per pass, `n`.
  [[nodiscard]] Index size() const noexcept { return rows_.rows(); }

  /// Index of the next row `read` will return (`size()` once the pass has ended).
  [[nodiscard]] Index position() const noexcept { return rows_.position(); }

  /// The viewed matrix (`n × d`).
  [[nodiscard]] const Eigen::Ref<const RowMatrix<Scalar>>& matrix() const noexcept { return view_; }

  /// Copies the next `min(out.rows(), size() - position())` rows into the top of `out`.
  ///
  /// @param[out] out batch buffer, `b × d` with `b >= 1`.
  /// @returns the number of rows written; 0 once the pass has ended (until `rewind`/`seek`).
  /// @throws invalid_argument if `out.cols() != dim()` or `out.rows() == 0`.
  Index read(Eigen::Ref<RowMatrix<Scalar>> out) {
    return rows_.read(out, "hilm::MatrixSource::read");
  }

  /// Starts the next pass at row 0.
  void rewind() noexcept { rows_.rewind(); }

  /// Makes the next `read` start at `row`.
  ///
  /// @param[in] row `0 <= row <= size()`; `size()` ends the pass.
  /// @throws invalid_argument if `row` is out of range.
  void seek(Index row) { rows_.seek(row, "hilm::MatrixSource::seek"); }

 private:
  template <class Derived>
  static Eigen::Ref<const RowMatrix<Scalar>> checked_view(const Eigen::MatrixBase<Derived>& data) {
    static_assert(std::is_same_v<typename Derived::Scalar, Scalar>,
                  "hilm::MatrixSource<Scalar>: the matrix has a different scalar type; hilm never "
                  "converts data silently. Use MatrixSource<matrix scalar> (or let class template "
                  "argument deduction pick it: `hilm::MatrixSource source(x);`).");
    static_assert(
        static_cast<bool>(Derived::Flags & Eigen::RowMajorBit) || Derived::RowsAtCompileTime == 1,
        "hilm::MatrixSource views a row-major matrix (rows are samples, one sample "
        "contiguous) and will not silently copy a column-major one. Convert it once: "
        "`hilm::RowMatrix<float> rows = x;` and construct the source from `rows`.");
    static_assert(static_cast<bool>(Derived::Flags & Eigen::DirectAccessBit),
                  "hilm::MatrixSource needs a matrix with direct memory access (a matrix, a block "
                  "or a Map); evaluate the expression into a named hilm::RowMatrix first.");
    static_assert(Derived::InnerStrideAtCompileTime == 1,
                  "hilm::MatrixSource needs contiguous rows (unit inner stride); copy the data "
                  "into a named hilm::RowMatrix first.");
    Eigen::Ref<const RowMatrix<Scalar>> view(data.derived());
    HILM_ASSERT(view.size() == 0 || view.data() == data.derived().data());  // a view, not a copy
    return view;
  }

  Eigen::Ref<const RowMatrix<Scalar>> view_;
  detail::StridedRows<Scalar> rows_;
};

/// Deduces `MatrixSource<Scalar>` from the matrix: `hilm::MatrixSource source(x);`.
template <class Derived>
MatrixSource(const Eigen::MatrixBase<Derived>&) -> MatrixSource<typename Derived::Scalar>;

/// Deduction guide for plain matrices (the constructor from a temporary is refused).
template <class Derived>
  requires std::derived_from<std::remove_cvref_t<Derived>,
                             Eigen::PlainObjectBase<std::remove_cvref_t<Derived>>>
  MatrixSource(Derived&&)
->MatrixSource<typename std::remove_cvref_t<Derived>::Scalar>;

}  // namespace hilm

#endif  // HILM_SOURCES_MATRIX_SOURCE_HPP
