/// @file
/// Non-negative matrix factorisation A ≈ W · diag(d) · H for dense, sparse and partially observed
/// non-negative data.
///
/// Solvers (`NmfOptions::solver`): HALS / coordinate descent (fast default), alternating exact NNLS
/// (accurate), multiplicative updates for any β-divergence (Frobenius, Kullback–Leibler,
/// Itakura–Saito, ...). Initialisation by NNDSVD(a) or at random; L1/L2 penalties on both factors;
/// stopping by relative objective change with patience, or by iterations. The result is returned
/// in canonical form (NmfResult). See docs/nmf.md for when to use which solver and what the
/// factors are unique up to.
///
/// Example:
/// @code
///   hilm::Matrix<double> a = ...;                    // m × n, non-negative
///   auto fit = hilm::nmf(a, {.rank = 10, .max_iterations = 500});
///   hilm::Matrix<double> approx = fit.w * fit.d.asDiagonal() * fit.h;
/// @endcode
#ifndef HILM_NMF_NMF_HPP
#define HILM_NMF_NMF_HPP

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <hilm/core/error.hpp>
#include <hilm/core/sparse_types.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/detail/nmf_data.hpp>
#include <hilm/nmf/detail/nmf_init.hpp>
#include <hilm/nmf/detail/nmf_run.hpp>
#include <hilm/nmf/detail/nmf_solvers.hpp>
#include <hilm/nmf/nmf_types.hpp>

namespace hilm {

/// Non-negative matrix factorisation of dense data: A ≈ W · diag(d) · H.
///
/// @tparam Derived any dense Eigen expression with a floating-point scalar; plain matrices of
///         either storage order are used in place, other expressions are evaluated once.
/// @param[in] a m × n non-negative data (rows are samples, columns are features).
/// @param[in] options rank, solver, loss, initialisation, stopping rule, penalties, seed.
/// @returns W (m × k), d (k), H (k × n) in canonical form, with status, iterations, objective,
///          relative Frobenius error and objective history.
/// @throws invalid_argument if `options` are invalid, the rank exceeds min(m, n), or an entry of
///         `a` is negative, NaN or infinite (the message names the first such entry).
/// Complexity per iteration: two m × n × k products plus O((m + n) k²) per inner sweep (HALS,
/// alternating NNLS and Frobenius MU); general β adds O(mn) elementwise powers.
template <class Derived>
[[nodiscard]] NmfResult<typename Derived::Scalar> nmf(const Eigen::MatrixBase<Derived>& a,
                                                      const NmfOptions& options) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>,
                "hilm::nmf needs float or double data: convert integer data with .cast<double>()");
  detail::validate_nmf(options, a.rows(), a.cols());
  using Plain = std::conditional_t<Derived::IsRowMajor && Derived::ColsAtCompileTime != 1,
                                   RowMatrix<Scalar>, Matrix<Scalar>>;
  const detail::DenseNmfData<Scalar, Plain> data(a.derived());
  detail::require_nonnegative(data.matrix(), "nmf", [](Index, Index) { return true; });
  return detail::run_nmf<Scalar>(data, options);
}

/// Non-negative matrix factorisation of sparse data (zeros are observed zeros, not missing).
///
/// HALS, alternating NNLS and Frobenius / Kullback–Leibler multiplicative updates touch only the
/// stored entries; other β-divergences convert the data to dense first.
/// @param[in] a m × n sparse non-negative data (any storage order).
/// @param[in] options as for the dense overload.
/// @returns as for the dense overload.
/// @throws invalid_argument as for the dense overload (stored entries are checked).
template <class Derived>
[[nodiscard]] NmfResult<typename Derived::Scalar> nmf(const Eigen::SparseMatrixBase<Derived>& a,
                                                      const NmfOptions& options) {
  using Scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<Scalar>,
                "hilm::nmf needs float or double data: convert integer data with .cast<double>()");
  detail::validate_nmf(options, a.rows(), a.cols());
  detail::require_nonnegative_sparse(a, "nmf");
  const detail::SparseNmfData<Scalar> data(a);
  return detail::run_nmf<Scalar>(data, options);
}

