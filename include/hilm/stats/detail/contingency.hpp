// The statistic of the discrete CI tests (stats/discrete.hpp) from a dense stack of contingency
// tables, shared by DiscreteCiTest and the MPI layer's sharded test (dist/sharded_discrete.hpp):
// the formulas and degrees-of-freedom conventions are in stats/discrete.hpp's file comment.
#ifndef HILM_STATS_DETAIL_CONTINGENCY_HPP
#define HILM_STATS_DETAIL_CONTINGENCY_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/distributions.hpp>
#include <hilm/core/types.hpp>
#include <hilm/stats/discrete_types.hpp>

namespace hilm::detail {

/// Degrees of freedom under `options.dof` (see stats/discrete.hpp): `adjusted` is the per-stratum
/// sum, `nonzero_cells` the count of non-empty cells over all strata.
inline double discrete_dof(double adjusted, double nonzero_cells, std::int64_t cx, std::int64_t cy,
                           const std::vector<std::int32_t>& levels, std::span<const Index> z,
                           const DiscreteTestOptions& options) {
  if (options.dof == DofConvention::Adjusted) return adjusted;
  double strata = 1.0;
  for (Index k : z) strata *= levels[static_cast<std::size_t>(k)];
  const double classic = static_cast<double>((cx - 1) * (cy - 1)) * strata;
  if (options.dof == DofConvention::Classic || z.empty()) return classic;
  // pcalg: zero cells of the full nl.x × nl.y × prod(nl.S) array, plus 4 (2^|S| − prod(nl.S)).
  const double zero_cells = static_cast<double>(cx * cy) * strata - nonzero_cells;
  const double correction = 4.0 * (std::ldexp(1.0, static_cast<int>(z.size())) - strata);
  return std::max(classic - zero_cells - correction, 1.0);
}

/// χ² or G², degrees of freedom and p-value from `counts`: `num_strata` tables of cx × cy cells,
/// stratum-major, row-major within a table; empty strata are skipped, so the result depends only
/// on the non-empty tables and their order.
inline CiResult contingency_result(const std::vector<double>& counts, std::int64_t num_strata,
                                   std::int64_t cx, std::int64_t cy,
                                   const std::vector<std::int32_t>& levels,
                                   std::span<const Index> z, const DiscreteTestOptions& options) {
  const std::int64_t cells = cx * cy;
  double statistic = 0.0;
  double adjusted_dof = 0.0;
  double nonzero_cells = 0.0;
  std::vector<double> row(static_cast<std::size_t>(cx));
  std::vector<double> col(static_cast<std::size_t>(cy));
  for (std::int64_t s = 0; s < num_strata; ++s) {
    const double* table = counts.data() + s * cells;
    std::fill(row.begin(), row.end(), 0.0);
    std::fill(col.begin(), col.end(), 0.0);
    double total = 0.0;
    for (std::int64_t i = 0; i < cx; ++i)
      for (std::int64_t j = 0; j < cy; ++j) {
        const double o = table[i * cy + j];
        row[static_cast<std::size_t>(i)] += o;
        col[static_cast<std::size_t>(j)] += o;
        total += o;
        if (o > 0) nonzero_cells += 1.0;
      }
    if (total == 0.0) continue;
    std::int64_t rows_used = 0;
    std::int64_t cols_used = 0;
    for (double v : row) rows_used += v > 0;
    for (double v : col) cols_used += v > 0;
    adjusted_dof += static_cast<double>((rows_used - 1) * (cols_used - 1));
    for (std::int64_t i = 0; i < cx; ++i) {
      const double ri = row[static_cast<std::size_t>(i)];
      if (ri == 0.0) continue;
      for (std::int64_t j = 0; j < cy; ++j) {
        const double cj = col[static_cast<std::size_t>(j)];
        if (cj == 0.0) continue;
        const double e = ri * cj / total;
        const double o = table[i * cy + j];
        if (options.statistic == DiscreteStatistic::PearsonChi2) {
          statistic += (o - e) * (o - e) / e;
        } else if (o > 0.0) {
          statistic += 2.0 * o * std::log(o / e);
        }
      }
    }
  }
  CiResult result;
  result.statistic = statistic;
  result.dof = discrete_dof(adjusted_dof, nonzero_cells, cx, cy, levels, z, options);
  result.p_value = result.dof > 0.0 ? chi2_sf(statistic, result.dof) : 1.0;
  return result;
}

}  // namespace hilm::detail

#endif  // HILM_STATS_DETAIL_CONTINGENCY_HPP
