#include <cmath>
#include <limits>

#include <hilm/core/distributions.hpp>

#include "support/catch.hpp"

namespace {
#include "data/core/distribution_values.inc"

double relative_error(double got, double want) {
  if (want == 0.0) return std::abs(got);
  return std::abs(got - want) / std::abs(want);
}
}  // namespace

TEST_CASE("distributions: incomplete gamma P and Q match 80-digit references", "[core]") {
  double worst_p = 0.0;
  double worst_q = 0.0;
  for (const auto& row : kGammaValues) {
    const double a = row[0];
    const double x = row[1];
    const double p = hilm::gamma_p(a, x);
    const double q = hilm::gamma_q(a, x);
    INFO("a = " << a << ", x = " << x << ", P = " << p << " vs " << row[2] << ", Q = " << q
                << " vs " << row[3]);
    // Relative accuracy on the smaller of the two tails; absolute on the complement.
    if (row[2] <= 0.5) {
      CHECK(relative_error(p, row[2]) < 1e-13);
      CHECK(std::abs(q - row[3]) < 1e-14);
      worst_p = std::max(worst_p, relative_error(p, row[2]));
    } else {
      CHECK(relative_error(q, row[3]) < 1e-13);
      CHECK(std::abs(p - row[2]) < 1e-14);
      worst_q = std::max(worst_q, relative_error(q, row[3]));
    }
  }
  INFO("worst relative error: P " << worst_p << ", Q " << worst_q);
  CHECK(worst_p < 1e-13);
}

TEST_CASE("distributions: chi-square and gamma laws are P and Q with scaled arguments", "[core]") {
  using namespace hilm;
  // χ²_2 has survival exp(−x/2); χ²_1 has survival erfc(sqrt(x/2)).
  for (double x : {0.01, 0.5, 3.0, 40.0, 400.0, 1200.0}) {
    CHECK_THAT(chi2_sf(x, 2.0), Catch::Matchers::WithinRel(std::exp(-x / 2), 1e-13));
    CHECK_THAT(chi2_sf(x, 1.0), Catch::Matchers::WithinRel(std::erfc(std::sqrt(x / 2)), 1e-13));
    CHECK_THAT(chi2_cdf(x, 2.0) + chi2_sf(x, 2.0), Catch::Matchers::WithinAbs(1.0, 1e-15));
    // Gamma(k, θ) with k = 1 is exponential with mean θ.
    CHECK_THAT(gamma_sf(x, 1.0, 3.0), Catch::Matchers::WithinRel(std::exp(-x / 3), 1e-13));
    CHECK_THAT(gamma_cdf(x, 1.0, 3.0), Catch::Matchers::WithinRel(-std::expm1(-x / 3), 1e-13));
  }
  CHECK(chi2_sf(0.0, 3.0) == 1.0);
  CHECK(chi2_sf(-1.0, 3.0) == 1.0);
  CHECK(chi2_cdf(0.0, 3.0) == 0.0);
  CHECK(chi2_sf(std::numeric_limits<double>::infinity(), 3.0) == 0.0);
  CHECK(std::isnan(chi2_sf(std::nan(""), 3.0)));
  CHECK(gamma_cdf(-2.0, 2.0, 1.0) == 0.0);
  CHECK(gamma_sf(-2.0, 2.0, 1.0) == 1.0);
  CHECK_THROWS_AS(chi2_sf(1.0, 0.0), hilm::invalid_argument);
  CHECK_THROWS_AS(chi2_cdf(1.0, -1.0), hilm::invalid_argument);
  CHECK_THROWS_AS(gamma_p(0.0, 1.0), hilm::invalid_argument);
  CHECK_THROWS_AS(gamma_q(1.0, -1.0), hilm::invalid_argument);
  CHECK_THROWS_AS(gamma_sf(1.0, 1.0, 0.0), hilm::invalid_argument);
}

TEST_CASE("distributions: normal tails and log-gamma match references", "[core]") {
  using namespace hilm;
  for (const auto& row : kNormalSfValues) {
    INFO("z = " << row[0]);
    // erfc(z/√2): the rounding of z/√2 costs about z² ulps in the far tail.
    const double tolerance = 1e-15 * (4.0 + row[0] * row[0]);
    CHECK(relative_error(normal_sf(row[0]), row[1]) < tolerance);
    CHECK(relative_error(normal_cdf(-row[0]), row[1]) < tolerance);
    if (row[0] >= 0.0) CHECK(relative_error(normal_two_sided_p(row[0]), 2.0 * row[1]) < tolerance);
  }
  for (const auto& row : kLogGammaValues) {
    INFO("x = " << row[0]);
    CHECK(std::abs(log_gamma(row[0]) - row[1]) < 1e-14 * std::max(1.0, std::abs(row[1])));
  }
  CHECK(log_gamma(0.0) == std::numeric_limits<double>::infinity());
  CHECK_THROWS_AS(log_gamma(-1.0), hilm::invalid_argument);
}

TEST_CASE("distributions: normal_quantile inverts the normal distribution function", "[core]") {
  using namespace hilm;
  // Φ(−z) = sf(z): the quantile of each reference tail value is −z. Only u ≤ 0.5: above, u = 1 − ε
  // holds ε to about 1e-16 absolute, so −z is not determined to 1e-12 by the double u (the upper
  // half follows from the symmetry checked below).
  for (const auto& row : kNormalSfValues) {
    if (!(row[1] > 1e-300) || !(row[1] <= 0.5) || row[0] == 0.0) continue;
    INFO("z = " << row[0]);
    CHECK(relative_error(normal_quantile(row[1]), -row[0]) < 1e-12);
  }
  CHECK(std::abs(normal_quantile(0.975) - 1.959963984540054) < 1e-14);
  CHECK(normal_quantile(0.5) == 0.0);
  for (const double u : {1e-10, 1e-4, 0.01, 0.1, 0.3}) {
    CHECK(std::abs(normal_quantile(1.0 - u) + normal_quantile(u)) < 1e-15 / u);
  }
  CHECK(normal_quantile(0.0) == -std::numeric_limits<double>::infinity());
  CHECK(normal_quantile(1.0) == std::numeric_limits<double>::infinity());
}
