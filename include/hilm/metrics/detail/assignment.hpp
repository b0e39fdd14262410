/// @file
/// The shortest-augmenting-path solver behind `hilm::linear_sum_assignment`
/// (`hilm/metrics/hungarian.hpp`).
#ifndef HILM_METRICS_DETAIL_ASSIGNMENT_HPP
#define HILM_METRICS_DETAIL_ASSIGNMENT_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

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

}  // namespace hilm::detail

#endif  // HILM_METRICS_DETAIL_ASSIGNMENT_HPP
