/// @file
/// Background knowledge for constraint-based search: forbidden and required directed edges, with
/// the semantics of causal-learn's `BackgroundKnowledge` (`utils/PCUtils/BackgroundKnowledge.py`).
#ifndef HILM_GRAPH_BACKGROUND_KNOWLEDGE_HPP
#define HILM_GRAPH_BACKGROUND_KNOWLEDGE_HPP

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// Knowledge about edges that holds before any data are seen.
///
/// - `forbidden` lists pairs (a, b) meaning "a → b is forbidden". Forbidding both a → b and
///   b → a removes the adjacency before the skeleton search; forbidding one direction orients
///   an edge found by the search the other way.
/// - `required` lists pairs (a, b) meaning "a → b is required": the adjacency a – b is never
///   removed by a test and the edge is oriented a → b.
///
/// Colliders and Meek orientations never create an edge that contradicts the knowledge (as
/// causal-learn). Lookups are linear in the list sizes, fine for the few dozen pairs one states
/// by hand.
struct BackgroundKnowledge {
  std::vector<std::pair<Index, Index>> forbidden{};  ///< (from, to): from → to is forbidden
  std::vector<std::pair<Index, Index>> required{};   ///< (from, to): from → to is required

  /// True when no pair is listed.
  [[nodiscard]] bool empty() const noexcept { return forbidden.empty() && required.empty(); }

  /// True when `from → to` is forbidden.
  [[nodiscard]] bool is_forbidden(Index from, Index to) const {
    return std::find(forbidden.begin(), forbidden.end(), std::pair{from, to}) != forbidden.end();
  }
  /// True when `from → to` is required.
  [[nodiscard]] bool is_required(Index from, Index to) const {
    return std::find(required.begin(), required.end(), std::pair{from, to}) != required.end();
  }

  /// Checks ids against `nodes` and consistency (a pair both required and forbidden, a
  /// self-loop, both directions required).
  /// @returns a message describing the first problem, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate(Index nodes) const {
    using hilm::detail::invalid_field_described;
    auto bad_id = [&](const std::pair<Index, Index>& e) {
      return e.first < 0 || e.second < 0 || e.first >= nodes || e.second >= nodes;
    };
    auto name = [](const std::pair<Index, Index>& e) {
      return std::to_string(e.first) + " -> " + std::to_string(e.second);
    };
    const std::string in_range = "hold node ids in [0, " + std::to_string(nodes) + ")";
    for (const auto& e : forbidden) {
      if (bad_id(e)) {
        return invalid_field_described("BackgroundKnowledge", "forbidden", in_range, name(e));
      }
      if (e.first == e.second) {
        return invalid_field_described("BackgroundKnowledge", "forbidden", "hold no self-loop",
                                       name(e));
      }
    }
    for (const auto& e : required) {
      if (bad_id(e)) {
        return invalid_field_described("BackgroundKnowledge", "required", in_range, name(e));
      }
      if (e.first == e.second) {
        return invalid_field_described("BackgroundKnowledge", "required", "hold no self-loop",
                                       name(e));
      }
      if (is_forbidden(e.first, e.second)) {
        return invalid_field_described("BackgroundKnowledge", "required",
                                       "hold no edge that is also forbidden", name(e));
      }
      if (is_required(e.second, e.first)) {
        return invalid_field_described("BackgroundKnowledge", "required",
                                       "hold no edge whose reverse is also required", name(e));
      }
    }
    return std::nullopt;
  }
};

}  // namespace hilm

#endif  // HILM_GRAPH_BACKGROUND_KNOWLEDGE_HPP
