/// @file
/// Sparse linear regression building blocks of the concept-graph search: the Lasso by cyclic
/// coordinate descent along a warm-started regularisation path (Friedman, Hastie & Tibshirani
/// 2010, "Regularization paths for generalized linear models via coordinate descent", Journal of
/// Statistical Software 33(1) — glmnet's algorithm for the Gaussian family), and an exhaustive
/// best-subset search by least squares for small candidate sets.
///
/// The Lasso solves, for each λ of a decreasing sequence,
///
///     min_{β₀, β} 1/(2n) ‖y − β₀ − X β‖² + λ ‖β‖₁
///
/// on standardised columns (mean 0, variance 1 with the 1/n convention, as glmnet) when
/// `standardize` is on; coefficients are returned on the original scale.
#ifndef HILM_HIERARCHY_LASSO_HPP
#define HILM_HIERARCHY_LASSO_HPP

#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <hilm/core/error.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/concept_subsets.hpp>

namespace hilm {

/// Options of `lasso_path()` and `lasso()`.
struct LassoOptions {
  /// Number of λ values on the path (log-spaced from λ_max down to λ_max · lambda_min_ratio).
  Index path_length = 100;
  /// Smallest λ as a fraction of λ_max; a negative value picks glmnet's default: 1e-4 when
  /// n > p, 1e-2 otherwise.
  double lambda_min_ratio = -1;
  /// Explicit decreasing λ sequence (overrides path_length and lambda_min_ratio when non-empty).
  std::vector<double> lambdas{};
  /// Standardise the columns of X before fitting (coefficients are reported on X's scale).
  bool standardize = true;
  /// Fit an unpenalised intercept (centre X and y).
  bool fit_intercept = true;
  /// Convergence: the largest weighted squared coefficient change of a sweep,
  /// max_j v_j Δβ_j² (v_j the column's mean square), below tolerance · var(y).
  double tolerance = 1e-7;
  /// Coordinate sweeps allowed per λ.
  int max_sweeps = 10000;
  /// Stop the path after the first λ with more than this many non-zero coefficients (glmnet's
  /// `dfmax`); negative: never.
  Index max_active = -1;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (lambdas.empty() && path_length < 1) return "LassoOptions::path_length must be >= 1";
    if (lambdas.empty() && lambda_min_ratio >= 1) {
      return "LassoOptions::lambda_min_ratio must be < 1 (negative for the default)";
    }
    if (lambdas.empty() && lambda_min_ratio == 0) {
      return "LassoOptions::lambda_min_ratio must not be 0 (log-spaced path)";
    }
    for (std::size_t i = 0; i < lambdas.size(); ++i) {
      if (!(lambdas[i] >= 0) || (i > 0 && lambdas[i] > lambdas[i - 1])) {
        return "LassoOptions::lambdas must be non-negative and decreasing";
      }
    }
    if (!(tolerance > 0)) return "LassoOptions::tolerance must be > 0";
    if (max_sweeps < 1) return "LassoOptions::max_sweeps must be >= 1";
    return std::nullopt;
  }
};

/// The Lasso regularisation path returned by `lasso_path()`; L is the number of λ fitted.
struct LassoPath {
  /// Length L, decreasing.
  Vector<double> lambdas;
  /// p × L coefficients on the original scale of X; column l belongs to lambdas(l).
  Matrix<double> coefficients;
  /// Length L intercepts (0 without `fit_intercept`).
  Vector<double> intercepts;
  /// Length L: fraction of the (centred) sum of squares of y explained, 1 − RSS/TSS.
  Vector<double> r_squared;
  /// Length L: coordinate sweeps used at each λ.
  std::vector<int> sweeps;
  /// Length p: index of the first λ at which variable j is non-zero, −1 if it never enters.
  IndexVector entry;
  /// Converged when every λ met the tolerance, MaxIterations otherwise.
  FitStatus status = FitStatus::NotRun;

  /// Variables in order of entry into the path (ties by variable index); those that never enter
  /// are left out.
  [[nodiscard]] std::vector<Index> entry_order() const {
    std::vector<Index> order;
    for (Index j = 0; j < entry.size(); ++j) {
      if (entry(j) >= 0) order.push_back(j);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](Index a, Index b) { return entry(a) < entry(b); });
    return order;
  }
};

/// One Lasso fit at a single λ (`lasso()`).
struct LassoFit {
  /// Length p coefficients on the original scale.
  Vector<double> coefficients;
  /// Intercept (0 without `fit_intercept`).
  double intercept = 0;
  /// 1 − RSS/TSS.
  double r_squared = 0;
  /// Coordinate sweeps used at the final λ.
  int sweeps = 0;
  /// Converged or MaxIterations.
  FitStatus status = FitStatus::NotRun;
};

namespace detail {

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

}  // namespace detail

