#include <hilm/core/random.hpp>
#include <hilm/metrics/r2.hpp>

#include "support/catch.hpp"

using Catch::Matchers::WithinAbs;
using hilm::Index;
using hilm::predictive_r2;
using hilm::R2Options;
using hilm::Regression;

TEST_CASE("r2: exact linear targets score 1, noise lowers R² to its population value",
          "[metrics]") {
  hilm::Random rng(hilm::test::seed(101));
  const Index n = 4000;
  Eigen::MatrixXd x(n, 3), y(n, 2);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < 3; ++j) x(i, j) = rng.normal();
    y(i, 0) = 2 * x(i, 0) - x(i, 1) + 3;
    // Var(signal) = 1, Var(noise) = 1 → population R² = 0.5.
    y(i, 1) = x(i, 2) + rng.normal();
  }
  const auto r = predictive_r2(x, y, R2Options{.seed = 1});
  CHECK_THAT(r.per_output(0), WithinAbs(1.0, 1e-9));
  CHECK_THAT(r.per_output(1), WithinAbs(0.5, 0.05));
  CHECK(r.test == 1200);
  CHECK(r.train == 2000);
}

TEST_CASE("r2: kernel ridge recovers a nonlinear invertible map that linear R² misses",
          "[metrics]") {
  hilm::Random rng(hilm::test::seed(102));
  const Index n = 1500;
  Eigen::MatrixXd x(n, 1), y(n, 2);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = rng.uniform(-2, 2);
    y(i, 0) = x(i, 0) * x(i, 0);       // not linear in x: linear R² ≈ 0
    y(i, 1) = std::tanh(2 * x(i, 0));  // monotone
  }
  const auto lin = predictive_r2(x, y, R2Options{.seed = 2});
  const auto ker = predictive_r2(x, y, R2Options{.method = Regression::KernelRidge, .seed = 2});
  CHECK(lin.per_output(0) < 0.05);
  CHECK(ker.per_output(0) > 0.99);
  CHECK(ker.per_output(1) > 0.99);
  CHECK(ker.mean > lin.mean);
  // Negative control: an unrelated input predicts nothing.
  Eigen::MatrixXd junk(n, 1);
  for (Index i = 0; i < n; ++i) junk(i, 0) = rng.normal();
  const auto none = predictive_r2(junk, y, R2Options{.method = Regression::KernelRidge, .seed = 2});
  CHECK(none.mean < 0.05);
}

TEST_CASE("r2: argument checks", "[metrics]") {
  const Eigen::MatrixXd x = Eigen::MatrixXd::Zero(10, 2), y = Eigen::MatrixXd::Zero(9, 1);
  CHECK_THROWS_AS(predictive_r2(x, y), hilm::invalid_argument);
  CHECK_THROWS_AS(predictive_r2(x, x, R2Options{.test_fraction = 1.0}), hilm::invalid_argument);
  CHECK_THROWS_AS(predictive_r2(Eigen::MatrixXd::Zero(3, 1), Eigen::MatrixXd::Zero(3, 1)),
                  hilm::invalid_argument);
}

TEST_CASE("r2: R2Options::validate names the field, the requirement and the value", "[metrics]") {
  CHECK(R2Options{.test_fraction = 1.0}.validate().value_or("") ==
        "R2Options::test_fraction must lie in (0, 1), got 1");
  CHECK(R2Options{.max_train = 1}.validate().value_or("") ==
        "R2Options::max_train must be >= 2, got 1");
  CHECK(R2Options{.ridge = -0.5}.validate().value_or("") ==
        "R2Options::ridge must be >= 0, got -0.5");
  CHECK_FALSE(R2Options{}.validate().has_value());
}
