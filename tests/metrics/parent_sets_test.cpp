// Tests of include/hilm/metrics/parent_sets.hpp.
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/metrics/parent_sets.hpp>

#include "support/catch.hpp"

using hilm::Index;

TEST_CASE("metrics: score_parent_sets scores recovered edges through the matching", "[metrics]") {
  // Truth: upper concept 0 ← {0, 1}, upper concept 1 ← {2, 3}.
  const std::vector<std::vector<Index>> truth = {{0, 1}, {2, 3}};
  // Recovered: lower nodes 0..4 stand for concepts 1, 0, 3, -, 2; upper nodes 0, 1, 2 stand for
  // concepts 1, 0, -.
  const std::vector<Index> lower_truth = {1, 0, 3, -1, 4};
  const std::vector<Index> upper_truth = {1, 0, -1};
  // Upper node 0 (= concept 1) ← lower 2 (= 3, true), lower 0 (= 1, false), lower 3 (unmatched);
  // upper node 1 (= concept 0) ← lower 1 (= 0, true); upper node 2 (unmatched) ← lower 4.
  const std::vector<std::vector<Index>> found = {{2, 0, 3}, {1}, {4}};
  const hilm::ParentSetScore s = hilm::score_parent_sets(found, lower_truth, upper_truth, truth);
  REQUIRE(s.edges.size() == 5);
  CHECK(s.edges[0].upper == 0);
  CHECK(s.edges[0].lower == 2);
  CHECK(s.edges[0].position == 0);
  CHECK(s.edges[0].true_lower == 3);
  CHECK(s.edges[0].true_upper == 1);
  CHECK(s.edges[0].correct);
  CHECK_FALSE(s.edges[1].correct);
  CHECK(s.edges[1].matched());
  CHECK_FALSE(s.edges[2].matched());
  CHECK(s.edges[2].position == 2);
  CHECK(s.edges[3].correct);
  CHECK_FALSE(s.edges[4].matched());
  CHECK(s.unmatched == 2);
  CHECK(s.true_edges == 4);
  CHECK(s.missed == std::vector<std::pair<Index, Index>>{{1, 0}, {2, 1}});
  CHECK(s.accuracy.true_positive == 2);
  CHECK(s.accuracy.false_positive == 3);
  CHECK(s.accuracy.false_negative == 2);
  CHECK(s.accuracy.precision == 2.0 / 5.0);
  CHECK(s.accuracy.recall == 2.0 / 4.0);
  CHECK(s.accuracy.f1 == 2 * 0.4 * 0.5 / (0.4 + 0.5));  // the same expression, exact
}

TEST_CASE("metrics: score_parent_sets on a perfect and an empty recovery", "[metrics]") {
  const std::vector<std::vector<Index>> truth = {{0}, {1, 2}};
  const std::vector<Index> identity = {0, 1, 2};
  const std::vector<Index> uppers = {0, 1};
  const auto perfect = hilm::score_parent_sets(truth, identity, uppers, truth);
  CHECK(perfect.accuracy.f1 == 1.0);
  CHECK(perfect.missed.empty());
  const auto none = hilm::score_parent_sets({{}, {}}, identity, uppers, truth);
  CHECK(none.edges.empty());
  CHECK(none.accuracy.recall == 0.0);
  CHECK(none.missed.size() == 3);
  CHECK_THROWS_AS(hilm::score_parent_sets({{0}}, identity, uppers, truth), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::score_parent_sets({{3}, {}}, identity, uppers, truth),
                  hilm::invalid_argument);
}
