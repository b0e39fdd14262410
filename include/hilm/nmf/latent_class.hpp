/// @file
/// Non-negative rank of a two-way probability or count table: latent-class EM and the
/// likelihood-ratio test of non-negative rank r.
///
/// A two-way table P(A, B) has non-negative rank ≤ r exactly when A and B are independent given
/// a latent variable S with r states: P = P(A|S) diag(P(S)) P(B|S)ᵀ (the latent class model,
/// Lazarsfeld & Henry 1968; Goodman 1974). Fitting it by maximum likelihood on counts is EM for
/// the latent class model, which is the same iteration as KL-NMF with multiplicative updates
/// (Gaussier & Goutte 2005, "Relation between PLSA and NMF"). The likelihood-ratio statistic
/// against the saturated model,
///
///     G² = 2 Σ_ij N_ij log(N_ij / (n P̂_ij)),
///
/// is asymptotically χ² with (I − r)(J − r) degrees of freedom under the null "non-negative rank
/// ≤ r" when the true table has rank exactly r with positive factors (the rank-r matrices form a
/// manifold of dimension IJ − 1 − (I − r)(J − r) there). Used by the hierarchy search through the
/// stats rank-test interface (DESIGN.md §1, Kong et al. 2024).
#ifndef HILM_NMF_LATENT_CLASS_HPP
#define HILM_NMF_LATENT_CLASS_HPP

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

namespace hilm {

/// Options of `latent_class` and `nonnegative_rank_test`.
struct LatentClassOptions {
  /// Number of latent classes r ≥ 1 (the non-negative rank tested).
  Index rank = 0;
  /// EM iterations at most, per start.
  int max_iterations = 5000;
  /// A start stops when the log-likelihood improves by less than `tolerance · n` (n = total
  /// count) in one iteration.
  double tolerance = 1e-12;
  /// Random starts (EM finds local maxima; the best start is kept). At least 1.
  int restarts = 8;
  /// Seed of the starting points.
  std::uint64_t seed = 0;

  /// Returns a description of the first invalid field, or nothing when all are valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (rank < 1) return "rank must be >= 1, got " + std::to_string(rank);
    if (max_iterations < 1) return "max_iterations must be >= 1";
    if (!(tolerance >= 0) || !std::isfinite(tolerance)) return "tolerance must be finite and >= 0";
    if (restarts < 1) return "restarts must be >= 1";
    return std::nullopt;
  }
};

/// A fitted latent class model P ≈ row_given_class · diag(weights) · col_given_classᵀ.
struct LatentClassResult {
  /// r class probabilities P(S), sorted decreasingly.
  Vector<double> weights;
  /// I × r: column s is P(A | S = s).
  Matrix<double> row_given_class;
  /// J × r: column s is P(B | S = s).
  Matrix<double> col_given_class;
  /// I × J fitted probabilities P̂.
  Matrix<double> fitted;
  /// Σ N_ij log P̂_ij of the best start.
  double log_likelihood = 0;
  /// EM iterations of the best start.
  int iterations = 0;
  /// Converged when the best start met the tolerance.
  FitStatus status = FitStatus::NotRun;
};

/// Likelihood-ratio test of "non-negative rank ≤ r" for a count table.
struct NonnegativeRankTestResult {
  /// G² against the saturated model.
  double statistic = 0;
  /// (I − r)(J − r) after removing empty rows and columns; 0 when r ≥ min(I, J) (saturated).
  double dof = 0;
  /// P(χ²_dof ≥ G²); 1 when dof = 0.
  double p_value = 1;
  /// The fitted model.
  LatentClassResult fit;
};

