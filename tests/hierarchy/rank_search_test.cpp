// Tests of hierarchy/rank_search.hpp with EXACT rank oracles (population covariances and exact
// probability tables): what the search identifies without sampling error, plus negative
// controls. Sampled-data checks (T5, T7, T8) are in rank_recovery_test.cpp; the last test feeds
// the CCA oracle collinear samples to check that its errors reach the caller.
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/threads.hpp>
#include <hilm/hierarchy/rank_search.hpp>
#include <hilm/synth/discrete.hpp>
#include <hilm/synth/linear_sem.hpp>
#include <hilm/testing/rank_oracles.hpp>

#include "hierarchy/rank_support.hpp"
#include "support/catch.hpp"

namespace {

using hilm::Index;
namespace hh = hilm;
namespace hs = hilm;
using hilm::test::two_latent_graph;

// Two binary latents L1 → L2, each with three ternary pure children (the T5 graph).

// Observed block of a linear SEM's population covariance.
hilm::Matrix<double> observed_covariance(const hs::LinearSemData<double>& d) {
  const auto p = static_cast<Index>(d.observed.size());
  hilm::Matrix<double> s(p, p);
  for (Index i = 0; i < p; ++i)
    for (Index j = 0; j < p; ++j)
      s(i, j) = d.covariance(d.observed[std::size_t(i)], d.observed[std::size_t(j)]);
  return s;
}

}  // namespace

TEST_CASE("rank search: exact tables of two binary latents give the two clusters",
          "[hierarchy][rank]") {
  for (bool dependent : {false, true}) {
    CAPTURE(dependent);
    const auto truth = two_latent_graph(dependent);
    const auto model = hs::random_cpts(truth, {.seed = hilm::test::seed(11)});
    const auto oracle = hilm::testing::ExactRankOracle::discrete(model);
    const auto result = hh::rank_search(oracle);
    REQUIRE(result.status == hilm::FitStatus::Converged);
    CHECK(result.graph.size() == 8);
    CHECK(hilm::test::observed_clusters(result.graph) == hilm::test::observed_clusters(truth));
    for (Index v = 6; v < result.graph.size(); ++v) {
      CHECK_FALSE(result.graph.node(v).observed);
      CHECK(result.graph.node(v).cardinality == 2);
      CHECK(result.graph.node(v).level == 1);
    }
    // Dependent latents are joined (undirected: the direction is not identified); independent
    // ones are not.
    CHECK(result.graph.adjacent(6, 7) == dependent);
  }
}

TEST_CASE("rank search: exact tables of the T7 tree recover skeleton and cardinalities",
          "[hierarchy][rank]") {
  // 2 binary top latents → 6 binary mid latents → 12 ternary leaves.
  hs::DiscreteHierarchyOptions options;
  options.samples = 1;
  options.graph = {
      .widths = {2, 6}, .observed_per_leaf = 2, .latent_cardinality = 2, .observed_cardinality = 3};
  options.seed = hilm::test::seed(12);
  const auto data = hs::discrete_hierarchy(options);
  const auto oracle = hilm::testing::ExactRankOracle::discrete(data.model);
  const auto result = hh::rank_search(oracle);
  const auto pr = hilm::test::hierarchy_skeleton(data.model.graph, result.graph, 12);
  CHECK(pr.f1 == 1.0);
  Index latents = 0;
  for (const auto& n : result.graph.nodes()) {
    if (n.observed) continue;
    ++latents;
    CHECK(n.cardinality == 2);
  }
  CHECK(latents == 8);
  // Levels: six latents at level 1, two at level 2.
  Index top = 0;
  for (const auto& n : result.graph.nodes()) top += (!n.observed && n.level == 2) ? 1 : 0;
  CHECK(top == 2);
}

TEST_CASE("rank search: a 3-state latent gets cardinality 3", "[hierarchy][rank]") {
  hs::SynthGraph g;
  g.nodes = 7;
  g.observed = {true, true, true, true, true, true, false};
  g.level = {0, 0, 0, 0, 0, 0, 1};
  g.cardinality = {3, 3, 3, 4, 2, 2, 3};
  for (Index c = 0; c < 4; ++c) g.edges.emplace_back(6, c);
  // Children 4, 5 are independent binary noise: no latent may be invented for them.
  const auto model = hs::random_cpts(g, {.seed = hilm::test::seed(13)});
  const auto result = hh::rank_search(hilm::testing::ExactRankOracle::discrete(model));
  REQUIRE(result.covers.size() == 1);
  CHECK(result.graph.node(result.covers[0].latents[0]).cardinality == 3);
  CHECK(result.covers[0].children == std::vector<Index>{0, 1, 2, 3});
  CHECK(result.graph.neighbors(4).empty());
  CHECK(result.graph.neighbors(5).empty());
}

