/// @file
/// False-discovery-rate control over a family of p-values: the step-up procedure of Benjamini &
/// Hochberg (1995, "Controlling the false discovery rate: a practical and powerful approach to
/// multiple testing", JRSS B 57) and its variant for arbitrary dependence by Benjamini & Yekutieli
/// (2001, "The control of the false discovery rate in multiple testing under dependency", Annals
/// of Statistics 29), which divides the level by c(m) = Σ_{i=1..m} 1/i.
///
/// The concept-graph screen (`concept_graph.hpp`) uses it to keep the lower concepts whose
/// marginal dependence on an upper concept survives multiple testing.
#ifndef HILM_HIERARCHY_FDR_HPP
#define HILM_HIERARCHY_FDR_HPP

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// Which step-up procedure `false_discovery_rate()` runs.
enum class FdrMethod {
  BenjaminiHochberg,  ///< valid for independent or positively dependent (PRDS) p-values
  BenjaminiYekutieli  ///< valid under any dependence; level divided by Σ 1/i
};

/// Result of `false_discovery_rate()`, aligned with the input p-values.
struct FdrResult {
  /// rejected[i] is true when hypothesis i is rejected (a discovery).
  std::vector<bool> rejected;
  /// Adjusted p-values ("q-values" of `p.adjust(method = "BH" | "BY")` in R): the smallest level
  /// at which hypothesis i would be rejected; in [0, 1].
  std::vector<double> adjusted;
  /// Number of discoveries.
  Index discoveries = 0;
  /// The largest p-value that was rejected (0 when nothing was rejected).
  double threshold = 0;
};

/// Step-up FDR control at level `q`.
///
/// With the p-values sorted p(1) ≤ … ≤ p(m), rejects the hypotheses of p(1) … p(k) where k is the
/// largest i with p(i) ≤ i·q / (m·c(m)); c(m) = 1 for Benjamini–Hochberg and Σ 1/i for
/// Benjamini–Yekutieli. The adjusted p-values are min_{j ≥ i} m·c(m)·p(j)/j, capped at 1 (R's
/// `p.adjust`). O(m log m).
///
/// @param[in] p_values m p-values in [0, 1] (m may be 0).
/// @param[in] q target false-discovery rate in (0, 1].
/// @param[in] method BH (default) or BY.
/// @returns rejections and adjusted p-values in input order.
/// @throws hilm::invalid_argument if q ∉ (0, 1] or a p-value is NaN or outside [0, 1].
[[nodiscard]] inline FdrResult false_discovery_rate(
    std::span<const double> p_values, double q, FdrMethod method = FdrMethod::BenjaminiHochberg) {
  if (!(q > 0 && q <= 1)) {
    hilm::detail::raise<invalid_argument>("false_discovery_rate: q must lie in (0, 1], got " +
                                          std::to_string(q));
  }
  const std::size_t m = p_values.size();
  for (std::size_t i = 0; i < m; ++i) {
    if (!(p_values[i] >= 0 && p_values[i] <= 1)) {
      hilm::detail::raise<invalid_argument>("false_discovery_rate: p_values[" + std::to_string(i) +
                                            "] must lie in [0, 1]");
    }
  }
  FdrResult result;
  result.rejected.assign(m, false);
  result.adjusted.assign(m, 1.0);
  if (m == 0) return result;
  double c = 1.0;
  if (method == FdrMethod::BenjaminiYekutieli) {
    c = 0;
    for (std::size_t i = 1; i <= m; ++i) c += 1.0 / static_cast<double>(i);
  }
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Stable sort keeps ties in input order, so results do not depend on the sort implementation.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
  const auto md = static_cast<double>(m);
  std::size_t last = 0;  // number of rejections k
  for (std::size_t rank = 1; rank <= m; ++rank) {
    if (p_values[order[rank - 1]] <= static_cast<double>(rank) * q / (md * c)) last = rank;
  }
  double running = 1.0;
  for (std::size_t rank = m; rank >= 1; --rank) {
    const std::size_t i = order[rank - 1];
    running = std::min(running, md * c * p_values[i] / static_cast<double>(rank));
    result.adjusted[i] = std::min(running, 1.0);
  }
  for (std::size_t rank = 1; rank <= last; ++rank) {
    result.rejected[order[rank - 1]] = true;
    result.threshold = std::max(result.threshold, p_values[order[rank - 1]]);
  }
  result.discoveries = static_cast<Index>(last);
  return result;
}

/// Benjamini–Hochberg step-up procedure at level `q` (see `false_discovery_rate()`).
[[nodiscard]] inline FdrResult benjamini_hochberg(std::span<const double> p_values, double q) {
  return false_discovery_rate(p_values, q, FdrMethod::BenjaminiHochberg);
}

/// Benjamini–Yekutieli step-up procedure at level `q` (see `false_discovery_rate()`).
[[nodiscard]] inline FdrResult benjamini_yekutieli(std::span<const double> p_values, double q) {
  return false_discovery_rate(p_values, q, FdrMethod::BenjaminiYekutieli);
}

}  // namespace hilm

#endif  // HILM_HIERARCHY_FDR_HPP
