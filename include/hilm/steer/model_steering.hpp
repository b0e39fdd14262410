/// @file
/// Steering and ablating a concept *inside* a network through its own forward pass, for any
/// `hilm::InterventionModel` (concepts/intervention_model.hpp), and the nearest-neighbour read-out
/// of what the output became.
///
/// - `steering_curve` adds `α · scale · d` (d: a latent's unit decoder direction, scale: the
///   layer's mean activation norm) to every row of a layer, for each α, and returns the outputs.
///   This is activation addition (Turner et al. 2023, "Activation addition: steering language
///   models without optimization") along an SAE decoder direction (Templeton et al. 2024,
///   "Scaling monosemanticity", feature steering).
/// - `ablation_edit` removes a latent's contribution error-preservingly: `x' = x − z_j · d_j`
///   with z the SAE code of x (the SAE's reconstruction error stays in x').
/// - `on_concept_fraction` scores an output row by the share of its `k` nearest (cosine) reference
///   rows that carry a flag (for a sentence encoder: nearest corpus sentences that contain one of
///   the concept's pieces).
///
/// ```cpp
/// hilm::SteeringCurveOptions options{.layer = "layer1", .alphas = {0, 1, 2, 4, 8}, .scale = 57};
/// const auto curve = hilm::steering_curve(model, probes, direction, options);
/// for (std::size_t a = 0; a < curve.outputs.size(); ++a) {
///   const auto f = hilm::on_concept_fraction(curve.outputs[a], corpus_embeddings, has_piece, 10);
/// }
/// ```
#ifndef HILM_STEER_MODEL_STEERING_HPP
#define HILM_STEER_MODEL_STEERING_HPP

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/intervention_model.hpp>
#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/weights.hpp>
#include <hilm/steer/detail/model_steering.hpp>

namespace hilm {

/// Options of `steering_curve`.
struct SteeringCurveOptions {
  /// The layer edited (one of the model's `layer_names()`).
  std::string layer;
  /// Steering strengths, in units of `scale`.
  std::vector<double> alphas{0, 1, 2, 4, 8};
  /// Length of one unit of α in activation units (e.g. the layer's mean row norm, see
  /// `mean_row_norm`).
  double scale = 1;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using detail::invalid_field;
    constexpr std::string_view type = "SteeringCurveOptions";
    if (layer.empty()) return invalid_field(type, "layer", "be non-empty", layer);
    if (alphas.empty()) return invalid_field(type, "alphas", "be non-empty", 0);
    for (const double a : alphas) {
      if (!std::isfinite(a)) return invalid_field(type, "alphas", "hold finite values", a);
    }
    if (!(scale > 0 && std::isfinite(scale))) {
      return invalid_field(type, "scale", "be finite and > 0", scale);
    }
    return std::nullopt;
  }
};

/// Result of `steering_curve`.
struct SteeringCurve {
  /// The unedited model's output.
  RowMatrix<float> unsteered;
  /// The output at each α, in the order of `alphas`.
  std::vector<RowMatrix<float>> outputs;
  /// Whether the output at α = 0 (when listed) equals `unsteered` bit for bit; true when α = 0
  /// is not listed.
  bool zero_alpha_identical = true;
};

/// Mean Euclidean norm of the rows of `x` (0 for no rows).
template <class Derived>
[[nodiscard]] double mean_row_norm(const Eigen::MatrixBase<Derived>& x) {
  if (x.rows() == 0) return 0;
  return x.template cast<double>().rowwise().norm().mean();
}

/// An edit adding `amount · direction` to every row of a layer.
/// @throws invalid_argument (when called) if the layer width differs from the direction's size.
[[nodiscard]] inline LayerEdit add_direction_edit(Vector<float> direction, double amount) {
  return detail::AddDirection{std::move(direction), static_cast<float>(amount)};
}

/// An error-preserving ablation of `latent`: every row x becomes `x − z_j(x) · d_j` with
/// `z = sae_encode(weights, x)` and `d_j` the latent's decoder row in input units.
/// @throws invalid_argument if `latent` is out of range (at once), or (when called) if the layer
///         width differs from the SAE's `d_in`.
template <class Scalar>
[[nodiscard]] LayerEdit ablation_edit(const SaeWeights<Scalar>& weights, Index latent) {
  if (latent < 0 || latent >= weights.d_sae()) {
    detail::raise<invalid_argument>("ablation_edit: latent " + std::to_string(latent) +
                                    " is outside [0, " + std::to_string(weights.d_sae()) + ")");
  }
  return detail::AblateLatent<Scalar>{weights, latent};
}

/// Runs `batch` unedited and once per α with `add_direction_edit(unit(direction), α · scale)`
/// applied to `options.layer`.
/// @param[in] direction the steering direction (normalised to unit length here).
/// @throws invalid_argument on invalid options, a zero or non-finite direction, an unknown layer
///         or a direction whose size is not the layer's width.
template <InterventionModel M>
[[nodiscard]] SteeringCurve steering_curve(const M& model, const typename M::Batch& batch,
                                           const Eigen::Ref<const Vector<float>>& direction,
                                           const SteeringCurveOptions& options) {
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
  const Vector<float> unit =
      detail::checked_unit(direction, model.layer_width(options.layer), options.layer);
  SteeringCurve out;
  out.unsteered = model.forward(batch, ForwardRequest{}).output;
  for (const double alpha : options.alphas) {
    ForwardRequest request;
    request.edit_layer = options.layer;
    request.edit = add_direction_edit(unit, alpha * options.scale);
    out.outputs.push_back(model.forward(batch, request).output);
    if (alpha == 0) {
      const auto& y = out.outputs.back();
      out.zero_alpha_identical =
          out.zero_alpha_identical && detail::bit_identical(y, out.unsteered);
    }
  }
  return out;
}

/// Per row of `queries`: the share of its `k` nearest rows of `reference` (by cosine) whose
/// `flags` entry is true. `exclude[i]` (when given, -1 for none) is a reference row left out for
/// query i (the query's own sentence).
/// @throws invalid_argument if the widths differ, `flags.size() != reference.rows()`, `k` is not in
///         [1, reference rows] or `exclude` has the wrong size.
[[nodiscard]] inline std::vector<double> on_concept_fraction(
    const Eigen::Ref<const RowMatrix<float>>& queries,
    const Eigen::Ref<const RowMatrix<float>>& reference, const std::vector<bool>& flags, Index k,
    const std::vector<Index>& exclude = {}) {
  return detail::nearest_flag_fraction(queries, reference, flags, k, exclude);
}

}  // namespace hilm

#endif  // HILM_STEER_MODEL_STEERING_HPP
