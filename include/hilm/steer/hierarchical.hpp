/// @file
/// Hierarchical steering along a concept graph (Kong et al. 2025, "causal minimality": each
/// upper-level concept is a function of a few lower-level latents, its *parents*, and the arrows
/// point up). Two directions:
///
/// - **down** (`intervene_upper`): an edit of an upper concept u is carried out on the lower
///   latents it depends on — the same edit (mode and value) applied to every parent of u;
/// - **up** (`intervene_lower`): an edit of one lower latent l that holds its *siblings* (the other
///   parents of every upper concept l belongs to) at their current codes, so that the change
///   reaching the upper concepts comes from l alone.
///
/// The graph is a plain `ConceptLinks` (upper concept → its lower parents), such as the parent sets
/// found between two levels of SAE codes (`hilm concepts`).
///
/// ```cpp
/// hilm::ConceptLinks links{{{0, 3, 5}, {5, 9}}};        // u0 ← {0,3,5}, u1 ← {5,9}
/// auto down = hilm::intervene_upper(w, x, links, {.latent = 0, .mode = EditMode::Ablate});
/// auto up = hilm::intervene_lower(w, x, links,         // edit 5, hold 0, 3 and 9
///                                        {.latent = 5, .mode = EditMode::Scale, .value = 2});
/// ```
#ifndef HILM_STEER_HIERARCHICAL_HPP
#define HILM_STEER_HIERARCHICAL_HPP

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/weights.hpp>
#include <hilm/steer/edit.hpp>
#include <hilm/steer/steer.hpp>

namespace hilm {

/// Links between two levels of concepts: `parents_of_upper[u]` lists the lower-level latents
/// (0-based columns of the lower level's codes, i.e. SAE latents) that upper concept u depends on.
/// Aggregate: `ConceptLinks{{{0, 1}, {1, 2, 3}}}`.
struct ConceptLinks {
  /// One list per upper concept: the indices of its lower-level parents (order and repeats do
  /// not matter).
  std::vector<std::vector<Index>> parents_of_upper{};

  /// Number of upper concepts.
  [[nodiscard]] Index upper_count() const noexcept {
    return static_cast<Index>(parents_of_upper.size());
  }

  /// Checks every parent index against a lower level of `lower_latents` latents.
  /// @returns a message naming the upper concept and the bad index, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate(Index lower_latents) const {
    for (std::size_t u = 0; u < parents_of_upper.size(); ++u) {
      for (Index l : parents_of_upper[u]) {
        if (l < 0 || l >= lower_latents) {
          return hilm::detail::invalid_field(
              "ConceptLinks", "parents_of_upper[" + std::to_string(u) + "]",
              "hold latents in [0, " + std::to_string(lower_latents) + ")", l);
        }
      }
    }
    return std::nullopt;
  }
};

