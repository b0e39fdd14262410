/// @file
/// Steering with sparse-autoencoder latents: `intervene` edits the codes of a batch of inputs
/// (ablate, scale, clamp, add; see `hilm/steer/edit.hpp`) and maps the edit back to input space.
///
/// Error preserving by default (the SAE's reconstruction error is kept, as in Templeton et al.
/// 2024, "Scaling Monosemanticity", §"Feature steering"):
///
///     x' = decode(z') + (x − decode(z)),   z = encode(x), z' = edits(z),
///
/// computed as `x' = x + (z' − z) · W_dec / input_scale`, which is the same expression with
/// `b_dec` cancelled — so `x' == x` bit for bit when no code changes. Only the edited latents move
/// the input, each along its own decoder direction.
///
/// ```cpp
/// hilm::SaeWeights<float> w = hilm::load_sae<float>("my_sae");   // or sae.weights()
/// auto result = hilm::intervene(w, x, {{.latent = 7, .mode =
/// hilm::EditMode::Ablate}}); hilm::RowMatrix<float> x2 = result.x; // n × d, latent 7
/// removed
/// ```
///
/// Hierarchical steering along a concept graph is `hilm/steer/hierarchical.hpp`; the side-effect
/// report (what else moved) is `hilm/steer/side_effects.hpp`.
#ifndef HILM_STEER_STEER_HPP
#define HILM_STEER_STEER_HPP

#include <algorithm>
#include <cmath>
#include <concepts>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Eigen/LU>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/weights.hpp>
#include <hilm/steer/edit.hpp>

namespace hilm {

/// Options of `intervene`. Aggregate: `SteerOptions{.preserve_error = false}`.
struct SteerOptions {
  /// Keep the SAE's reconstruction error: `x' = decode(z') + (x − decode(z))` (default). When
  /// false, return the plain reconstruction of the edited codes, `x' = decode(z')`, which also
  /// replaces everything the SAE does not explain.
  bool preserve_error = true;
  /// Latents whose codes are *held*: after the edit, inputs are corrected along these latents'
  /// decoder directions until re-encoding `x'` gives them back their original codes (Newton
  /// steps on their pre-activations, `hold_iterations` at most). Use it to keep related
  /// latents (siblings in a concept graph) where they were while another latent is edited, when
  /// the encoder would otherwise let the edit leak into them. Must not contain an edited latent.
  std::vector<Index> hold{};
  /// Most corrections of the held latents (ignored when `hold` is empty); >= 1.
  int hold_iterations = 10;
  /// The hold iteration stops once every held code is within this of its original value
  /// (absolute, code units); >= 0.
  double hold_tolerance = 1e-4;
  /// Rows encoded at a time (bounds the n × m code buffer); >= 1.
  Index batch_rows = 4096;
  /// Reject inputs with NaN or Inf (invalid_argument naming row and column).
  bool check_finite = false;

  /// Checks the options that do not depend on the model.
  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (hold_iterations < 1) {
      return "SteerOptions::hold_iterations must be >= 1, got " + std::to_string(hold_iterations);
    }
    if (!(hold_tolerance >= 0) || !std::isfinite(hold_tolerance)) {
      return "SteerOptions::hold_tolerance must be finite and >= 0, got " +
             std::to_string(hold_tolerance);
    }
    if (batch_rows < 1) {
      return "SteerOptions::batch_rows must be >= 1, got " + std::to_string(batch_rows);
    }
    for (Index h : hold) {
      if (h < 0) return "SteerOptions::hold contains a negative latent " + std::to_string(h);
    }
    return std::nullopt;
  }
};

