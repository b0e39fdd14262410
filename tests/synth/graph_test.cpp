#include <string>
#include <vector>

#include <hilm/graph/graph.hpp>
#include <hilm/graph/json.hpp>
#include <hilm/synth/graph.hpp>

#include "support/catch.hpp"

using hilm::HierarchyGraphOptions;
using hilm::Index;
using hilm::random_dag;
using hilm::random_hierarchy;
using hilm::RandomDagOptions;
using hilm::SynthGraph;

TEST_CASE("synth graph: a latent tree has the documented layout", "[synth]") {
  const auto g = random_hierarchy(HierarchyGraphOptions{.widths = {2, 6},
                                                        .observed_per_leaf = 2,
                                                        .latent_cardinality = 2,
                                                        .observed_cardinality = 3,
                                                        .seed = hilm::test::seed(41)});
  REQUIRE_FALSE(g.validate().has_value());
  REQUIRE(g.nodes == 12 + 6 + 2);
  REQUIRE(g.observed_nodes().size() == 12);
  for (Index v = 0; v < g.nodes; ++v) {
    const auto vs = static_cast<std::size_t>(v);
    const auto pa = g.parents(v);
    if (v < 12) {
      // Observed first, level 0, exactly one latent parent at level 1.
      REQUIRE(g.observed[vs]);
      REQUIRE(g.level[vs] == 0);
      REQUIRE(g.cardinality[vs] == 3);
      REQUIRE(pa.size() == 1);
      REQUIRE(g.level[static_cast<std::size_t>(pa[0])] == 1);
    } else if (v < 18) {
      REQUIRE_FALSE(g.observed[vs]);
      REQUIRE(g.level[vs] == 1);
      REQUIRE(g.cardinality[vs] == 2);
      REQUIRE(pa.size() == 1);  // tree
      REQUIRE(g.level[static_cast<std::size_t>(pa[0])] == 2);
      REQUIRE(g.children(v).size() == 2);
    } else {
      REQUIRE(g.level[vs] == 2);
      REQUIRE(pa.empty());
      REQUIRE(g.children(v).size() == 3);  // round-robin dealing: 6 children over 2 parents
    }
  }
  const auto order = g.topological_order();
  std::vector<Index> position(static_cast<std::size_t>(g.nodes));
  for (std::size_t i = 0; i < order.size(); ++i)
    position[static_cast<std::size_t>(order[i])] = static_cast<Index>(i);
  for (const auto& [from, to] : g.edges) {
    REQUIRE(position[static_cast<std::size_t>(from)] < position[static_cast<std::size_t>(to)]);
  }
  const auto a = g.adjacency();
  CHECK(a.cast<int>().sum() == static_cast<int>(g.edges.size()));
}

TEST_CASE("synth graph: multi-parent and skipped-level hierarchies", "[synth]") {
  const auto g = random_hierarchy(HierarchyGraphOptions{.widths = {2, 3, 6},
                                                        .observed_per_leaf = 2,
                                                        .max_parents = 2,
                                                        .skip_probability = 1,
                                                        .seed = hilm::test::seed(42)});
  REQUIRE_FALSE(g.validate().has_value());
  bool multi = false;
  for (const Index v : g.latent_nodes()) {
    const auto pa = g.parents(v);
    const int level = g.level[static_cast<std::size_t>(v)];
    if (level == 1) {
      // skip_probability 1: a parent two levels up besides the ones from level 2.
      bool skip = false;
      for (const Index u : pa) skip = skip || g.level[static_cast<std::size_t>(u)] == 3;
      CHECK(skip);
    }
    multi = multi || pa.size() >= 2;
  }
  CHECK(multi);
}

TEST_CASE("synth graph: random DAGs are acyclic with the expected density", "[synth]") {
  double edges = 0;
  for (int rep = 0; rep < 20; ++rep) {
    const auto g = random_dag(
        RandomDagOptions{.nodes = 30,
                         .expected_degree = 3,
                         .seed = hilm::test::seed(43 + static_cast<std::uint64_t>(rep))});
    REQUIRE_FALSE(g.validate().has_value());
    edges += static_cast<double>(g.edges.size());
  }
  // Expected edges = n · degree / 2 = 45 per graph; the mean over 20 graphs has sd ≈ 1.5.
  CHECK(std::abs(edges / 20 - 45) < 6);
}

