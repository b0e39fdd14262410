/// @file
/// The partial correlation ρ(x, y | S) from a correlation matrix (the kernel of Fisher's z test,
/// stats/fisher_z.hpp): a Cholesky solve on the S block, or its pseudo-inverse when the block is
/// numerically singular.
#ifndef HILM_STATS_DETAIL_PARTIAL_CORRELATION_HPP
#define HILM_STATS_DETAIL_PARTIAL_CORRELATION_HPP

#include <algorithm>
#include <cmath>
#include <span>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Relative threshold under which a residual variance (of a unit-variance variable) counts as 0.
inline constexpr double kResidualTolerance = 1e-12;

/// Partial correlation from a correlation matrix with a solver for the S block held in a matrix
/// type whose maximum size is fixed (`Small`) to avoid heap allocation for small |S|.
template <class Small>
double partial_correlation_impl(const Eigen::Ref<const Matrix<double>>& corr, Index x, Index y,
                                std::span<const Index> z) {
  const auto k = static_cast<Index>(z.size());
  Small a(k, k);
  Small b(k, 2);
  for (Index i = 0; i < k; ++i) {
    for (Index j = 0; j < k; ++j) a(i, j) = corr(z[i], z[j]);
    b(i, 0) = corr(z[i], x);
    b(i, 1) = corr(z[i], y);
  }
  Small w(k, 2);
  Eigen::LLT<Small> llt(a);
  bool ok = llt.info() == Eigen::Success;
  if (ok) {
    // Reject a numerically singular block (condition number beyond ~1e12): fall through to the
    // pseudo-inverse so that collinear conditioning sets give the same answer as a basis of S.
    const auto diag = llt.matrixLLT().diagonal();
    ok = diag.minCoeff() > 1e-6 * diag.maxCoeff();
  }
  if (ok) {
    w = llt.solve(b);
  } else {
    Eigen::SelfAdjointEigenSolver<Small> eig(a);
    const auto& values = eig.eigenvalues();
    const double cutoff = 1e-10 * std::max(1.0, values.cwiseAbs().maxCoeff());
    Small inv_values = Small::Zero(k, 1);
    for (Index i = 0; i < k; ++i)
      if (values(i) > cutoff) inv_values(i, 0) = 1.0 / values(i);
    w = eig.eigenvectors() *
        (inv_values.col(0).asDiagonal() * (eig.eigenvectors().transpose() * b));
  }
  const double sxx = 1.0 - b.col(0).dot(w.col(0));
  const double syy = 1.0 - b.col(1).dot(w.col(1));
  const double sxy = corr(x, y) - b.col(0).dot(w.col(1));
  if (!(sxx > kResidualTolerance) || !(syy > kResidualTolerance)) return 0.0;
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace hilm::detail

#endif  // HILM_STATS_DETAIL_PARTIAL_CORRELATION_HPP
