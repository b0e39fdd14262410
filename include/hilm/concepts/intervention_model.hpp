/// @file
/// The intervention-model concept: a trained network hilm can run, read and edit.
///
/// An *intervention model* runs a batch of inputs through a network and, on request, returns the
/// activations of named layers and applies an edit to one layer's activations before the rest
/// of the forward pass continues. That is everything hilm's real-network pipeline needs: extract
/// activations to train sparse autoencoders on, then steer or ablate a learned concept inside the
/// model and read what the output does. hilm ships two (`hilm/models/use_lite.hpp`, a text
/// transformer, and `hilm/models/esrgan.hpp`, an image generator); a user plugs in their own
/// network the same way they plug in an activation source.
///
/// Required members of a model type `M` (checked by the concept `hilm::InterventionModel`):
///
/// | member                                                    | meaning                        |
/// |-----------------------------------------------------------|--------------------------------|
/// | `using Batch = ...;`                                      | the model's input batch type   |
/// | `std::vector<std::string> layer_names() const`            | layers that can be read/edited |
/// | `Index layer_width(std::string_view layer) const`         | columns of a layer's rows      |
/// | `ForwardResult forward(const Batch&, const ForwardRequest&) const` | one forward pass      |
///
/// The contract:
/// 1. A layer's activations are a row matrix: one row per position of the batch (a token of a
///    sentence, a pixel of an image), `layer_width(layer)` columns. The model documents the row
///    order (for a text model: sentence by sentence, token by token).
/// 2. `forward` returns the output rows (for example one sentence embedding per row) and, in
///    the order of `request.record`, the activations of every requested layer. A recorded layer
///    that is also edited is recorded after the edit.
/// 3. If `request.edit` is set, it is called exactly once with the activations of
///    `request.edit_layer` and may change them in place; the pass continues from the edited
///    values. An edit that changes nothing leaves the output bit-identical to a pass without an
///    edit (steering at α = 0 is a no-op).
/// 4. `forward` is deterministic: the same batch and request give the same result, bit for bit.
/// 5. Unknown layer names throw `hilm::invalid_argument` naming the layer.
#ifndef HILM_CONCEPTS_INTERVENTION_MODEL_HPP
#define HILM_CONCEPTS_INTERVENTION_MODEL_HPP

#include <concepts>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// An edit of one layer's activations during a forward pass: called once with the layer's rows,
/// which it may change in place.
using LayerEdit = std::function<void(Eigen::Ref<RowMatrix<float>> activations)>;

/// What a forward pass records and edits.
struct ForwardRequest {
  /// Layers whose activations `forward` returns, in this order.
  std::vector<std::string> record;
  /// The layer `edit` applies to (ignored when `edit` is empty).
  std::string edit_layer;
  /// The edit; empty for an unedited pass.
  LayerEdit edit;
};

/// What a forward pass returns.
struct ForwardResult {
  /// Output rows (for a sentence encoder: one embedding per sentence).
  RowMatrix<float> output;
  /// The recorded layers, in the order of `ForwardRequest::record`.
  std::vector<std::pair<std::string, RowMatrix<float>>> layers;

  /// @returns the recorded activations of `name`.
  /// @throws hilm::invalid_argument if `name` was not recorded.
  [[nodiscard]] const RowMatrix<float>& layer(std::string_view name) const {
    for (const auto& [layer_name, values] : layers) {
      if (layer_name == name) return values;
    }
    throw invalid_argument("ForwardResult::layer: layer '" + std::string(name) +
                           "' was not recorded");
  }
};

/// A network hilm can run, read and edit (see the file comment for the contract).
template <class M>
concept InterventionModel = requires(const M& model, const typename M::Batch& batch,
                                     const ForwardRequest& request, std::string_view layer) {
  typename M::Batch;
  { model.layer_names() } -> std::convertible_to<std::vector<std::string>>;
  { model.layer_width(layer) } -> std::convertible_to<Index>;
  { model.forward(batch, request) } -> std::same_as<ForwardResult>;
};

}  // namespace hilm

#endif  // HILM_CONCEPTS_INTERVENTION_MODEL_HPP
