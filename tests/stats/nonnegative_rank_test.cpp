// Tests of include/hilm/stats/nonnegative_rank.hpp: the likelihood-ratio test of non-negative
// rank built on nmf's latent_class fit, on exact and sampled tables, its calibration under the
// null and its power, the T4 table, and argument checks.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/distributions.hpp>
#include <hilm/core/random.hpp>
#include <hilm/nmf/latent_class.hpp>
#include <hilm/stats/cca_rank.hpp>
#include <hilm/stats/nonnegative_rank.hpp>
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

// Conditional tables with columns drawn from Dirichlet(alpha).
Matrix<double> lc_random_cpt(hilm::Random& random, Index states, Index parents, double alpha) {
  Matrix<double> cpt(states, parents);
  std::vector<double> column(static_cast<std::size_t>(states));
  for (Index j = 0; j < parents; ++j) {
    random.dirichlet(alpha, column);
    for (Index i = 0; i < states; ++i) cpt(i, j) = column[static_cast<std::size_t>(i)];
  }
  return cpt;
}

// Conditionals whose classes are clearly distinct: class s puts 0.6 on state s, the rest at random.
Matrix<double> lc_separated_cpt(hilm::Random& random, Index states, Index parents) {
  Matrix<double> cpt = 0.4 * lc_random_cpt(random, states, parents, 1.0);
  for (Index s = 0; s < parents; ++s) cpt(s % states, s) += 0.6;
  return cpt;
}

// P = A diag(π) Bᵀ with r clearly distinct classes (rank exactly r, away from the boundary).
Matrix<double> lc_latent_table(hilm::Random& random, Index rows, Index cols, Index r) {
  std::vector<double> prior(static_cast<std::size_t>(r));
  random.dirichlet(5.0, prior);
  const Matrix<double> a = lc_separated_cpt(random, rows, r);
  const Matrix<double> b = lc_separated_cpt(random, cols, r);
  return a * Eigen::Map<hilm::Vector<double>>(prior.data(), r).asDiagonal() * b.transpose();
}

// Multinomial(n, p) counts over the entries of p (sum 1), by inversion of the cumulative sums.
Matrix<double> lc_sample_counts(hilm::Random& random, const Matrix<double>& p, int n) {
  std::vector<double> cumulative(static_cast<std::size_t>(p.size()));
  double total = 0;
  for (Index c = 0; c < p.size(); ++c)
    cumulative[static_cast<std::size_t>(c)] = (total += p.data()[c]);
  Matrix<double> counts = Matrix<double>::Zero(p.rows(), p.cols());
  for (int draw = 0; draw < n; ++draw) {
    const double u = random.uniform() * total;
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), u);
    const auto c = std::min<std::ptrdiff_t>(it - cumulative.begin(), p.size() - 1);
    counts.data()[c] += 1;
  }
  return counts;
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

TEST_CASE("nonnegative rank: an exact rank-r table is accepted at r and rejected at r - 1",
          "[stats][latent]") {
  hilm::Random random(hilm::test::seed(1700));
  const Matrix<double> p = lc_latent_table(random, 5, 6, 3);
  const Matrix<double> counts = 1e6 * p;
  const auto res = hilm::nonnegative_rank_table_test(counts, {.seed = 1});
  REQUIRE(res.hypotheses.size() == 4);  // r = 1 … 4 for a 5 × 6 table
  const hilm::RankHypothesis& test3 = res.hypotheses[2];
  CHECK(test3.rank + res.rank_offset == 3);
  CHECK(test3.dof == 6.0);        // (5 − 3)(6 − 3)
  CHECK(test3.statistic < 1e-2);  // G² on 10⁶ counts: the fit is exact to ~1e-7
  CHECK(test3.p_value > 0.99);
  // The fitted model behind the hypothesis is nmf's latent_class with the same settings (its
  // fit is checked in tests/nmf/latent_class_test.cpp); its G² is the hypothesis' statistic.
  const hilm::LatentClassResult fit3 = hilm::latent_class(counts, {.rank = 3, .seed = 1});
  CHECK((fit3.fitted - p).cwiseAbs().maxCoeff() < 1e-5);
  CHECK_THAT(fit3.weights.sum(), Catch::Matchers::WithinAbs(1.0, 1e-12));
  for (Index s = 1; s < 3; ++s) CHECK(fit3.weights(s - 1) >= fit3.weights(s));
  double g2 = 0;
  for (Index j = 0; j < counts.cols(); ++j)
    for (Index i = 0; i < counts.rows(); ++i)
      g2 += 2 * counts(i, j) * std::log(counts(i, j) / (counts.sum() * fit3.fitted(i, j)));
  CHECK_THAT(test3.statistic, Catch::Matchers::WithinAbs(std::max(g2, 0.0), 1e-9));
  const hilm::RankHypothesis& test2 = res.hypotheses[1];
  CHECK(test2.dof == 12.0);
  CHECK(test2.p_value < 1e-10);
  // Saturated: r = min(I, J) = 5 leaves no degrees of freedom, so it is not among the hypotheses
  // (the last one tested is r = 4, with (5 − 4)(6 − 4) degrees of freedom).
  CHECK(res.hypotheses.back().rank + res.rank_offset == 4);
  CHECK(res.hypotheses.back().dof == 2.0);
  CHECK(hilm::nonnegative_rank_table_test(counts).estimated_rank(0.05) == 3);
}

