/// @file
/// `hilm::MappedSource`: an activation source over a raw, externally owned buffer.
#ifndef HILM_SOURCES_MAPPED_SOURCE_HPP
#define HILM_SOURCES_MAPPED_SOURCE_HPP

#include <concepts>
#include <string>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sources/detail/strided_rows.hpp>

namespace hilm {

/// Streams `rows × dim` values stored row after row in memory that someone else owns: a buffer
/// from another library, a numpy array's data pointer, a memory-mapped file, a GPU staging
/// buffer. Zero-copy: `read` copies straight from the buffer into the caller's batch.
///
/// Row `i` starts at `data + i * row_stride` (`row_stride >= dim`; the default `row_stride ==
/// dim` means the rows are packed). The buffer must outlive the source and must not change while
/// a pass is in progress (or passes would differ).
///
/// Models `SeekableActivationSource`. Copies are independent cursors over the same buffer.
///
/// ```cpp
/// std::vector<float> buffer(n * d);        // filled elsewhere, row-major
/// hilm::MappedSource<float> source(buffer.data(), n, d);
/// ```
///
/// @tparam Scalar_ floating-point element type of the buffer.
template <std::floating_point Scalar_>
class MappedSource {
 public:
  /// Element type of the rows.
  using Scalar = Scalar_;

  /// Views `rows` packed rows of `dim` values starting at `data`.
  ///
  /// @param[in] data first element; may be null only when `rows == 0` or `dim == 0`.
  /// @param[in] rows number of rows `n >= 0`.
  /// @param[in] dim features per row `d >= 0`.
  /// @throws invalid_argument if `rows` or `dim` is negative or `data` is null with data to read.
  MappedSource(const Scalar* data, Index rows, Index dim) : MappedSource(data, rows, dim, dim) {}

  /// Views `rows` rows of `dim` values, row `i` starting at `data + i * row_stride`.
  ///
  /// @param[in] data first element; may be null only when `rows == 0` or `dim == 0`.
  /// @param[in] rows number of rows `n >= 0`.
  /// @param[in] dim features per row `d >= 0`.
  /// @param[in] row_stride distance in elements between starts of consecutive rows, `>= dim`.
  /// @throws invalid_argument if an argument is out of range (the message names it).
  MappedSource(const Scalar* data, Index rows, Index dim, Index row_stride)
      : rows_(checked(data, rows, dim, row_stride), rows, dim, row_stride) {}

  /// Number of features per row, `d`.
  [[nodiscard]] Index dim() const noexcept { return rows_.dim(); }

  /// Number of rows per pass, `n`.
  [[nodiscard]] Index size() const noexcept { return rows_.rows(); }

  /// Distance in elements between the starts of consecutive rows.
  [[nodiscard]] Index row_stride() const noexcept { return rows_.stride(); }

  /// The first element of the buffer.
  [[nodiscard]] const Scalar* data() const noexcept { return rows_.data(); }

  /// Index of the next row `read` will return (`size()` once the pass has ended).
  [[nodiscard]] Index position() const noexcept { return rows_.position(); }

  /// Copies the next `min(out.rows(), size() - position())` rows into the top of `out`.
  ///
  /// @param[out] out batch buffer, `b × d` with `b >= 1`.
  /// @returns the number of rows written; 0 once the pass has ended (until `rewind`/`seek`).
  /// @throws invalid_argument if `out.cols() != dim()` or `out.rows() == 0`.
  Index read(Eigen::Ref<RowMatrix<Scalar>> out) {
    return rows_.read(out, "hilm::MappedSource::read");
  }

  /// Starts the next pass at row 0.
  void rewind() noexcept { rows_.rewind(); }

  /// Makes the next `read` start at `row`.
  ///
  /// @param[in] row `0 <= row <= size()`; `size()` ends the pass.
  /// @throws invalid_argument if `row` is out of range.
  void seek(Index row) { rows_.seek(row, "hilm::MappedSource::seek"); }

 private:
  static const Scalar* checked(const Scalar* data, Index rows, Index dim, Index row_stride) {
    const std::string who = "hilm::MappedSource: parameter ";
    if (rows < 0)
      detail::raise<invalid_argument>(who + "`rows` = " + std::to_string(rows) + " is negative");
    if (dim < 0)
      detail::raise<invalid_argument>(who + "`dim` = " + std::to_string(dim) + " is negative");
    if (row_stride < dim) {
      detail::raise<invalid_argument>(who + "`row_stride` = " + std::to_string(row_stride) +
                                      " is smaller than `dim` = " + std::to_string(dim));
    }
    if (data == nullptr && rows > 0 && dim > 0) {
      detail::raise<invalid_argument>(who + "`data` is null but `rows` = " + std::to_string(rows) +
                                      " and `dim` = " + std::to_string(dim) +
                                      " describe data to read");
    }
    return data;
  }

  detail::StridedRows<Scalar> rows_;
};

}  // namespace hilm

#endif  // HILM_SOURCES_MAPPED_SOURCE_HPP
