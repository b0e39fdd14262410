#include <hilm/graph/graph.hpp>

#include "support/catch.hpp"

using hilm::Graph;
using hilm::Index;
using hilm::Mark;

TEST_CASE("Graph stores marks at both ends and answers orientation queries", "[graph]") {
  Graph g(4);
  REQUIRE(g.size() == 4);
  CHECK(g.node(2).name == "X3");
  g.add_edge(0, 1, Mark::Directed);
  g.add_edge(1, 2, Mark::Undirected);
  g.add_edge(3, 2, Mark::Bidirected);
  CHECK(g.is_directed(0, 1));
  CHECK_FALSE(g.is_directed(1, 0));
  CHECK(g.is_undirected(2, 1));
  CHECK(g.is_bidirected(2, 3));
  CHECK(g.parents(1) == std::vector<Index>{0});
  CHECK(g.children(0) == std::vector<Index>{1});
  CHECK(g.undirected_neighbors(1) == std::vector<Index>{2});
  CHECK(g.neighbors(2) == std::vector<Index>{1, 3});
  CHECK(g.num_edges() == 3);
  const auto edges = g.edges();
  REQUIRE(edges.size() == 3);
  CHECK(edges[0] == hilm::Edge{0, 1, Mark::Directed});
  CHECK(edges[1] == hilm::Edge{1, 2, Mark::Undirected});
  CHECK(edges[2] == hilm::Edge{2, 3, Mark::Bidirected});

  g.orient(2, 1);
  CHECK(g.is_directed(2, 1));
  g.remove_edge(1, 2);
  CHECK_FALSE(g.adjacent(1, 2));
  CHECK(g.num_edges() == 2);
}

TEST_CASE("Graph rejects bad ids and self-loops", "[graph]") {
  Graph g(3);
  CHECK_THROWS_AS(g.add_edge(0, 0), hilm::invalid_argument);
  CHECK_THROWS_AS(g.add_edge(0, 3), hilm::invalid_argument);
  CHECK_THROWS_AS(g.node(-1), hilm::invalid_argument);
  CHECK_THROWS_AS(g.orient(0, 1), hilm::invalid_argument);
}

TEST_CASE("Graph round-trips the metrics adjacency", "[graph]") {
  hilm::Adjacency a = hilm::Adjacency::Zero(4, 4);
  a(0, 1) = 1;            // 0 -> 1
  a(2, 1) = a(1, 2) = 1;  // 1 -- 2
  a(3, 2) = 1;            // 3 -> 2
  const Graph g = Graph::from_adjacency(a);
  CHECK(g.adjacency() == a);
  CHECK(g.is_directed(3, 2));
}