TEST_CASE("synth graph: validate finds cycles, duplicates and bad sizes", "[synth]") {
  SynthGraph g{.nodes = 3,
               .edges = {{0, 1}, {1, 2}, {2, 0}},
               .observed = {true, true, true},
               .level = {0, 0, 0},
               .cardinality = {0, 0, 0}};
  REQUIRE(g.validate().has_value());
  CHECK_THROWS_AS(g.topological_order(), hilm::invalid_argument);
  g.edges = {{0, 1}, {0, 1}};
  REQUIRE(g.validate().has_value());
  g.edges = {{0, 1}};
  g.level = {0};
  REQUIRE(g.validate().has_value());
  g.level = {0, 0, 0};
  REQUIRE_FALSE(g.validate().has_value());
}

TEST_CASE("synth graph: to_graph names, levels and cardinalities the truth's nodes", "[synth]") {
  hilm::SynthGraph truth;
  truth.nodes = 4;
  truth.observed = {true, true, true, false};
  truth.level = {0, 0, 0, 1};
  truth.cardinality = {2, 2, 2, 3};
  truth.edges = {{3, 0}, {3, 1}, {3, 2}};
  hilm::Graph h = hilm::to_graph(truth);
  CHECK(h.num_observed() == 3);
  CHECK(h.node(3).name == "L1");
  CHECK(h.node(3).cardinality == 3);
  CHECK(h.children(3) == std::vector<Index>{0, 1, 2});
  CHECK(h.observed_adjacency().isZero());
  const Index extra = h.add_node({"L2", false, 2, 2});
  CHECK(extra == 4);
  CHECK(h.children(3) == std::vector<Index>{0, 1, 2});
  CHECK_FALSE(h == hilm::to_graph(truth));
  SynthGraph cyclic = truth;
  cyclic.edges.emplace_back(0, 3);
  CHECK_THROWS_AS(hilm::to_graph(cyclic), hilm::invalid_argument);
}

TEST_CASE("synth graph: to_json writes graph.json with the truth's edge order", "[synth]") {
  SynthGraph truth{.nodes = 4,
                   .edges = {{2, 1}, {3, 0}},
                   .observed = {true, true, false, false},
                   .level = {0, 0, 1, 1},
                   .cardinality = {0, 0, 3, 0}};
  CHECK(hilm::to_json(truth) ==
        "{\"nodes\": [{\"id\": 0, \"name\": \"X1\", \"observed\": true, \"level\": 0, "
        "\"cardinality\": null}, {\"id\": 1, \"name\": \"X2\", \"observed\": true, \"level\": 0, "
        "\"cardinality\": null}, {\"id\": 2, \"name\": \"L1\", \"observed\": false, \"level\": 1, "
        "\"cardinality\": 3}, {\"id\": 3, \"name\": \"L2\", \"observed\": false, \"level\": 1, "
        "\"cardinality\": null}], \"edges\": [{\"from\": 2, \"to\": 1, \"mark\": \"->\"}, "
        "{\"from\": 3, \"to\": 0, \"mark\": \"->\"}]}");
  // Graph::edges() lists 3 -> 0 first; the truth's own order is kept, the text is otherwise the
  // graph's.
  const hilm::Graph g = hilm::to_graph(truth);
  CHECK(hilm::to_json(g) ==
        "{\"nodes\": [{\"id\": 0, \"name\": \"X1\", \"observed\": true, \"level\": 0, "
        "\"cardinality\": null}, {\"id\": 1, \"name\": \"X2\", \"observed\": true, \"level\": 0, "
        "\"cardinality\": null}, {\"id\": 2, \"name\": \"L1\", \"observed\": false, \"level\": 1, "
        "\"cardinality\": 3}, {\"id\": 3, \"name\": \"L2\", \"observed\": false, \"level\": 1, "
        "\"cardinality\": null}], \"edges\": [{\"from\": 3, \"to\": 0, \"mark\": \"->\"}, "
        "{\"from\": 2, \"to\": 1, \"mark\": \"->\"}]}");
  CHECK(hilm::from_json(hilm::to_json(truth)) == g);
}
