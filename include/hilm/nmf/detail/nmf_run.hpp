/// @file
/// The driver behind the dense and sparse `hilm::nmf` overloads (nmf/nmf.hpp): argument checks,
/// then initialise, fit with the chosen solver and finish the result.
#ifndef HILM_NMF_DETAIL_NMF_RUN_HPP
#define HILM_NMF_DETAIL_NMF_RUN_HPP

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/detail/nmf_init.hpp>
#include <hilm/nmf/detail/nmf_solvers.hpp>
#include <hilm/nmf/nmf_types.hpp>

namespace hilm::detail {

inline void validate_nmf(const NmfOptions& options, Index m, Index n) {
  if (auto problem = options.validate()) raise<invalid_argument>(*problem);
  if (m < 1 || n < 1) {
    raise<invalid_argument>("nmf: data must be non-empty, got " + std::to_string(m) + " x " +
                            std::to_string(n));
  }
  if (options.rank > std::min(m, n)) {
    raise<invalid_argument>("nmf: rank " + std::to_string(options.rank) +
                            " exceeds min(rows, columns) = " + std::to_string(std::min(m, n)));
  }
}

/// Initialise, fit with the chosen solver, finish: shared by the dense and sparse entry points.
template <class Scalar, class Data>
NmfResult<Scalar> run_nmf(const Data& data, const NmfOptions& options) {
  NmfResult<Scalar> result;
  Matrix<Scalar> wt, h;
  const Index k = options.rank;
  const double a2 = data.squared_norm();
  if (a2 == 0) {  // all-zero data: the zero factorisation is exact
    wt = Matrix<Scalar>::Zero(k, data.rows());
    h = Matrix<Scalar>::Zero(k, data.cols());
    result.status = FitStatus::Converged;
    finish_result(wt, h, options, result);
    return result;
  }
  initialize<Scalar>(data, options, wt, h);
  if (options.max_iterations == 0) {
    result.status = FitStatus::MaxIterations;
  } else if (options.solver == NmfSolver::MultiplicativeUpdate) {
    if (options.beta == 2) {
      fit_mu_frobenius(data, wt, h, options, result);
    } else if constexpr (Data::is_sparse) {
      if (options.beta == 1) {
        fit_mu_kl_sparse(data, wt, h, options, result);
      } else {
        const Matrix<Scalar> dense = Matrix<Scalar>(data.matrix());
        fit_mu_dense<Scalar>(dense, nullptr, wt, h, options, result);
      }
    } else {
      // The elementwise passes run down columns: give them column-major data.
      if constexpr (std::is_same_v<std::decay_t<decltype(data.matrix())>,
                                   Eigen::Ref<const Matrix<Scalar>>>) {
        fit_mu_dense<Scalar>(data.matrix(), nullptr, wt, h, options, result);
      } else {
        const Matrix<Scalar> dense = data.matrix();
        fit_mu_dense<Scalar>(dense, nullptr, wt, h, options, result);
      }
    }
  } else {
    fit_als(data, wt, h, options, result);
  }
  if (!wt.allFinite() || !h.allFinite()) {
    result.status = FitStatus::NumericalIssue;
    if (result.message.empty()) result.message = "the factors became non-finite";
  }
  if (result.status == FitStatus::MaxIterations) {
    result.message = "reached max_iterations = " + std::to_string(options.max_iterations);
  }
  const double residual = data.residual_squared(wt, h);
  result.relative_error = std::sqrt(residual / a2);
  if (result.iterations == 0) result.loss = 0.5 * residual + penalties(wt, h, options);
  finish_result(wt, h, options, result);
  return result;
}

}  // namespace hilm::detail

#endif  // HILM_NMF_DETAIL_NMF_RUN_HPP
