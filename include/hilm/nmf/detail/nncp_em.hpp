/// @file
/// The steps of `nonnegative_cp` (nmf/nncp.hpp), the k-way latent class model fitted by EM
/// (Goodman 1974): checks of the table, its non-empty cells, Dirichlet starting points, the EM
/// iteration, the ordering of the classes and the goodness-of-fit statistics X² and G².
#ifndef HILM_NMF_DETAIL_NNCP_EM_HPP
#define HILM_NMF_DETAIL_NNCP_EM_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Π d_v of a k-way table with sizes `dims`, checked against the number of counts.
/// @throws invalid_argument if k < 2, a size is < 1, or the counts are not Π d_v.
[[nodiscard]] inline double checked_cell_count(const std::vector<Index>& dims, Index counts) {
  const auto k = static_cast<Index>(dims.size());
  if (k < 2) raise<invalid_argument>("nonnegative_cp: the table needs at least 2 modes");
  double cells = 1;
  for (const Index d : dims) {
    if (d < 1) raise<invalid_argument>("nonnegative_cp: every mode needs size >= 1");
    cells *= static_cast<double>(d);
  }
  if (static_cast<double>(counts) != cells) {
    raise<invalid_argument>("nonnegative_cp: counts has " + std::to_string(counts) +
                            " entries, dims give " + std::to_string(cells));
  }
  return cells;
}

/// The non-empty cells of a k-way table: their multi-indices (k per cell, consecutive), counts
/// and total.
struct NonemptyCells {
  Index modes = 0;             ///< k
  std::vector<Index> dims;     ///< d_1, …, d_k
  std::vector<Index> codes;    ///< k indices per non-empty cell
  std::vector<double> values;  ///< count of each non-empty cell
  double total = 0;            ///< Σ counts
};

/// Advances a multi-index over a table of sizes `dims`, first mode fastest.
inline void next_cell(std::vector<Index>& index, const std::vector<Index>& dims) {
  for (std::size_t v = 0; v < index.size(); ++v) {
    if (++index[v] < dims[v]) break;
    index[v] = 0;
  }
}

/// Collects the non-empty cells of `counts` (first mode fastest).
/// @throws invalid_argument if a count is negative or not finite, or every count is 0.
[[nodiscard]] inline NonemptyCells nonempty_cells(const std::vector<Index>& dims,
                                                  const Vector<double>& counts) {
  NonemptyCells cells;
  cells.modes = static_cast<Index>(dims.size());
  cells.dims = dims;
  std::vector<Index> index(dims.size(), 0);
  for (Index c = 0; c < counts.size(); ++c) {
    const double value = counts(c);
    if (!(value >= 0) || !std::isfinite(value)) {
      raise<invalid_argument>("nonnegative_cp: count " + std::to_string(c) + " is " +
                              std::to_string(value));
    }
    if (value > 0) {
      cells.codes.insert(cells.codes.end(), index.begin(), index.end());
      cells.values.push_back(value);
    }
    next_cell(index, dims);
  }
  if (cells.values.empty()) raise<invalid_argument>("nonnegative_cp: the table is empty");
  for (const double value : cells.values) cells.total += value;
  return cells;
}

/// Starting conditionals of one EM start: per mode a d_v × r matrix whose columns mix the uniform
/// distribution with a Dirichlet(1) draw, half and half.
[[nodiscard]] inline std::vector<Matrix<double>> cp_starting_factors(const std::vector<Index>& dims,
                                                                     Index r, Random& stream) {
  std::vector<Matrix<double>> factors(dims.size());
  std::vector<double> draw;
  for (std::size_t v = 0; v < dims.size(); ++v) {
    const Index d = dims[v];
    Matrix<double>& f = factors[v];
    f.resize(d, r);
    draw.resize(static_cast<std::size_t>(d));
    for (Index s = 0; s < r; ++s) {
      stream.dirichlet(1.0, std::span<double>(draw.data(), draw.size()));
      for (Index x = 0; x < d; ++x)
        f(x, s) = 0.5 / static_cast<double>(d) + 0.5 * draw[static_cast<std::size_t>(x)];
    }
  }
  return factors;
}

