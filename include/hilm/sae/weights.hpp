/// @file
/// The parameters of a trained sparse autoencoder and inference with them: `encode`, `decode`,
/// `reconstruct`. Independent of training, so a model loaded from disk (SAELens or sparsify
/// layout, see `hilm/sae/saelens.hpp`) is used the same way as one trained by hilm.
#ifndef HILM_SAE_WEIGHTS_HPP
#define HILM_SAE_WEIGHTS_HPP

#include <concepts>
#include <string>

#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/detail/encode.hpp>
#include <hilm/sae/options.hpp>

namespace hilm {

/// Parameters of a sparse autoencoder with d inputs and m latents.
///
/// Model: `pre = (s·x − b_dec·[apply_b_dec_to_input]) · W_encᵀ + b_enc`, `z = σ(pre)`,
/// `x̂ = (z · W_dec + b_dec) / s`, where `s = input_scale` and σ is the architecture's activation:
/// TopK keeps the k largest entries of each row (then ReLU), ReLU is max(0, ·), JumpReLU and
/// BatchTopK keep `pre_j` where `pre_j > threshold_j`.
///
/// Storage is *latent-major*: row j of `w_enc` and of `w_dec` belongs to latent j, so the sparse
/// kernels touch contiguous memory (SAELens stores `W_enc` transposed, d × m).
///
/// @tparam Scalar float or double.
template <std::floating_point Scalar = float>
struct SaeWeights {
  /// The activation used by `encode` (BatchTopK encodes with its global threshold).
  SaeArchitecture architecture = SaeArchitecture::TopK;
  /// Active latents per row for TopK; for BatchTopK the training target (informational).
  Index k = 0;
  /// m × d encoder, latent-major (SAELens `W_enc` transposed).
  RowMatrix<Scalar> w_enc;
  /// Length m encoder bias.
  Vector<Scalar> b_enc;
  /// m × d decoder (SAELens `W_dec`).
  RowMatrix<Scalar> w_dec;
  /// Length d decoder bias, also subtracted from the input when `apply_b_dec_to_input`.
  Vector<Scalar> b_dec;
  /// Length m thresholds (JumpReLU, BatchTopK); empty otherwise.
  Vector<Scalar> threshold;
  /// Inputs are multiplied by this before encoding and outputs divided by it after decoding
  /// (1 once folded into the weights; see `fold_input_scale`).
  Scalar input_scale = 1;
  /// Whether `b_dec` is subtracted from the input before the encoder (SAELens' flag; true for
  /// models trained by hilm).
  bool apply_b_dec_to_input = true;

  /// Number of inputs d.
  [[nodiscard]] Index d_in() const noexcept { return w_dec.cols(); }
  /// Number of latents m.
  [[nodiscard]] Index d_sae() const noexcept { return w_dec.rows(); }

  /// Checks that the shapes agree with each other.
  /// @throws invalid_argument naming the first inconsistent member.
  void check() const {
    const Index m = w_dec.rows();
    const Index d = w_dec.cols();
    auto fail = [&](const std::string& what) {
      detail::raise<invalid_argument>("SaeWeights: " + what + " (d_in = " + std::to_string(d) +
                                      ", d_sae = " + std::to_string(m) + ")");
    };
    if (m < 1 || d < 1) fail("w_dec must be m × d with m, d >= 1");
    if (w_enc.rows() != m || w_enc.cols() != d) {
      fail("w_enc is " + std::to_string(w_enc.rows()) + " × " + std::to_string(w_enc.cols()) +
           ", expected d_sae × d_in");
    }
    if (b_enc.size() != m) fail("b_enc has length " + std::to_string(b_enc.size()));
    if (b_dec.size() != d) fail("b_dec has length " + std::to_string(b_dec.size()));
    const bool thresholded =
        architecture == SaeArchitecture::JumpReLU || architecture == SaeArchitecture::BatchTopK;
    if (thresholded && threshold.size() != m) {
      fail("threshold has length " + std::to_string(threshold.size()) + ", expected d_sae");
    }
    if (architecture == SaeArchitecture::TopK && (k < 1 || k > m)) {
      fail("k = " + std::to_string(k) + " is outside [1, d_sae]");
    }
    if (!(input_scale > 0)) fail("input_scale must be > 0");
  }

  /// Moves `input_scale` into the weights so that the model takes raw inputs with
  /// `input_scale = 1`: W_enc ← s·W_enc, W_dec ← W_dec / s, b_dec ← b_dec / s (codes unchanged).
  void fold_input_scale() {
    if (input_scale == Scalar(1)) return;
    const Scalar s = input_scale;
    w_enc *= s;
    w_dec /= s;
    b_dec /= s;
    input_scale = 1;
  }
};

/// Latent codes of a batch.
/// @param[in] w the model.
/// @param[in] x n × d inputs (rows are samples), any storage order and scalar type convertible
///            to `Scalar`.
/// @returns n × m codes (dense storage; at most k non-zeros per row for TopK).
/// @throws invalid_argument if `x.cols() != w.d_in()`.
template <class Scalar, class Derived>
[[nodiscard]] RowMatrix<Scalar> sae_encode(const SaeWeights<Scalar>& w,
                                           const Eigen::MatrixBase<Derived>& x) {
  if (x.cols() != w.d_in()) {
    detail::raise<invalid_argument>("sae_encode: x has " + std::to_string(x.cols()) +
                                    " columns but the model's d_in is " + std::to_string(w.d_in()));
  }
  RowMatrix<Scalar> z = detail::sae_pre_activations(w, x);
  detail::sae_activate(w, z);
  return z;
}

/// Reconstruction from codes: `(z · W_dec + b_dec) / input_scale`.
/// @param[in] z n × m codes.
/// @returns n × d reconstructions.
/// @throws invalid_argument if `z.cols() != w.d_sae()`.
template <class Scalar, class Derived>
[[nodiscard]] RowMatrix<Scalar> sae_decode(const SaeWeights<Scalar>& w,
                                           const Eigen::MatrixBase<Derived>& z) {
  if (z.cols() != w.d_sae()) {
    detail::raise<invalid_argument>("sae_decode: z has " + std::to_string(z.cols()) +
                                    " columns but the model's d_sae is " +
                                    std::to_string(w.d_sae()));
  }
  RowMatrix<Scalar> x(z.rows(), w.d_in());
  x.noalias() = z.template cast<Scalar>() * w.w_dec;
  x.rowwise() += w.b_dec.transpose();
  if (w.input_scale != Scalar(1)) x /= w.input_scale;
  return x;
}

}  // namespace hilm

#endif  // HILM_SAE_WEIGHTS_HPP