/// Lasso regularisation path by cyclic coordinate descent with warm starts.
///
/// λ_max = max_j |x̃_jᵀ ỹ| / n (the smallest λ with all coefficients 0) starts the path; each
/// fit starts from the previous solution. Cost O(n p) per coordinate sweep.
///
/// @param[in] x n × p design (rows are samples), any storage order; constant columns never enter.
/// @param[in] y length-n response (a column or row vector).
/// @param[in] options see `LassoOptions`.
/// @returns the path (coefficients on the original scale), entry indices and status.
/// @throws hilm::invalid_argument on bad options, a shape mismatch, n < 2 or non-finite data.
template <class DX, class DY>
[[nodiscard]] LassoPath lasso_path(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DY>& y,
                                   const LassoOptions& options = {}) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  const auto prob =
      detail::make_lasso_problem(x, y, options.standardize, options.fit_intercept, "lasso_path");
  const Index n = prob.x.rows(), p = prob.x.cols();
  const auto nd = static_cast<double>(n);
  Vector<double> col_ms(p);
  for (Index j = 0; j < p; ++j) col_ms(j) = prob.x.col(j).squaredNorm() / nd;
  std::vector<double> lambdas = options.lambdas;
  if (lambdas.empty()) {
    // The factor 1 + 1e-12 keeps rounding from letting the first variable in at λ_max itself.
    const double lambda_max =
        p > 0 ? (1 + 1e-12) * (prob.x.transpose() * prob.y).cwiseAbs().maxCoeff() / nd : 0;
    const double ratio =
        options.lambda_min_ratio > 0 ? options.lambda_min_ratio : (n > p ? 1e-4 : 1e-2);
    const Index steps = options.path_length;
    for (Index l = 0; l < steps; ++l) {
      const double t = steps > 1 ? static_cast<double>(l) / static_cast<double>(steps - 1) : 0.0;
      lambdas.push_back(lambda_max * std::pow(ratio, t));
    }
  }
  const double tss = prob.y.squaredNorm();
  LassoPath path;
  path.entry = IndexVector::Constant(p, -1);
  path.status = FitStatus::Converged;
  Vector<double> beta = Vector<double>::Zero(p);
  Vector<double> r = prob.y;
  std::vector<Vector<double>> betas;
  std::vector<double> r2, used;
  for (std::size_t l = 0; l < lambdas.size(); ++l) {
    const auto [sweeps, converged] = detail::coordinate_descent(
        prob, col_ms, lambdas[l], options.tolerance, options.max_sweeps, beta, r);
    if (!converged) path.status = FitStatus::MaxIterations;
    path.sweeps.push_back(sweeps);
    betas.push_back(beta);
    used.push_back(lambdas[l]);
    r2.push_back(tss > 0 ? 1.0 - r.squaredNorm() / tss : 0.0);
    Index active = 0;
    for (Index j = 0; j < p; ++j) {
      if (beta(j) != 0) {
        ++active;
        if (path.entry(j) < 0) path.entry(j) = static_cast<Index>(l);
      }
    }
    if (options.max_active >= 0 && active > options.max_active) break;
  }
  const auto num = static_cast<Index>(betas.size());
  path.lambdas = Eigen::Map<const Vector<double>>(used.data(), num);
  path.r_squared = Eigen::Map<const Vector<double>>(r2.data(), num);
  path.coefficients.resize(p, num);
  path.intercepts.resize(num);
  for (Index l = 0; l < num; ++l) {
    for (Index j = 0; j < p; ++j) {
      const double s = prob.scale(j);
      path.coefficients(j, l) = s > 0 ? betas[static_cast<std::size_t>(l)](j) / s : 0.0;
    }
    path.intercepts(l) =
        options.fit_intercept ? prob.y_mean - prob.mean.dot(path.coefficients.col(l)) : 0.0;
  }
  return path;
}

