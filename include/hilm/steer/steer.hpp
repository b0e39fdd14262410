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
#include <string_view>
#include <vector>

#include <Eigen/Core>
#include <Eigen/LU>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/weights.hpp>
#include <hilm/steer/detail/hold.hpp>
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
    using detail::invalid_field;
    constexpr std::string_view type = "SteerOptions";
    if (hold_iterations < 1)
      return invalid_field(type, "hold_iterations", "be >= 1", hold_iterations);
    if (!(hold_tolerance >= 0) || !std::isfinite(hold_tolerance)) {
      return invalid_field(type, "hold_tolerance", "be finite and >= 0", hold_tolerance);
    }
    if (batch_rows < 1) return invalid_field(type, "batch_rows", "be >= 1", batch_rows);
    for (Index h : hold) {
      if (h < 0) return invalid_field(type, "hold", "hold latents >= 0", h);
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
      hilm::detail::raise<invalid_argument>(hilm::detail::invalid_field(
          "SteerOptions", "hold", "hold latents in [0, " + std::to_string(m) + ")", h));
    }
    if (std::binary_search(touched.begin(), touched.end(), h)) {
      hilm::detail::raise<invalid_argument>(
          hilm::detail::invalid_field("SteerOptions", "hold", "not contain an edited latent", h));
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
    const detail::HoldOutcome held = detail::hold_codes(
        weights, z, hold, hold_gain, options.hold_tolerance, options.hold_iterations, result.x, r0);
    result.hold_residual = std::max(result.hold_residual, held.residual);
    result.hold_iterations = std::max(result.hold_iterations, held.iterations);
    result.hold_unresolved_rows += held.unresolved_rows;
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
