/// @file
/// The linear sum assignment problem (Hungarian matching) for rectangular cost matrices: the
/// one-to-one pairing of rows with columns that minimises (or maximises) the summed cost.
/// Every matching metric in hilm (MCC, dictionary recovery, matched accuracy, latent matching)
/// goes through `linear_sum_assignment()`.
#ifndef HILM_METRICS_HUNGARIAN_HPP
#define HILM_METRICS_HUNGARIAN_HPP

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/detail/assignment.hpp>

namespace hilm {

/// A solution of the linear sum assignment problem on an r × c cost matrix. Exactly
/// min(r, c) pairs are assigned; with r > c some rows stay unassigned, with r < c some columns.
struct Assignment {
  /// Length r: the column assigned to each row, or -1 when the row is unassigned.
  IndexVector col_of_row;
  /// Length c: the row assigned to each column, or -1 when the column is unassigned.
  IndexVector row_of_col;
  /// Sum of the original (un-negated) costs over the assigned pairs.
  double total = 0;

  /// Number of assigned pairs, min(r, c).
  [[nodiscard]] Index pairs() const noexcept {
    Index count = 0;
    for (Index i = 0; i < col_of_row.size(); ++i) count += col_of_row(i) >= 0 ? 1 : 0;
    return count;
  }
};

/// Solves the linear sum assignment problem: pairs rows with columns one-to-one so that the sum
/// of `cost(i, col_of_row(i))` over the min(r, c) pairs is minimal (or maximal).
///
/// Algorithm: shortest augmenting path (Jonker & Volgenant 1987; rectangular case as in
/// Crouse 2016 and scipy.optimize.linear_sum_assignment), O(min(r,c)² · max(r,c)). Ties between
/// optimal solutions are broken deterministically (the same input gives the same pairs).
///
/// @param[in] cost r × c cost matrix, any storage order; every entry must be finite.
/// @param[in] maximize maximise the summed cost instead of minimising it.
/// @returns the pairs in both directions and their total cost. An empty matrix gives no pairs.
/// @throws invalid_argument if an entry is NaN or infinite.
template <class Derived>
[[nodiscard]] Assignment linear_sum_assignment(const Eigen::MatrixBase<Derived>& cost,
                                               bool maximize = false) {
  const Index rows = cost.rows(), cols = cost.cols();
  Assignment result;
  result.col_of_row = IndexVector::Constant(rows, -1);
  result.row_of_col = IndexVector::Constant(cols, -1);
  if (rows == 0 || cols == 0) return result;
  // Work on the orientation with no more rows than columns, in double, negated to maximise.
  const bool transpose = rows > cols;
  const Index n = transpose ? cols : rows, m = transpose ? rows : cols;
  std::vector<double> work(static_cast<std::size_t>(n * m));
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) {
      const auto value = static_cast<double>(cost(i, j));
      if (!std::isfinite(value)) {
        hilm::detail::raise<invalid_argument>("linear_sum_assignment: cost(" + std::to_string(i) +
                                              ", " + std::to_string(j) + ") is not finite");
      }
      const Index a = transpose ? j : i, b = transpose ? i : j;
      work[static_cast<std::size_t>(a * m + b)] = maximize ? -value : value;
    }
  }
  const std::vector<Index> match = detail::shortest_augmenting_path(work, n, m);
  for (Index a = 0; a < n; ++a) {
    const Index b = match[static_cast<std::size_t>(a)];
    const Index i = transpose ? b : a, j = transpose ? a : b;
    result.col_of_row(i) = j;
    result.row_of_col(j) = i;
    result.total += static_cast<double>(cost(i, j));
  }
  return result;
}

}  // namespace hilm

#endif  // HILM_METRICS_HUNGARIAN_HPP