/// Lasso at one λ (a warm-started path from λ_max down to `lambda`, of `options.path_length`
/// steps, which is faster and more stable than a cold start).
/// @param[in] x n × p design. @param[in] y length-n response.
/// @param[in] lambda penalty λ ≥ 0 on the standardised scale (see the file comment).
/// @throws hilm::invalid_argument as `lasso_path`, or for λ < 0.
template <class DX, class DY>
[[nodiscard]] LassoFit lasso(const Eigen::MatrixBase<DX>& x, const Eigen::MatrixBase<DY>& y,
                             double lambda, LassoOptions options = {}) {
  if (!(lambda >= 0)) hilm::detail::raise<invalid_argument>("lasso: lambda must be >= 0");
  // λ_max on the same scale as the path, to build a warm-start sequence ending at λ.
  const auto prob =
      detail::make_lasso_problem(x, y, options.standardize, options.fit_intercept, "lasso");
  const double lambda_max =
      prob.x.cols() > 0
          ? (prob.x.transpose() * prob.y).cwiseAbs().maxCoeff() / static_cast<double>(x.rows())
          : 0.0;
  options.lambdas.clear();
  const Index steps = std::max<Index>(options.path_length, 1);
  if (lambda < lambda_max) {
    const double floor = std::max(lambda, lambda_max * 1e-6);
    for (Index l = 0; l + 1 < steps; ++l) {
      const double t = static_cast<double>(l) / static_cast<double>(steps - 1);
      const double value = lambda_max * std::pow(floor / lambda_max, t);
      if (value > lambda) options.lambdas.push_back(value);
    }
  }
  options.lambdas.push_back(lambda);
  options.max_active = -1;
  const LassoPath path = lasso_path(x, y, options);
  LassoFit fit;
  const Index last = path.lambdas.size() - 1;
  fit.coefficients = path.coefficients.col(last);
  fit.intercept = path.intercepts(last);
  fit.r_squared = path.r_squared(last);
  fit.sweeps = path.sweeps.back();
  fit.status = path.status;
  return fit;
}

/// The best subset of one size found by `best_subsets()`.
struct SubsetFit {
  /// Variables (column indices of x), increasing.
  std::vector<Index> variables;
  /// Least-squares R² (with intercept when requested) of y on these variables.
  double r_squared = 0;
};

/// Result of `best_subsets()`.
struct BestSubsetResult {
  /// best[s] is the subset of size s with the largest R², for s = 0 … s_max (s ≤ candidates).
  std::vector<SubsetFit> best;
  /// Number of subsets whose R² was computed.
  Index subsets_evaluated = 0;
};

/// Exhaustive best-subset regression by least squares: for every size s ≤ s_max, the subset of
/// the candidate columns with the largest R² (Hocking & Leslie 1967; exhaustive enumeration,
/// which is exact and cheap for the few candidates a screen leaves). Each subset costs
/// O(s³) from the candidates' Gram matrix, computed once in O(n m²). Collinear subsets are
/// handled by a pseudo-inverse. Ties keep the lexicographically first subset.
///
/// @param[in] x n × p design. @param[in] y length-n response.
/// @param[in] s_max largest subset size (≥ 0).
/// @param[in] candidates columns to search over (empty: all p columns).
/// @param[in] fit_intercept centre x and y first (R² about the mean).
/// @throws hilm::invalid_argument on a shape mismatch, a bad candidate index or s_max < 0.
template <class DX, class DY>
[[nodiscard]] BestSubsetResult best_subsets(const Eigen::MatrixBase<DX>& x,
                                            const Eigen::MatrixBase<DY>& y, Index s_max,
                                            std::span<const Index> candidates = {},
                                            bool fit_intercept = true) {
  if (s_max < 0) hilm::detail::raise<invalid_argument>("best_subsets: s_max must be >= 0");
  const auto prob = detail::make_lasso_problem(x, y, false, fit_intercept, "best_subsets");
  std::vector<Index> cand(candidates.begin(), candidates.end());
  if (cand.empty()) {
    for (Index j = 0; j < prob.x.cols(); ++j) cand.push_back(j);
  }
  for (const Index j : cand) {
    if (j < 0 || j >= prob.x.cols()) {
      hilm::detail::raise<invalid_argument>("best_subsets: candidate " + std::to_string(j) +
                                            " is not a column of x");
    }
  }
  const auto m = static_cast<Index>(cand.size());
  Matrix<double> xc(prob.x.rows(), m);
  for (Index t = 0; t < m; ++t) xc.col(t) = prob.x.col(cand[static_cast<std::size_t>(t)]);
  const Matrix<double> gram = xc.transpose() * xc;
  const Vector<double> cross = xc.transpose() * prob.y;
  const double tss = prob.y.squaredNorm();
  BestSubsetResult result;
  for (Index s = 0; s <= std::min(s_max, m); ++s) {
    SubsetFit best;
    best.r_squared = -1;
    detail::for_each_subset_of_size(m, s, [&](const std::vector<Index>& subset) {
      double explained = 0;
      if (s > 0) {
        explained = detail::subset_explained(gram, cross, subset);
      }
      ++result.subsets_evaluated;
      const double r2 = tss > 0 ? std::clamp(explained / tss, 0.0, 1.0) : 0.0;
      if (r2 > best.r_squared) {
        best.r_squared = r2;
        best.variables.clear();
        for (const Index t : subset) best.variables.push_back(cand[static_cast<std::size_t>(t)]);
        std::sort(best.variables.begin(), best.variables.end());
      }
    });
    result.best.push_back(std::move(best));
  }
  return result;
}

}  // namespace hilm

#endif  // HILM_HIERARCHY_LASSO_HPP
