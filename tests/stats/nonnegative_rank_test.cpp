#include <array>
#include <cstdint>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/stats/nonnegative_rank.hpp>
#include <hilm/stats/rank_test.hpp>
#include <hilm/synth/discrete.hpp>
#include <hilm/synth/graph.hpp>

#include "support/catch.hpp"
#include "support/generators.hpp"

namespace {
using hilm::Index;
using hilm::Matrix;
constexpr double kRankAlpha = 0.05;
constexpr double kCounts = 1e7;

// One latent with `support` states and three observed children with `child` states each.
hilm::DiscreteModel one_latent_model(int support, int child, std::uint64_t seed) {
  const auto g = hilm::random_hierarchy(hilm::HierarchyGraphOptions{.widths = {1},
                                                                    .observed_per_leaf = 3,
                                                                    .latent_cardinality = support,
                                                                    .observed_cardinality = child});
  // Well-conditioned CPTs (σ_min/σ_max ≥ 0.3) and no near-empty latent state, so that the
  // latent support is visible at the sample sizes used here.
  return hilm::random_cpts(
      g, hilm::CptOptions{.min_singular_ratio = 0.3, .min_probability = 0.05, .seed = seed});
}

std::vector<Index> observed_nodes(const hilm::DiscreteModel& m) {
  std::vector<Index> out;
  for (Index v = 0; v < m.graph.nodes; ++v)
    if (m.graph.observed[static_cast<std::size_t>(v)]) out.push_back(v);
  return out;
}

// The T4 table: rank 3, non-negative rank 4 (DESIGN.md §1).
Matrix<double> t4_table() {
  const Matrix<double> m = hilm::test::t4_matrix();
  return m / m.sum();
}
}  // namespace

TEST_CASE("nonnegative rank: exact tables of one-latent models give the latent support",
          "[stats]") {
  for (int support : {2, 3}) {
    for (std::uint64_t s = 0; s < 3; ++s) {
      const auto model = one_latent_model(support, 4, hilm::test::seed(70 + s));
      const auto obs = observed_nodes(model);
      REQUIRE(obs.size() == 3);
      const std::array<Index, 1> a{obs[0]};
      const std::array<Index, 2> b{obs[1], obs[2]};
      // Expected counts (a population table): the r-class model fits exactly from r = support.
      const Matrix<double> counts = kCounts * model.joint_table(a, b);
      const auto res = hilm::nonnegative_rank_table_test(
          counts, {.restarts = 4, .seed = hilm::test::seed(80 + s)});
      INFO("support " << support << " seed " << s << " p(r=1..3) " << res.hypotheses[0].p_value
                      << " " << res.hypotheses[1].p_value << " " << res.hypotheses[2].p_value);
      REQUIRE(res.hypotheses.size() == 3);  // r = 1, 2, 3 for a 4 × 16 table
      CHECK(res.estimated_rank(kRankAlpha) == support);
      CHECK(res.hypotheses[static_cast<std::size_t>(support - 2)].p_value <
            1e-6);  // r = support − 1
      CHECK(res.hypotheses[static_cast<std::size_t>(support - 1)].p_value > 0.5);  // r = support
    }
  }
}

TEST_CASE("nonnegative rank: sampled data of a one-latent model", "[stats]") {
  const auto model = one_latent_model(3, 4, hilm::test::seed(90));
  const auto obs = observed_nodes(model);
  const auto values = model.sample(20000, hilm::test::seed(91));
  Matrix<double> data(values.rows(), 3);
  for (Index j = 0; j < 3; ++j)
    data.col(j) = values.col(obs[static_cast<std::size_t>(j)]).cast<double>();
  const hilm::NonnegativeRankTest test(data, {.restarts = 4, .seed = hilm::test::seed(92)});
  const std::array<Index, 1> a{0};
  const std::array<Index, 2> b{1, 2};
  const auto counts = test.count_table(a, b);
  CHECK(counts.sum() == 20000.0);
  CHECK(counts.rows() == 4);
  const auto res = test.test(a, b);
  CHECK(res.rank_offset == 1);
  // A single sampled data set: at level α the true rank is rejected with probability α, so this
  // check uses α = 10⁻³ (the power against rank 2 at n = 20000 stays ~1).
  constexpr double kStrict = 1e-3;
  INFO("p(r=1..3) " << res.hypotheses[0].p_value << " " << res.hypotheses[1].p_value << " "
                    << res.hypotheses[2].p_value);
  CHECK(res.estimated_rank(kStrict) == 3);
  // The same data through the one-hot CCA rank test agree here (rank = non-negative rank).
  CHECK(hilm::DiscreteRankTest(data).test(a, b).estimated_rank(kStrict) == 3);
}

TEST_CASE("nonnegative rank: T4 table has rank 3 but non-negative rank 4", "[stats]") {
  // Exact table: the rank-3 latent class model cannot fit the zero pattern.
  const auto exact =
      hilm::nonnegative_rank_table_test(20000.0 * t4_table(), {.seed = hilm::test::seed(93)});
  CHECK(exact.estimated_rank(kRankAlpha) == 4);
  CHECK(exact.hypotheses[2].p_value < 1e-10);  // H0: non-negative rank ≤ 3
  // Sampled pairs (A, B) from the table: one-hot CCA says 3, the non-negative test says 4.
  hilm::Random rng(hilm::test::seed(94));
  const Matrix<double> p = t4_table();
  const Index n = 20000;
  Matrix<double> data(n, 2);
  for (Index i = 0; i < n; ++i) {
    double u = rng.uniform(), acc = 0.0;
    Index cell = 15;
    for (Index c = 0; c < 16; ++c) {
      acc += p(c / 4, c % 4);
      if (u < acc) {
        cell = c;
        break;
      }
    }
    data(i, 0) = static_cast<double>(cell / 4);
    data(i, 1) = static_cast<double>(cell % 4);
  }
  const std::array<Index, 1> a{0}, b{1};
  CHECK(hilm::DiscreteRankTest(data).test(a, b).estimated_rank(kRankAlpha) == 3);
  const auto nn = hilm::NonnegativeRankTest(data, {.seed = hilm::test::seed(95)}).test(a, b);
  CHECK(nn.estimated_rank(kRankAlpha) == 4);
  CHECK(nn.hypotheses.size() == 3);
}

TEST_CASE("nonnegative rank: argument checks", "[stats]") {
  Matrix<double> data(6, 3);
  data << 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0;
  const hilm::NonnegativeRankTest test(data);
  const std::array<Index, 1> a{0}, b{1}, c{2};
  CHECK_THROWS_AS(test.test(a, a), hilm::invalid_argument);
  CHECK_THROWS_AS(test.test(a, std::array<Index, 1>{3}), hilm::invalid_argument);
  CHECK_THROWS_AS(test.test(a, c), hilm::invalid_argument);  // column 2 is constant
  CHECK_NOTHROW(test.test(a, b));
  Matrix<double> fractional = data;
  fractional(0, 0) = 0.5;
  CHECK_THROWS_AS(hilm::NonnegativeRankTest(fractional), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::NonnegativeRankTest(data, {.restarts = 0}), hilm::invalid_argument);
}
