/// @file
/// The EM iteration of the two-way latent class model (nmf/latent_class.hpp) and the compaction
/// of a count table (empty rows and columns dropped), which the non-negative rank test of
/// stats/nonnegative_rank.hpp shares.
#ifndef HILM_NMF_DETAIL_LATENT_CLASS_EM_HPP
#define HILM_NMF_DETAIL_LATENT_CLASS_EM_HPP

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

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

/// One EM run from (weights, a, b) on the compact table, for at most `max_iterations` iterations,
/// until the log-likelihood gains less than `tolerance · n`; returns the log-likelihood.
inline double latent_class_em(const Matrix<double>& n, Vector<double>& weights, Matrix<double>& a,
                              Matrix<double>& b, int max_iterations, double tolerance,
                              int& iterations, bool& converged) {
  const double total = n.sum();
  const double tiny = std::numeric_limits<double>::min();
  Matrix<double> model, ratio, ta, tb;
  double previous = -std::numeric_limits<double>::infinity(), loglik = previous;
  converged = false;
  for (iterations = 1; iterations <= max_iterations; ++iterations) {
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
    if (loglik - previous <= tolerance * total) {
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
  iterations = std::min(iterations, max_iterations);
  return loglik;
}

}  // namespace hilm::detail

#endif  // HILM_NMF_DETAIL_LATENT_CLASS_EM_HPP
