// Tests of include/hilm/nmf/latent_class.hpp, nncp.hpp and rank_selection.hpp: exact fits of
// latent class and CP models, their goodness-of-fit tests, and cross-validated rank selection.
// (The likelihood-ratio test of non-negative rank built on latent_class is tested with it, in
// tests/stats/nonnegative_rank_test.cpp.)
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/nmf/latent_class.hpp>
#include <hilm/nmf/nncp.hpp>
#include <hilm/nmf/rank_selection.hpp>

#include "support/catch.hpp"
#include "support/generators.hpp"

namespace {

using hilm::Index;
using hilm::Matrix;
using hilm::Vector;

using hilm::test::random_cpt;

// Conditionals whose classes are clearly distinct: class s puts 0.6 on state s, the rest at random.
Matrix<double> separated_cpt(hilm::Random& random, Index states, Index parents) {
  Matrix<double> cpt = 0.4 * random_cpt(random, states, parents, 1.0);
  for (Index s = 0; s < parents; ++s) cpt(s % states, s) += 0.6;
  return cpt;
}

// P = A diag(π) Bᵀ with r clearly distinct classes (rank exactly r, away from the boundary).
Matrix<double> latent_table(hilm::Random& random, Index rows, Index cols, Index r) {
  std::vector<double> prior(static_cast<std::size_t>(r));
  random.dirichlet(5.0, prior);
  const Matrix<double> a = separated_cpt(random, rows, r), b = separated_cpt(random, cols, r);
  return a * Eigen::Map<Vector<double>>(prior.data(), r).asDiagonal() * b.transpose();
}

}  // namespace

TEST_CASE("latent_class: an exact rank-r table is fitted exactly", "[nmf][latent]") {
  hilm::Random random(hilm::test::seed(1700));
  const Matrix<double> p = latent_table(random, 5, 6, 3);
  const Matrix<double> counts = 1e6 * p;
  // The fit behind the hypothesis "non-negative rank <= 3" of the stats test on the same table and
  // seed (tests/stats/nonnegative_rank_test.cpp checks its G-squared, dof and p-value).
  const hilm::LatentClassResult fit = hilm::latent_class(counts, {.rank = 3, .seed = 1});
  CHECK(fit.usable());
  CHECK((fit.fitted - p).cwiseAbs().maxCoeff() < 1e-5);
  CHECK_THAT(fit.weights.sum(), Catch::Matchers::WithinAbs(1.0, 1e-12));
  for (Index s = 1; s < 3; ++s) CHECK(fit.weights(s - 1) >= fit.weights(s));
  // A single EM iteration cannot meet the tolerance: the fit stops at the budget, still usable.
  const auto short_fit = hilm::latent_class(counts, {.rank = 3, .max_iterations = 1, .seed = 1});
  CHECK(short_fit.status == hilm::FitStatus::MaxIterations);
  CHECK(short_fit.usable());
  CHECK_FALSE(hilm::LatentClassResult{}.usable());  // NotRun
}

TEST_CASE("nncp: a 3-way rank-2 table is decomposed and tested", "[nmf][nncp]") {
  hilm::Random random(hilm::test::seed(2000));
  const std::vector<Index> dims{3, 4, 3};
  std::vector<Matrix<double>> factors;
  for (const Index d : dims) factors.push_back(separated_cpt(random, d, 2));
  const Vector<double> weights = (Vector<double>(2) << 0.7, 0.3).finished();
  hilm::CountTensor table{dims, Vector<double>::Zero(36)};
  for (Index z = 0; z < 3; ++z)
    for (Index y = 0; y < 4; ++y)
      for (Index x = 0; x < 3; ++x)
        for (Index s = 0; s < 2; ++s)
          table.counts(x + 3 * (y + 4 * z)) +=
              1e6 * weights(s) * factors[0](x, s) * factors[1](y, s) * factors[2](z, s);
  const auto fit = hilm::nonnegative_cp(table, {.rank = 2, .seed = 3});
  INFO("iterations " << fit.iterations << " status " << hilm::to_string(fit.status));
  CHECK(fit.usable());
  CHECK(fit.dof == 35.0 - (1 + 2 * (2 + 3 + 2)));
  CHECK(fit.statistic < 1e-2);
  CHECK(fit.p_value > 0.99);
  CHECK_THAT(fit.weights(0), Catch::Matchers::WithinAbs(0.7, 1e-3));
  for (std::size_t v = 0; v < 3; ++v)
    CHECK((fit.factors[v] - factors[v]).cwiseAbs().maxCoeff() < 1e-3);
  const auto one = hilm::nonnegative_cp(table, {.rank = 1});
  CHECK(one.p_value < 1e-10);
  CHECK_THROWS_AS(
      hilm::nonnegative_cp(hilm::CountTensor{{3, 4}, Vector<double>::Ones(5)}, {.rank = 1}),
      hilm::invalid_argument);
  // nonnegative_cp takes the options of the two-way model, with the same defaults.
  const hilm::LatentClassOptions defaults;
  CHECK(defaults.max_iterations == 5000);
  CHECK(defaults.tolerance == 1e-12);
  CHECK(defaults.restarts == 8);
  CHECK(defaults.seed == 0);
  const auto budget = hilm::nonnegative_cp(table, {.rank = 2, .max_iterations = 1, .seed = 3});
  CHECK(budget.status == hilm::FitStatus::MaxIterations);
  CHECK(budget.usable());
  CHECK_FALSE(hilm::NonnegativeCpResult{}.usable());
  try {
    (void)hilm::nonnegative_cp(table, {.rank = 2, .restarts = 0});
    FAIL("restarts = 0 accepted");
  } catch (const hilm::invalid_argument& e) {
    CHECK(std::string(e.what()) == "LatentClassOptions::restarts must be >= 1, got 0");
  }
}

