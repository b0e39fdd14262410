// PC: oracle recovery of random CPDAGs, thread-count independence, depth limit, background
// knowledge and the collider conflict rules on a scripted test.
#include <map>
#include <set>
#include <span>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/core/threads.hpp>
#include <hilm/graph/cpdag.hpp>
#include <hilm/graph/dseparation.hpp>
#include <hilm/graph/endpoint_matrix.hpp>
#include <hilm/graph/pc.hpp>
#include <hilm/stats/fisher_z.hpp>

#include "graph/graph_fixtures.hpp"
#include "support/catch.hpp"

using hilm::Graph;
using hilm::Index;
using hilm::Mark;
using hilm::PcOptions;
using hilm::UcPriority;
using hilm::UcRule;

namespace {

using hilm::test::random_dag;

// A test answering "independent" exactly for the listed (unordered pair, set) queries.
struct ScriptedTest {
  Index p;
  std::set<std::vector<Index>> independent;  // {min, max, sorted S...}
  hilm::CiResult test(Index x, Index y, std::span<const Index> z) const {
    std::vector<Index> key{std::min(x, y), std::max(x, y)};
    std::vector<Index> s(z.begin(), z.end());
    std::sort(s.begin(), s.end());
    key.insert(key.end(), s.begin(), s.end());
    hilm::CiResult r;
    r.p_value = independent.count(key) ? 0.5 : 0.001;
    return r;
  }
  Index num_variables() const { return p; }
};

}  // namespace

TEST_CASE("pc: a d-separation oracle gives the CPDAG of random DAGs (stable and original)",
          "[graph][pc]") {
  hilm::Random rng(hilm::test::seed(81));
  for (int trial = 0; trial < 30; ++trial) {
    const Graph dag = random_dag(rng, 9, 0.3);
    const Graph truth = hilm::dag_to_cpdag(dag);
    hilm::DSeparationOracle oracle(dag);
    for (const bool stable : {true, false}) {
      for (const auto priority :
           {UcPriority::Overwrite, UcPriority::OrientBidirected, UcPriority::ExistingColliders,
            UcPriority::StrongerColliders, UcPriority::StrongerStarColliders}) {
        PcOptions o;
        o.stable = stable;
        o.uc_priority = priority;
        const auto r = hilm::pc(oracle, o);
        REQUIRE(r.status == hilm::FitStatus::Converged);
        REQUIRE(hilm::to_causal_learn_matrix(r.graph) == hilm::to_causal_learn_matrix(truth));
      }
    }
    // max-p rules with the oracle also find the truth (p-values are 0/1: no ties to break).
    for (const auto rule : {UcRule::MaxP, UcRule::DefiniteMaxP}) {
      PcOptions o;
      o.uc_rule = rule;
      o.uc_priority = UcPriority::RuleDefault;
      const auto r = hilm::pc(oracle, o);
      CHECK(hilm::to_causal_learn_matrix(r.graph) == hilm::to_causal_learn_matrix(truth));
    }
  }
}

TEST_CASE("pc: separating sets are recorded for every removed adjacency", "[graph][pc]") {
  Graph dag(4);  // 0 → 2 ← 1, 2 → 3
  dag.add_edge(0, 2);
  dag.add_edge(1, 2);
  dag.add_edge(2, 3);
  hilm::DSeparationOracle oracle(dag);
  const auto r = hilm::pc(oracle, {});
  REQUIRE(r.sepsets.find(0, 1) != nullptr);
  CHECK(r.sepsets.find(0, 1)->empty());
  CHECK(*r.sepsets.find(0, 3) == std::vector<Index>{2});
  CHECK(r.sepsets.separates_with(3, 1, 2));
  CHECK(r.sepsets.find(0, 2) == nullptr);  // adjacent
  CHECK(r.tests_run > 0);
  CHECK(r.depth_reached == 2);  // node 2 keeps 3 neighbours, so depth 2 is still searched
}

