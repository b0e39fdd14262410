// DOT export against a known truth: compare_edges, the styles of true / false / missed edges,
// the legend (counts, scores, node shapes, notes), escaping, and that Graphviz's `dot` accepts
// the output without a warning when it is installed.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/graph/dot.hpp>

#include "graph/graph_fixtures.hpp"
#include "support/catch.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

using hilm::DotOptions;
using hilm::Edge;
using hilm::Graph;
using hilm::Index;
using hilm::Mark;

namespace {

// A found graph made from a random truth by known edits, with the classes those edits imply.
struct Planted {
  Graph truth;
  Graph found;
  std::vector<Edge> true_edges, false_edges, missed_edges;
};

Planted planted(std::uint64_t seed) {
  hilm::Random rng(seed);
  Planted p;
  p.truth = hilm::test::random_dag(rng, 12, 0.3);
  p.found = Graph(p.truth.size());
  for (Index i = 0; i < p.truth.size(); ++i) p.found.node(i) = p.truth.node(i);
  for (const Edge& e : p.truth.edges()) {
    switch (rng.uniform_index(4)) {
      case 0:  // kept: true
        p.found.add_edge(e.from, e.to);
        p.true_edges.push_back(e);
        break;
      case 1:  // dropped: missed
        p.missed_edges.push_back(e);
        break;
      case 2:  // reversed: false, and the true edge missed
        p.found.add_edge(e.to, e.from);
        p.false_edges.push_back({e.to, e.from, Mark::Directed});
        p.missed_edges.push_back(e);
        break;
      default:  // orientation lost: false, and the true edge missed
        p.found.add_edge(e.from, e.to, Mark::Undirected);
        p.false_edges.push_back({std::min(e.from, e.to), std::max(e.from, e.to), Mark::Undirected});
        p.missed_edges.push_back(e);
    }
  }
  // Extra edges between pairs the truth leaves non-adjacent: false.
  for (int added = 0; added < 4;) {
    const auto i = static_cast<Index>(rng.uniform_index(12)),
               j = static_cast<Index>(rng.uniform_index(12));
    if (i == j || p.truth.adjacent(i, j) || p.found.adjacent(i, j)) continue;
    p.found.add_edge(i, j);
    p.false_edges.push_back({i, j, Mark::Directed});
    ++added;
  }
  return p;
}

bool same_set(std::vector<Edge> a, std::vector<Edge> b) {
  auto key = [](const Edge& e) { return std::tuple(e.from, e.to, static_cast<int>(e.mark)); };
  auto less = [&](const Edge& x, const Edge& y) { return key(x) < key(y); };
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  return a == b;
}

// The lines of a text, each without its newline and leading blanks.
std::vector<std::string> trimmed_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line.substr(std::min(line.find_first_not_of(' '), line.size())));
  }
  return lines;
}

// Parses "n<digits>" at `pos`; advances `pos` past it. -1 when there is none.
Index node_at(const std::string& s, std::size_t& pos) {
  if (pos >= s.size() || s[pos] != 'n') return -1;
  std::size_t end = pos + 1;
  while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  if (end == pos + 1) return -1;
  const Index id = std::stoll(s.substr(pos + 1, end - pos - 1));
  pos = end;
  return id;
}

// Edge statements of a DOT text ("nA -> nB [attributes];"): (A, B) → attribute lists, one per
// statement ("" when the statement has none).
std::multimap<std::pair<Index, Index>, std::string> edge_statements(const std::string& dot) {
  std::multimap<std::pair<Index, Index>, std::string> out;
  for (const std::string& line : trimmed_lines(dot)) {
    std::size_t pos = 0;
    const Index from = node_at(line, pos);
    if (from < 0 || line.compare(pos, 4, " -> ") != 0) continue;
    pos += 4;
    const Index to = node_at(line, pos);
    if (to < 0) continue;
    std::string attributes;
    if (line.compare(pos, 2, " [") == 0) {
      const std::size_t close = line.find(']', pos);
      if (close == std::string::npos) continue;
      attributes = line.substr(pos + 2, close - pos - 2);
      pos = close + 1;
    }
    if (pos < line.size() && line[pos] == ';') out.emplace(std::pair{from, to}, attributes);
  }
  return out;
}

