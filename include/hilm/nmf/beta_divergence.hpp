/// @file
/// The β-divergence family, the losses minimised by multiplicative-update NMF.
///
/// For x, y ≥ 0 (Févotte & Idier 2011, "Algorithms for nonnegative matrix factorization with the
/// β-divergence", Neural Computation 23, eq. 2):
///
///     d_β(x | y) = (x^β + (β − 1) y^β − β x y^(β−1)) / (β (β − 1))   β ∉ {0, 1}
///     d_1(x | y) = x log(x / y) − x + y                              (generalised
///     Kullback–Leibler) d_0(x | y) = x / y − log(x / y) − 1 (Itakura–Saito)
///
/// β = 2 gives ½ (x − y)², half the squared Euclidean distance. The matrix divergence is the sum
/// over entries. Conventions at the boundary: 0 · log 0 = 0; a divergence that is infinite (y = 0 <
/// x with β ≤ 1, or x = 0 with β ≤ 0) is +∞.
#ifndef HILM_NMF_BETA_DIVERGENCE_HPP
#define HILM_NMF_BETA_DIVERGENCE_HPP

#include <cmath>
#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/detail/beta_term.hpp>

namespace hilm {

/// d_β(x | y) for two non-negative scalars (see the file comment for the formula).
/// @param[in] x observed value, ≥ 0.
/// @param[in] y modelled value, ≥ 0.
/// @param[in] beta the β of the family (any finite real).
/// @returns the divergence, ≥ 0, possibly +∞.
/// @throws invalid_argument if x or y is negative or not finite, or beta is not finite.
[[nodiscard]] inline double beta_divergence(double x, double y, double beta) {
  if (!(x >= 0) || !(y >= 0) || !std::isfinite(x) || !std::isfinite(y) || !std::isfinite(beta)) {
    detail::raise<invalid_argument>(
        "beta_divergence: need finite x, y >= 0 and finite beta, got x=" + std::to_string(x) +
        ", y=" + std::to_string(y) + ", beta=" + std::to_string(beta));
  }
  return detail::beta_term(x, y, beta);
}

/// D_β(X | Y) = Σ_ij d_β(X_ij | Y_ij), accumulated in double.
/// @param[in] x m × n non-negative observations.
/// @param[in] y m × n non-negative model.
/// @param[in] beta the β of the family.
/// @returns the summed divergence (possibly +∞).
/// @throws invalid_argument if the shapes differ or an entry is negative or not finite.
template <class DerivedX, class DerivedY>
[[nodiscard]] double beta_divergence(const Eigen::MatrixBase<DerivedX>& x,
                                     const Eigen::MatrixBase<DerivedY>& y, double beta) {
  if (x.rows() != y.rows() || x.cols() != y.cols()) {
    detail::raise<invalid_argument>("beta_divergence: shapes differ (" + std::to_string(x.rows()) +
                                    " x " + std::to_string(x.cols()) + " vs " +
                                    std::to_string(y.rows()) + " x " + std::to_string(y.cols()) +
                                    ")");
  }
  double total = 0;
  for (Index j = 0; j < x.cols(); ++j) {
    for (Index i = 0; i < x.rows(); ++i) {
      total += beta_divergence(static_cast<double>(x(i, j)), static_cast<double>(y(i, j)), beta);
    }
  }
  return total;
}

}  // namespace hilm

#endif  // HILM_NMF_BETA_DIVERGENCE_HPP