/// Outcome of `intervene`.
/// @tparam Scalar the model's scalar type.
template <class Scalar>
struct SteerResult {
  /// n × d steered inputs.
  RowMatrix<Scalar> x;
  /// Rows in which at least one code was changed by the edits.
  Index changed_rows = 0;
  /// Corrections applied for `SteerOptions::hold` (0 when nothing is held or nothing leaked).
  int hold_iterations = 0;
  /// Largest |re-encoded − original| code of a held latent after the last correction (0 when
  /// nothing is held). Above `hold_tolerance` the hold did not converge (e.g. the top-k set
  /// changed back and forth); the inputs are still the last corrected ones.
  double hold_residual = 0;
  /// Rows in which some held code is still further than `hold_tolerance` from its original
  /// value after the last correction (e.g. with TopK, when the edit let another latent take a
  /// held latent's place in the top k, which no move along the held directions undoes).
  Index hold_unresolved_rows = 0;
};

/// A fitted model that exposes its weights through `weights()` returning a `SaeWeights`, such
/// as `hilm::SparseAutoencoder<Scalar>`.
template <class Model>
concept SaeModel = requires(const Model& model) {
  model.weights().w_dec;
  model.weights().check();
};

namespace detail {

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

/// Corrects rows [r0, r0 + z.rows()) of `result.x` along the held latents' decoder directions
/// until re-encoding gives them their original codes `z` (Newton steps on the pre-activations,
/// exact in one step while no latent enters or leaves the active set).
template <class Scalar>
void hold_codes(const SaeWeights<Scalar>& w, const RowMatrix<Scalar>& z,
                const std::vector<Index>& hold, const Eigen::PartialPivLU<Matrix<double>>& gain,
                const SteerOptions& options, SteerResult<Scalar>& result, Index r0) {
  const Index rows = z.rows();
  const Index h = static_cast<Index>(hold.size());
  // Without an invertible gain (duplicated held directions) fall back to plain steps.
  const bool newton = std::abs(gain.determinant()) > 1e-12;
  Matrix<double> residual(h, rows);
  RowMatrix<Scalar> step = RowMatrix<Scalar>::Zero(rows, w.d_sae());
  for (int it = 0;; ++it) {
    const RowMatrix<Scalar> pre =
        hilm::detail::sae_pre_activations(w, result.x.middleRows(r0, rows));
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
        if (std::abs(target - now) > options.hold_tolerance) off[static_cast<std::size_t>(r)] = 1;
        // Active before: bring the pre-activation to the code (code = pre when active, for
        // every architecture). Silent before: push a code that appeared back down to zero.
        residual(a, r) = target != 0 ? target - static_cast<double>(pre(r, l)) : -now;
      }
    }
    if (worst <= options.hold_tolerance || it == options.hold_iterations) {
      result.hold_residual = std::max(result.hold_residual, worst);
      result.hold_iterations = std::max(result.hold_iterations, it);
      result.hold_unresolved_rows += std::count(off.begin(), off.end(), char(1));
      return;
    }
    const Matrix<double> c = newton ? Matrix<double>(gain.solve(residual)) : residual;
    for (Index a = 0; a < h; ++a) {
      step.col(hold[static_cast<std::size_t>(a)]) = c.row(a).transpose().template cast<Scalar>();
    }
    add_along_decoder(w, step, hold, result.x, r0);
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

}  // namespace detail

