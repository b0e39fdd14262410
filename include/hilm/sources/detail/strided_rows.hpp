/// @file
/// Shared machinery of the zero-copy adaptors (`MatrixSource`, `MappedSource`): a cursor over
/// `rows × dim` elements stored row after row with a fixed distance (the row stride) between the
/// starts of consecutive rows.
#ifndef HILM_SOURCES_DETAIL_STRIDED_ROWS_HPP
#define HILM_SOURCES_DETAIL_STRIDED_ROWS_HPP

#include <algorithm>

#include <Eigen/Core>

#include <hilm/core/types.hpp>
#include <hilm/sources/detail/argument_checks.hpp>

namespace hilm::detail {

/// A read cursor over externally owned, row-major, possibly padded rows. Copyable (copies share
/// the data and get their own position). Never allocates.
template <class Scalar>
class StridedRows {
 public:
  /// @pre `data` points to `rows` rows of `dim` elements, row `i` starting at `data + i * stride`,
  ///      `stride >= dim`; the caller has validated the arguments.
  StridedRows(const Scalar* data, Index rows, Index dim, Index stride) noexcept
      : data_(data), rows_(rows), dim_(dim), stride_(stride) {}

  [[nodiscard]] Index rows() const noexcept { return rows_; }
  [[nodiscard]] Index dim() const noexcept { return dim_; }
  [[nodiscard]] Index stride() const noexcept { return stride_; }
  [[nodiscard]] const Scalar* data() const noexcept { return data_; }
  [[nodiscard]] Index position() const noexcept { return position_; }

  /// Copies the next `min(out.rows(), rows - position)` rows into `out`; returns that count.
  Index read(Eigen::Ref<RowMatrix<Scalar>> out, const char* who) {
    check_read_buffer<Scalar>(out, dim_, who);
    const Index count = std::min<Index>(out.rows(), rows_ - position_);
    if (count <= 0) return 0;  // end of pass, sticky until rewind() or seek()
    using View = Eigen::Map<const RowMatrix<Scalar>, Eigen::Unaligned, Eigen::OuterStride<>>;
    const View rows_view(data_ + position_ * stride_, count, dim_, Eigen::OuterStride<>(stride_));
    out.topRows(count) = rows_view;
    position_ += count;
    return count;
  }

  void rewind() noexcept { position_ = 0; }

  void seek(Index row, const char* who) {
    check_seek_row(row, rows_, who);
    position_ = row;
  }

 private:
  const Scalar* data_;
  Index rows_;
  Index dim_;
  Index stride_;
  Index position_ = 0;
};

}  // namespace hilm::detail

#endif  // HILM_SOURCES_DETAIL_STRIDED_ROWS_HPP