std::string ratio(std::size_t a, std::size_t b) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", static_cast<double>(a) / static_cast<double>(b));
  return buffer;
}

using hilm::test::read_file;

}  // namespace

TEST_CASE("graph dot: compare_edges sorts planted edits into true, false and missed",
          "[graph][dot]") {
  for (std::uint64_t salt = 0; salt < 10; ++salt) {
    const Planted p = planted(hilm::test::seed(salt));
    const auto c = hilm::compare_edges(p.found, p.truth);
    CHECK(same_set(c.true_edges, p.true_edges));
    CHECK(same_set(c.false_edges, p.false_edges));
    CHECK(same_set(c.missed_edges, p.missed_edges));
    const auto t = static_cast<double>(p.true_edges.size()),
               f = static_cast<double>(p.false_edges.size()),
               m = static_cast<double>(p.missed_edges.size());
    CHECK_THAT(c.precision(), Catch::Matchers::WithinAbs(t / (t + f), 1e-12));
    if (t + m > 0) CHECK_THAT(c.recall(), Catch::Matchers::WithinAbs(t / (t + m), 1e-12));
    if (t > 0) CHECK_THAT(c.f1(), Catch::Matchers::WithinAbs(2 * t / (2 * t + f + m), 1e-12));
  }
  CHECK_THROWS_AS(hilm::compare_edges(Graph(3), Graph(4)), hilm::invalid_argument);
}

