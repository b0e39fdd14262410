/// @file
/// From a recovered concept graph to the `ConceptLinks` that hierarchical steering
/// (`hilm/steer/hierarchical.hpp`) takes: the parents of each upper concept found by
/// `concept_graph` (`hilm/hierarchy/concept_graph.hpp`), as latents of the lower level's SAE.
///
/// ```cpp
/// hilm::ConceptGraphResult g = hilm::concept_graph(z1, z2);   // z1: codes of latents `kept`
/// hilm::ConceptLinks links = hilm::concept_links(g, kept);    // parents as SAE latents
/// auto steered = hilm::intervene_upper(sae1, x, links, {.latent = 0});
/// ```
#ifndef HILM_STEER_CONCEPT_GRAPH_LINKS_HPP
#define HILM_STEER_CONCEPT_GRAPH_LINKS_HPP

#include <span>
#include <string>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/concept_graph.hpp>
#include <hilm/steer/hierarchical.hpp>

namespace hilm {

/// The parent sets of a concept graph as `ConceptLinks`.
///
/// @param[in] result a `concept_graph` result (one entry of `uppers` per upper concept).
/// @param[in] lower_latents the SAE latent of each column of the lower codes the graph was
///            searched on (e.g. `LatentMerge::kept`); empty when the columns are the latents
///            themselves.
/// @returns `parents_of_upper[u]` = the latents of the parents of upper concept u, in the
///          graph's (increasing column) order.
/// @throws invalid_argument if a parent column is outside `lower_latents`.
[[nodiscard]] inline ConceptLinks concept_links(const ConceptGraphResult& result,
                                                std::span<const Index> lower_latents = {}) {
  ConceptLinks links;
  links.parents_of_upper.resize(result.uppers.size());
  for (std::size_t u = 0; u < result.uppers.size(); ++u) {
    for (const Index p : result.uppers[u].parents) {
      if (lower_latents.empty()) {
        links.parents_of_upper[u].push_back(p);
        continue;
      }
      if (p < 0 || static_cast<std::size_t>(p) >= lower_latents.size()) {
        hilm::detail::raise<invalid_argument>(
            "concept_links: parent column " + std::to_string(p) + " of upper concept " +
            std::to_string(u) + " is outside the " + std::to_string(lower_latents.size()) +
            " lower latents given");
      }
      links.parents_of_upper[u].push_back(lower_latents[static_cast<std::size_t>(p)]);
    }
  }
  return links;
}

}  // namespace hilm

#endif  // HILM_STEER_CONCEPT_GRAPH_LINKS_HPP
