#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include <hilm/core/random.hpp>
#include <hilm/stats/detail/pivoted_cholesky.hpp>
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
  const hilm::KciTest kci(d);
  static_assert(hilm::CiTest<hilm::KciTest>);
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
  hilm::KciOptions gamma;
  hilm::KciOptions spectral{
      .null = hilm::KciNull::Spectral, .null_samples = 4000, .seed = hilm::test::seed(23)};
  for (Index y : {1, 3}) {
    std::span<const Index> z = y == 3 ? std::span<const Index>(middle) : std::span<const Index>();
    const double pg = hilm::KciTest(d, gamma).test(0, y, z).p_value;
    const auto spec = hilm::KciTest(d, spectral);
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
  hilm::KciOptions linear{.kernel_x = hilm::KernelKind::Linear,
                          .kernel_y = hilm::KernelKind::Linear,
                          .kernel_z = hilm::KernelKind::Linear};
  CHECK(hilm::KciTest(d, linear).test(2, 3, {}).p_value < 1e-3);
  CHECK(hilm::KciTest(d, linear).test(0, 2, {}).p_value > 1e-3);
  hilm::KciOptions manual{.width = hilm::KciWidth::Manual};
  CHECK_THROWS_AS(hilm::KciTest(d, manual), hilm::invalid_argument);
  const hilm::KciTest kci(d);
  const std::array<Index, 1> overlap{0};
  CHECK_THROWS_AS(kci.test(0, 0, {}), hilm::invalid_argument);
  CHECK_THROWS_AS(kci.test(0, 4, {}), hilm::invalid_argument);
  CHECK_THROWS_AS(kci.test(0, 1, overlap), hilm::invalid_argument);
  // Multivariate groups.
  const std::array<Index, 2> xs{0, 1};
  const std::array<Index, 1> ys{2};
  CHECK(kci.test_sets(xs, ys, {}).p_value < 1e-3);
}

namespace {

// Smooth nonlinear data with a 2-d conditioning candidate (columns 2 and 4).
Matrix<double> smooth_data(Index n, std::uint64_t seed) {
  hilm::Random rng(seed);
  Matrix<double> d(n, 5);
  for (Index i = 0; i < n; ++i) {
    d(i, 2) = rng.normal();
    d(i, 4) = rng.uniform(-1.0, 1.0);
    d(i, 0) = std::tanh(d(i, 2)) + 0.3 * d(i, 4) + 0.5 * rng.normal();
    d(i, 1) = d(i, 2) * d(i, 2) + 0.5 * rng.normal();
    d(i, 3) = rng.normal();
  }
  return d;
}

hilm::KciResult run_query(const hilm::KciTest& t, int query) {
  const std::array<Index, 1> x{0}, y{1}, y3{3}, z1{2};
  const std::array<Index, 2> z2{2, 4}, x2{0, 4};
  switch (query) {
    case 0:
      return t.test_sets(x, y, z1);  // 1-d Z
    case 1:
      return t.test_sets(x, y, z2);  // 2-d Z
    case 2:
      return t.test_sets(x2, y, z1);  // 2-d X
    default:
      return t.test_sets(x, y3, {});  // unconditional
  }
}

}  // namespace

TEST_CASE("kci: the factored path reproduces the dense path to rounding", "[stats]") {
  using hilm::KciMethod;
  using hilm::KciOptions;
  using hilm::KernelKind;
  double worst = 0.0;
  int compared = 0;
  for (std::uint64_t s = 0; s < 5; ++s) {
    const auto d = smooth_data(160 + 20 * static_cast<Index>(s), hilm::test::seed(30 + s));
    for (int variant = 0; variant < 4; ++variant) {
      KciOptions o;
      if (variant == 1) o.kernel_x = o.kernel_y = o.kernel_z = KernelKind::Polynomial;
      if (variant == 2) o.kernel_x = o.kernel_y = o.kernel_z = KernelKind::Linear;
      if (variant == 3) o.width = hilm::KciWidth::Median;
      KciOptions dense = o, factored = o;
      dense.method = KciMethod::Dense;
      factored.method = KciMethod::Factored;
      const hilm::KciTest td(d, dense), tf(d, factored);
      for (int q = 0; q < 4; ++q) {
        const auto rd = run_query(td, q);
        const auto rf = run_query(tf, q);
        INFO("seed " << s << " variant " << variant << " query " << q << ": dense " << rd.p_value
                     << " factored " << rf.p_value << " (rank " << rf.factor_rank << ")");
        REQUIRE_FALSE(rd.factored);
        REQUIRE(rf.factored);
        const double rel = std::abs(rd.p_value - rf.p_value) / std::max(rd.p_value, 1e-300);
        CHECK((rel <= 1e-9 || std::abs(rd.p_value - rf.p_value) <= 1e-15));
        // Tiny statistics (linear kernels leave small residuals) carry the dense path's own
        // absolute rounding, about u·‖K‖/ε: compare them with an absolute floor.
        CHECK((std::abs(rf.statistic - rd.statistic) <= 1e-9 * std::abs(rd.statistic) ||
               std::abs(rf.statistic - rd.statistic) <= 1e-10));
        if (rd.p_value > 1e-12) worst = std::max(worst, rel);
        ++compared;
      }
    }
  }
  INFO("worst relative p-value difference " << worst);
  CHECK(compared == 80);
  CHECK(worst <= 1e-9);
}

