/// @file
/// The latent class model of a two-way probability or count table, fitted by EM: the
/// non-negative factorisation P = P(A|S) diag(P(S)) P(B|S)ᵀ with r classes.
///
/// A two-way table P(A, B) has non-negative rank ≤ r exactly when A and B are independent given
/// a latent variable S with r states: P = P(A|S) diag(P(S)) P(B|S)ᵀ (the latent class model,
/// Lazarsfeld & Henry 1968; Goodman 1974). Fitting it by maximum likelihood on counts is EM for
/// the latent class model, which is the same iteration as KL-NMF with multiplicative updates
/// (Gaussier & Goutte 2005, "Relation between PLSA and NMF"). The likelihood-ratio test of
/// "non-negative rank ≤ r" built on this fit is `nonnegative_rank_table_test` /
/// `NonnegativeRankTest` in stats/nonnegative_rank.hpp, which the hierarchy search uses through
/// the stats rank-test interface (DESIGN.md §1, Kong et al. 2024). `LatentClassOptions` is also
/// the options struct of the k-way model `nonnegative_cp` (nmf/nncp.hpp).
#ifndef HILM_NMF_LATENT_CLASS_HPP
#define HILM_NMF_LATENT_CLASS_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/detail/latent_class_em.hpp>

namespace hilm {

/// Options of the latent class model, fitted by EM with random restarts: the one options struct
/// of `latent_class` (two-way tables), `nonnegative_cp` (k-way tables, nmf/nncp.hpp) and the
/// non-negative rank test of stats/nonnegative_rank.hpp (which sets `rank` itself for every
/// hypothesis and ignores the field). The defaults are those of all three entry points.
struct LatentClassOptions {
  /// Number of latent classes r ≥ 1 (the non-negative rank fitted).
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

  /// Returns `LatentClassOptions::<field> must <requirement>, got <value>` for the first invalid
  /// field, or nothing when all are valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    constexpr std::string_view type = "LatentClassOptions";
    if (rank < 1) return invalid_field(type, "rank", "be >= 1", rank);
    if (max_iterations < 1) return invalid_field(type, "max_iterations", "be >= 1", max_iterations);
    if (!(tolerance >= 0) || !std::isfinite(tolerance))
      return invalid_field(type, "tolerance", "be finite and >= 0", tolerance);
    if (restarts < 1) return invalid_field(type, "restarts", "be >= 1", restarts);
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

  /// True when the fit holds a usable estimate (converged, or stopped at `max_iterations`).
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

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
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
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
    const double loglik = detail::latent_class_em(n, weights, a, b, options.max_iterations,
                                                  options.tolerance, iterations, converged);
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

}  // namespace hilm

#endif  // HILM_NMF_LATENT_CLASS_HPP
