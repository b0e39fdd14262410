/// @file
/// Non-negative CP (PARAFAC) decomposition of k-way count tables with a χ² goodness-of-fit test.
///
/// A k-way probability table P(X1, …, Xk) has non-negative tensor rank ≤ r exactly when the
/// variables are mutually independent given a latent S with r states:
/// P = Σ_s π_s ⊗_v P(X_v | S = s) (the latent class model; the tensor-rank condition used by
/// Chen et al. 2024 to locate discrete latent variables). This header fits that model by maximum
/// likelihood (EM, Goodman 1974) and tests it against the saturated model with Pearson's X² and
/// the likelihood-ratio G², on
///
///     dof = (Π_v d_v − 1) − [(r − 1) + r Σ_v (d_v − 1)]
///
/// degrees of freedom (free cell probabilities minus free model parameters), which is the right
/// count when the model is identifiable (Kruskal's condition, e.g. k ≥ 3 and r ≤ min d_v). The
/// options are the `LatentClassOptions` of the two-way model (nmf/latent_class.hpp).
#ifndef HILM_NMF_NNCP_HPP
#define HILM_NMF_NNCP_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/distributions.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/detail/nncp_em.hpp>
#include <hilm/nmf/latent_class.hpp>

namespace hilm {

/// A dense k-way table of counts, first index fastest (column-major, like a Fortran array):
/// cell (x_1, …, x_k) is at x_1 + d_1 (x_2 + d_2 (x_3 + …)).
struct CountTensor {
  /// Sizes d_1, …, d_k (each ≥ 1).
  std::vector<Index> dims;
  /// Π d_v counts.
  Vector<double> counts;
};

/// Builds the k-way count table of discrete data: one sample per row, one variable per column,
/// categories coded 0, 1, …, d_v − 1 (d_v = largest code + 1).
/// @param[in] data n × k matrix of non-negative integer codes (any numeric type).
/// @returns the table of counts (dims from the largest code per column).
/// @throws invalid_argument if a value is negative, not an integer, or the table would exceed
///         2²⁸ cells.
template <class Derived>
[[nodiscard]] CountTensor count_tensor(const Eigen::MatrixBase<Derived>& data) {
  CountTensor table;
  const Index n = data.rows(), k = data.cols();
  table.dims.assign(static_cast<std::size_t>(k), 1);
  for (Index v = 0; v < k; ++v) {
    for (Index i = 0; i < n; ++i) {
      const auto value = static_cast<double>(data(i, v));
      if (!(value >= 0) || value != std::floor(value) || value > 1e7) {
        detail::raise<invalid_argument>("count_tensor: codes must be integers in [0, 1e7]; row " +
                                        std::to_string(i) + ", column " + std::to_string(v) +
                                        " is " + std::to_string(value));
      }
      table.dims[static_cast<std::size_t>(v)] =
          std::max(table.dims[static_cast<std::size_t>(v)], static_cast<Index>(value) + 1);
    }
  }
  double cells = 1;
  for (const Index d : table.dims) cells *= static_cast<double>(d);
  if (cells > static_cast<double>(1 << 28)) {
    detail::raise<invalid_argument>("count_tensor: the table would have " + std::to_string(cells) +
                                    " cells");
  }
  table.counts = Vector<double>::Zero(static_cast<Index>(cells));
  for (Index i = 0; i < n; ++i) {
    Index cell = 0, stride = 1;
    for (Index v = 0; v < k; ++v) {
      cell += static_cast<Index>(data(i, v)) * stride;
      stride *= table.dims[static_cast<std::size_t>(v)];
    }
    table.counts(cell) += 1;
  }
  return table;
}

/// A fitted non-negative CP model with its goodness-of-fit test.
struct NonnegativeCpResult {
  /// r component weights π (sum 1), sorted decreasingly.
  Vector<double> weights;
  /// One d_v × r matrix per mode; column s is P(X_v | S = s) (sums to 1).
  std::vector<Matrix<double>> factors;
  /// Σ N log P̂ over non-empty cells.
  double log_likelihood = 0;
  /// Pearson X² = Σ (N − n P̂)² / (n P̂) over all cells (cells with n P̂ = 0 and N = 0 skipped).
  double statistic = 0;
  /// Likelihood-ratio G² = 2 Σ N log(N / (n P̂)).
  double g_squared = 0;
  /// Degrees of freedom (see the file comment); 0 when the model is saturated or over-parametrised.
  double dof = 0;
  /// P(χ²_dof ≥ X²); 1 when dof = 0.
  double p_value = 1;
  /// P(χ²_dof ≥ G²); 1 when dof = 0.
  double p_value_g = 1;
  /// EM iterations of the best start.
  int iterations = 0;
  /// Converged when the best start met the tolerance.
  FitStatus status = FitStatus::NotRun;