namespace detail {

/// Counts as a double matrix with empty rows and columns removed (they carry no information and
/// would only add structural zeros); `rows`/`cols` map back to the original indices.
template <class Derived>
Matrix<double> compact_table(const Eigen::MatrixBase<Derived>& counts, std::vector<Index>& rows,
                             std::vector<Index>& cols, const char* function) {
  const Matrix<double> n = counts.template cast<double>();
  for (Index j = 0; j < n.cols(); ++j) {
    for (Index i = 0; i < n.rows(); ++i) {
      if (!(n(i, j) >= 0) || !std::isfinite(n(i, j))) {
        raise<invalid_argument>(std::string(function) +
                                ": counts must be finite and non-negative; entry (row " +
                                std::to_string(i) + ", column " + std::to_string(j) + ") is " +
                                std::to_string(n(i, j)));
      }
    }
  }
  rows.clear();
  cols.clear();
  for (Index i = 0; i < n.rows(); ++i)
    if (n.row(i).sum() > 0) rows.push_back(i);
  for (Index j = 0; j < n.cols(); ++j)
    if (n.col(j).sum() > 0) cols.push_back(j);
  if (rows.empty()) raise<invalid_argument>(std::string(function) + ": the table is empty");
  return n(rows, cols);
}

/// One EM run from (weights, a, b) on the compact table; returns the log-likelihood.
inline double latent_class_em(const Matrix<double>& n, Vector<double>& weights, Matrix<double>& a,
                              Matrix<double>& b, const LatentClassOptions& options, int& iterations,
                              bool& converged) {
  const double total = n.sum();
  const double tiny = std::numeric_limits<double>::min();
  Matrix<double> model, ratio, ta, tb;
  double previous = -std::numeric_limits<double>::infinity(), loglik = previous;
  converged = false;
  for (iterations = 1; iterations <= options.max_iterations; ++iterations) {
    model = a * weights.asDiagonal() * b.transpose();
    loglik = 0;
    ratio.resize(n.rows(), n.cols());
    for (Index j = 0; j < n.cols(); ++j) {
      for (Index i = 0; i < n.rows(); ++i) {
        const double p = std::max(model(i, j), tiny);
        ratio(i, j) = n(i, j) / p;
        if (n(i, j) > 0) loglik += n(i, j) * std::log(p);
      }
    }
    if (loglik - previous <= options.tolerance * total) {
      converged = true;
      break;
    }
    previous = loglik;
    // E and M steps together: expected counts per (row, class) and (column, class).
    ta = a.cwiseProduct(ratio * b) * weights.asDiagonal();
    tb = b.cwiseProduct(ratio.transpose() * a) * weights.asDiagonal();
    for (Index s = 0; s < weights.size(); ++s) {
      const double mass = ta.col(s).sum();
      weights(s) = mass / total;
      if (mass > 0) {
        a.col(s) = ta.col(s) / mass;
        b.col(s) = tb.col(s) / tb.col(s).sum();
      }
    }
  }
  iterations = std::min(iterations, options.max_iterations);
  return loglik;
}

}  // namespace detail

/// Maximum-likelihood latent class model with r classes for a two-way count table (EM with
/// random restarts; the best log-likelihood is kept).
/// @param[in] counts I × J non-negative counts (any numeric type; a probability table works too,
///            the likelihood is then a multiple of the cross-entropy).
/// @param[in] options rank, iterations, tolerance, restarts, seed.
/// @returns weights, conditional tables and fitted probabilities in the original I × J shape
///          (empty rows/columns get probability 0).
/// @throws invalid_argument if `options` are invalid, the table is empty, or an entry is negative
///         or not finite.
template <class Derived>
[[nodiscard]] LatentClassResult latent_class(const Eigen::MatrixBase<Derived>& counts,
                                             const LatentClassOptions& options) {
  if (auto problem = options.validate())
    detail::raise<invalid_argument>("latent_class: " + *problem);
  std::vector<Index> rows, cols;
  const Matrix<double> n = detail::compact_table(counts, rows, cols, "latent_class");
  const Index I = n.rows(), J = n.cols(), r = options.rank;
  Random random(options.seed);
  LatentClassResult best;
  best.log_likelihood = -std::numeric_limits<double>::infinity();
  std::vector<double> draw;
  for (int start = 0; start < options.restarts; ++start) {
    Random stream = random.stream(static_cast<std::uint64_t>(start));
    Vector<double> weights(r);
    Matrix<double> a(I, r), b(J, r);
    draw.resize(static_cast<std::size_t>(std::max({I, J, r})));
    // Start from margins perturbed by Dirichlet noise: every class near independence, broken
    // symmetrically (the saddle at exact independence is avoided).
    const Vector<double> row_margin = n.rowwise().sum() / n.sum();
    const Vector<double> col_margin = n.colwise().sum().transpose() / n.sum();
    for (Index s = 0; s < r; ++s) {
      weights(s) = 1.0 / static_cast<double>(r);
      stream.dirichlet(1.0, std::span<double>(draw.data(), static_cast<std::size_t>(I)));
      for (Index i = 0; i < I; ++i)
        a(i, s) = 0.5 * row_margin(i) + 0.5 * draw[static_cast<std::size_t>(i)];
      stream.dirichlet(1.0, std::span<double>(draw.data(), static_cast<std::size_t>(J)));
      for (Index j = 0; j < J; ++j)
        b(j, s) = 0.5 * col_margin(j) + 0.5 * draw[static_cast<std::size_t>(j)];
    }
    int iterations = 0;
    bool converged = false;
    const double loglik = detail::latent_class_em(n, weights, a, b, options, iterations, converged);
    if (loglik > best.log_likelihood) {
      best.log_likelihood = loglik;
      best.iterations = iterations;
      best.status = converged ? FitStatus::Converged : FitStatus::MaxIterations;
      // Sort classes by weight (deterministic order), and expand back to the original shape.
      std::vector<Index> order(static_cast<std::size_t>(r));
      for (Index s = 0; s < r; ++s) order[static_cast<std::size_t>(s)] = s;
      std::stable_sort(order.begin(), order.end(),
                       [&](Index x, Index y) { return weights(x) > weights(y); });
      best.weights.resize(r);
      best.row_given_class = Matrix<double>::Zero(counts.rows(), r);
      best.col_given_class = Matrix<double>::Zero(counts.cols(), r);
      for (Index t = 0; t < r; ++t) {
        const Index s = order[static_cast<std::size_t>(t)];
        best.weights(t) = weights(s);
        for (Index i = 0; i < I; ++i)
          best.row_given_class(rows[static_cast<std::size_t>(i)], t) = a(i, s);
        for (Index j = 0; j < J; ++j)
          best.col_given_class(cols[static_cast<std::size_t>(j)], t) = b(j, s);
      }
    }
  }
  best.fitted = best.row_given_class * best.weights.asDiagonal() * best.col_given_class.transpose();
  return best;
}

