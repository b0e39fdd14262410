/// @file
/// Internals of the Lasso and the best-subset search (`hierarchy/lasso.hpp`): the centred and
/// standardised problem, cyclic coordinate descent at one λ (Friedman, Hastie & Tibshirani 2010),
/// and the sum of squares a subset of columns explains (used by the concept-graph search too).
#ifndef HILM_HIERARCHY_DETAIL_LASSO_SOLVER_HPP
#define HILM_HIERARCHY_DETAIL_LASSO_SOLVER_HPP

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Standardised design and response shared by the path and the subset search.
struct LassoProblem {
  Matrix<double> x;      // n × p, centred (and scaled) columns
  Vector<double> y;      // n, centred response
  Vector<double> mean;   // column means (0 without intercept)
  Vector<double> scale;  // column scales (1 without standardisation; 0 for a constant column)
  double y_mean = 0;
};

template <class DX, class DY>
LassoProblem make_lasso_problem(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DY>& y,
                                bool standardize, bool fit_intercept, const char* function) {
  const Index n = x.rows(), p = x.cols();
  if (n < 2) {
    hilm::detail::raise<invalid_argument>(std::string(function) + ": x needs at least 2 rows");
  }
  if (y.size() != n || (y.rows() != 1 && y.cols() != 1)) {
    hilm::detail::raise<invalid_argument>(std::string(function) + ": y must be a vector of " +
                                          std::to_string(n) + " entries (one per row of x)");
  }
  LassoProblem prob;
  prob.x = x.template cast<double>();
  prob.y.resize(n);
  for (Index i = 0; i < n; ++i) {
    prob.y(i) = static_cast<double>(y.rows() == 1 ? y(0, i) : y(i, 0));
  }
  if (!prob.x.allFinite() || !prob.y.allFinite()) {
    hilm::detail::raise<invalid_argument>(std::string(function) + ": x or y contains NaN or Inf");
  }
  prob.mean = Vector<double>::Zero(p);
  prob.scale = Vector<double>::Ones(p);
  if (fit_intercept) {
    prob.mean = prob.x.colwise().mean().transpose();
    prob.x.rowwise() -= prob.mean.transpose();
    prob.y_mean = prob.y.mean();
    prob.y.array() -= prob.y_mean;
  }
  const auto nd = static_cast<double>(n);
  for (Index j = 0; j < p; ++j) {
    const double ms = prob.x.col(j).squaredNorm() / nd;
    if (!(ms > 1e-24)) {
      prob.scale(j) = 0;  // constant column: never enters
      prob.x.col(j).setZero();
    } else if (standardize) {
      prob.scale(j) = std::sqrt(ms);
      prob.x.col(j) /= prob.scale(j);
    }
  }
  return prob;
}

inline double soft_threshold(double z, double gamma) {
  return z > gamma ? z - gamma : (z < -gamma ? z + gamma : 0.0);
}

/// Cyclic coordinate descent at one λ, warm-started from `beta` with residual `r = y − Xβ`.
/// Sweeps over all coordinates, then over the active set until it converges, then once more over
/// all coordinates to check that no new variable enters (Friedman et al. 2010, §2.6 "active set
/// convergence"). Returns the sweeps used and whether the tolerance was met.
inline std::pair<int, bool> coordinate_descent(const LassoProblem& prob,
                                               const Vector<double>& col_ms, double lambda,
                                               double tolerance, int max_sweeps,
                                               Vector<double>& beta, Vector<double>& r) {
  const Index p = prob.x.cols();
  const auto nd = static_cast<double>(prob.x.rows());
  const double threshold = tolerance * std::max(prob.y.squaredNorm() / nd, 1e-300);
  int sweeps = 0;
  auto sweep = [&](bool active_only) {
    double max_change = 0;
    for (Index j = 0; j < p; ++j) {
      if (col_ms(j) == 0) continue;
      if (active_only && beta(j) == 0) continue;
      const double old = beta(j);
      const double z = prob.x.col(j).dot(r) / nd + col_ms(j) * old;
      const double updated = soft_threshold(z, lambda) / col_ms(j);
      if (updated != old) {
        r.noalias() -= (updated - old) * prob.x.col(j);
        beta(j) = updated;
        max_change = std::max(max_change, col_ms(j) * (updated - old) * (updated - old));
      }
    }
    ++sweeps;
    return max_change;
  };
  while (sweeps < max_sweeps) {
    if (sweep(false) < threshold) return {sweeps, true};
    while (sweeps < max_sweeps) {
      if (sweep(true) < threshold) break;
    }
  }
  return {sweeps, false};
}

/// yᵀX_S (X_SᵀX_S)⁺ X_Sᵀy for the subset `subset` of the columns behind `gram` = XᵀX and
/// `cross` = Xᵀy: the sum of squares explained by least squares on those columns (pseudo-inverse
/// on the eigenvalues above 1e-10 of the largest, so collinear subsets are handled).
inline double subset_explained(const Matrix<double>& gram, const Vector<double>& cross,
                               const std::vector<Index>& subset) {
  const auto s = static_cast<Index>(subset.size());
  if (s == 0) return 0;
  Matrix<double> g(s, s);
  Vector<double> c(s);
  for (Index a = 0; a < s; ++a) {
    c(a) = cross(subset[static_cast<std::size_t>(a)]);
    for (Index b = 0; b < s; ++b) {
      g(a, b) = gram(subset[static_cast<std::size_t>(a)], subset[static_cast<std::size_t>(b)]);
    }
  }
  Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(g);
  const auto& values = eig.eigenvalues();
  const double cutoff = 1e-10 * std::max(values.cwiseAbs().maxCoeff(), 1e-300);
  const Vector<double> proj = eig.eigenvectors().transpose() * c;
  double explained = 0;
  for (Index a = 0; a < s; ++a) {
    if (values(a) > cutoff) explained += proj(a) * proj(a) / values(a);
  }
  return explained;
}

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_LASSO_SOLVER_HPP