TEST_CASE("nncp: count_tensor counts samples and the fit test accepts a sampled null",
          "[nmf][nncp]") {
  hilm::Random random(hilm::test::seed(2100));
  // Sample n = 6000 rows from a 2-class model over 3 ternary variables.
  const Index n = 6000;
  std::vector<Matrix<double>> factors;
  for (int v = 0; v < 3; ++v) factors.push_back(separated_cpt(random, 3, 2));
  Matrix<double> data(n, 3);
  for (Index i = 0; i < n; ++i) {
    const Index s = random.bernoulli(0.6) ? 0 : 1;
    for (Index v = 0; v < 3; ++v) {
      double u = random.uniform();
      Index x = 0;
      while (x < 2 && u >= factors[static_cast<std::size_t>(v)](x, s))
        u -= factors[static_cast<std::size_t>(v)](x++, s);
      data(i, v) = static_cast<double>(x);
    }
  }
  const hilm::CountTensor table = hilm::count_tensor(data);
  REQUIRE(table.dims == std::vector<Index>{3, 3, 3});
  CHECK(table.counts.sum() == static_cast<double>(n));
  const Index probe = static_cast<Index>(data(17, 0) + 3 * (data(17, 1) + 3 * data(17, 2)));
  double brute = 0;
  for (Index i = 0; i < n; ++i)
    brute += (data(i, 0) + 3 * (data(i, 1) + 3 * data(i, 2))) == static_cast<double>(probe) ? 1 : 0;
  CHECK(table.counts(probe) == brute);
  const auto fit = hilm::nonnegative_cp(table, {.rank = 2});
  CHECK(fit.dof == 26.0 - 13.0);
  CHECK(fit.p_value > 1e-3);  // a true null is rejected at this level once in a thousand runs
  CHECK(hilm::nonnegative_cp(table, {.rank = 1}).p_value < 1e-6);
  Matrix<double> bad = data;
  bad(0, 0) = 0.5;
  CHECK_THROWS_AS(hilm::count_tensor(bad), hilm::invalid_argument);
}

TEST_CASE("select_nmf_rank: cross-validation finds the planted rank", "[nmf][rank]") {
  hilm::Random random(hilm::test::seed(2200));
  const Index m = 60, n = 50, k = 4;
  Matrix<double> w(m, k), h(k, n);
  for (Index l = 0; l < k; ++l) {
    for (Index i = 0; i < m; ++i) w(i, l) = random.bernoulli(0.4) ? 0 : random.uniform();
    for (Index j = 0; j < n; ++j) h(l, j) = random.bernoulli(0.4) ? 0 : random.uniform();
  }
  Matrix<double> a = w * h;
  const double scale = a.mean();
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < m; ++i) a(i, j) = std::max(0.0, a(i, j) + 0.05 * scale * random.normal());
  const auto result =
      hilm::select_nmf_rank(a, {.ranks = {1, 2, 3, 4, 5, 6, 7}, .folds = 2, .seed = 5});
  CHECK(result.rank == k);
  CHECK(result.test_error(0) > 2 * result.test_error(3));  // rank 1 predicts hidden entries badly
  CHECK(result.test_error(6) > result.test_error(3));      // rank 7 over-fits
  CHECK(result.train_error(6) < result.train_error(3));    // ... while fitting the visible better
  CHECK_THROWS_AS(hilm::select_nmf_rank(a, {.ranks = {51}}), hilm::invalid_argument);
}

TEST_CASE("latent_class: invalid arguments throw", "[nmf][latent]") {
  Matrix<double> counts = Matrix<double>::Ones(3, 3);
  CHECK_THROWS_AS(hilm::latent_class(counts, {.rank = 0}), hilm::invalid_argument);
  try {
    (void)hilm::latent_class(counts, {.rank = 0});
    FAIL("rank = 0 accepted");
  } catch (const hilm::invalid_argument& e) {
    CHECK(std::string(e.what()) == "LatentClassOptions::rank must be >= 1, got 0");
  }
  CHECK_THROWS_AS(hilm::latent_class(counts, {.rank = 1, .tolerance = -1}), hilm::invalid_argument);
  counts(1, 1) = -1;
  CHECK_THROWS_AS(hilm::latent_class(counts, {.rank = 1}), hilm::invalid_argument);
  CHECK_THROWS_AS(hilm::latent_class(Matrix<double>::Zero(3, 3), {.rank = 1}),
                  hilm::invalid_argument);
  // (The check of estimate_nonnegative_rank's alpha moved to tests/stats/nonnegative_rank_test.cpp
  // with the test itself: the non-negative rank test lives in stats now.)
}
