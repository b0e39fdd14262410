// Tests of include/hilm/nmf/beta_divergence.hpp against the defining formulas.
#include <cmath>
#include <limits>

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/nmf/beta_divergence.hpp>

#include "support/catch.hpp"

namespace {

using hilm::Index;
using hilm::Matrix;

// The textbook definitions written out separately for each β (Févotte & Idier 2011, eq. 2;
// Cichocki et al. 2009, "Nonnegative Matrix and Tensor Factorizations", §2.4).
double reference(double x, double y, double beta) {
  if (beta == 0) return x / y - std::log(x / y) - 1;
  if (beta == 1) return x * std::log(x / y) - x + y;
  if (beta == 2) return 0.5 * (x - y) * (x - y);
  return (std::pow(x, beta) + (beta - 1) * std::pow(y, beta) - beta * x * std::pow(y, beta - 1)) /
         (beta * (beta - 1));
}

}  // namespace

TEST_CASE("beta_divergence: values against the direct formula", "[nmf][beta]") {
  hilm::Random random(hilm::test::seed(11));
  Matrix<double> x(6, 5), y(6, 5);
  for (Index j = 0; j < 5; ++j) {
    for (Index i = 0; i < 6; ++i) {
      x(i, j) = random.uniform(0.05, 3.0);
      y(i, j) = random.uniform(0.05, 3.0);
    }
  }
  for (const double beta : {0.0, 0.5, 1.0, 1.5, 2.0, 3.0}) {
    double expected = 0;
    for (Index j = 0; j < 5; ++j)
      for (Index i = 0; i < 6; ++i) expected += reference(x(i, j), y(i, j), beta);
    CHECK_THAT(hilm::beta_divergence(x, y, beta), Catch::Matchers::WithinRel(expected, 1e-12));
    CHECK_THAT(hilm::beta_divergence(x, x, beta), Catch::Matchers::WithinAbs(0.0, 1e-12));
    CHECK(hilm::beta_divergence(x, y, beta) > 0.0);
  }
  // β = 2 is half the squared Frobenius distance.
  CHECK_THAT(hilm::beta_divergence(x, y, 2.0),
             Catch::Matchers::WithinRel(0.5 * (x - y).squaredNorm(), 1e-12));
}

TEST_CASE("beta_divergence: the family is continuous in beta at 0 and 1", "[nmf][beta]") {
  for (const double base : {0.0, 1.0}) {
    for (const double offset : {-1e-6, 1e-6}) {
      const double at = hilm::beta_divergence(1.7, 0.6, base);
      CHECK_THAT(hilm::beta_divergence(1.7, 0.6, base + offset),
                 Catch::Matchers::WithinRel(at, 1e-4));
    }
  }
}

TEST_CASE("beta_divergence: zero conventions and invalid input", "[nmf][beta]") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(hilm::beta_divergence(0.0, 2.0, 1.0) == 2.0);  // 0 log 0 = 0
  CHECK(hilm::beta_divergence(1.0, 0.0, 1.0) == inf);
  CHECK(hilm::beta_divergence(0.0, 1.0, 0.0) == inf);
  CHECK_THAT(hilm::beta_divergence(0.0, 2.0, 3.0), Catch::Matchers::WithinRel(8.0 / 3.0, 1e-14));
  CHECK_THAT(hilm::beta_divergence(2.0, 0.0, 3.0), Catch::Matchers::WithinRel(8.0 / 6.0, 1e-14));
  CHECK_THROWS_AS(hilm::beta_divergence(-1.0, 1.0, 2.0), hilm::invalid_argument);
  CHECK_THROWS_AS(
      hilm::beta_divergence(Matrix<double>::Ones(2, 2), Matrix<double>::Ones(2, 3), 2.0),
      hilm::invalid_argument);
}