TEST_CASE("pc: the stable result does not depend on the thread count", "[graph][pc]") {
  hilm::Random rng(hilm::test::seed(82));
  const Graph dag = random_dag(rng, 12, 0.25);
  // Linear-Gaussian data from the DAG: X = B X + e with weights in ±[0.5, 1.5].
  const Index n = 3000, p = dag.size();
  hilm::RowMatrix<double> x(n, p);
  std::vector<Index> order;
  {
    std::vector<Index> indeg(static_cast<std::size_t>(p), 0);
    for (const auto& e : dag.edges()) ++indeg[static_cast<std::size_t>(e.to)];
    std::vector<Index> ready;
    for (Index i = 0; i < p; ++i) {
      if (indeg[static_cast<std::size_t>(i)] == 0) ready.push_back(i);
    }
    while (!ready.empty()) {
      const Index v = ready.back();
      ready.pop_back();
      order.push_back(v);
      for (const Index c : dag.children(v)) {
        if (--indeg[static_cast<std::size_t>(c)] == 0) ready.push_back(c);
      }
    }
  }
  std::map<std::pair<Index, Index>, double> weight;
  for (const auto& e : dag.edges()) {
    weight[{e.from, e.to}] = (rng.bernoulli(0.5) ? 1.0 : -1.0) * rng.uniform(0.5, 1.5);
  }
  for (Index row = 0; row < n; ++row) {
    for (const Index v : order) {
      double value = rng.normal();
      for (const Index pa : dag.parents(v)) value += weight[{pa, v}] * x(row, pa);
      x(row, v) = value;
    }
  }
  hilm::FisherZTest fz(x);
  PcOptions o;
  o.alpha = 0.01;
  hilm::PcResult one, two;
  {
    hilm::ScopedThreads t(1);
    one = hilm::pc(fz, o);
  }
  {
    hilm::ScopedThreads t(2);
    two = hilm::pc(fz, o);
  }
  CHECK(one.graph == two.graph);
  CHECK(one.tests_run == two.tests_run);
  CHECK(one.sepsets.all() == two.sepsets.all());
  CHECK(one.graph.num_edges() > 0);  // the data are informative
}

TEST_CASE("pc: depth limit, background knowledge and option validation", "[graph][pc]") {
  // 0 → 1 → 2 → 3 plus 0 → 3: separating 1 from 3 needs {0, 2} (depth 2).
  Graph dag(4);
  dag.add_edge(0, 1);
  dag.add_edge(1, 2);
  dag.add_edge(2, 3);
  dag.add_edge(0, 3);
  hilm::DSeparationOracle oracle(dag);
  PcOptions shallow;
  shallow.depth = 1;
  const auto r1 = hilm::pc(oracle, shallow);
  CHECK(r1.depth_reached == 1);
  CHECK(r1.graph.adjacent(1, 3));  // not removable at depth ≤ 1
  const auto full = hilm::pc(oracle, {});
  CHECK_FALSE(full.graph.adjacent(1, 3));

  PcOptions bk;
  bk.background.forbidden = {{0, 1}, {1, 0}};  // remove 0 – 1 whatever the data say
  bk.background.required = {{3, 2}};           // keep 2 – 3 and orient it 3 → 2
  const auto r2 = hilm::pc(oracle, bk);
  CHECK_FALSE(r2.graph.adjacent(0, 1));
  CHECK(r2.graph.is_directed(3, 2));
  PcOptions one_way;
  one_way.background.forbidden = {{1, 2}};  // 1 → 2 forbidden: oriented 2 → 1
  const auto r3 = hilm::pc(oracle, one_way);
  CHECK(r3.graph.is_directed(2, 1));

  PcOptions bad;
  bad.alpha = 1.5;
  CHECK_THROWS_AS(hilm::pc(oracle, bad), hilm::invalid_argument);
  bad = PcOptions{};
  bad.uc_rule = UcRule::DefiniteMaxP;
  bad.uc_priority = UcPriority::OrientBidirected;
  CHECK_THROWS_AS(hilm::pc(oracle, bad), hilm::invalid_argument);
  bad = PcOptions{};
  bad.background.required = {{0, 9}};
  CHECK_THROWS_AS(hilm::pc(oracle, bad), hilm::invalid_argument);

  PcOptions cancel;
  cancel.progress = [](const hilm::Progress&) { return false; };
  const auto cancelled = hilm::pc(oracle, cancel);
  CHECK(cancelled.status == hilm::FitStatus::Cancelled);
  CHECK(cancelled.usable());  // the skeleton found so far
  CHECK(full.usable());
  CHECK_FALSE(hilm::PcResult{}.usable());  // not run
}

