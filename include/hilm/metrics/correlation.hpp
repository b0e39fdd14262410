/// @file
/// Column-by-column correlation between two sample matrices (Pearson or Spearman), the building
/// block of the mean correlation coefficient (`mcc.hpp`).
#ifndef HILM_METRICS_CORRELATION_HPP
#define HILM_METRICS_CORRELATION_HPP

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/detail/matrix_ops.hpp>

namespace hilm {

/// Which correlation coefficient to use.
enum class Correlation {
  Pearson,  ///< Linear correlation: invariant to per-column affine maps with positive scale.
  Spearman  ///< Pearson correlation of ranks (average ranks for ties): invariant to any strictly
            ///< increasing per-column map.
};

/// Ranks of each column of `a` (1-based; tied values get the average of their ranks, as
/// scipy.stats.rankdata's "average" method).
/// @param[in] a n × k matrix, any storage order.
/// @returns n × k matrix of ranks.
template <class Derived>
[[nodiscard]] Matrix<double> column_ranks(const Eigen::MatrixBase<Derived>& a) {
  const Index n = a.rows(), k = a.cols();
  Matrix<double> ranks(n, k);
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index c = 0; c < k; ++c) {
    std::iota(order.begin(), order.end(), Index{0});
    std::stable_sort(order.begin(), order.end(), [&](Index x, Index y) {
      return static_cast<double>(a(x, c)) < static_cast<double>(a(y, c));
    });
    Index start = 0;
    while (start < n) {
      Index stop = start + 1;
      const auto value = static_cast<double>(a(order[static_cast<std::size_t>(start)], c));
      while (stop < n &&
             static_cast<double>(a(order[static_cast<std::size_t>(stop)], c)) == value) {
        ++stop;
      }
      // Positions start..stop-1 (0-based) share the average 1-based rank.
      const double average = 0.5 * static_cast<double>(start + 1 + stop);
      for (Index t = start; t < stop; ++t) ranks(order[static_cast<std::size_t>(t)], c) = average;
      start = stop;
    }
  }
  return ranks;
}

/// Correlation between every column of `a` and every column of `b`.
///
/// A constant column has correlation 0 with everything (rather than NaN).
/// @param[in] a n × k matrix (e.g. true latents), any storage order.
/// @param[in] b n × m matrix (e.g. estimated latents) with the same rows.
/// @param[in] method Pearson or Spearman.
/// @returns k × m matrix of signed correlations in [−1, 1].
/// @throws invalid_argument if the row counts differ, n < 2, or an entry is not finite.
template <class DerivedA, class DerivedB>
[[nodiscard]] Matrix<double> cross_correlation(const Eigen::MatrixBase<DerivedA>& a,
                                               const Eigen::MatrixBase<DerivedB>& b,
                                               Correlation method = Correlation::Pearson) {
  if (a.rows() != b.rows()) {
    hilm::detail::raise<invalid_argument>("cross_correlation: a has " + std::to_string(a.rows()) +
                                          " rows but b has " + std::to_string(b.rows()));
  }
  if (a.rows() < 2) {
    hilm::detail::raise<invalid_argument>("cross_correlation: need at least 2 rows, got " +
                                          std::to_string(a.rows()));
  }
  detail::check_finite_matrix(a, "cross_correlation", "a");
  detail::check_finite_matrix(b, "cross_correlation", "b");
  Matrix<double> sa, sb;
  if (method == Correlation::Spearman) {
    sa = column_ranks(a);
    sb = column_ranks(b);
  } else {
    sa = a.template cast<double>();
    sb = b.template cast<double>();
  }
  detail::standardize_columns(sa);
  detail::standardize_columns(sb);
  Matrix<double> r = sa.transpose() * sb;
  return r.cwiseMax(-1.0).cwiseMin(1.0);
}

}  // namespace hilm

#endif  // HILM_METRICS_CORRELATION_HPP