/// Non-negative matrix factorisation with missing entries: only entries with `mask(i, j) != 0`
/// enter the objective (unobserved entries of `a` may hold anything, NaN included).
///
/// HALS and alternating NNLS solve each column sub-problem with the Gram matrix of its observed
/// entries (exact, O(observed · k²) per iteration); multiplicative updates use the weighted
/// β-divergence. The loss history, `loss` and `relative_error` are over observed entries.
/// @param[in] a m × n data, non-negative where observed.
/// @param[in] mask m × n, non-zero where the entry is observed (bool, integer or floating).
/// @param[in] options as for `nmf(a, options)`.
/// @returns as for `nmf(a, options)`; W · diag(d) · H predicts the missing entries.
/// @throws invalid_argument if the shapes differ, nothing is observed, `options` are invalid,
///         the rank exceeds min(m, n), or an observed entry is negative or not finite.
template <class DerivedA, class DerivedM>
[[nodiscard]] NmfResult<typename DerivedA::Scalar> nmf(const Eigen::MatrixBase<DerivedA>& a,
                                                       const Eigen::MatrixBase<DerivedM>& mask,
                                                       const NmfOptions& options) {
  using Scalar = typename DerivedA::Scalar;
  static_assert(std::is_floating_point_v<Scalar>,
                "hilm::nmf needs float or double data: convert integer data with .cast<double>()");
  detail::validate_nmf(options, a.rows(), a.cols());
  if (mask.rows() != a.rows() || mask.cols() != a.cols()) {
    detail::raise<invalid_argument>("nmf: mask is " + std::to_string(mask.rows()) + " x " +
                                    std::to_string(mask.cols()) + " but data are " +
                                    std::to_string(a.rows()) + " x " + std::to_string(a.cols()));
  }
  const auto observed = [&](Index i, Index j) { return mask(i, j) != 0; };
  detail::require_nonnegative(a, "nmf", observed);
  const Index m = a.rows(), n = a.cols(), k = options.rank;
  const detail::MaskedNmfData<Scalar> data(a, mask);
  if (data.observed == 0) detail::raise<invalid_argument>("nmf: the mask observes no entry");
  // Dense copy with unobserved entries set to the observed mean: used for the initialisation
  // (and, with zeros instead, by the multiplicative updates).
  const auto mean = static_cast<Scalar>(data.sum / static_cast<double>(data.observed));
  Matrix<Scalar> filled(m, n), weight(m, n);
  for (Index j = 0; j < n; ++j) {
    for (Index i = 0; i < m; ++i) {
      const bool seen = observed(i, j);
      filled(i, j) = seen ? static_cast<Scalar>(a(i, j)) : mean;
      weight(i, j) = seen ? Scalar(1) : Scalar(0);
    }
  }
  NmfResult<Scalar> result;
  Matrix<Scalar> wt, h;
  if (data.squared_norm == 0) {
    wt = Matrix<Scalar>::Zero(k, m);
    h = Matrix<Scalar>::Zero(k, n);
    result.status = FitStatus::Converged;
    detail::finish_result(wt, h, options, result);
    return result;
  }
  {
    const detail::DenseNmfData<Scalar, Matrix<Scalar>> init_data(filled);
    detail::initialize<Scalar>(init_data, options, wt, h);
  }
  if (options.max_iterations == 0) {
    result.status = FitStatus::MaxIterations;
  } else if (options.solver == NmfSolver::MultiplicativeUpdate) {
    filled = filled.cwiseProduct(weight);
    detail::fit_mu_dense<Scalar>(filled, &weight, wt, h, options, result);
  } else {
    detail::fit_als_masked(data, wt, h, options, result);
  }
  if (!wt.allFinite() || !h.allFinite()) {
    result.status = FitStatus::NumericalIssue;
    if (result.message.empty()) result.message = "the factors became non-finite";
  }
  if (result.status == FitStatus::MaxIterations) {
    result.message = "reached max_iterations = " + std::to_string(options.max_iterations);
  }
  const double residual = data.residual_squared(wt, h);
  result.relative_error = std::sqrt(residual / data.squared_norm);
  if (result.iterations == 0) result.loss = 0.5 * residual + detail::penalties(wt, h, options);
  detail::finish_result(wt, h, options, result);
  return result;
}

}  // namespace hilm

#endif  // HILM_NMF_NMF_HPP
