#include <hilm/metrics/graph_metrics.hpp>
#include <hilm/synth/graph.hpp>

#include "support/catch.hpp"

using Catch::Matchers::WithinAbs;
using hilm::Adjacency;
using hilm::compare_graphs;
using hilm::Index;
using hilm::latent_scores;

namespace {

Adjacency make(Index n, std::initializer_list<std::pair<Index, Index>> directed,
               std::initializer_list<std::pair<Index, Index>> undirected = {}) {
  Adjacency a = Adjacency::Zero(n, n);
  for (const auto& [i, j] : directed) a(i, j) = 1;
  for (const auto& [i, j] : undirected) a(i, j) = a(j, i) = 1;
  return a;
}

}  // namespace

TEST_CASE("graph metrics: SHD and F1 on a hand-worked pair of CPDAGs", "[metrics]") {
  const Adjacency truth = make(5, {{0, 1}, {2, 3}, {3, 4}}, {{1, 2}});
  const Adjacency estimate = make(5, {{1, 0}, {0, 3}, {3, 4}}, {{1, 2}});
  // Pairs: (0,1) reversed, (2,3) missing, (0,3) extra → SHD 3; (1,2) and (3,4) agree.
  const auto r = compare_graphs(truth, estimate);
  CHECK(r.shd == 3);
  CHECK(r.skeleton.true_positive == 3);
  CHECK(r.skeleton.false_positive == 1);
  CHECK(r.skeleton.false_negative == 1);
  CHECK_THAT(r.skeleton.f1, WithinAbs(0.75, 1e-15));
  // Directed: only 3 → 4 is right; 1 → 0 and 0 → 3 are wrong; 0 → 1 and 2 → 3 are missed.
  CHECK(r.oriented.true_positive == 1);
  CHECK(r.oriented.false_positive == 2);
  CHECK(r.oriented.false_negative == 2);
  CHECK_THAT(r.oriented.precision, WithinAbs(1.0 / 3.0, 1e-15));
  CHECK_THAT(r.oriented.f1, WithinAbs(1.0 / 3.0, 1e-15));
  CHECK(hilm::structural_hamming_distance(estimate, truth) == 3);
}

TEST_CASE("graph metrics: identical graphs score perfectly, bad input throws", "[metrics]") {
  const auto g = hilm::random_dag(
      hilm::RandomDagOptions{.nodes = 12, .expected_degree = 3, .seed = hilm::test::seed(91)});
  const auto r = compare_graphs(g.adjacency(), g.adjacency());
  CHECK(r.shd == 0);
  CHECK(r.skeleton.f1 == 1);
  CHECK(r.oriented.f1 == 1);
  // The empty estimate: SHD = number of edges, recall 0.
  const auto e = compare_graphs(g.adjacency(), Adjacency::Zero(12, 12));
  CHECK(e.shd == static_cast<Index>(g.edges.size()));
  CHECK(e.skeleton.precision == 1);
  CHECK((g.edges.empty() || e.skeleton.recall == 0));
  Adjacency bad = Adjacency::Zero(3, 3);
  bad(1, 1) = 1;
  CHECK_THROWS_AS(compare_graphs(bad, bad), hilm::invalid_argument);
  CHECK_THROWS_AS(compare_graphs(bad, Adjacency::Zero(4, 4)), hilm::invalid_argument);
}

TEST_CASE("graph metrics: latent omission, commission and mismeasurement", "[metrics]") {
  // Truth: L6 → {0, 1, 2}, L7 → {3, 4, 5}.
  const Adjacency truth = make(8, {{6, 0}, {6, 1}, {6, 2}, {7, 3}, {7, 4}, {7, 5}});
  // Estimate: E6 → {0, 1}, E7 → {2, 3, 4, 5}, E8 with no observed descendant.
  // Jaccard: L6–E6 2/3, L6–E7 1/6, L7–E7 3/4 → L6↔E6, L7↔E7; E8 matches nothing: commission.
  const Adjacency clean = make(9, {{6, 0}, {6, 1}, {7, 2}, {7, 3}, {7, 4}, {7, 5}});
  const auto s = latent_scores(truth, clean, 6);
  CHECK(s.true_latents == 2);
  CHECK(s.estimated_latents == 3);
  CHECK(s.match[0] == 6);
  CHECK(s.match[1] == 7);
  CHECK_THAT(s.omission, WithinAbs(0.0, 1e-15));
  CHECK_THAT(s.commission, WithinAbs(0.5, 1e-15));
  CHECK_THAT(s.mismeasurement, WithinAbs(1.0 / 6.0, 1e-15));  // variable 2 sits under E7 ≙ L7
  // One estimated latent over everything: it matches one true latent, the other is omitted,
  // and the three variables of the omitted latent are mismeasured.
  const Adjacency lumped = make(7, {{6, 0}, {6, 1}, {6, 2}, {6, 3}, {6, 4}, {6, 5}});
  const auto l = latent_scores(truth, lumped, 6);
  CHECK_THAT(l.omission, WithinAbs(0.5, 1e-15));
  CHECK_THAT(l.commission, WithinAbs(0.0, 1e-15));
  CHECK_THAT(l.mismeasurement, WithinAbs(0.5, 1e-15));
  // Perfect recovery.
  const auto p = latent_scores(truth, truth, 6);
  CHECK(p.omission == 0);
  CHECK(p.commission == 0);
  CHECK(p.mismeasurement == 0);
}
