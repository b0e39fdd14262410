// d-separation, CPDAG, Meek rules and the O_min / O_s operators on small graphs.
#include <algorithm>
#include <functional>
#include <set>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/graph/cpdag.hpp>
#include <hilm/graph/dseparation.hpp>
#include <hilm/graph/meek.hpp>
#include <hilm/graph/operators.hpp>

#include "graph/graph_fixtures.hpp"
#include "support/catch.hpp"

using hilm::Graph;
using hilm::Index;
using hilm::Mark;

namespace {

using hilm::test::random_dag;

// Brute-force d-connection by the path definition: some simple path from x to y on which every
// non-collider is outside Z and every collider has a descendant (itself included) in Z.
bool d_connected_by_paths(const Graph& g, Index x, Index y, const std::set<Index>& z) {
  const Index n = g.size();
  std::vector<std::set<Index>> desc(static_cast<std::size_t>(n));
  for (Index v = 0; v < n; ++v) {
    std::vector<Index> stack{v};
    while (!stack.empty()) {
      const Index u = stack.back();
      stack.pop_back();
      if (!desc[static_cast<std::size_t>(v)].insert(u).second) continue;
      for (const Index c : g.children(u)) stack.push_back(c);
    }
  }
  auto opens = [&](Index a, Index b, Index c) {  // is b open on a - b - c ?
    const bool collider = g.is_directed(a, b) && g.is_directed(c, b);
    if (!collider) return z.count(b) == 0;
    for (const Index d : desc[static_cast<std::size_t>(b)]) {
      if (z.count(d)) return true;
    }
    return false;
  };
  std::vector<Index> path{x};
  std::vector<char> on(static_cast<std::size_t>(n), 0);
  on[static_cast<std::size_t>(x)] = 1;
  std::function<bool()> extend = [&]() {
    const Index last = path.back();
    if (last == y) return true;
    for (const Index next : g.neighbors(last)) {
      if (on[static_cast<std::size_t>(next)]) continue;
      if (path.size() >= 2 && !opens(path[path.size() - 2], last, next)) continue;
      path.push_back(next);
      on[static_cast<std::size_t>(next)] = 1;
      if (extend()) return true;
      on[static_cast<std::size_t>(next)] = 0;
      path.pop_back();
    }
    return false;
  };
  return extend();
}

// All DAGs with the skeleton of `g` (edges enumerated by orientation bits), kept when they have
// the same v-structures as `g` (Verma & Pearl: exactly the Markov-equivalent DAGs).
std::vector<Graph> markov_equivalent_dags(const Graph& g) {
  const auto edges = g.edges();
  auto vstructures = [](const Graph& d) {
    std::set<std::array<Index, 3>> out;
    for (Index b = 0; b < d.size(); ++b) {
      const auto pa = d.parents(b);
      for (std::size_t i = 0; i < pa.size(); ++i) {
        for (std::size_t j = i + 1; j < pa.size(); ++j) {
          if (!d.adjacent(pa[i], pa[j])) out.insert({pa[i], b, pa[j]});
        }
      }
    }
    return out;
  };
  const auto target = vstructures(g);
  std::vector<Graph> out;
  for (std::size_t mask = 0; mask < (std::size_t{1} << edges.size()); ++mask) {
    Graph d(g.size());
    for (std::size_t k = 0; k < edges.size(); ++k) {
      const auto& e = edges[k];
      if ((mask >> k) & 1U) {
        d.add_edge(e.to, e.from);
      } else {
        d.add_edge(e.from, e.to);
      }
    }
    if (hilm::is_dag(d) && vstructures(d) == target) out.push_back(d);
  }
  return out;
}

}  // namespace

