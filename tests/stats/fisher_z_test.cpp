#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/QR>

#include <hilm/core/random.hpp>
#include <hilm/stats/ci_cache.hpp>
#include <hilm/stats/fisher_z.hpp>

#include "support/catch.hpp"

namespace {
using hilm::Index;
using hilm::Matrix;

// Chain X0 -> X1 -> X2 plus an independent X3; linear Gaussian.
Matrix<double> chain_data(Index n, std::uint64_t seed) {
  hilm::Random rng(seed);
  Matrix<double> d(n, 4);
  for (Index i = 0; i < n; ++i) {
    d(i, 0) = rng.normal();
    d(i, 1) = 0.8 * d(i, 0) + rng.normal();
    d(i, 2) = -0.7 * d(i, 1) + rng.normal();
    d(i, 3) = rng.normal();
  }
  return d;
}

// Partial correlation as the correlation of OLS residuals (independent of the code under test).
double residual_partial_correlation(const Matrix<double>& d, Index x, Index y,
                                    const std::vector<Index>& z) {
  const Index n = d.rows();
  Matrix<double> design(n, static_cast<Index>(z.size()) + 1);
  design.col(0).setOnes();
  for (std::size_t j = 0; j < z.size(); ++j) design.col(static_cast<Index>(j) + 1) = d.col(z[j]);
  Eigen::ColPivHouseholderQR<Matrix<double>> qr(design);
  const hilm::Vector<double> rx = d.col(x) - design * qr.solve(d.col(x));
  const hilm::Vector<double> ry = d.col(y) - design * qr.solve(d.col(y));
  return rx.dot(ry) / std::sqrt(rx.squaredNorm() * ry.squaredNorm());
}
}  // namespace

TEST_CASE("fisher_z: partial correlation equals the correlation of regression residuals",
          "[stats]") {
  const auto d = chain_data(500, hilm::test::seed(1));
  const hilm::FisherZTest fz(d);
  for (const std::vector<Index>& z : {std::vector<Index>{}, {1}, {3}, {1, 3}}) {
    const double r = fz.partial_correlation_of(0, 2, z);
    CHECK_THAT(r, Catch::Matchers::WithinAbs(residual_partial_correlation(d, 0, 2, z), 1e-12));
    // Invariant to the order of z and to swapping x and y.
    std::vector<Index> reversed(z.rbegin(), z.rend());
    CHECK_THAT(fz.partial_correlation_of(2, 0, reversed), Catch::Matchers::WithinAbs(r, 1e-14));
  }
}

TEST_CASE("fisher_z: chain gives dependence marginally and independence given the middle",
          "[stats]") {
  const auto d = chain_data(2000, hilm::test::seed(2));
  const hilm::FisherZTest fz(d);
  const std::array<Index, 1> middle{1};
  const auto marginal = fz.test(0, 2, {});
  CHECK(marginal.p_value < 1e-10);
  CHECK(marginal.dof == 2000 - 3);
  const auto given = fz.test(0, 2, middle);
  CHECK(given.dof == 2000 - 4);
  // Statistic and p-value are consistent: p = 2(1 - Φ(z)) with z = sqrt(n - |S| - 3)|atanh r|.
  const double r = fz.partial_correlation_of(0, 2, middle);
  CHECK_THAT(given.statistic,
             Catch::Matchers::WithinRel(std::sqrt(1996.0) * std::abs(std::atanh(r)), 1e-12));
  CHECK_THAT(given.p_value,
             Catch::Matchers::WithinRel(std::erfc(given.statistic / std::sqrt(2.0)), 1e-12));
}