/// The distinct parents of upper concept `upper`, in increasing order.
/// @throws invalid_argument if `upper` is outside [0, links.upper_count()).
[[nodiscard]] inline std::vector<Index> parents_of(const ConceptLinks& links, Index upper) {
  if (upper < 0 || upper >= links.upper_count()) {
    hilm::detail::raise<invalid_argument>("parents_of: upper concept " + std::to_string(upper) +
                                          " is outside [0, " + std::to_string(links.upper_count()) +
                                          ")");
  }
  std::vector<Index> out = links.parents_of_upper[static_cast<std::size_t>(upper)];
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// The upper concepts that lower latent `lower` is a parent of, in increasing order.
[[nodiscard]] inline std::vector<Index> children_of(const ConceptLinks& links, Index lower) {
  std::vector<Index> out;
  for (Index u = 0; u < links.upper_count(); ++u) {
    const auto& p = links.parents_of_upper[static_cast<std::size_t>(u)];
    if (std::find(p.begin(), p.end(), lower) != p.end()) out.push_back(u);
  }
  return out;
}

/// The siblings of lower latent `lower`: every other parent of every upper concept that `lower`
/// is a parent of, distinct, in increasing order (empty when `lower` has no upper concept).
[[nodiscard]] inline std::vector<Index> siblings_of(const ConceptLinks& links, Index lower) {
  std::vector<Index> out;
  for (Index u : children_of(links, lower)) {
    for (Index l : links.parents_of_upper[static_cast<std::size_t>(u)]) {
      if (l != lower) out.push_back(l);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Translates an edit of an upper concept into edits of the lower latents.
///
/// Rule: every distinct parent l of `upper_edit.latent` receives the same mode and value —
/// ablating a concept ablates all its parts, scaling it by v scales each part by v, clamping it
/// to v clamps each part to v, adding v adds v to each part's code. (For an upper concept that is
/// a conjunction of its parents, one ablated parent would already switch it off; ablating all of
/// them also removes the parts' own contribution to the input, which is what "remove the concept"
/// means for steering.)
/// @param[in] links the concept graph.
/// @param[in] upper_edit an edit whose `latent` is the index of an upper concept.
/// @returns one edit per parent, in increasing latent order (empty for a concept with no parent).
/// @throws invalid_argument if the upper index is out of range or the value is not finite.
[[nodiscard]] inline std::vector<Edit> propagate_edit(const ConceptLinks& links,
                                                      const Edit& upper_edit) {
  if (auto problem = upper_edit.validate(links.upper_count())) {
    hilm::detail::raise<invalid_argument>(*problem);
  }
  std::vector<Edit> out;
  for (Index l : parents_of(links, upper_edit.latent)) {
    out.push_back(Edit{.latent = l, .mode = upper_edit.mode, .value = upper_edit.value});
  }
  return out;
}

/// Steers by editing an upper concept: `intervene` with `propagate_edit(links, upper_edit)`.
/// @param[in] weights the lower level's SAE (m latents).
/// @param[in] x n × d inputs.
/// @param[in] links concept graph whose parent indices are latents of `weights`.
/// @param[in] upper_edit edit of upper concept `upper_edit.latent`.
/// @param[in] options as `intervene` (e.g. `hold` other latents).
/// @returns as `intervene`.
/// @throws invalid_argument if the links do not fit the model, or as `intervene`.
template <class Scalar, class Derived>
[[nodiscard]] SteerResult<Scalar> intervene_upper(const SaeWeights<Scalar>& weights,
                                                  const Eigen::MatrixBase<Derived>& x,
                                                  const ConceptLinks& links, const Edit& upper_edit,
                                                  const SteerOptions& options = {}) {
  if (auto problem = links.validate(weights.d_sae())) {
    hilm::detail::raise<invalid_argument>(*problem);
  }
  const std::vector<Edit> edits = propagate_edit(links, upper_edit);
  return intervene(weights, x, std::span<const Edit>(edits), options);
}

/// Steers one lower latent while holding its siblings: `intervene` with the single `edit` and
/// `options.hold` extended by `siblings_of(links, edit.latent)`. Re-encoding the result gives the
/// siblings their original codes (to `hold_tolerance`, see `SteerResult::hold_residual`), so an
/// upper concept computed from its parents changes only through the edited one.
/// @param[in] weights the lower level's SAE (m latents).
/// @param[in] x n × d inputs.
/// @param[in] links concept graph whose parent indices are latents of `weights`.
/// @param[in] edit edit of lower latent `edit.latent`.
/// @param[in] options as `intervene`; its `hold` is extended, not replaced.
/// @returns as `intervene`.
/// @throws invalid_argument if the links do not fit the model, or as `intervene`.
template <class Scalar, class Derived>
[[nodiscard]] SteerResult<Scalar> intervene_lower(const SaeWeights<Scalar>& weights,
                                                  const Eigen::MatrixBase<Derived>& x,
                                                  const ConceptLinks& links, const Edit& edit,
                                                  const SteerOptions& options = {}) {
  if (auto problem = links.validate(weights.d_sae())) {
    hilm::detail::raise<invalid_argument>(*problem);
  }
  SteerOptions with_hold = options;
  for (Index s : siblings_of(links, edit.latent)) with_hold.hold.push_back(s);
  return intervene(weights, x, std::span<const Edit>(&edit, 1), with_hold);
}

}  // namespace hilm

#endif  // HILM_STEER_HIERARCHICAL_HPP
