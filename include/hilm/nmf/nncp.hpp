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
/// count when the model is identifiable (Kruskal's condition, e.g. k ≥ 3 and r ≤ min d_v).
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

/// Options of `nonnegative_cp`.
struct NonnegativeCpOptions {
  /// Number of components (latent classes) r ≥ 1.
  Index rank = 0;
  /// EM iterations at most, per start.
  int max_iterations = 5000;
  /// A start stops when the log-likelihood improves by less than `tolerance · n`.
  double tolerance = 1e-12;
  /// Random starts; the best log-likelihood is kept.
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
};

/// Maximum-likelihood non-negative CP decomposition (latent class model) of a k-way count table,
/// by EM over the non-empty cells with random restarts, and its χ² goodness-of-fit test.
/// @param[in] table k-way counts (k ≥ 2).
/// @param[in] options rank, EM settings, seed.
/// @returns weights, per-mode conditional tables, X², G², dof and p-values.
/// @throws invalid_argument if `options` are invalid, k < 2, the sizes and counts disagree, the
///         table is empty, or a count is negative or not finite.
/// Complexity: O(restarts · iterations · nnz · r · k) with nnz the non-empty cells, plus one pass
/// over all cells for X².
[[nodiscard]] inline NonnegativeCpResult nonnegative_cp(const CountTensor& table,
                                                        const NonnegativeCpOptions& options) {
  if (auto problem = options.validate())
    detail::raise<invalid_argument>("nonnegative_cp: " + *problem);
  const auto k = static_cast<Index>(table.dims.size());
  if (k < 2) detail::raise<invalid_argument>("nonnegative_cp: the table needs at least 2 modes");
  double cells = 1;
  for (const Index d : table.dims) {
    if (d < 1) detail::raise<invalid_argument>("nonnegative_cp: every mode needs size >= 1");
    cells *= static_cast<double>(d);
  }
  if (static_cast<double>(table.counts.size()) != cells) {
    detail::raise<invalid_argument>("nonnegative_cp: counts has " +
                                    std::to_string(table.counts.size()) + " entries, dims give " +
                                    std::to_string(cells));
  }
  // Non-empty cells with their multi-indices.
  std::vector<Index> codes;
  std::vector<double> values;
  std::vector<Index> index(static_cast<std::size_t>(k), 0);
  for (Index c = 0; c < table.counts.size(); ++c) {
    const double value = table.counts(c);
    if (!(value >= 0) || !std::isfinite(value)) {
      detail::raise<invalid_argument>("nonnegative_cp: count " + std::to_string(c) + " is " +
                                      std::to_string(value));
    }
    if (value > 0) {
      codes.insert(codes.end(), index.begin(), index.end());
      values.push_back(value);
    }
    for (Index v = 0; v < k; ++v) {  // advance the multi-index, first mode fastest
      if (++index[static_cast<std::size_t>(v)] < table.dims[static_cast<std::size_t>(v)]) break;
      index[static_cast<std::size_t>(v)] = 0;
    }
  }
  if (values.empty()) detail::raise<invalid_argument>("nonnegative_cp: the table is empty");
  const auto nnz = static_cast<Index>(values.size());
  double total = 0;
  for (const double value : values) total += value;
  const Index r = options.rank;
  const double tiny = std::numeric_limits<double>::min();

  NonnegativeCpResult best;
  best.log_likelihood = -std::numeric_limits<double>::infinity();
  Random random(options.seed);
  std::vector<double> draw;
  Vector<double> q(r);
  for (int start = 0; start < options.restarts; ++start) {
    Random stream = random.stream(static_cast<std::uint64_t>(start));
    Vector<double> weights = Vector<double>::Constant(r, 1.0 / static_cast<double>(r));
    std::vector<Matrix<double>> factors(static_cast<std::size_t>(k));
    for (Index v = 0; v < k; ++v) {
      const Index d = table.dims[static_cast<std::size_t>(v)];
      Matrix<double>& f = factors[static_cast<std::size_t>(v)];
      f.resize(d, r);
      draw.resize(static_cast<std::size_t>(d));
      for (Index s = 0; s < r; ++s) {
        stream.dirichlet(1.0, std::span<double>(draw.data(), draw.size()));
        for (Index x = 0; x < d; ++x)
          f(x, s) = 0.5 / static_cast<double>(d) + 0.5 * draw[static_cast<std::size_t>(x)];
      }
    }
    std::vector<Matrix<double>> expected(static_cast<std::size_t>(k));
    double previous = -std::numeric_limits<double>::infinity(), loglik = previous;
    bool converged = false;
    int iterations = 1;
    for (; iterations <= options.max_iterations; ++iterations) {
      for (Index v = 0; v < k; ++v) {
        expected[static_cast<std::size_t>(v)] =
            Matrix<double>::Zero(table.dims[static_cast<std::size_t>(v)], r);
      }
      Vector<double> mass = Vector<double>::Zero(r);
      loglik = 0;
      for (Index c = 0; c < nnz; ++c) {
        const Index* x = codes.data() + c * k;
        for (Index s = 0; s < r; ++s) {
          double value = weights(s);
          for (Index v = 0; v < k; ++v) value *= factors[static_cast<std::size_t>(v)](x[v], s);
          q(s) = value;
        }
        const double p = std::max(q.sum(), tiny);
        const double count = values[static_cast<std::size_t>(c)];
        loglik += count * std::log(p);
        q *= count / p;  // expected counts of the cell in each class (E-step)
        mass += q;
        for (Index v = 0; v < k; ++v)
          expected[static_cast<std::size_t>(v)].row(x[v]) += q.transpose();
      }
      if (loglik - previous <= options.tolerance * total) {
        converged = true;
        break;
      }
      previous = loglik;
      for (Index s = 0; s < r; ++s) {  // M-step
        weights(s) = mass(s) / total;
        if (mass(s) <= 0) continue;
        for (Index v = 0; v < k; ++v) {
          factors[static_cast<std::size_t>(v)].col(s) =
              expected[static_cast<std::size_t>(v)].col(s) / mass(s);
        }
      }
    }
    if (loglik > best.log_likelihood) {
      best.log_likelihood = loglik;
      best.iterations = std::min(iterations, options.max_iterations);
      best.status = converged ? FitStatus::Converged : FitStatus::MaxIterations;
      std::vector<Index> order(static_cast<std::size_t>(r));
      for (Index s = 0; s < r; ++s) order[static_cast<std::size_t>(s)] = s;
      std::stable_sort(order.begin(), order.end(),
                       [&](Index a, Index b) { return weights(a) > weights(b); });
      best.weights.resize(r);
      best.factors.assign(static_cast<std::size_t>(k), Matrix<double>());
      for (Index v = 0; v < k; ++v) {
        best.factors[static_cast<std::size_t>(v)].resize(table.dims[static_cast<std::size_t>(v)],
                                                         r);
      }
      for (Index t = 0; t < r; ++t) {
        const Index s = order[static_cast<std::size_t>(t)];
        best.weights(t) = weights(s);
        for (Index v = 0; v < k; ++v) {
          best.factors[static_cast<std::size_t>(v)].col(t) =
              factors[static_cast<std::size_t>(v)].col(s);
        }
      }
    }
  }
  // Goodness of fit over every cell.
  double x2 = 0, g2 = 0;
  std::fill(index.begin(), index.end(), Index(0));
  for (Index c = 0; c < table.counts.size(); ++c) {
    double p = 0;
    for (Index s = 0; s < r; ++s) {
      double value = best.weights(s);
      for (Index v = 0; v < k; ++v)
        value *= best.factors[static_cast<std::size_t>(v)](index[static_cast<std::size_t>(v)], s);
      p += value;
    }
    const double expected_count = total * p, observed = table.counts(c);
    if (expected_count > 0)
      x2 += (observed - expected_count) * (observed - expected_count) / expected_count;
    if (observed > 0) g2 += 2 * observed * std::log(observed / std::max(expected_count, tiny));
    for (Index v = 0; v < k; ++v) {
      if (++index[static_cast<std::size_t>(v)] < table.dims[static_cast<std::size_t>(v)]) break;
      index[static_cast<std::size_t>(v)] = 0;
    }
  }
  double parameters = static_cast<double>(r - 1);
  for (const Index d : table.dims)
    parameters += static_cast<double>(r) * static_cast<double>(d - 1);
  best.statistic = x2;
  best.g_squared = std::max(g2, 0.0);
  best.dof = std::max(0.0, cells - 1 - parameters);
  best.p_value = best.dof > 0 ? chi2_sf(best.statistic, best.dof) : 1.0;
  best.p_value_g = best.dof > 0 ? chi2_sf(best.g_squared, best.dof) : 1.0;
  return best;
}

}  // namespace hilm

#endif  // HILM_NMF_NNCP_HPP
