/// @file
/// One hypothesis of the non-negative rank test (stats/nonnegative_rank.hpp): the r-class latent
/// class model fitted by EM (nmf/latent_class.hpp) and its likelihood-ratio statistic G² against
/// the saturated model.
#ifndef HILM_STATS_DETAIL_LATENT_CLASS_LR_HPP
#define HILM_STATS_DETAIL_LATENT_CLASS_LR_HPP

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include <hilm/core/distributions.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/latent_class.hpp>
#include <hilm/stats/cca_rank.hpp>

namespace hilm::detail {

/// `options` checked as the EM settings of the non-negative rank test: `rank` is set for every
/// hypothesis by the test, so it is not checked here.
[[nodiscard]] inline std::optional<std::string> validate_em_settings(LatentClassOptions options) {
  options.rank = 1;
  return options.validate();
}

/// G² = 2 Σ_ij N_ij log(N_ij / (n P̂_ij)) of the fitted table `fitted` (I × J probabilities)
/// against the counts `table` (same shape).
[[nodiscard]] inline double latent_class_g_squared(const Matrix<double>& table,
                                                   const Matrix<double>& fitted) {
  const double total = table.sum();
  double g2 = 0;
  for (Index j = 0; j < table.cols(); ++j) {
    for (Index i = 0; i < table.rows(); ++i) {
      const double observed = table(i, j);
      if (observed <= 0) continue;
      const double expected = total * fitted(i, j);
      g2 += 2 * observed *
            std::log(observed / std::max(expected, std::numeric_limits<double>::min()));
    }
  }
  return std::max(g2, 0.0);
}

/// The test of "non-negative rank ≤ r" on a compact count table (no empty row or column): the
/// r-class latent class model fitted with `options` (its `rank` replaced by r), G² against the
/// saturated model, (I − r)(J − r) degrees of freedom (0 when r ≥ min(I, J)). The returned
/// hypothesis has `rank` = r − 1, the convention of a `RankTestResult` with `rank_offset` 1.
[[nodiscard]] inline RankHypothesis latent_class_hypothesis(const Matrix<double>& table, Index r,
                                                            LatentClassOptions options) {
  options.rank = r;
  const LatentClassResult fit = latent_class(table, options);
  const auto rows = static_cast<double>(table.rows()), cols = static_cast<double>(table.cols());
  const auto classes = static_cast<double>(r);
  RankHypothesis h;
  h.rank = r - 1;
  h.statistic = latent_class_g_squared(table, fit.fitted);
  h.dof = classes >= std::min(rows, cols) ? 0.0 : (rows - classes) * (cols - classes);
  h.p_value = h.dof > 0 ? chi2_sf(h.statistic, h.dof) : 1.0;
  return h;
}

}  // namespace hilm::detail

#endif  // HILM_STATS_DETAIL_LATENT_CLASS_LR_HPP