TEST_CASE("graph: d-separation on the chain, fork and collider", "[graph]") {
  // 0 → 1 → 2, 3 ← 2 → 4 (fork at 2), 0 → 5 ← 4 (collider 5), 5 → 6.
  Graph g(7);
  g.add_edge(0, 1);
  g.add_edge(1, 2);
  g.add_edge(2, 3);
  g.add_edge(2, 4);
  g.add_edge(0, 5);
  g.add_edge(4, 5);
  g.add_edge(5, 6);
  using V = std::vector<Index>;
  auto sep = [&](Index x, Index y, V z) { return hilm::d_separated(g, x, y, z); };
  CHECK_FALSE(sep(0, 2, {}));
  CHECK(sep(0, 2, {1}));           // chain blocked
  CHECK_FALSE(sep(3, 4, {}));      // fork open
  CHECK(sep(3, 4, {2}));           // fork blocked
  CHECK(sep(1, 4, {2}));           // 1 ← 0 → 5 ← 4: collider 5 closed
  CHECK_FALSE(sep(1, 4, {2, 5}));  // collider opened
  CHECK_FALSE(sep(1, 4, {2, 6}));  // opened through its descendant
  CHECK(sep(1, 4, {0, 2, 5}));     // ... and closed again at the fork 0
  const V xs{1, 3}, ys{6}, zs{0, 2, 5};
  CHECK(hilm::d_separated(g, xs, ys, zs));
  CHECK_THROWS_AS(sep(0, 1, {0}), hilm::invalid_argument);
  Graph mixed(2);
  mixed.add_edge(0, 1, Mark::Undirected);
  CHECK_THROWS_AS(hilm::d_separated(mixed, 0, 1, V{}), hilm::invalid_argument);
}

TEST_CASE("graph: Bayes-ball agrees with the path definition on random DAGs", "[graph]") {
  hilm::Random rng(hilm::test::seed(71));
  int separated = 0, connected = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const Graph g = random_dag(rng, 7, 0.35);
    for (int q = 0; q < 10; ++q) {
      const Index x = static_cast<Index>(rng.uniform_index(7));
      Index y = static_cast<Index>(rng.uniform_index(7));
      if (y == x) y = (x + 1) % 7;
      std::vector<Index> z;
      std::set<Index> zs;
      for (Index v = 0; v < 7; ++v) {
        if (v != x && v != y && rng.bernoulli(0.3)) {
          z.push_back(v);
          zs.insert(v);
        }
      }
      const bool fast = hilm::d_separated(g, x, y, z);
      const bool slow = !d_connected_by_paths(g, x, y, zs);
      REQUIRE(fast == slow);
      (fast ? separated : connected) += 1;
    }
  }
  CHECK(separated > 20);  // both outcomes exercised
  CHECK(connected > 20);
}

TEST_CASE("graph: dag_to_cpdag keeps exactly the edges all equivalent DAGs share", "[graph]") {
  SECTION("v-structure and Meek R1") {
    Graph g(4);  // 0 → 2 ← 1, 2 → 3: all compelled
    g.add_edge(0, 2);
    g.add_edge(1, 2);
    g.add_edge(2, 3);
    const Graph c = hilm::dag_to_cpdag(g);
    CHECK(c.is_directed(0, 2));
    CHECK(c.is_directed(1, 2));
    CHECK(c.is_directed(2, 3));
  }
  SECTION("a chain is fully reversible") {
    Graph g(3);
    g.add_edge(0, 1);
    g.add_edge(1, 2);
    const Graph c = hilm::dag_to_cpdag(g);
    CHECK(c.is_undirected(0, 1));
    CHECK(c.is_undirected(1, 2));
  }
  SECTION("random DAGs against brute-force enumeration of the equivalence class") {
    hilm::Random rng(hilm::test::seed(72));
    for (int trial = 0; trial < 25; ++trial) {
      const Graph g = random_dag(rng, 6, 0.4);
      const Graph c = hilm::dag_to_cpdag(g);
      const auto members = markov_equivalent_dags(g);
      REQUIRE(!members.empty());
      for (const auto& e : g.edges()) {
        bool both = false;
        for (const auto& d : members) both = both || d.is_directed(e.to, e.from);
        if (both) {
          CHECK(c.is_undirected(e.from, e.to));
        } else {
          CHECK(c.is_directed(e.from, e.to));
        }
      }
    }
  }
  Graph cyclic(3);
  cyclic.add_edge(0, 1);
  cyclic.add_edge(1, 2);
  cyclic.add_edge(2, 0);
  CHECK_FALSE(hilm::is_dag(cyclic));
  CHECK_THROWS_AS(hilm::dag_to_cpdag(cyclic), hilm::invalid_argument);
}