TEST_CASE("rank search: exact covariances of linear latent trees give F1 = 1",
          "[hierarchy][rank]") {
  for (const std::vector<Index>& widths :
       {std::vector<Index>{1, 3}, std::vector<Index>{1, 4}, std::vector<Index>{1, 3, 6}}) {
    for (std::uint64_t s = 0; s < 3; ++s) {
      hs::LinearLatentHierarchyOptions o;
      o.graph.widths = widths;
      o.graph.observed_per_leaf = 3;
      o.sem.samples = 2;
      o.seed = hilm::test::seed(100 + s);
      const auto d = hs::linear_latent_hierarchy(o);
      const auto oracle = hilm::testing::ExactRankOracle::linear(observed_covariance(d));
      const auto result = hh::rank_search(oracle);
      const auto p = static_cast<Index>(d.observed.size());
      const auto pr = hilm::test::hierarchy_skeleton(d.graph, result.graph, p);
      CAPTURE(widths.size(), s, result.graph.size(), d.graph.nodes);
      CHECK(pr.f1 == 1.0);
    }
  }
}

TEST_CASE("rank search: a two-latent cover is found at k = 2", "[hierarchy][rank]") {
  // L1, L2 (independent roots) are both parents of X1..X5 and of L3, whose children are
  // X6..X8. Three of X1..X5 have rank 2 against the rest: a cover of two latents.
  hs::SynthGraph g;
  g.nodes = 11;
  g.observed = std::vector<bool>(8, true);
  g.observed.insert(g.observed.end(), {false, false, false});
  g.level = {0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 1};
  g.cardinality.assign(11, 0);
  for (Index c = 0; c < 5; ++c) {
    g.edges.emplace_back(8, c);
    g.edges.emplace_back(9, c);
  }
  for (Index c = 5; c < 8; ++c) g.edges.emplace_back(10, c);
  g.edges.emplace_back(8, 10);
  g.edges.emplace_back(9, 10);
  const auto d = hs::linear_sem(g, {.samples = 2, .seed = hilm::test::seed(14)});
  const auto result =
      hh::rank_search(hilm::testing::ExactRankOracle::linear(observed_covariance(d)));
  REQUIRE(result.covers.size() == 2);
  CHECK(result.covers[0].rank == 1);
  CHECK(result.covers[0].children == std::vector<Index>{5, 6, 7});
  CHECK(result.covers[1].rank == 2);
  CHECK(result.covers[1].latents.size() == 2);
  // Children: X1..X5 and the latent of the first cover.
  CHECK(result.covers[1].children ==
        std::vector<Index>{0, 1, 2, 3, 4, result.covers[0].latents[0]});
  CHECK(hilm::test::hierarchy_skeleton(g, result.graph, 8).f1 == 1.0);
}

TEST_CASE("rank search: negative controls invent no latent", "[hierarchy][rank]") {
  SECTION("independent variables (identity covariance)") {
    const auto oracle =
        hilm::testing::ExactRankOracle::linear(hilm::Matrix<double>::Identity(8, 8));
    const auto result = hh::rank_search(oracle);
    CHECK(result.covers.empty());
    CHECK(result.graph.size() == 8);
    CHECK(result.graph.num_edges() == 0);
  }
  SECTION("an oracle that always reports full rank") {
    auto full = [](std::span<const Index> a, std::span<const Index> b) {
      return static_cast<Index>(std::min(a.size(), b.size()));
    };
    const hh::CallableRankOracle oracle(std::vector<Index>(10, 1), full);
    const auto result = hh::rank_search(oracle, {.close_roots = false});
    CHECK(result.covers.empty());
    CHECK(result.graph.num_edges() == 0);
    CHECK(result.rank_tests > 0);
  }
  SECTION("the positive twin: an oracle of one common cause finds it") {
    // A single latent above all p variables: rank 1 between any two disjoint sets.
    auto one = [](std::span<const Index>, std::span<const Index>) { return Index{1}; };
    const hh::CallableRankOracle oracle(std::vector<Index>(6, 1), one);
    const auto result = hh::rank_search(oracle);
    REQUIRE(result.covers.size() == 1);
    CHECK(result.covers[0].children.size() == 6);
  }
}

TEST_CASE("rank search: options are validated", "[hierarchy][rank]") {
  const auto oracle = hilm::testing::ExactRankOracle::linear(hilm::Matrix<double>::Identity(4, 4));
  CHECK_THROWS_AS(hh::rank_search(oracle, {.max_rank = 0}), hilm::invalid_argument);
  CHECK_THROWS_AS(hh::rank_search(oracle, {.names = {"a"}}), hilm::invalid_argument);
  const hilm::Matrix<double> x = hilm::Matrix<double>::Random(50, 4);
  CHECK_THROWS_AS(hh::rank_search(x, {.alpha = 1.5}), hilm::invalid_argument);
  CHECK_THROWS_AS(hh::discrete_rank_search(x, {}), hilm::invalid_argument);  // not integers
}