TEST_CASE("graph dot: against the truth each class of edge gets its own style", "[graph][dot]") {
  const Planted p = planted(hilm::test::seed(11));
  REQUIRE(!p.true_edges.empty());
  REQUIRE(!p.false_edges.empty());
  REQUIRE(!p.missed_edges.empty());
  const std::string dot = hilm::to_dot(p.found, {.truth = &p.truth});
  const auto statements = edge_statements(dot);
  CHECK(statements.size() == p.true_edges.size() + p.false_edges.size() + p.missed_edges.size());
  // Finds a statement of `e` whose attributes carry `style` and the arrowheads of its mark.
  auto drawn_as = [&](const Edge& e, const std::string& colour, const std::string& style) {
    const auto [first, last] = statements.equal_range({e.from, e.to});
    for (auto it = first; it != last; ++it) {
      const std::string& a = it->second;
      const bool dir_ok = e.mark == Mark::Directed     ? a.find("dir=") == std::string::npos
                          : e.mark == Mark::Undirected ? a.find("dir=none") != std::string::npos
                                                       : a.find("dir=both") != std::string::npos;
      const bool style_ok = style.empty() ? a.find("style=") == std::string::npos
                                          : a.find("style=" + style) != std::string::npos;
      if (dir_ok && style_ok && a.find("color=\"" + colour + "\"") != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  for (const Edge& e : p.true_edges) CHECK(drawn_as(e, "#222222", ""));          // solid dark
  for (const Edge& e : p.false_edges) CHECK(drawn_as(e, "#d62728", "dashed"));   // red dashed
  for (const Edge& e : p.missed_edges) CHECK(drawn_as(e, "#8c8c8c", "dotted"));  // grey dotted
  // The three looks are distinct.
  CHECK(!drawn_as(p.true_edges.front(), "#d62728", "dashed"));
  CHECK(!drawn_as(p.false_edges.front(), "#222222", ""));
  // Without a truth nothing is styled.
  const std::string plain = hilm::to_dot(p.found);
  for (const auto& [ends, attributes] : edge_statements(plain)) {
    CHECK(attributes.find("color") == std::string::npos);
    CHECK(attributes.find("style") == std::string::npos);
  }
  CHECK(plain.find("cluster_legend") == std::string::npos);
  CHECK_THROWS_AS(hilm::to_dot(Graph(3), {.truth = &p.truth}), hilm::invalid_argument);
}

TEST_CASE("graph dot: the legend shows the classes with their counts and the scores",
          "[graph][dot]") {
  const Planted p = planted(hilm::test::seed(12));
  const auto t = p.true_edges.size(), f = p.false_edges.size(), m = p.missed_edges.size();
  const std::string dot = hilm::to_dot(p.found, {.title = "Recovered <graph> & truth",
                                                 .legend = true,
                                                 .legend_notes = {"X1 -> X2: \"X1 causes X2\""},
                                                 .truth = &p.truth});
  CHECK(dot.find("subgraph cluster_legend") != std::string::npos);
  CHECK(dot.find("true (found, in the truth): " + std::to_string(t) + "<") != std::string::npos);
  CHECK(dot.find("false (found, not in the truth): " + std::to_string(f) + "<") !=
        std::string::npos);
  CHECK(dot.find("missed (in the truth, not found): " + std::to_string(m) + "<") !=
        std::string::npos);
  CHECK(dot.find("precision " + ratio(t, t + f) + ", recall " + ratio(t, t + m) + ", F1 " +
                 ratio(2 * t, 2 * t + f + m)) != std::string::npos);
  // Each class row carries a sample line in the class's colour and dash pattern.
  CHECK(dot.find("STYLE=\"solid\" COLOR=\"#222222\"") != std::string::npos);
  CHECK(dot.find("STYLE=\"dashed\" COLOR=\"#d62728\"") != std::string::npos);
  CHECK(dot.find("STYLE=\"dotted\" COLOR=\"#8c8c8c\"") != std::string::npos);
  // Title and notes are escaped for HTML-like labels.
  CHECK(dot.find("Recovered &lt;graph&gt; &amp; truth") != std::string::npos);
  CHECK(dot.find("X1 -&gt; X2: &quot;X1 causes X2&quot;") != std::string::npos);
  // All observed: no node-shape rows.
  CHECK(dot.find("latent variable") == std::string::npos);
}

TEST_CASE("graph dot: without a truth the legend lists the marks present and the node shapes",
          "[graph][dot]") {
  Graph g(std::vector<std::string>{"A", "B", "C", "D"});
  g.add_edge(0, 1);
  g.add_edge(1, 2);
  g.add_edge(2, 3, Mark::Undirected);
  const std::string observed_only = hilm::to_dot(g, {.legend = true});
  CHECK(observed_only.find("directed (-&gt;): 2<") != std::string::npos);
  CHECK(observed_only.find("undirected (--): 1<") != std::string::npos);
  CHECK(observed_only.find("bidirected") == std::string::npos);
  CHECK(observed_only.find("latent variable") == std::string::npos);
  CHECK(observed_only.find("precision") == std::string::npos);
  const Index l = g.add_node({"L1", false, 1, 0});
  g.add_edge(l, 0, Mark::Bidirected);
  const std::string with_latent = hilm::to_dot(g, {.legend = true});
  CHECK(with_latent.find("bidirected (&lt;-&gt;): 1<") != std::string::npos);
  CHECK(with_latent.find("observed variable") != std::string::npos);
  CHECK(with_latent.find("latent variable") != std::string::npos);
}

namespace {

// Two levels, `components` stars: upper node u with `u % 3 + 1` lower parents of its own.
Graph stars(int components) {
  Graph g;
  for (int u = 0; u < components; ++u) {
    const Index up = g.add_node({"B" + std::to_string(u), true, 1, 0});
    for (int p = 0; p <= u % 3; ++p) {
      g.add_edge(g.add_node({"A" + std::to_string(u) + "." + std::to_string(p), true, 0, 0}), up);
    }
  }
  return g;
}

}  // namespace

TEST_CASE("graph dot: components_per_row stacks the components in rows", "[graph][dot]") {
  const int components = GENERATE(1, 2, 5, 6, 7);
  const int per_row = GENERATE(1, 2, 3);
  INFO(components << " components, " << per_row << " per row");
  const Graph g = stars(components);
  const std::string dot = hilm::to_dot(g, {.components_per_row = per_row});
  const int rows = (components + per_row - 1) / per_row;
  // One rank per (row, level), each holding exactly the nodes of that row and level.
  // Rank lines read "{ rank=same; nA; nB; }  // [row R, ]level L".
  std::size_t ranked = 0;
  int rank_lines = 0;
  for (const std::string& line : trimmed_lines(dot)) {
    const std::string open = "{ rank=same;";
    if (line.rfind(open, 0) != 0) continue;
    ++rank_lines;
    const std::size_t close = line.find(" }  // ");
    REQUIRE(close != std::string::npos);
    std::string comment = line.substr(close + 7);
    const bool has_row = comment.rfind("row ", 0) == 0;
    CHECK((rows > 1) == has_row);
    int r = 0;
    if (has_row) {
      const std::size_t comma = comment.find(", ");
      REQUIRE(comma != std::string::npos);
      r = std::stoi(comment.substr(4, comma - 4));
      comment = comment.substr(comma + 2);
    }
    REQUIRE(comment.rfind("level ", 0) == 0);
    const int level = std::stoi(comment.substr(6));
    std::istringstream members(line.substr(open.size(), close - open.size()));
    for (std::string member; members >> member; ++ranked) {
      std::size_t pos = 0;
      const Index v = node_at(member, pos);
      REQUIRE(v >= 0);
      CHECK(member.substr(pos) == ";");
      CHECK(g.node(v).level == level);
      // Nodes are added star by star, so a node's star is the number of B nodes before it.
      int star = -1;
      for (Index i = 0; i <= v; ++i) star += g.node(i).level == 1 ? 1 : 0;
      CHECK(star / per_row == r);
    }
  }
  CHECK(ranked == static_cast<std::size_t>(g.size()));
  CHECK(rank_lines == 2 * rows);
  // Rows are chained by rows − 1 invisible edges from an upper node of row r to a lower node of
  // row r − 1.
  const auto invisible = edge_statements(dot);
  int chains = 0;
  for (const auto& [ends, attributes] : invisible) {
    if (attributes != "style=invis, minlen=2") continue;
    ++chains;
    CHECK(g.node(ends.first).level == 1);
    CHECK(g.node(ends.second).level == 0);
  }
  CHECK(chains == rows - 1);
  // Off by default: one rank per level.
  CHECK(hilm::to_dot(g).find("row ") == std::string::npos);
}

TEST_CASE("graph dot: Graphviz accepts every variant without a warning", "[graph][dot]") {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    WARN("Graphviz's dot is not installed; the rendering check is skipped");
    return;
  }
  const Planted p = planted(hilm::test::seed(13));
  Graph mixed = p.found;
  const Index l = mixed.add_node({"L1 \"latent\"", false, 1, 3});
  mixed.add_edge(l, 0, Mark::Bidirected);
  const std::vector<std::pair<Graph, DotOptions>> cases = {
      {p.found,
       {.title = "Found <vs> truth", .legend = true, .legend_notes = {"a & b"}, .truth = &p.truth}},
      {p.found, {.legend = true, .truth = &p.truth}},
      {p.found, {.title = "title only", .truth = &p.truth}},
      {mixed, {.legend = true, .legend_notes = {"note"}}},
      {mixed, {}},
      {stars(7), {.title = "rows", .legend = true, .components_per_row = 3}},
      {Graph(), {.title = "empty", .legend = true}},
  };
  hilm::test::TempDir dir;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    const std::string in = dir.file("g" + std::to_string(i) + ".dot");
    const std::string svg = dir.file("g" + std::to_string(i) + ".svg");
    const std::string err = dir.file("g" + std::to_string(i) + ".err");
    hilm::write_dot(cases[i].first, in, cases[i].second);
    const int rc = std::system(("dot -Tsvg '" + in + "' -o '" + svg + "' 2>'" + err + "'").c_str());
    CHECK(rc == 0);
    const std::string messages = read_file(err);  // dot reports layout problems as "Warning: …"
    CHECK(messages.find("Warning") == std::string::npos);
    CHECK(messages.find("Error") == std::string::npos);
    const std::string drawing = read_file(svg);
    CHECK(drawing.find("<svg") != std::string::npos);
    if (cases[i].second.legend && cases[i].second.truth != nullptr) {
      CHECK(drawing.find("missed (in the truth, not found): " +
                         std::to_string(p.missed_edges.size())) != std::string::npos);
    }
  }
}
