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

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/concept_subsets.hpp>
#include <hilm/hierarchy/detail/lasso_solver.hpp>

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
    using hilm::detail::invalid_field;
    if (lambdas.empty() && path_length < 1) {
      return invalid_field("LassoOptions", "path_length", "be >= 1", path_length);
    }
    if (lambdas.empty() && lambda_min_ratio >= 1) {
      return invalid_field("LassoOptions", "lambda_min_ratio", "be < 1 (negative for the default)",
                           lambda_min_ratio);
    }
    if (lambdas.empty() && lambda_min_ratio == 0) {
      return invalid_field("LassoOptions", "lambda_min_ratio", "not be 0 (log-spaced path)",
                           lambda_min_ratio);
    }
    for (std::size_t i = 0; i < lambdas.size(); ++i) {
      if (!(lambdas[i] >= 0) || (i > 0 && lambdas[i] > lambdas[i - 1])) {
        std::string got =
            "lambdas[" + std::to_string(i) + "] = " + hilm::detail::describe_value(lambdas[i]);
        if (i > 0) got += " after " + hilm::detail::describe_value(lambdas[i - 1]);
        return hilm::detail::invalid_field_described("LassoOptions", "lambdas",
                                                     "be non-negative and decreasing", got);
      }
    }
    if (!(tolerance > 0)) return invalid_field("LassoOptions", "tolerance", "be > 0", tolerance);
    if (max_sweeps < 1) return invalid_field("LassoOptions", "max_sweeps", "be >= 1", max_sweeps);
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

  /// Whether the path can be used (`hilm::usable(status)`).
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }

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

  /// Whether the fit can be used (`hilm::usable(status)`).
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

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
