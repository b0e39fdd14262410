#include <cmath>

#include <hilm/synth/selection_hierarchy.hpp>

#include "support/catch.hpp"

using hilm::ConceptFunction;
using hilm::Index;
using hilm::Observation;
using hilm::Selection;
using hilm::selection_hierarchy;
using hilm::SelectionHierarchyOptions;

namespace {

double activity_correlation(const hilm::RowMatrix<double>& level, Index a, Index b) {
  const Eigen::ArrayXd x = (level.col(a).array() != 0).cast<double>();
  const Eigen::ArrayXd y = (level.col(b).array() != 0).cast<double>();
  const Eigen::ArrayXd xc = x - x.mean(), yc = y - y.mean();
  return (xc * yc).sum() / std::sqrt((xc * xc).sum() * (yc * yc).sum());
}

}  // namespace

TEST_CASE("synth selection: higher concepts are the stated functions, selection holds", "[synth]") {
  // Mixed functions over two levels (T11's shape), and three levels of Or / Threshold (deep
  // chains of And make the top event too rare to select on).
  const auto function =
      GENERATE(ConceptFunction::Mixed, ConceptFunction::Or, ConceptFunction::Threshold);
  const bool deep = function != ConceptFunction::Mixed;
  const auto data = selection_hierarchy(SelectionHierarchyOptions{
      .samples = 3000,
      .widths = deep ? std::vector<Index>{20, 6, 2} : std::vector<Index>{20, 6},
      .function = function,
      .seed = hilm::test::seed(71)});
  const std::size_t levels = deep ? 3 : 2;
  REQUIRE(data.levels.size() == levels);
  REQUIRE(data.levels[0].cols() == 20);
  REQUIRE(data.levels.back().cols() == (deep ? 2 : 6));
  REQUIRE(data.x.rows() == 3000);
  CHECK(data.draws >= 3000);
  for (std::size_t l = 0; l + 1 < levels; ++l) {
    for (std::size_t j = 0; j < data.parents[l].size(); ++j) {
      const auto& set = data.parents[l][j];
      REQUIRE(set.size() >= 2);
      REQUIRE(set.size() <= 3);
      for (Index i = 0; i < 3000; ++i) {
        Index on = 0;
        double weighted = 0;
        for (std::size_t t = 0; t < set.size(); ++t) {
          const double v = data.levels[l](i, set[t]);
          on += v != 0;
          if (data.functions[l][j] == ConceptFunction::Threshold) {
            weighted += data.thresholds[l][j][t] * v;
          }
        }
        bool expected = false;
        switch (data.functions[l][j]) {
          case ConceptFunction::And:
            expected = on == static_cast<Index>(set.size());
            break;
          case ConceptFunction::Or:
            expected = on > 0;
            break;
          default:
            expected = weighted > data.thresholds[l][j].back();
            break;
        }
        REQUIRE(data.levels[l + 1](i, static_cast<Index>(j)) == (expected ? 1.0 : 0.0));
      }
    }
  }
  // Keep selection: at least one top concept on in every kept sample.
  CHECK((data.levels.back().rowwise().sum().array() >= 1).all());
  // Linear observation is exact.
  CHECK((data.x - data.levels[0] * data.atoms).cwiseAbs().maxCoeff() < 1e-12);
  // Level-1 sparsity: about rate = 0.25 of entries active (selection shifts it a little).
  const double active = static_cast<double>((data.levels[0].array() != 0).count()) / (3000.0 * 20);
  CHECK(active > 0.2);
  CHECK(active < 0.4);
}

