// graph.json writer/reader, DOT export and the causal-learn endpoint matrix.
#include <string>

#include <hilm/graph/dot.hpp>
#include <hilm/graph/endpoint_matrix.hpp>
#include <hilm/graph/json.hpp>

#include "support/catch.hpp"
#include "support/temp_dir.hpp"

using hilm::Graph;
using hilm::Index;
using hilm::Mark;

namespace {

Graph sample_graph() {
  Graph g(std::vector<std::string>{"A", "B \"quoted\"", "C\\D"});
  const Index l = g.add_node({"L1", false, 1, 3});
  g.add_edge(l, 0);
  g.add_edge(l, 1);
  g.add_edge(1, 2, Mark::Undirected);
  g.add_edge(2, 0, Mark::Bidirected);
  return g;
}

}  // namespace

TEST_CASE("graph json: exact DESIGN.md format, null cardinality, round trip", "[graph]") {
  Graph small(2);
  small.add_edge(1, 0);
  CHECK(hilm::to_json(small) ==
        "{\"nodes\": [{\"id\": 0, \"name\": \"X1\", \"observed\": true, \"level\": 0, "
        "\"cardinality\": null}, {\"id\": 1, \"name\": \"X2\", \"observed\": true, \"level\": 0, "
        "\"cardinality\": null}], \"edges\": [{\"from\": 1, \"to\": 0, \"mark\": \"->\"}]}");
  const Graph g = sample_graph();
  const std::string text = hilm::to_json(g);
  CHECK(text.find("\"cardinality\": 3") != std::string::npos);
  CHECK(text.find("\"mark\": \"<->\"") != std::string::npos);
  CHECK(hilm::from_json(text) == g);

  hilm::test::TempDir dir;
  const std::string path = dir.file("graph.json");
  hilm::write_json(g, path);
  CHECK(hilm::read_json(path) == g);
  CHECK_THROWS_AS(hilm::read_json(dir.file("missing.json")), hilm::io_error);
}

TEST_CASE("graph json: the reader accepts free layout and rejects malformed input", "[graph]") {
  const Graph g = hilm::from_json(
      "{ \"edges\" : [ {\"mark\":\"--\",\"to\":1,\"from\":0} ],\n"
      "  \"nodes\": [ {\"id\":0}, {\"id\":1, \"name\":\"\\u00e9\", \"extra\": [1, {\"x\": null}]} "
      "] }");
  CHECK(g.size() == 2);
  CHECK(g.node(0).name == "X1");
  CHECK(g.node(1).name == "\xC3\xA9");
  CHECK(g.is_undirected(0, 1));
  for (const char* bad :
       {"", "[]", "{\"nodes\": []}", "{\"nodes\": [{\"id\": 1}], \"edges\": []}",
        "{\"nodes\": [{\"id\": 0}], \"edges\": [{\"from\": 0, \"to\": 1, \"mark\": \"->\"}]}",
        "{\"nodes\": [{\"id\": 0}, {\"id\": 1}], \"edges\": [{\"from\": 0, \"to\": 1, "
        "\"mark\": \"o->\"}]}",
        "{\"nodes\": [{\"id\": 0.5}], \"edges\": []}", "{\"nodes\": [], \"edges\": []} x",
        "{\"nodes\": [{\"id\": 0, \"name\": \"unterminated}], \"edges\": []}"}) {
    INFO(bad);
    CHECK_THROWS_AS(hilm::from_json(bad), hilm::invalid_argument);
  }
}

TEST_CASE("graph dot: latent ellipses, levels as ranks, edge marks", "[graph]") {
  const std::string dot = hilm::to_dot(sample_graph());
  CHECK(dot.rfind("digraph \"hilm\" {", 0) == 0);
  CHECK(dot.find("n3 [label=\"L1 (k=3)\", shape=ellipse, style=dashed") != std::string::npos);
  CHECK(dot.find("n0 [label=\"A\", shape=box]") != std::string::npos);
  CHECK(dot.find("n1 [label=\"B \\\"quoted\\\"\"") != std::string::npos);
  CHECK(dot.find("{ rank=same; n0; n1; n2; }") != std::string::npos);
  CHECK(dot.find("{ rank=same; n3; }") != std::string::npos);
  CHECK(dot.find("n1 -> n2 [dir=none];") != std::string::npos);
  CHECK(dot.find("n0 -> n2 [dir=both];") != std::string::npos);
  CHECK(dot.find("n3 -> n0;") != std::string::npos);
  Graph flat(2);
  flat.add_edge(0, 1);
  CHECK(hilm::to_dot(flat).find("rank=same") == std::string::npos);
}

TEST_CASE("graph: causal-learn endpoint matrix round trip and encoding", "[graph]") {
  Graph g(3);
  g.add_edge(0, 1);  // 0 → 1: m(0,1) = -1 (tail at 0), m(1,0) = 1 (arrow at 1)
  g.add_edge(1, 2, Mark::Undirected);
  const auto m = hilm::to_causal_learn_matrix(g);
  CHECK(m(0, 1) == -1);
  CHECK(m(1, 0) == 1);
  CHECK(m(1, 2) == -1);
  CHECK(m(2, 1) == -1);
  CHECK(m(0, 2) == 0);
  CHECK(hilm::from_causal_learn_matrix(m) == g);
  hilm::EndpointMatrix bad = m;
  bad(0, 2) = 2;  // a circle: not a PC graph
  CHECK_THROWS_AS(hilm::from_causal_learn_matrix(bad), hilm::invalid_argument);
  bad = m;
  bad(1, 0) = 0;  // mark at one end only
  CHECK_THROWS_AS(hilm::from_causal_learn_matrix(bad), hilm::invalid_argument);
}
