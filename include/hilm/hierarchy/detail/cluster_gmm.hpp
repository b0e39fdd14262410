/// @file
/// Internals of Gaussian mixtures: Cholesky factors of the precisions, the E-step with
/// log-sum-exp, and the M-step with covariance regularisation.
#ifndef HILM_HIERARCHY_DETAIL_CLUSTER_GMM_HPP
#define HILM_HIERARCHY_DETAIL_CLUSTER_GMM_HPP

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/cluster_common.hpp>

namespace hilm::detail {

/// Per-component factors for evaluating log N(x | μ_k, Σ_k):
///   log N = −d/2 log 2π + log_det(k) − ½ ‖(x − μ_k) U_k‖²,
/// where U_k U_kᵀ = Σ_k⁻¹ (full: U_k = L_k⁻ᵀ for Σ_k = L_k L_kᵀ; diagonal: U_k = diag(σ_k)⁻¹)
/// and log_det(k) = log |U_k| = −½ log |Σ_k|. This is scikit-learn's "precisions_cholesky"
/// parametrisation: one triangular inverse per component, then only products per sample.
struct GaussianFactors {
  bool full = true;
  /// Full: K upper-triangular d × d matrices U_k.
  std::vector<Matrix<double>> precision_cholesky;
  /// Diagonal: K × d, 1 / σ_kj.
  RowMatrix<double> inverse_std;
  /// K entries log |U_k|.
  Vector<double> log_det;
};

/// Factors the covariances; returns false if one is not (numerically) positive definite.
/// @param covariances K full d × d covariances (used when `full`).
/// @param variances K × d variances (used when `!full`).
inline bool factor_covariances(bool full, const std::vector<Matrix<double>>& covariances,
                               const RowMatrix<double>& variances, Index k, Index d,
                               GaussianFactors& out) {
  out.full = full;
  out.log_det.resize(k);
  if (full) {
    out.precision_cholesky.resize(static_cast<std::size_t>(k));
    for (Index j = 0; j < k; ++j) {
      const Eigen::LLT<Matrix<double>> llt(covariances[static_cast<std::size_t>(j)]);
      if (llt.info() != Eigen::Success) return false;
      const Matrix<double> l = llt.matrixL();
      const Vector<double> diag = l.diagonal();
      if (!(diag.minCoeff() > 0) || !diag.allFinite()) return false;
      Matrix<double> inverse = Matrix<double>::Identity(d, d);
      l.triangularView<Eigen::Lower>().solveInPlace(inverse);  // L⁻¹
      out.precision_cholesky[static_cast<std::size_t>(j)] = inverse.transpose();
      out.log_det(j) = -diag.array().log().sum();
    }
  } else {
    out.inverse_std.resize(k, d);
    for (Index j = 0; j < k; ++j) {
      if (!(variances.row(j).minCoeff() > 0) || !variances.row(j).allFinite()) return false;
      out.inverse_std.row(j) = variances.row(j).array().sqrt().inverse();
      out.log_det(j) = out.inverse_std.row(j).array().log().sum();
    }
  }
  return true;
}

/// log π_k + log N(x_i | μ_k, Σ_k) for every row and component: n × K, row-major. Row blocks run
/// in parallel; each entry is computed by one thread, so the result is thread-count independent.
inline void weighted_log_prob(const Eigen::Ref<const RowMatrix<double>>& x,
                              const Vector<double>& weights, const RowMatrix<double>& means,
                              const GaussianFactors& factors, RowMatrix<double>& out) {
  const Index n = x.rows(), d = x.cols(), k = means.rows();
  out.resize(n, k);
  const double constant = -0.5 * static_cast<double>(d) * std::log(2.0 * std::numbers::pi);
  Vector<double> offset(k);
  for (Index j = 0; j < k; ++j) offset(j) = std::log(weights(j)) + constant + factors.log_det(j);
  const Index blocks = (n + cluster_block_rows - 1) / cluster_block_rows;
  ParallelGuard guard;  // the per-block buffers and Eigen's GEMM allocate
#pragma omp parallel for schedule(static) if (blocks > 1 && parallel_worth(n * k * d * d))
  for (Index b = 0; b < blocks; ++b) {
    guard.run([&] {
      const Index begin = b * cluster_block_rows,
                  rows = std::min(n, begin + cluster_block_rows) - begin;
      RowMatrix<double> centred(rows, d), projected(rows, d);
      for (Index j = 0; j < k; ++j) {
        centred = x.middleRows(begin, rows).rowwise() - means.row(j);
        if (factors.full) {
          const Matrix<double>& u = factors.precision_cholesky[static_cast<std::size_t>(j)];
          // Small d: a coefficient-wise product, so that Eigen does not fork threads for it when
          // this loop runs serially.
          if (d <= 32) {
            projected.noalias() = centred.lazyProduct(u);
          } else {
            projected.noalias() = centred * u;
          }
        } else {
          projected = centred.array().rowwise() * factors.inverse_std.row(j).array();
        }
        out.block(begin, j, rows, 1) =
            (offset(j) - 0.5 * projected.rowwise().squaredNorm().array()).matrix();
      }
    });
  }
  guard.rethrow();
}

/// Turns weighted log-probabilities (n × K) into log-responsibilities in place (log-sum-exp per
/// row) and writes the per-row log-likelihood log p(x_i) to `row_log_likelihood`.
inline void normalize_log_prob(RowMatrix<double>& log_prob, Vector<double>& row_log_likelihood) {
  const Index n = log_prob.rows();
  row_log_likelihood.resize(n);
  for (Index i = 0; i < n; ++i) {
    const double top = log_prob.row(i).maxCoeff();
    if (!std::isfinite(top)) {
      row_log_likelihood(i) = top;
      continue;
    }
    const double lse = top + std::log((log_prob.row(i).array() - top).exp().sum());
    row_log_likelihood(i) = lse;
    log_prob.row(i).array() -= lse;
  }
}

/// M-step of EM for a Gaussian mixture (Dempster, Laird & Rubin 1977; Bishop 2006 §9.2.2): from
/// responsibilities r (n × K), N_k = Σ_i r_ik, π_k = N_k / n, μ_k = Σ_i r_ik x_i / N_k,
/// Σ_k = Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ / N_k + reg·I (diagonal: the same per coordinate).
/// N_k gets 10·ε added so that an empty component keeps finite parameters (scikit-learn's rule);
/// `reg` keeps every covariance positive definite.
inline void maximization_step(const Eigen::Ref<const RowMatrix<double>>& x,
                              const RowMatrix<double>& resp, bool full, double reg,
                              Vector<double>& weights, RowMatrix<double>& means,
                              std::vector<Matrix<double>>& covariances,
                              RowMatrix<double>& variances) {
  const Index n = x.rows(), d = x.cols(), k = resp.cols();
  const Vector<double> counts =
      (resp.colwise().sum().transpose().array() + 10 * std::numeric_limits<double>::epsilon())
          .matrix();
  weights = counts / counts.sum();
  means.resize(k, d);
  if (full) {
    covariances.resize(static_cast<std::size_t>(k));
  } else {
    variances.resize(k, d);
  }
  // One component per thread: every component's statistics are computed by one thread in row
  // order, so the result does not depend on the thread count (and Eigen's products inside the
  // region stay single-threaded instead of forking for small d).
  [[maybe_unused]] const bool parallel = k > 1 && parallel_worth(n * k * d * (full ? d : 1));
  ParallelGuard guard;  // the centred copies and the covariance products allocate
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
  for (Index j = 0; j < k; ++j) {
    guard.run([&] {
      means.row(j) = (resp.col(j).transpose() * x) / counts(j);
      const RowMatrix<double> centred = x.rowwise() - means.row(j);
      if (full) {
        const RowMatrix<double> weighted = centred.array().colwise() * resp.col(j).array();
        Matrix<double> cov = weighted.transpose() * centred;
        cov /= counts(j);
        // Symmetrise (the product is symmetric only up to rounding) and regularise.
        cov = (0.5 * (cov + cov.transpose())).eval();
        cov.diagonal().array() += reg;
        covariances[static_cast<std::size_t>(j)] = std::move(cov);
      } else {
        variances.row(j) =
            (resp.col(j).transpose() * centred.array().square().matrix()) / counts(j);
        variances.row(j).array() += reg;
      }
    });
  }
  guard.rethrow();
}

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_CLUSTER_GMM_HPP
