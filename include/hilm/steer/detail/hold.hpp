/// @file
/// The arithmetic of `intervene` (hilm/steer/steer.hpp): moving inputs along decoder directions,
/// and *holding* latents — correcting the steered inputs along the held latents' decoder
/// directions until re-encoding gives them back their original codes (Newton steps on their
/// pre-activations with the gain matrix `G(a, b) = W_enc,h_a · W_dec,h_b`); and the NaN/Inf
/// check of the inputs.
#ifndef HILM_STEER_DETAIL_HOLD_HPP
#define HILM_STEER_DETAIL_HOLD_HPP

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Eigen/LU>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/detail/encode.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm::detail {

/// x.middleRows(r0, rows) += dz · W_dec restricted to `latents` / input_scale (dz: rows × m).
template <class Scalar>
void add_along_decoder(const SaeWeights<Scalar>& w, const RowMatrix<Scalar>& dz,
                       const std::vector<Index>& latents, RowMatrix<Scalar>& x, Index r0) {
  const Index rows = dz.rows();
  const Scalar inv_scale = Scalar(1) / w.input_scale;
  for (Index j : latents) {
    for (Index r = 0; r < rows; ++r) {
      const Scalar c = dz(r, j);
      if (c == Scalar(0)) continue;  // keeps unedited rows bit-identical
      x.row(r0 + r) += (c * inv_scale) * w.w_dec.row(j);
    }
  }
}

/// LU of the held latents' gain matrix G(a, b) = W_enc,h_a · W_dec,h_b: moving the input by
/// `Σ_b c_b W_dec,h_b / input_scale` changes the pre-activation of h_a by `(G c)_a`.
template <class Scalar>
Eigen::PartialPivLU<Matrix<double>> hold_gain_solver(const SaeWeights<Scalar>& w,
                                                     const std::vector<Index>& hold) {
  const Index h = static_cast<Index>(hold.size());
  Matrix<double> gain = Matrix<double>::Identity(std::max<Index>(h, 1), std::max<Index>(h, 1));
  for (Index a = 0; a < h; ++a) {
    for (Index b = 0; b < h; ++b) {
      gain(a, b) = w.w_enc.row(hold[static_cast<std::size_t>(a)])
                       .template cast<double>()
                       .dot(w.w_dec.row(hold[static_cast<std::size_t>(b)]).template cast<double>());
    }
  }
  return Eigen::PartialPivLU<Matrix<double>>(gain);
}

/// What `hold_codes` did to one block of rows.
struct HoldOutcome {
  /// Largest |re-encoded − original| code of a held latent after the last correction.
  double residual = 0;
  /// Corrections applied.
  int iterations = 0;
  /// Rows in which some held code is still further than the tolerance from its original value.
  Index unresolved_rows = 0;
};

/// Corrects rows [r0, r0 + z.rows()) of `x` along the held latents' decoder directions until
/// re-encoding gives them their original codes `z` within `tolerance`, or `max_iterations`
/// corrections were made (Newton steps on the pre-activations, exact in one step while no latent
/// enters or leaves the active set).
template <class Scalar>
HoldOutcome hold_codes(const SaeWeights<Scalar>& w, const RowMatrix<Scalar>& z,
                       const std::vector<Index>& hold,
                       const Eigen::PartialPivLU<Matrix<double>>& gain, double tolerance,
                       int max_iterations, RowMatrix<Scalar>& x, Index r0) {
  const Index rows = z.rows();
  const Index h = static_cast<Index>(hold.size());
  // Without an invertible gain (duplicated held directions) fall back to plain steps.
  const bool newton = std::abs(gain.determinant()) > 1e-12;
  Matrix<double> residual(h, rows);
  RowMatrix<Scalar> step = RowMatrix<Scalar>::Zero(rows, w.d_sae());
  for (int it = 0;; ++it) {
    const RowMatrix<Scalar> pre = hilm::detail::sae_pre_activations(w, x.middleRows(r0, rows));
    RowMatrix<Scalar> codes = pre;
    hilm::detail::sae_activate(w, codes);
    double worst = 0;
    std::vector<char> off(static_cast<std::size_t>(rows), 0);
    for (Index a = 0; a < h; ++a) {
      const Index l = hold[static_cast<std::size_t>(a)];
      for (Index r = 0; r < rows; ++r) {
        const double target = static_cast<double>(z(r, l));
        const double now = static_cast<double>(codes(r, l));
        worst = std::max(worst, std::abs(target - now));
        if (std::abs(target - now) > tolerance) off[static_cast<std::size_t>(r)] = 1;
        // Active before: bring the pre-activation to the code (code = pre when active, for
        // every architecture). Silent before: push a code that appeared back down to zero.
        residual(a, r) = target != 0 ? target - static_cast<double>(pre(r, l)) : -now;
      }
    }
    if (worst <= tolerance || it == max_iterations) {
      return {worst, it, static_cast<Index>(std::count(off.begin(), off.end(), char(1)))};
    }
    const Matrix<double> c = newton ? Matrix<double>(gain.solve(residual)) : residual;
    for (Index a = 0; a < h; ++a) {
      step.col(hold[static_cast<std::size_t>(a)]) = c.row(a).transpose().template cast<Scalar>();
    }
    add_along_decoder(w, step, hold, x, r0);
  }
}

/// Throws if an entry of `x` is not finite.
template <class Derived>
void check_finite_input(const Eigen::MatrixBase<Derived>& x, const char* function) {
  for (Index i = 0; i < x.rows(); ++i) {
    for (Index j = 0; j < x.cols(); ++j) {
      if (!std::isfinite(static_cast<double>(x(i, j)))) {
        hilm::detail::raise<invalid_argument>(std::string(function) +
                                              ": x has a non-finite value at row " +
                                              std::to_string(i) + ", column " + std::to_string(j));
      }
    }
  }
}

}  // namespace hilm::detail

#endif  // HILM_STEER_DETAIL_HOLD_HPP
