#include <array>
#include <cmath>

#include <hilm/core/random.hpp>
#include <hilm/stats/kci.hpp>

#include "support/catch.hpp"

namespace {
using hilm::Index;
using hilm::Matrix;

// X0 and X1 independent; X2 = sin(2 X0) + noise (nonlinear, nearly uncorrelated with X0);
// X3 = X2 + noise, so X3 ⫫ X0 | X2.
Matrix<double> nonlinear_data(Index n, std::uint64_t seed) {
  hilm::Random rng(seed);
  Matrix<double> d(n, 4);
  for (Index i = 0; i < n; ++i) {
    d(i, 0) = rng.uniform(-2.0, 2.0);
    d(i, 1) = rng.normal();
    d(i, 2) = std::cos(2.0 * d(i, 0)) + 0.3 * rng.normal();
    d(i, 3) = d(i, 2) + 0.3 * rng.normal();
  }
  return d;
}
}  // namespace

TEST_CASE("kci: detects nonlinear dependence that correlation misses, accepts independence",
          "[stats]") {
  const auto d = nonlinear_data(300, hilm::test::seed(21));
  const hilm::stats::KciTest kci(d);
  static_assert(hilm::CiTest<hilm::stats::KciTest>);
  const double corr =
      std::abs((d.col(0).array() - d.col(0).mean())
                   .matrix()
                   .normalized()
                   .dot((d.col(2).array() - d.col(2).mean()).matrix().normalized()));
  CHECK(corr < 0.2);                         // negative control: linear measure sees little
  CHECK(kci.test(0, 2, {}).p_value < 1e-4);  // KCI sees the dependence
  CHECK(kci.test(0, 1, {}).p_value > 0.01);  // independent pair
  const std::array<Index, 1> middle{2};
  CHECK(kci.test(0, 3, {}).p_value < 1e-3);      // dependent marginally
  CHECK(kci.test(0, 3, middle).p_value > 0.01);  // independent given X2
  // Symmetric in x and y (the conditional test runs with x < y, as causal-learn orders them).
  CHECK_THAT(kci.test(3, 0, middle).p_value,
             Catch::Matchers::WithinRel(kci.test(0, 3, middle).p_value, 1e-8));
}

TEST_CASE("kci: the simulated spectral null agrees with the gamma approximation", "[stats]") {
  const auto d = nonlinear_data(200, hilm::test::seed(22));
  const std::array<Index, 1> middle{2};
  hilm::stats::KciOptions gamma;
  hilm::stats::KciOptions spectral{
      .null = hilm::stats::KciNull::Spectral, .null_samples = 4000, .seed = hilm::test::seed(23)};
  for (Index y : {1, 3}) {
    std::span<const Index> z = y == 3 ? std::span<const Index>(middle) : std::span<const Index>();
    const double pg = hilm::stats::KciTest(d, gamma).test(0, y, z).p_value;
    const auto spec = hilm::stats::KciTest(d, spectral);
    const double ps = spec.test(0, y, z).p_value;
    INFO("gamma " << pg << " spectral " << ps);
    CHECK(std::abs(pg - ps) < 0.06);
    CHECK(spec.test(0, y, z).p_value == ps);  // same seed, same answer
  }
}

TEST_CASE("kci: kernels, widths and argument checks", "[stats]") {
  const auto d = nonlinear_data(120, hilm::test::seed(24));
  // Linear kernels reduce HSIC to a squared covariance: it sees the linear pair X2, X3 but not
  // the nonlinear pair X0, X2 that the Gaussian kernel detects.
  hilm::stats::KciOptions linear{.kernel_x = hilm::stats::KernelKind::Linear,
                                 .kernel_y = hilm::stats::KernelKind::Linear,
                                 .kernel_z = hilm::stats::KernelKind::Linear};
  CHECK(hilm::stats::KciTest(d, linear).test(2, 3, {}).p_value < 1e-3);
  CHECK(hilm::stats::KciTest(d, linear).test(0, 2, {}).p_value > 1e-3);
  hilm::stats::KciOptions manual{.width = hilm::stats::KciWidth::Manual};
  CHECK_THROWS_AS(hilm::stats::KciTest(d, manual), hilm::invalid_argument);
  const hilm::stats::KciTest kci(d);
  const std::array<Index, 1> overlap{0};
  CHECK_THROWS_AS(kci.test(0, 0, {}), hilm::invalid_argument);
  CHECK_THROWS_AS(kci.test(0, 4, {}), hilm::invalid_argument);
  CHECK_THROWS_AS(kci.test(0, 1, overlap), hilm::invalid_argument);
  // Multivariate groups.
  const std::array<Index, 2> xs{0, 1};
  const std::array<Index, 1> ys{2};
  CHECK(kci.test_sets(xs, ys, {}).p_value < 1e-3);
}
