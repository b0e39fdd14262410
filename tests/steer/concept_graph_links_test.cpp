// Tests of include/hilm/steer/concept_graph_links.hpp.
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/hierarchy/concept_graph.hpp>
#include <hilm/steer/concept_graph_links.hpp>

#include "support/catch.hpp"

using hilm::Index;

TEST_CASE("steer: concept_links translates a concept graph's parent columns to latents",
          "[steer]") {
  hilm::ConceptGraphResult graph;
  graph.uppers.resize(3);
  graph.uppers[0].parents = {0, 2};
  graph.uppers[2].parents = {1};
  const hilm::ConceptLinks columns = hilm::concept_links(graph);
  CHECK(columns.parents_of_upper == std::vector<std::vector<Index>>{{0, 2}, {}, {1}});
  const std::vector<Index> kept = {7, 3, 11};
  const hilm::ConceptLinks latents = hilm::concept_links(graph, kept);
  CHECK(latents.upper_count() == 3);
  CHECK(latents.parents_of_upper == std::vector<std::vector<Index>>{{7, 11}, {}, {3}});
  const std::vector<Index> too_few = {7, 3};
  CHECK_THROWS_AS(hilm::concept_links(graph, too_few), hilm::invalid_argument);
}