TEST_CASE("fisher_z: degenerate cases follow the documented conventions", "[stats]") {
  hilm::Random rng(hilm::test::seed(3));
  const Index n = 200;
  Matrix<double> d(n, 5);
  for (Index i = 0; i < n; ++i) {
    d(i, 0) = rng.normal();
    d(i, 1) = rng.normal();
    d(i, 2) = 2.0 * d(i, 0) - 1.0;  // exact copy of X0 up to scale: r = 1
    d(i, 3) = d(i, 0) + d(i, 1);    // exact sum
    d(i, 4) = 3.0 * d(i, 1);        // collinear with X1
  }
  const hilm::FisherZTest fz(d);
  // Perfect dependence: p = 0, statistic = inf, never an exception.
  const auto perfect = fz.test(0, 2, {});
  CHECK(perfect.p_value == 0.0);
  CHECK(perfect.statistic == std::numeric_limits<double>::infinity());
  // X3 given {X0, X1} is constant: conditionally independent of anything, p = 1.
  const std::array<Index, 2> both{0, 1};
  CHECK(fz.test(3, 2, both).p_value == 1.0);
  // Collinear conditioning set {X1, X4}: the same answer as conditioning on X1 alone.
  const std::array<Index, 2> collinear{1, 4};
  const std::array<Index, 1> single{1};
  CHECK_THAT(fz.test(0, 3, collinear).p_value,
             Catch::Matchers::WithinRel(fz.test(0, 3, single).p_value, 1e-9));
  CHECK(fz.test(0, 3, single).p_value == 0.0);  // X3 = X0 + X1 exactly
}

TEST_CASE("fisher_z: invalid arguments throw invalid_argument naming the problem", "[stats]") {
  const auto d = chain_data(50, hilm::test::seed(4));
  const hilm::FisherZTest fz(d);
  const std::array<Index, 1> bad{7};
  const std::array<Index, 1> overlap{0};
  const std::array<Index, 2> repeated{1, 1};
  CHECK_THROWS_AS(fz.test(0, 0, {}), hilm::invalid_argument);
  CHECK_THROWS_AS(fz.test(0, 9, {}), hilm::invalid_argument);
  CHECK_THROWS_AS(fz.test(0, 2, bad), hilm::invalid_argument);
  CHECK_THROWS_AS(fz.test(0, 2, overlap), hilm::invalid_argument);
  CHECK_THROWS_AS(fz.test(0, 2, repeated), hilm::invalid_argument);
  Matrix<double> constant = d;
  constant.col(1).setConstant(2.0);
  CHECK_THROWS_WITH(hilm::FisherZTest(constant), Catch::Matchers::Contains("column 1 is constant"));
  CHECK_THROWS_AS(hilm::FisherZTest(d.topRows(4)).test(0, 1, std::array<Index, 2>{2, 3}),
                  hilm::invalid_argument);
}

TEST_CASE("ci_cache: memo answers repeats in any order, batch equals one-by-one", "[stats]") {
  const auto d = chain_data(300, hilm::test::seed(5));
  hilm::FisherZTest fz(d);
  hilm::CachedCiTest cached(fz);
  static_assert(hilm::CiTest<hilm::FisherZTest>);
  static_assert(hilm::CiTest<hilm::CachedCiTest<hilm::FisherZTest>>);
  const std::array<Index, 2> s{1, 3};
  const std::array<Index, 2> s_reversed{3, 1};
  const auto a = cached.test(0, 2, s);
  const auto b = cached.test(2, 0, s_reversed);
  CHECK(a.p_value == b.p_value);
  CHECK(cached.size() == 1);
  CHECK(cached.hits() == 1);
  std::vector<hilm::CiQuery> queries;
  for (Index x = 0; x < 4; ++x)
    for (Index y = x + 1; y < 4; ++y) {
      queries.push_back({x, y, {}});
      for (Index k = 0; k < 4; ++k)
        if (k != x && k != y) queries.push_back({x, y, {k}});
    }
  const auto batch = hilm::test_batch(fz, queries);
  REQUIRE(batch.size() == queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i)
    CHECK(batch[i].p_value == fz.test(queries[i].x, queries[i].y, queries[i].z).p_value);
  queries.push_back({0, 0, {}});
  CHECK_THROWS_AS(hilm::test_batch(fz, queries), hilm::invalid_argument);
}