/// Edits the latent codes of a batch of inputs and returns the steered inputs.
///
/// Per row: `z = encode(x)`, `z' = apply_edits(z, edits)`, then
/// `x' = x + (z' − z) · W_dec / input_scale` (error preserving, the default) or
/// `x' = decode(z')` (`preserve_error = false`). With `options.hold`, `x'` is then corrected
/// along the held latents' decoder directions until re-encoding gives them back their original
/// codes: Newton steps on their pre-activations with the gain matrix
/// `G(a, b) = W_enc,h_a · W_dec,h_b` (exact in one step while no latent enters or leaves the
/// active set; at most `hold_iterations` steps).
///
/// @param[in] weights the model (`SaeWeights`: trained by hilm or loaded from disk).
/// @param[in] x n × d inputs (rows are samples), any storage order and scalar type.
/// @param[in] edits edits applied in list order; latents in [0, m).
/// @param[in] options see `SteerOptions`.
/// @returns the steered n × d inputs and hold diagnostics.
/// @throws invalid_argument if the weights are inconsistent, `x.cols() != d_in`, an edit or an
///         option is invalid, a latent is both edited and held, or (with `check_finite`) `x` has
///         NaN/Inf.
/// Complexity: one encode of x (O(n·m·d)), plus O(n·|edits|·d), plus one encode per hold
/// correction.
template <class Scalar, class Derived>
[[nodiscard]] SteerResult<Scalar> intervene(const SaeWeights<Scalar>& weights,
                                            const Eigen::MatrixBase<Derived>& x,
                                            std::span<const Edit> edits,
                                            const SteerOptions& options = {}) {
  weights.check();
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  const Index m = weights.d_sae();
  if (x.cols() != weights.d_in()) {
    hilm::detail::raise<invalid_argument>("intervene: x has " + std::to_string(x.cols()) +
                                          " columns but the model's d_in is " +
                                          std::to_string(weights.d_in()));
  }
  check_edits(edits, m);
  const std::vector<Index> touched = edited_latents(edits);
  std::vector<Index> hold = options.hold;
  std::sort(hold.begin(), hold.end());
  hold.erase(std::unique(hold.begin(), hold.end()), hold.end());
  for (Index h : hold) {
    if (h >= m) {
      hilm::detail::raise<invalid_argument>("SteerOptions::hold: latent " + std::to_string(h) +
                                            " is outside [0, " + std::to_string(m) + ")");
    }
    if (std::binary_search(touched.begin(), touched.end(), h)) {
      hilm::detail::raise<invalid_argument>("SteerOptions::hold: latent " + std::to_string(h) +
                                            " is also edited");
    }
  }
  if (options.check_finite) detail::check_finite_input(x, "intervene");

  const auto hold_gain = detail::hold_gain_solver(weights, hold);
  SteerResult<Scalar> result;
  result.x = x.template cast<Scalar>();
  const Index n = result.x.rows();
  for (Index r0 = 0; r0 < n; r0 += options.batch_rows) {
    const Index rows = std::min(options.batch_rows, n - r0);
    const RowMatrix<Scalar> z = sae_encode(weights, result.x.middleRows(r0, rows));
    RowMatrix<Scalar> dz = z;
    apply_edits(dz, edits);
    dz -= z;
    for (Index r = 0; r < rows; ++r) {
      bool changed = false;
      for (Index j : touched) changed = changed || dz(r, j) != Scalar(0);
      if (changed) ++result.changed_rows;
    }
    if (options.preserve_error) {
      detail::add_along_decoder(weights, dz, touched, result.x, r0);
    } else {
      RowMatrix<Scalar> edited = z + dz;
      result.x.middleRows(r0, rows) = sae_decode(weights, edited);
    }
    if (hold.empty()) continue;
    detail::hold_codes(weights, z, hold, hold_gain, options, result, r0);
  }
  return result;
}

/// `intervene` with an initializer list of edits: `intervene(w, x, {{.latent = 3}})`.
template <class Scalar, class Derived>
[[nodiscard]] SteerResult<Scalar> intervene(const SaeWeights<Scalar>& weights,
                                            const Eigen::MatrixBase<Derived>& x,
                                            std::initializer_list<Edit> edits,
                                            const SteerOptions& options = {}) {
  return intervene(weights, x, std::span<const Edit>(edits.begin(), edits.size()), options);
}

/// `intervene` on a fitted model object (e.g. `SparseAutoencoder<Scalar>`): uses
/// `model.weights()` (its `input_scale` applies).
/// @throws invalid_argument as the weights overload (an unfitted model has empty weights).
template <SaeModel Model, class Derived>
[[nodiscard]] auto intervene(const Model& model, const Eigen::MatrixBase<Derived>& x,
                             std::span<const Edit> edits, const SteerOptions& options = {}) {
  return intervene(model.weights(), x, edits, options);
}

}  // namespace hilm

#endif  // HILM_STEER_STEER_HPP
