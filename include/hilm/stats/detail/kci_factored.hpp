/// @file
/// The KCI statistic and its gamma / spectral null from low-rank factors of the centred kernels,
/// without forming an n × n matrix.
///
/// With centred kernels K̃ = L Lᵀ (L n × r, from a pivoted Cholesky factorisation) and
/// Rz = ε (K̃z + εI)⁻¹ = I − Lz (εI + LzᵀLz)⁻¹ Lzᵀ (Sherman–Morrison–Woodbury identity; Golub &
/// Van Loan, *Matrix Computations*, 4th ed., §2.1.4), the residualised kernels are
/// K̃x|z = Mx Mxᵀ with Mx = Rz Lx, so
///   - the statistic Σ K̃x|z ∘ K̃y|z = tr(K̃x|z K̃y|z) = ‖Mxᵀ My‖²_F;
///   - the eigenpairs of Mx Mxᵀ come from the r × r matrix MxᵀMx = U Λ Uᵀ (the eigenvectors are
///     Mx U Λ^{-1/2}), so the truncation K̂x = Σ_{λ > t·λmax} λ v vᵀ equals Fx Fxᵀ with
///     Fx = Mx U_kept (n × kx);
///   - W = K̂x ∘ K̂y = Φ Φᵀ where row a of Φ is Fx[a, :] ⊗ Fy[a, :] (causal-learn's `uu`), so
///     tr W = Σ_a ‖Fx[a, :]‖² ‖Fy[a, :]‖², ‖W‖²_F = ‖ΦᵀΦ‖²_F and the non-zero eigenvalues of W are
///     those of ΦᵀΦ (kx·ky square). When kx·ky is large, ‖W‖²_F is accumulated over column blocks
///     of W instead (O(n²(kx + ky)) flops, O(n·block) memory).
#ifndef HILM_STATS_DETAIL_KCI_FACTORED_HPP
#define HILM_STATS_DETAIL_KCI_FACTORED_HPP

#include <algorithm>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Subtracts the column means: the factor of H K H (H = I − 11ᵀ/n) from a factor of K.
inline void center_factor(Matrix<double>& l) {
  if (l.cols() == 0 || l.rows() == 0) return;
  const RowVector<double> mean = l.colwise().mean();
  l.rowwise() -= mean;
}

/// Applies Rz = ε (Lz Lzᵀ + εI)⁻¹ to the columns of `l` (n × r) through the Woodbury identity.
inline Matrix<double> regress_out(const Matrix<double>& lz, double epsilon,
                                  const Matrix<double>& l) {
  if (lz.cols() == 0) return l;
  Matrix<double> g = Matrix<double>::Zero(lz.cols(), lz.cols());
  g.selfadjointView<Eigen::Lower>().rankUpdate(lz.transpose());
  g.diagonal().array() += epsilon;  // εI + LzᵀLz: eigenvalues ≥ ε, so Cholesky cannot fail
  const Eigen::LLT<Matrix<double>, Eigen::Lower> llt(g);
  Matrix<double> t = lz.transpose() * l;
  llt.solveInPlace(t);
  Matrix<double> out = l;
  out.noalias() -= lz * t;
  return out;
}

/// Gram matrix MᵀM (r × r), full symmetric.
inline Matrix<double> gram(const Matrix<double>& m) {
  Matrix<double> g = Matrix<double>::Zero(m.cols(), m.cols());
  g.selfadjointView<Eigen::Lower>().rankUpdate(m.transpose());
  return g.selfadjointView<Eigen::Lower>();
}

/// F (n × k) with F Fᵀ = Σ_{λ > relative·λmax} λ v vᵀ over the eigenpairs of M Mᵀ (M n × r);
/// no columns when M Mᵀ has no positive eigenvalue.
inline Matrix<double> truncated_factor(const Matrix<double>& m, double relative) {
  if (m.cols() == 0) return Matrix<double>(m.rows(), 0);
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(gram(m));
  const Vector<double>& values = eig.eigenvalues();  // increasing
  const Index r = values.size();
  const double top = values(r - 1);
  Index k = 0;
  if (top > 0)
    while (k < r && values(r - 1 - k) > relative * top) ++k;
  return m * eig.eigenvectors().rightCols(k);
}

/// tr W, ‖W‖²_F and (optionally) the eigenvalues of W = (Fx Fxᵀ) ∘ (Fy Fyᵀ) that can be non-zero,
/// in increasing order.
struct HadamardMoments {
  double trace = 0.0;         ///< tr W
  double squared_norm = 0.0;  ///< ‖W‖²_F
  Vector<double> spectrum;    ///< eigenvalues (increasing), only when requested
};

/// Moments of W = (Fx Fxᵀ) ∘ (Fy Fyᵀ) for Fx n × kx, Fy n × ky (see the file comment).
inline HadamardMoments hadamard_moments(const Matrix<double>& fx, const Matrix<double>& fy,
                                        bool want_spectrum) {
  HadamardMoments out;
  const Index n = fx.rows(), kx = fx.cols(), ky = fy.cols();
  out.trace = (fx.rowwise().squaredNorm().array() * fy.rowwise().squaredNorm().array()).sum();
  if (kx == 0 || ky == 0) {
    out.spectrum.resize(0);
    return out;
  }
  const double k = static_cast<double>(kx) * static_cast<double>(ky);
  const double nn = static_cast<double>(n);
  // Flops: ΦᵀΦ costs n·k²/2 (+ k³ for its spectrum); the blocked sum costs n²(kx + ky)
  // (+ n³ for the spectrum of W).
  const bool kron =
      want_spectrum ? k <= nn : 0.5 * nn * k * k <= nn * nn * static_cast<double>(kx + ky);
  if (kron) {
    Matrix<double> phi(n, kx * ky);
    for (Index i = 0; i < kx; ++i)
      for (Index j = 0; j < ky; ++j) phi.col(i * ky + j) = fx.col(i).cwiseProduct(fy.col(j));
    const Matrix<double> g = gram(phi);
    out.squared_norm = g.squaredNorm();
    if (want_spectrum) {
      const Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(g, Eigen::EigenvaluesOnly);
      out.spectrum = eig.eigenvalues();
    }
    return out;
  }
  if (want_spectrum) {
    Matrix<double> w = fx * fx.transpose();
    w.array() *= (fy * fy.transpose()).array();
    out.squared_norm = w.squaredNorm();
    const Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(w, Eigen::EigenvaluesOnly);
    out.spectrum = eig.eigenvalues();
    return out;
  }
  constexpr Index kBlock = 256;
  Matrix<double> px, py;
  for (Index j0 = 0; j0 < n; j0 += kBlock) {
    const Index b = std::min(kBlock, n - j0);
    px.noalias() = fx * fx.middleRows(j0, b).transpose();
    py.noalias() = fy * fy.middleRows(j0, b).transpose();
    out.squared_norm += (px.array() * py.array()).square().sum();
  }
  return out;
}

}  // namespace hilm::detail

#endif  // HILM_STATS_DETAIL_KCI_FACTORED_HPP