/// Likelihood-ratio test of H0 "the table has non-negative rank ≤ r" (latent class model with r
/// classes) against the saturated multinomial model.
///
/// Empty rows and columns are dropped before counting degrees of freedom. The χ² approximation
/// needs large counts and a true table of rank exactly r with positive entries; at the boundary
/// (zero cells in the factors) it is conservative.
/// @param[in] counts I × J non-negative counts (not probabilities: G² scales with the sample size).
/// @param[in] options `rank` is the r under test; EM settings as `latent_class`.
/// @returns G², dof = (I − r)(J − r), p-value and the fitted model.
/// @throws invalid_argument as `latent_class`.
template <class Derived>
[[nodiscard]] NonnegativeRankTestResult nonnegative_rank_test(
    const Eigen::MatrixBase<Derived>& counts, const LatentClassOptions& options) {
  NonnegativeRankTestResult result;
  result.fit = latent_class(counts, options);
  std::vector<Index> rows, cols;
  const Matrix<double> n = detail::compact_table(counts, rows, cols, "nonnegative_rank_test");
  const auto I = static_cast<double>(n.rows()), J = static_cast<double>(n.cols());
  const auto r = static_cast<double>(options.rank);
  const double total = n.sum();
  double g2 = 0;
  for (Index j = 0; j < n.cols(); ++j) {
    for (Index i = 0; i < n.rows(); ++i) {
      const double observed = n(i, j);
      if (observed <= 0) continue;
      const double expected = total * result.fit.fitted(rows[static_cast<std::size_t>(i)],
                                                        cols[static_cast<std::size_t>(j)]);
      g2 += 2 * observed *
            std::log(observed / std::max(expected, std::numeric_limits<double>::min()));
    }
  }
  result.statistic = std::max(g2, 0.0);
  result.dof = r >= std::min(I, J) ? 0.0 : (I - r) * (J - r);
  result.p_value = result.dof > 0 ? chi2_sf(result.statistic, result.dof) : 1.0;
  return result;
}

/// Estimated non-negative rank: the smallest r in 1, 2, … whose test is not rejected at `alpha`
/// (sequential testing, as for the ordinary rank tests).
/// @param[in] counts I × J non-negative counts.
/// @param[in] alpha level of each test, in (0, 1).
/// @param[in] options EM settings (`rank` is ignored).
/// @returns the estimated rank (min(I, J) when every smaller rank is rejected).
/// @throws invalid_argument if alpha is not in (0, 1), or as `latent_class`.
template <class Derived>
[[nodiscard]] Index estimate_nonnegative_rank(const Eigen::MatrixBase<Derived>& counts,
                                              double alpha, LatentClassOptions options = {}) {
  if (!(alpha > 0 && alpha < 1)) {
    detail::raise<invalid_argument>("estimate_nonnegative_rank: alpha must be in (0, 1), got " +
                                    std::to_string(alpha));
  }
  const Index limit = std::min(counts.rows(), counts.cols());
  for (Index r = 1; r < limit; ++r) {
    options.rank = r;
    if (nonnegative_rank_test(counts, options).p_value > alpha) return r;
  }
  return limit;
}

}  // namespace hilm

#endif  // HILM_NMF_LATENT_CLASS_HPP