/// One EM run from (weights, factors) over the non-empty cells, for at most `max_iterations`
/// iterations, until the log-likelihood gains less than `tolerance · n`; returns the
/// log-likelihood and sets `iterations` (≤ max_iterations) and `converged`.
inline double cp_em(const NonemptyCells& cells, int max_iterations, double tolerance,
                    Vector<double>& weights, std::vector<Matrix<double>>& factors, int& iterations,
                    bool& converged) {
  const Index k = cells.modes, r = weights.size();
  const auto nnz = static_cast<Index>(cells.values.size());
  const double tiny = std::numeric_limits<double>::min();
  Vector<double> q(r);
  std::vector<Matrix<double>> expected(static_cast<std::size_t>(k));
  double previous = -std::numeric_limits<double>::infinity(), loglik = previous;
  converged = false;
  iterations = 1;
  for (; iterations <= max_iterations; ++iterations) {
    for (Index v = 0; v < k; ++v) {
      expected[static_cast<std::size_t>(v)] =
          Matrix<double>::Zero(cells.dims[static_cast<std::size_t>(v)], r);
    }
    Vector<double> mass = Vector<double>::Zero(r);
    loglik = 0;
    for (Index c = 0; c < nnz; ++c) {
      const Index* x = cells.codes.data() + c * k;
      for (Index s = 0; s < r; ++s) {
        double value = weights(s);
        for (Index v = 0; v < k; ++v) value *= factors[static_cast<std::size_t>(v)](x[v], s);
        q(s) = value;
      }
      const double p = std::max(q.sum(), tiny);
      const double count = cells.values[static_cast<std::size_t>(c)];
      loglik += count * std::log(p);
      q *= count / p;  // expected counts of the cell in each class (E-step)
      mass += q;
      for (Index v = 0; v < k; ++v)
        expected[static_cast<std::size_t>(v)].row(x[v]) += q.transpose();
    }
    if (loglik - previous <= tolerance * cells.total) {
      converged = true;
      break;
    }
    previous = loglik;
    for (Index s = 0; s < r; ++s) {  // M-step
      weights(s) = mass(s) / cells.total;
      if (mass(s) <= 0) continue;
      for (Index v = 0; v < k; ++v) {
        factors[static_cast<std::size_t>(v)].col(s) =
            expected[static_cast<std::size_t>(v)].col(s) / mass(s);
      }
    }
  }
  iterations = std::min(iterations, max_iterations);
  return loglik;
}

/// Copies (weights, factors) into (sorted_weights, sorted_factors) with the classes sorted by
/// decreasing weight (ties keep their order).
inline void sort_cp_classes(const Vector<double>& weights,
                            const std::vector<Matrix<double>>& factors,
                            Vector<double>& sorted_weights,
                            std::vector<Matrix<double>>& sorted_factors) {
  const Index r = weights.size();
  const std::size_t k = factors.size();
  std::vector<Index> order(static_cast<std::size_t>(r));
  for (Index s = 0; s < r; ++s) order[static_cast<std::size_t>(s)] = s;
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return weights(a) > weights(b); });
  sorted_weights.resize(r);
  sorted_factors.assign(k, Matrix<double>());
  for (std::size_t v = 0; v < k; ++v) sorted_factors[v].resize(factors[v].rows(), r);
  for (Index t = 0; t < r; ++t) {
    const Index s = order[static_cast<std::size_t>(t)];
    sorted_weights(t) = weights(s);
    for (std::size_t v = 0; v < k; ++v) sorted_factors[v].col(t) = factors[v].col(s);
  }
}

/// Pearson X² and likelihood-ratio G² of a fitted CP model against a table.
struct CpFitStatistics {
  double pearson = 0;    ///< Σ (N − n P̂)² / (n P̂) over cells with n P̂ > 0
  double g_squared = 0;  ///< 2 Σ N log(N / (n P̂)) over cells with N > 0 (not clamped at 0)
};

/// X² and G² over every cell of the table (`total` = n).
[[nodiscard]] inline CpFitStatistics cp_goodness_of_fit(
    const std::vector<Index>& dims, const Vector<double>& counts, double total,
    const Vector<double>& weights, const std::vector<Matrix<double>>& factors) {
  const double tiny = std::numeric_limits<double>::min();
  const Index r = weights.size();
  const auto k = static_cast<Index>(dims.size());
  CpFitStatistics fit;
  std::vector<Index> index(dims.size(), 0);
  for (Index c = 0; c < counts.size(); ++c) {
    double p = 0;
    for (Index s = 0; s < r; ++s) {
      double value = weights(s);
      for (Index v = 0; v < k; ++v)
        value *= factors[static_cast<std::size_t>(v)](index[static_cast<std::size_t>(v)], s);
      p += value;
    }
    const double expected_count = total * p, observed = counts(c);
    if (expected_count > 0)
      fit.pearson += (observed - expected_count) * (observed - expected_count) / expected_count;
    if (observed > 0)
      fit.g_squared += 2 * observed * std::log(observed / std::max(expected_count, tiny));
    next_cell(index, dims);
  }
  return fit;
}

}  // namespace hilm::detail

#endif  // HILM_NMF_DETAIL_NNCP_EM_HPP