TEST_CASE("nonnegative rank: rank one is the independence model with its classical G-squared",
          "[stats][latent]") {
  hilm::Random random(hilm::test::seed(1800));
  const Matrix<double> counts = lc_sample_counts(random, lc_latent_table(random, 4, 5, 2), 2000);
  const auto res = hilm::nonnegative_rank_table_test(counts);
  REQUIRE(res.hypotheses.size() == 3);
  const hilm::RankHypothesis& test = res.hypotheses[0];  // non-negative rank ≤ 1
  const double n = counts.sum();
  const hilm::Vector<double> row = counts.rowwise().sum();
  const hilm::Vector<double> col = counts.colwise().sum().transpose();
  double g2 = 0;
  for (Index j = 0; j < 5; ++j)
    for (Index i = 0; i < 4; ++i)
      if (counts(i, j) > 0) g2 += 2 * counts(i, j) * std::log(counts(i, j) * n / (row(i) * col(j)));
  CHECK_THAT(test.statistic, Catch::Matchers::WithinRel(g2, 1e-8));
  CHECK(test.dof == 12.0);
  CHECK_THAT(test.p_value, Catch::Matchers::WithinRel(hilm::chi2_sf(g2, 12.0), 1e-8));
}

TEST_CASE("nonnegative rank: the LR test is calibrated under the null and has power",
          "[stats][latent][stat][slow]") {
  // Null: a fixed rank-2 table (interior, positive factors); 300 samples of n = 4000.
  hilm::Random random(hilm::test::seed(1900));
  const Matrix<double> null_table = lc_latent_table(random, 5, 5, 2);
  // Alternative: three equally likely classes, each favouring its own row and column state.
  Matrix<double> peaked = Matrix<double>::Ones(5, 3);
  for (Index s = 0; s < 3; ++s) peaked(s, s) = 5;
  peaked =
      peaked * (hilm::Vector<double>::Ones(5).transpose() * peaked).cwiseInverse().asDiagonal();
  const Matrix<double> alt_table = peaked * (peaked.transpose() / 3.0);
  const int seeds = 300;
  int rejected = 0, detected = 0;
  // hypotheses[1] is H0 "non-negative rank ≤ 2".
  for (int s = 0; s < seeds; ++s) {
    const Matrix<double> counts = lc_sample_counts(random, null_table, 4000);
    rejected += hilm::nonnegative_rank_table_test(
                    counts, {.restarts = 4, .seed = static_cast<std::uint64_t>(s)})
                            .hypotheses[1]
                            .p_value < 0.05
                    ? 1
                    : 0;
    if (s < 60) {
      const Matrix<double> alt = lc_sample_counts(random, alt_table, 4000);
      detected +=
          hilm::nonnegative_rank_table_test(alt, {.restarts = 4}).hypotheses[1].p_value < 0.05 ? 1
                                                                                               : 0;
    }
  }
  // Binomial(300, 0.05): mean 15, sd 3.8; a 99.9% band is [4, 28] (±3.3 sd).
  const double rate = static_cast<double>(rejected) / seeds;
  INFO("null rejection rate " << rate);
  CHECK(rejected >= 4);
  CHECK(rejected <= 28);
  CHECK(detected >= 54);  // ≥ 90% power against a well-separated rank-3 table
}

TEST_CASE("nonnegative rank: invalid EM settings and tables throw, naming the field",
          "[stats][latent]") {
  const Matrix<double> ones = Matrix<double>::Ones(3, 3);
  // The estimate is `estimated_rank(alpha)` of the kept test's result; alpha outside (0, 1)
  // throws there (before the merge of the two tests: estimate_nonnegative_rank(ones, 1.5)).
  const hilm::RankTestResult fitted = hilm::nonnegative_rank_table_test(ones, {.restarts = 1});
  CHECK_THROWS_AS(fitted.estimated_rank(1.5), hilm::invalid_argument);
  CHECK_THROWS_AS(fitted.estimated_rank(0.0), hilm::invalid_argument);
  CHECK_THROWS_AS(fitted.estimated_rank(std::numeric_limits<double>::quiet_NaN()),
                  hilm::invalid_argument);
  CHECK_NOTHROW(fitted.estimated_rank(0.05));
  CHECK_THROWS_AS(hilm::nonnegative_rank_table_test(ones, {.restarts = 0}), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::nonnegative_rank_table_test(Matrix<double>::Ones(1, 3)),
                  hilm::invalid_argument);
  try {
    (void)hilm::nonnegative_rank_table_test(ones, {.max_iterations = 0});
    FAIL("max_iterations = 0 accepted");
  } catch (const hilm::invalid_argument& e) {
    CHECK(std::string(e.what()) == "LatentClassOptions::max_iterations must be >= 1, got 0");
  }
  // `rank` is set per hypothesis: the default 0 (invalid for latent_class) is fine here.
  CHECK(hilm::LatentClassOptions{}.rank == 0);
  CHECK_NOTHROW(hilm::nonnegative_rank_table_test(ones, {.restarts = 1}));
}
