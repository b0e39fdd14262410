/// @file
/// Edits of sparse-autoencoder latent codes: ablate, scale, clamp and add, as a value type
/// (`Edit`) that several steering functions share, and `apply_edits` which applies a list of them
/// to a batch of codes. Steering inputs with these edits is `hilm/steer/steer.hpp`.
///
/// ```cpp
/// std::vector<hilm::Edit> edits = {
///     {.latent = 12, .mode = hilm::EditMode::Ablate},
///     {.latent = 40, .mode = hilm::EditMode::Scale, .value = 2.0}};
/// hilm::apply_edits(z, edits);   // z: n × m codes, edited in place
/// ```
#ifndef HILM_STEER_EDIT_HPP
#define HILM_STEER_EDIT_HPP

#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// What an edit does to the code `z_j` of its latent j, in every row.
enum class EditMode {
  Ablate,  ///< `z_j ← 0`: remove the concept (the value is ignored).
  Scale,   ///< `z_j ← v · z_j`: strengthen (v > 1), weaken (0 ≤ v < 1) or invert (v < 0).
  Clamp,   ///< `z_j ← v`: pin the concept to a fixed activation, active or not before
           ///< (feature clamping, Templeton et al. 2024).
  Add,     ///< `z_j ← z_j + v`: move every input by v along the decoder direction of j.
};

/// Lower-case name of a mode ("ablate", "scale", "clamp", "add"), as the CLI spells it.
[[nodiscard]] constexpr std::string_view to_string(EditMode mode) noexcept {
  switch (mode) {
    case EditMode::Ablate:
      return "ablate";
    case EditMode::Scale:
      return "scale";
    case EditMode::Clamp:
      return "clamp";
    case EditMode::Add:
      return "add";
  }
  return "unknown";
}

/// Parses a mode name as written by `to_string`.
/// @returns the mode, or nothing for an unknown name.
[[nodiscard]] inline std::optional<EditMode> parse_edit_mode(std::string_view name) noexcept {
  for (EditMode m : {EditMode::Ablate, EditMode::Scale, EditMode::Clamp, EditMode::Add}) {
    if (name == to_string(m)) return m;
  }
  return std::nullopt;
}

/// One edit of one latent. Aggregate: `Edit{.latent = 3, .mode = EditMode::Clamp, .value = 5}`.
struct Edit {
  /// The latent j edited, 0-based, in [0, m). (In `propagate_edit` and `steer_upper`: the index of
  /// the upper concept instead.)
  Index latent = 0;
  /// What the edit does (see `EditMode`).
  EditMode mode = EditMode::Ablate;
  /// Factor (Scale), target value (Clamp) or amount (Add), in code units; ignored by Ablate.
  /// Must be finite.
  double value = 0;

  /// Checks the edit against a model with `latents` latents.
  /// @returns a message naming the field, or nothing when the edit is valid.
  [[nodiscard]] std::optional<std::string> validate(Index latents) const {
    if (latent < 0 || latent >= latents) {
      return hilm::detail::invalid_field("Edit", "latent",
                                         "be in [0, " + std::to_string(latents) + ")", latent);
    }
    if (!std::isfinite(value))
      return hilm::detail::invalid_field("Edit", "value", "be finite", value);
    return std::nullopt;
  }
};

/// Checks every edit of a list against a model with `latents` latents.
/// @throws invalid_argument naming the first bad edit (its position and field).
inline void check_edits(std::span<const Edit> edits, Index latents) {
  for (std::size_t e = 0; e < edits.size(); ++e) {
    if (auto problem = edits[e].validate(latents)) {
      hilm::detail::raise<invalid_argument>("edit " + std::to_string(e) + ": " + *problem);
    }
  }
}

/// The distinct latents touched by a list of edits, in increasing order.
[[nodiscard]] inline std::vector<Index> edited_latents(std::span<const Edit> edits) {
  std::vector<Index> out;
  out.reserve(edits.size());
  for (const Edit& e : edits) out.push_back(e.latent);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// Applies edits to a batch of codes, in list order (so `{Clamp 2, Scale 3}` on one latent gives
/// 6, and an Ablate after anything gives 0).
/// @param[in,out] z n × m codes (rows are samples), edited in place.
/// @param[in] edits the edits; latents must lie in [0, m).
/// @throws invalid_argument if an edit is invalid for m = z.cols().
template <class Derived>
void apply_edits(Eigen::MatrixBase<Derived>& z, std::span<const Edit> edits) {
  using Scalar = typename Derived::Scalar;
  check_edits(edits, z.cols());
  for (const Edit& e : edits) {
    auto column = z.col(e.latent);
    const auto v = static_cast<Scalar>(e.value);
    switch (e.mode) {
      case EditMode::Ablate:
        column.setZero();
        break;
      case EditMode::Scale:
        column *= v;
        break;
      case EditMode::Clamp:
        column.setConstant(v);
        break;
      case EditMode::Add:
        column.array() += v;
        break;
    }
  }
}

}  // namespace hilm

#endif  // HILM_STEER_EDIT_HPP
