/// @file
/// Shared machinery of the zero-copy adaptors (`MatrixSource`, `MappedSource`): a cursor over
/// `rows × dim` elements stored row after row with a fixed distance (the row stride) between the
/// starts of consecutive rows, plus the argument checks every adaptor's `read` performs.
#ifndef HILM_SOURCES_DETAIL_STRIDED_ROWS_HPP
#define HILM_SOURCES_DETAIL_STRIDED_ROWS_HPP

#include <algorithm>
#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Throws `invalid_argument` unless `out` is a usable batch buffer for a source of width `dim`:
/// `out.cols() == dim` and `out.rows() >= 1` (a 0-row buffer could not tell "no room" from "pass
/// ended"). `who` names the calling function in the message.
template <class Scalar>
void check_read_buffer(const Eigen::Ref<RowMatrix<Scalar>>& out, Index dim, const char* who) {
  if (out.cols() != dim) [[unlikely]] {
    raise<invalid_argument>(std::string(who) + ": parameter `out` has " +
                            std::to_string(out.cols()) +
                            " columns; expected dim() = " + std::to_string(dim));
  }
  if (out.rows() < 1) [[unlikely]] {
    raise<invalid_argument>(std::string(who) +
                            ": parameter `out` has 0 rows; expected at least 1 row of room");
  }
}

/// Throws `invalid_argument` unless `0 <= row <= rows` (seeking to `rows` ends the pass).
inline void check_seek_row(Index row, Index rows, const char* who) {
  if (row < 0 || row > rows) [[unlikely]] {
    raise<invalid_argument>(std::string(who) + ": parameter `row` = " + std::to_string(row) +
                            " is outside [0, size()] = [0, " + std::to_string(rows) + "]");
  }
}

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