TEST_CASE("kci: factored spectral null and automatic fallback", "[stats]") {
  using hilm::KciMethod;
  using hilm::KciOptions;
  const auto d = smooth_data(200, hilm::test::seed(40));
  // Same seed, same weights (to rounding): the simulated p-values agree.
  KciOptions spectral{
      .null = hilm::KciNull::Spectral, .null_samples = 2000, .seed = hilm::test::seed(41)};
  KciOptions dense = spectral, factored = spectral;
  dense.method = KciMethod::Dense;
  factored.method = KciMethod::Factored;
  for (int q : {0, 3}) {
    const double pd = run_query(hilm::KciTest(d, dense), q).p_value;
    const double pf = run_query(hilm::KciTest(d, factored), q).p_value;
    INFO("query " << q << ": dense " << pd << " factored " << pf);
    CHECK(std::abs(pd - pf) <= 2.0 / 2000.0);
  }
  // Automatic: smooth kernels at n = 600 have numerical rank well below n/3 -> factored.
  const auto big = smooth_data(600, hilm::test::seed(42));
  const auto auto_result = run_query(hilm::KciTest(big), 0);
  CHECK(auto_result.factored);
  CHECK(auto_result.factor_rank <= 200);
  // Four-dimensional X with the narrow empirical width has a high numerical rank at n = 150:
  // Automatic falls back to the dense path and returns exactly its result.
  hilm::Random rng(hilm::test::seed(43));
  Matrix<double> wide(150, 6);
  for (Index i = 0; i < wide.size(); ++i) wide.data()[i] = rng.uniform(-1.0, 1.0);
  const std::array<Index, 4> xs{0, 1, 2, 3};
  const std::array<Index, 1> ys{4}, zs{5};
  const auto fallback = hilm::KciTest(wide).test_sets(xs, ys, zs);
  CHECK_FALSE(fallback.factored);
  CHECK(fallback.p_value ==
        hilm::KciTest(wide, {.method = KciMethod::Dense}).test_sets(xs, ys, zs).p_value);
  // Negative control: a loose factor tolerance is a low-rank approximation, and the comparison
  // above would see it.
  const auto exact = run_query(hilm::KciTest(d, dense), 0);
  const auto loose =
      run_query(hilm::KciTest(d, {.method = KciMethod::Factored, .factor_tolerance = 1e-3}), 0);
  INFO("exact " << exact.p_value << " loose " << loose.p_value);
  CHECK(std::abs(exact.p_value - loose.p_value) > 1e-6 * exact.p_value);
  CHECK_THROWS_AS(hilm::KciTest(d, {.factor_tolerance = 1.5}), hilm::invalid_argument);
}

TEST_CASE("kci: pivoted Cholesky bounds what it discards", "[stats]") {
  // A PSD matrix of exact rank 7 plus a tiny full-rank part of trace 1e-9.
  hilm::Random rng(hilm::test::seed(50));
  const Index n = 60;
  Matrix<double> b(n, 7), c(n, n);
  for (Index i = 0; i < b.size(); ++i) b.data()[i] = rng.normal();
  for (Index i = 0; i < c.size(); ++i) c.data()[i] = rng.normal();
  Matrix<double> k = b * b.transpose();
  const Matrix<double> tiny = c * c.transpose();
  k += 1e-9 * tiny / tiny.trace();
  auto column = [&](Index j, hilm::Vector<double>& out) { out = k.col(j); };
  const hilm::Vector<double> diag = k.diagonal();
  // Stopping above the tiny part keeps exactly the rank-7 part.
  const auto f = hilm::detail::pivoted_cholesky(diag, column, 1e-6 * k.trace(), n);
  CHECK(f.complete);
  CHECK(f.factor.cols() == 7);
  const Matrix<double> rest = k - f.factor * f.factor.transpose();
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> eig(rest, Eigen::EigenvaluesOnly);
  CHECK(eig.eigenvalues().minCoeff() > -1e-12);        // the remainder is PSD (to rounding)
  CHECK(eig.eigenvalues().maxCoeff() <= f.remainder);  // ‖E‖₂ ≤ tracked tr E
  CHECK_THAT(rest.trace(), Catch::Matchers::WithinAbs(f.remainder, 1e-12));
  // A rank cap below the needed rank reports an incomplete factor.
  const auto capped = hilm::detail::pivoted_cholesky(diag, column, 1e-6 * k.trace(), 5);
  CHECK_FALSE(capped.complete);
  CHECK(capped.factor.cols() == 5);
}