  /// True when the fit holds a usable estimate (converged, or stopped at `max_iterations`).
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

/// Maximum-likelihood non-negative CP decomposition (latent class model) of a k-way count table,
/// by EM over the non-empty cells with random restarts, and its χ² goodness-of-fit test.
/// @param[in] table k-way counts (k ≥ 2).
/// @param[in] options rank, EM settings, seed: the `LatentClassOptions` of the two-way model
///            (nmf/latent_class.hpp), with the same defaults.
/// @returns weights, per-mode conditional tables, X², G², dof and p-values.
/// @throws invalid_argument if `options` are invalid, k < 2, the sizes and counts disagree, the
///         table is empty, or a count is negative or not finite.
/// Complexity: O(restarts · iterations · nnz · r · k) with nnz the non-empty cells, plus one pass
/// over all cells for X².
///
/// @code
/// hilm::CountTensor table = hilm::count_tensor(data);          // n × k integer codes
/// hilm::NonnegativeCpResult fit = hilm::nonnegative_cp(table, {.rank = 2, .seed = 3});
/// bool rank_two_fits = fit.usable() && fit.p_value > 0.05;
/// @endcode
[[nodiscard]] inline NonnegativeCpResult nonnegative_cp(const CountTensor& table,
                                                        const LatentClassOptions& options) {
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
  const double cells = detail::checked_cell_count(table.dims, table.counts.size());
  const detail::NonemptyCells data = detail::nonempty_cells(table.dims, table.counts);
  const Index r = options.rank;
  NonnegativeCpResult best;
  best.log_likelihood = -std::numeric_limits<double>::infinity();
  Random random(options.seed);
  for (int start = 0; start < options.restarts; ++start) {
    Random stream = random.stream(static_cast<std::uint64_t>(start));
    Vector<double> weights = Vector<double>::Constant(r, 1.0 / static_cast<double>(r));
    std::vector<Matrix<double>> factors = detail::cp_starting_factors(table.dims, r, stream);
    int iterations = 0;
    bool converged = false;
    const double loglik = detail::cp_em(data, options.max_iterations, options.tolerance, weights,
                                        factors, iterations, converged);
    if (loglik > best.log_likelihood) {
      best.log_likelihood = loglik;
      best.iterations = iterations;
      best.status = converged ? FitStatus::Converged : FitStatus::MaxIterations;
      detail::sort_cp_classes(weights, factors, best.weights, best.factors);
    }
  }
  const detail::CpFitStatistics fit =
      detail::cp_goodness_of_fit(table.dims, table.counts, data.total, best.weights, best.factors);
  double parameters = static_cast<double>(r - 1);
  for (const Index d : table.dims)
    parameters += static_cast<double>(r) * static_cast<double>(d - 1);
  best.statistic = fit.pearson;
  best.g_squared = std::max(fit.g_squared, 0.0);
  best.dof = std::max(0.0, cells - 1 - parameters);
  best.p_value = best.dof > 0 ? chi2_sf(best.statistic, best.dof) : 1.0;
  best.p_value_g = best.dof > 0 ? chi2_sf(best.g_squared, best.dof) : 1.0;
  return best;
}

}  // namespace hilm

#endif  // HILM_NMF_NNCP_HPP
