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

namespace detail {

/// Shortest augmenting path with dual potentials on an n × m cost matrix with n <= m (row-major
/// `cost`, entry (i, j) at `cost[i * m + j]`). Returns, for each row, its column.
///
/// Each of the n phases grows a Dijkstra-like tree of alternating paths from one free row over
/// reduced costs `cost(i, j) − u(i) − v(j)` until it reaches a free column, then flips the path:
/// O(n² m) in total. This is the augmenting-path form of the Hungarian method (Kuhn 1955,
/// Munkres 1957) due to Jonker & Volgenant (1987, "A shortest augmenting path algorithm for dense
/// and sparse linear assignment problems", Computing 38), in the rectangular form analysed by
/// Crouse (2016, "On implementing 2D rectangular assignment algorithms", IEEE TAES 52), which is
/// also what scipy's `linear_sum_assignment` implements.
inline std::vector<Index> shortest_augmenting_path(const std::vector<double>& cost, Index n,
                                                   Index m) {
  const double inf = std::numeric_limits<double>::infinity();
  const auto un = static_cast<std::size_t>(n), um = static_cast<std::size_t>(m);
  std::vector<double> row_potential(un, 0.0), col_potential(um, 0.0);
  std::vector<Index> row_of_col(um, -1), col_of_row(un, -1);
  std::vector<double> distance(um);    // shortest reduced distance to each column
  std::vector<Index> predecessor(um);  // row from which the column was reached
  std::vector<char> scanned(um);       // column already in the tree
  std::vector<Index> tree_rows;        // rows in the tree of the current phase
  tree_rows.reserve(un);

  for (Index start = 0; start < n; ++start) {
    std::fill(distance.begin(), distance.end(), inf);
    std::fill(scanned.begin(), scanned.end(), char{0});
    tree_rows.clear();
    tree_rows.push_back(start);
    Index row = start;
    double reached = 0;  // distance of the column that brought `row` into the tree
    Index sink = -1;
    while (sink < 0) {
      // Relax every unscanned column from `row`.
      const double* costs = cost.data() + static_cast<std::size_t>(row) * um;
      const double base = reached - row_potential[static_cast<std::size_t>(row)];
      Index next = -1;
      double best = inf;
      for (Index j = 0; j < m; ++j) {
        const auto uj = static_cast<std::size_t>(j);
        if (scanned[uj]) continue;
        const double candidate = base + costs[uj] - col_potential[uj];
        if (candidate < distance[uj]) {
          distance[uj] = candidate;
          predecessor[uj] = row;
        }
        // Ties go to a free column first, so the phase ends as early as possible.
        if (distance[uj] < best ||
            (distance[uj] == best && next >= 0 && row_of_col[static_cast<std::size_t>(next)] >= 0 &&
             row_of_col[uj] < 0)) {
          best = distance[uj];
          next = j;
        }
      }
      if (next < 0 || !std::isfinite(best)) {
        hilm::detail::raise<invalid_argument>("linear_sum_assignment: no feasible assignment");
      }
      scanned[static_cast<std::size_t>(next)] = 1;
      reached = best;
      const Index owner = row_of_col[static_cast<std::size_t>(next)];
      if (owner < 0) {
        sink = next;
      } else {
        row = owner;
        tree_rows.push_back(row);
      }
    }
    // Update the potentials so that reduced costs stay non-negative and tree edges stay tight.
    const double shortest = reached;
    for (Index j = 0; j < m; ++j) {
      const auto uj = static_cast<std::size_t>(j);
      if (scanned[uj]) col_potential[uj] -= shortest - distance[uj];
    }
    for (const Index r : tree_rows) {
      const auto ur = static_cast<std::size_t>(r);
      if (r == start) {
        row_potential[ur] += shortest;
      } else {
        const Index c = col_of_row[ur];
        row_potential[ur] += shortest - distance[static_cast<std::size_t>(c)];
      }
    }
    // Flip the alternating path from the sink back to the start row.
    Index col = sink;
    for (;;) {
      const Index r = predecessor[static_cast<std::size_t>(col)];
      const Index previous = col_of_row[static_cast<std::size_t>(r)];
      row_of_col[static_cast<std::size_t>(col)] = r;
      col_of_row[static_cast<std::size_t>(r)] = col;
      if (r == start) break;
      col = previous;
    }
  }
  return col_of_row;
}

}  // namespace detail

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