TEST_CASE("rank search: a progress callback can cancel", "[hierarchy][rank]") {
  const auto oracle = hilm::testing::ExactRankOracle::linear(hilm::Matrix<double>::Identity(6, 6));
  hh::RankSearchOptions o;
  o.progress = [](const hilm::Progress&) { return false; };
  const auto result = hh::rank_search(oracle, o);
  CHECK(result.status == hilm::FitStatus::Cancelled);
  CHECK(result.usable());  // the partial graph of the rounds that ran
}

TEST_CASE("rank search: results say whether they are usable", "[hierarchy][rank]") {
  const auto oracle = hilm::testing::ExactRankOracle::linear(hilm::Matrix<double>::Identity(4, 4));
  const auto result = hh::rank_search(oracle);
  CHECK(result.status == hilm::FitStatus::Converged);
  CHECK(result.usable());
  CHECK_FALSE(hh::RankSearchResult{}.usable());  // NotRun
  hilm::detail::EngineOutput engine;
  CHECK_FALSE(engine.usable());
  engine.status = hilm::FitStatus::Converged;
  CHECK(engine.usable());
  engine.status = hilm::FitStatus::NumericalIssue;
  CHECK_FALSE(engine.usable());
}

TEST_CASE("rank search: option messages use the one format", "[hierarchy][rank]") {
  CHECK(hh::RankSearchOptions{.alpha = 1.5}.validate() ==
        "RankSearchOptions::alpha must lie in (0, 1), got 1.5");
  CHECK(hh::RankSearchOptions{.max_rank = 0}.validate() ==
        "RankSearchOptions::max_rank must be >= 1, got 0");
  CHECK_FALSE(hh::RankSearchOptions{}.validate());
  const auto oracle = hilm::testing::ExactRankOracle::linear(hilm::Matrix<double>::Identity(4, 4));
  try {
    (void)hh::rank_search(oracle, {.names = {"a"}});
    FAIL("no exception");
  } catch (const hilm::invalid_argument& e) {
    CHECK(std::string(e.what()) ==
          "RankSearchOptions::names must have one entry per variable (4), got 1 name");
  }
}

namespace {

// n samples of two independent latents with three noisy children each (columns 0–2 and 3–5).
hilm::Matrix<double> two_latent_samples(Index n, std::uint64_t salt) {
  hilm::Random rng(hilm::test::seed(salt));
  hilm::Matrix<double> x(n, 6);
  for (Index i = 0; i < n; ++i) {
    const double l1 = rng.normal(), l2 = rng.normal();
    for (Index j = 0; j < 3; ++j) x(i, j) = l1 + 0.5 * rng.normal();
    for (Index j = 3; j < 6; ++j) x(i, j) = l2 + 0.5 * rng.normal();
  }
  return x;
}

// The CCA search on `x` with a team of two threads (the rank tests run in a parallel region).
hh::RankSearchResult cca_search(const hilm::Matrix<double>& x) {
  const hilm::ScopedThreads threads(2);
  return hh::rank_search(hh::CcaRankOracle::continuous(x));
}

}  // namespace

// Collinear columns make Σ_AA or Σ_BB of some rank test singular; the CCA test then throws
// numerical_error from inside the search's parallel region. It must reach the caller (before
// issue 13 it escaped the OpenMP region and aborted the process).
TEST_CASE("rank search: collinear data raise numerical_error at the caller", "[hierarchy][rank]") {
  const hilm::Matrix<double> base = two_latent_samples(500, 40);
  SECTION("the positive twin: the same data without redundancy search without error") {
    CHECK_NOTHROW(cca_search(base));
  }
  SECTION("a duplicated column") {
    hilm::Matrix<double> x(base.rows(), 7);
    x << base, base.col(0);
    CHECK_THROWS_AS(cca_search(x), hilm::numerical_error);
  }
  SECTION("a column that is the sum of two others") {
    hilm::Matrix<double> x(base.rows(), 7);
    x << base, base.col(0) + base.col(3);
    CHECK_THROWS_AS(cca_search(x), hilm::numerical_error);
  }
  SECTION("two rows: every correlation is ±1") {
    const hilm::Matrix<double> x = base.topRows(2);
    CHECK_THROWS_AS(cca_search(x), hilm::numerical_error);
    // The one-shot overload on data goes through the same oracle.
    CHECK_THROWS_AS(hh::rank_search(x), hilm::numerical_error);
  }
}