TEST_CASE("graph: Meek rules R1-R4 each orient their pattern", "[graph]") {
  SECTION("R1") {
    Graph g(3);
    g.add_edge(0, 1);
    g.add_edge(1, 2, Mark::Undirected);
    CHECK(hilm::apply_meek_rules(g) == 1);
    CHECK(g.is_directed(1, 2));
  }
  SECTION("R2") {
    Graph g(3);
    g.add_edge(0, 1);
    g.add_edge(1, 2);
    g.add_edge(0, 2, Mark::Undirected);
    hilm::apply_meek_rules(g);
    CHECK(g.is_directed(0, 2));
  }
  SECTION("R3") {
    Graph g(4);  // a=0; c=1, d=2 non-adjacent; b=3
    g.add_edge(0, 1, Mark::Undirected);
    g.add_edge(0, 2, Mark::Undirected);
    g.add_edge(1, 3);
    g.add_edge(2, 3);
    g.add_edge(0, 3, Mark::Undirected);
    hilm::apply_meek_rules(g);
    CHECK(g.is_directed(0, 3));
    CHECK(g.is_undirected(0, 1));
  }
  SECTION("R4, only with rule4 on") {
    // a=0 — b=3; d=1 → c=2 → b=3; a adjacent to c and d; d, b non-adjacent.
    auto make = [] {
      Graph g(4);
      g.add_edge(0, 3, Mark::Undirected);
      g.add_edge(1, 2);
      g.add_edge(2, 3);
      g.add_edge(0, 1, Mark::Undirected);
      g.add_edge(0, 2, Mark::Undirected);
      return g;
    };
    Graph with = make();
    hilm::apply_meek_rules(with);
    CHECK(with.is_directed(0, 3));
    Graph without = make();
    hilm::apply_meek_rules(without, {.rule4 = false});
    CHECK(without.is_undirected(0, 3));
  }
  SECTION("nothing to do on an undirected chain") {
    Graph g(3);
    g.add_edge(0, 1, Mark::Undirected);
    g.add_edge(1, 2, Mark::Undirected);
    CHECK(hilm::apply_meek_rules(g) == 0);
  }
}

TEST_CASE("graph: O_min merges a one-to-one latent bottleneck, O_s completes covers", "[graph]") {
  // Observed X1..X4 (0..3); L1 (4) → L2 (5) → {X1, X2}; L1 → {X3, X4}.
  Graph g(4);
  const Index l1 = g.add_node({"L1", false, 2, 0});
  const Index l2 = g.add_node({"L2", false, 1, 0});
  g.add_edge(l1, l2);
  g.add_edge(l2, 0);
  g.add_edge(l2, 1);
  g.add_edge(l1, 2);
  g.add_edge(l1, 3);
  const Graph m = hilm::minimal_graph(g);
  REQUIRE(m.size() == 5);
  CHECK(m.node(4).name == "L1");
  CHECK(m.children(4) == std::vector<Index>{0, 1, 2, 3});

  // Negative control: L2 has a second parent L3, so it is not L1's bottleneck.
  Graph h = g;
  const Index l3 = h.add_node({"L3", false, 2, 0});
  h.add_edge(l3, l2);
  CHECK(hilm::minimal_graph(h).size() == h.size());
  // An observed child in between is never merged.
  Graph k(3);
  k.add_edge(0, 1);
  k.add_edge(1, 2);
  CHECK(hilm::minimal_graph(k) == k);

  // O_s: cover {L1, L2} of two latents over X1..X3: every member gets every child.
  Graph s(3);
  const Index a = s.add_node({"L1", false, 1, 0});
  const Index b = s.add_node({"L2", false, 1, 0});
  s.add_edge(a, 0);
  s.add_edge(a, 1);
  s.add_edge(b, 2);
  const Graph closed = hilm::skeleton_closure(s, {{a, b}});
  CHECK(closed.children(a) == std::vector<Index>{0, 1, 2});
  CHECK(closed.children(b) == std::vector<Index>{0, 1, 2});
  CHECK_FALSE(closed.adjacent(a, b));
  CHECK(hilm::skeleton_closure(s) == s);  // singleton covers: unchanged
  CHECK_THROWS_AS(hilm::skeleton_closure(s, {{0}}), hilm::invalid_argument);
}
