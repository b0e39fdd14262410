/// @file
/// Implementation of `hilm::testing::ExactRankOracle` (`testing/rank_oracles.hpp`): the canonical
/// correlations between two column sets of a population covariance.
#ifndef HILM_TESTING_DETAIL_CANONICAL_CORRELATIONS_HPP
#define HILM_TESTING_DETAIL_CANONICAL_CORRELATIONS_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Canonical correlations between column sets a and b of a covariance matrix (whitening by
/// Cholesky, singular values of L_a⁻¹ Σ_ab L_b⁻ᵀ; Anderson 2003, §12.2). Collinear columns within
/// a or b are handled by a pivoted decomposition: the sets are first reduced to a basis.
[[nodiscard]] inline Vector<double> canonical_correlations(
    const Eigen::Ref<const Matrix<double>>& cov, std::span<const Index> a,
    std::span<const Index> b) {
  auto block = [&](std::span<const Index> r, std::span<const Index> c) {
    Matrix<double> m(static_cast<Index>(r.size()), static_cast<Index>(c.size()));
    for (std::size_t i = 0; i < r.size(); ++i)
      for (std::size_t j = 0; j < c.size(); ++j)
        m(static_cast<Index>(i), static_cast<Index>(j)) = cov(r[i], c[j]);
    return m;
  };
  // Whitening W with Wᵀ Σ W = I on the range of Σ (eigen-decomposition drops null directions).
  auto whitener = [](const Matrix<double>& s) {
    Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(s);
    const Vector<double> ev = eig.eigenvalues();
    const double top = std::max(ev.maxCoeff(), 0.0);
    std::vector<Index> keep;
    for (Index i = 0; i < ev.size(); ++i)
      if (ev(i) > 1e-10 * top && ev(i) > 0) keep.push_back(i);
    Matrix<double> w(s.rows(), static_cast<Index>(keep.size()));
    for (std::size_t j = 0; j < keep.size(); ++j)
      w.col(static_cast<Index>(j)) = eig.eigenvectors().col(keep[j]) / std::sqrt(ev(keep[j]));
    return w;
  };
  const Matrix<double> wa = whitener(block(a, a));
  const Matrix<double> wb = whitener(block(b, b));
  if (wa.cols() == 0 || wb.cols() == 0) return Vector<double>();
  const Matrix<double> m = wa.transpose() * block(a, b) * wb;
  Eigen::JacobiSVD<Matrix<double>> svd(m);
  return svd.singularValues();
}

}  // namespace hilm::detail

#endif  // HILM_TESTING_DETAIL_CANONICAL_CORRELATIONS_HPP
