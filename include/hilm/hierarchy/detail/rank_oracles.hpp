/// @file
/// Helpers of the rank oracles (`hierarchy/rank_search.hpp`): one-hot code blocks and the
/// canonical correlations of a covariance sub-block.
#ifndef HILM_HIERARCHY_DETAIL_RANK_ORACLES_HPP
#define HILM_HIERARCHY_DETAIL_RANK_ORACLES_HPP

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

// Column blocks of a code matrix: variable v owns columns offset[v] … offset[v] + dim[v] − 1.
struct CodeBlocks {
  std::vector<Index> offset;
  std::vector<Index> dim;

  [[nodiscard]] Index variables() const noexcept { return static_cast<Index>(dim.size()); }
  [[nodiscard]] Index columns() const noexcept {
    return dim.empty() ? 0 : offset.back() + dim.back();
  }
  // The code columns of a set of variables, in the given order.
  [[nodiscard]] std::vector<Index> columns_of(std::span<const Index> vars) const {
    std::vector<Index> out;
    for (Index v : vars) {
      if (v < 0 || v >= variables())
        hilm::detail::raise<invalid_argument>("rank oracle: variable " + std::to_string(v) +
                                              " is out of range [0, " +
                                              std::to_string(variables()) + ")");
      for (Index c = 0; c < dim[static_cast<std::size_t>(v)]; ++c)
        out.push_back(offset[static_cast<std::size_t>(v)] + c);
    }
    return out;
  }
  static CodeBlocks identity(Index p) {
    CodeBlocks b;
    for (Index v = 0; v < p; ++v) {
      b.offset.push_back(v);
      b.dim.push_back(1);
    }
    return b;
  }
  static CodeBlocks from_cardinalities(const std::vector<Index>& cards) {
    CodeBlocks b;
    Index next = 0;
    for (Index c : cards) {
      b.offset.push_back(next);
      b.dim.push_back(c - 1);
      next += c - 1;
    }
    return b;
  }
};

// Canonical correlations between column sets a and b of a covariance matrix (whitening by
// Cholesky, singular values of L_a⁻¹ Σ_ab L_b⁻ᵀ; Anderson 2003, §12.2). Collinear columns within
// a or b are handled by a pivoted decomposition: the sets are first reduced to a basis.
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

#endif  // HILM_HIERARCHY_DETAIL_RANK_ORACLES_HPP