TEST_CASE("synth selection: selection on a collider makes its parents dependent", "[synth]") {
  // One level-2 concept = Or(level-1 concepts 0 and 1); concepts 2..5 are unrelated.
  SelectionHierarchyOptions options{.samples = 20000,
                                    .widths = {6, 1},
                                    .parents = {{{0, 1}}},
                                    .function = ConceptFunction::Or,
                                    .selection = Selection::None,
                                    .features = 8,
                                    .seed = hilm::test::seed(72)};
  const auto free = selection_hierarchy(options);
  options.selection = Selection::Keep;
  const auto selected = selection_hierarchy(options);
  // Without selection the parents are independent (sd of r ≈ 0.007), with it they are
  // negatively dependent (explaining away: r = −0.6 in the population for rate 0.25).
  CHECK(std::abs(activity_correlation(free.levels[0], 0, 1)) < 0.035);
  CHECK(activity_correlation(selected.levels[0], 0, 1) < -0.4);
  // Unrelated concepts stay independent under selection.
  CHECK(std::abs(activity_correlation(selected.levels[0], 2, 3)) < 0.035);
  CHECK(selected.draws > free.draws);
}

TEST_CASE("synth selection: disjoint parents, MLP observation, determinism, errors", "[synth]") {
  SelectionHierarchyOptions options{.samples = 400,
                                    .widths = {12, 4},
                                    .fan_in_min = 3,
                                    .fan_in_max = 3,
                                    .disjoint_parents = true,
                                    .selection = Selection::Weight,
                                    .observation = Observation::Mlp,
                                    .features = 16,
                                    .seed = hilm::test::seed(73)};
  const auto data = selection_hierarchy<float>(options);
  std::vector<int> used(12, 0);
  for (const auto& set : data.parents[0]) {
    REQUIRE(set.size() == 3);
    for (const Index u : set) ++used[static_cast<std::size_t>(u)];
  }
  for (const int u : used) CHECK(u == 1);
  const hilm::RowMatrix<double> x = data.g.apply(data.levels[0].cast<double>());
  CHECK((x.cast<float>() - data.x).cwiseAbs().maxCoeff() < 1e-4f);
  const auto again = selection_hierarchy<float>(options);
  CHECK(again.x == data.x);
  options.widths = {8, 4};  // 4 disjoint triples need 12 level-1 concepts
  CHECK_THROWS_AS(selection_hierarchy(options), hilm::invalid_argument);
  // A selection that can never pass (AND of 3 with tiny rate) runs out of draws.
  CHECK_THROWS_AS(selection_hierarchy(SelectionHierarchyOptions{.samples = 100,
                                                                .widths = {3, 1},
                                                                .fan_in_min = 3,
                                                                .function = ConceptFunction::And,
                                                                .rate = 1e-4,
                                                                .max_draws_factor = 2}),
                  hilm::invalid_argument);
}

TEST_CASE("synth: SelectionHierarchyOptions::validate names the field, requirement and value",
          "[synth]") {
  CHECK(SelectionHierarchyOptions{.samples = 0}.validate().value_or("") ==
        "SelectionHierarchyOptions::samples must be >= 1, got 0");
  CHECK(SelectionHierarchyOptions{.widths = {4, 0}}.validate().value_or("") ==
        "SelectionHierarchyOptions::widths[1] must be >= 1, got 0");
  CHECK(SelectionHierarchyOptions{.widths = {8, 4}, .fan_in_min = 3, .disjoint_parents = true}
            .validate()
            .value_or("") ==
        "SelectionHierarchyOptions::widths[0] must be >= 12 (level 1 must "
        "cover the fan-in of level 2), got 8");
  CHECK(SelectionHierarchyOptions{.rate = 0}.validate().value_or("") ==
        "SelectionHierarchyOptions::rate must lie in (0, 1], got 0");
  CHECK(SelectionHierarchyOptions{.value_min = 2, .value_max = 1}.validate().value_or("") ==
        "SelectionHierarchyOptions::value_min must satisfy 0 < value_min <= value_max, got 2 "
        "(value_max = 1)");
  CHECK(SelectionHierarchyOptions{.widths = {4, 2}, .parents = {{{0, 4}, {1}}}}.validate().value_or(
            "") == "SelectionHierarchyOptions::parents[0][0] must hold indices in [0, 4), got 4");
  CHECK_FALSE(SelectionHierarchyOptions{}.validate().has_value());
}