TEST_CASE("pc: collider choices keep causal-learn's codes, and validate() names field and value",
          "[graph][pc]") {
  CHECK(static_cast<int>(UcRule::SeparatingSets) == 0);
  CHECK(static_cast<int>(UcRule::MaxP) == 1);
  CHECK(static_cast<int>(UcRule::DefiniteMaxP) == 2);
  CHECK(static_cast<int>(UcPriority::RuleDefault) == -1);
  CHECK(static_cast<int>(UcPriority::Overwrite) == 0);
  CHECK(static_cast<int>(UcPriority::OrientBidirected) == 1);
  CHECK(static_cast<int>(UcPriority::ExistingColliders) == 2);
  CHECK(static_cast<int>(UcPriority::StrongerColliders) == 3);
  CHECK(static_cast<int>(UcPriority::StrongerStarColliders) == 4);
  CHECK(PcOptions{}.uc_rule == UcRule::SeparatingSets);  // causal-learn's pc() defaults
  CHECK(PcOptions{}.uc_priority == UcPriority::ExistingColliders);
  CHECK_FALSE(PcOptions{}.validate().has_value());

  PcOptions o;
  o.alpha = 1.5;
  CHECK(o.validate().value_or("") == "PcOptions::alpha must be in (0, 1), got 1.5");
  o = PcOptions{};
  o.depth = -2;
  CHECK(o.validate().value_or("") == "PcOptions::depth must be >= -1, got -2");
  o = PcOptions{};
  o.uc_rule = static_cast<UcRule>(3);
  CHECK(o.validate().value_or("") == "PcOptions::uc_rule must be 0, 1 or 2, got 3");
  o = PcOptions{};
  o.uc_priority = static_cast<UcPriority>(7);
  CHECK(o.validate().value_or("") == "PcOptions::uc_priority must be in -1..4, got 7");
  o = PcOptions{};
  o.uc_rule = UcRule::DefiniteMaxP;
  o.uc_priority = UcPriority::Overwrite;
  CHECK(o.validate().value_or("") ==
        "PcOptions::uc_priority must be -1, 2, 3 or 4 with uc_rule 2 (definite max-p), got 0");

  hilm::BackgroundKnowledge bk;
  bk.required = {{0, 9}};
  CHECK(bk.validate(4).value_or("") ==
        "BackgroundKnowledge::required must hold node ids in [0, 4), got 0 -> 9");
  bk.required = {{1, 1}};
  CHECK(bk.validate(4).value_or("") ==
        "BackgroundKnowledge::required must hold no self-loop, got 1 -> 1");
  bk.required = {{0, 1}, {1, 0}};
  CHECK(bk.validate(4).value_or("") ==
        "BackgroundKnowledge::required must hold no edge whose reverse is also required, got 0 "
        "-> 1");
  bk.required = {{0, 1}};
  bk.forbidden = {{0, 1}};
  CHECK(bk.validate(4).value_or("") ==
        "BackgroundKnowledge::required must hold no edge that is also forbidden, got 0 -> 1");
  bk.required.clear();
  bk.forbidden = {{2, 5}};
  CHECK(bk.validate(4).value_or("") ==
        "BackgroundKnowledge::forbidden must hold node ids in [0, 4), got 2 -> 5");
}

TEST_CASE("pc: uc_priority resolves conflicting colliders as causal-learn documents",
          "[graph][pc]") {
  // Skeleton 0 – 1 – 2 – 3 (a path) with sepsets that make both 0 → 1 ← 2 and 1 → 2 ← 3
  // colliders: the edge 1 – 2 is claimed in both directions.
  ScriptedTest t{4, {{0, 2}, {1, 3}, {0, 3}}};
  auto run = [&](UcPriority priority) {
    PcOptions o;
    o.uc_priority = priority;
    return hilm::pc(t, o).graph;
  };
  const Graph overwrite = run(UcPriority::Overwrite);  // later triple (1, 2, 3) wins
  CHECK(overwrite.is_directed(0, 1));
  CHECK(overwrite.is_directed(1, 2));
  CHECK(overwrite.is_directed(3, 2));
  const Graph bidirected = run(UcPriority::OrientBidirected);
  CHECK(bidirected.is_directed(0, 1));
  CHECK(bidirected.is_bidirected(1, 2));
  CHECK(bidirected.is_directed(3, 2));
  const Graph keep =
      run(UcPriority::ExistingColliders);  // first triple (0, 1, 2) kept; (1, 2, 3) skipped
  CHECK(keep.is_directed(0, 1));
  CHECK(keep.is_directed(2, 1));
  CHECK(keep.is_undirected(2, 3));
  // Negative control: with a consistent script (1 in sepset(0, 2)) there is one collider only.
  ScriptedTest consistent{4, {{0, 2, 1}, {1, 3}, {0, 3}}};
  PcOptions o;
  const Graph single = hilm::pc(consistent, o).graph;
  CHECK(single.is_undirected(0, 1));
  CHECK(single.is_directed(1, 2));
  CHECK(single.is_directed(3, 2));
}
