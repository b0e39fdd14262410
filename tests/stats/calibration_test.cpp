// Check T3 (DESIGN.md §4): null rejection rates within α ± 0.03 and rank recovery over seeds.
// With R replicates the rejection count is Binomial(R, α): sd = sqrt(α(1−α)/R), so ±0.03 is
// 4.4 sd at R = 1000 (false alarm ~1e-5) and 3.1 sd at R = 500 (~2e-3).
#include <array>
#include <cmath>
#include <vector>

#include <hilm/core/random.hpp>
#include <hilm/stats/cca_rank.hpp>
#include <hilm/stats/discrete.hpp>
#include <hilm/stats/fisher_z.hpp>
#include <hilm/stats/kci.hpp>

#include "support/catch.hpp"

namespace {
using hilm::Index;
using hilm::Matrix;
constexpr double kAlpha = 0.05;

// Linear Gaussian: X0 <- X2 -> X1 (X0 ⫫ X1 | X2), X3 independent of all.
Matrix<double> gaussian_fork(Index n, double effect, hilm::Random& rng) {
  Matrix<double> d(n, 4);
  for (Index i = 0; i < n; ++i) {
    d(i, 2) = rng.normal();
    d(i, 0) = 0.9 * d(i, 2) + rng.normal();
    d(i, 1) = -0.8 * d(i, 2) + effect * d(i, 0) + rng.normal();
    d(i, 3) = rng.normal();
  }
  return d;
}
}  // namespace

TEST_CASE("calibration: Fisher-z null rejection rate and power", "[stats][stat][slow]") {
  const int reps = 1000;
  int rejected = 0;
  const std::array<Index, 1> s{2};
  for (int r = 0; r < reps; ++r) {
    hilm::Random rng(hilm::test::seed(1000 + static_cast<std::uint64_t>(r)));
    rejected += hilm::FisherZTest(gaussian_fork(200, 0.0, rng)).test(0, 1, s).p_value < kAlpha;
  }
  const double rate = rejected / static_cast<double>(reps);
  INFO("Fisher-z null rejection rate " << rate);
  CHECK(std::abs(rate - kAlpha) <= 0.03);
  // Power rises with n at a fixed small effect.
  std::vector<double> power;
  for (Index n : {50, 200, 800}) {
    int hits = 0;
    for (int r = 0; r < 200; ++r) {
      hilm::Random rng(hilm::test::seed(5000 + static_cast<std::uint64_t>(r)));
      hits += hilm::FisherZTest(gaussian_fork(n, 0.15, rng)).test(0, 1, s).p_value < kAlpha;
    }
    power.push_back(hits / 200.0);
  }
  INFO("power " << power[0] << " " << power[1] << " " << power[2]);
  CHECK(power[0] < power[1]);
  CHECK(power[1] < power[2]);
  CHECK(power[2] > 0.9);
}

TEST_CASE("calibration: G-square null rejection rate", "[stats][stat][slow]") {
  const int reps = 1000;
  int rejected = 0;
  const std::array<Index, 1> s{2};
  for (int r = 0; r < reps; ++r) {
    hilm::Random rng(hilm::test::seed(2000 + static_cast<std::uint64_t>(r)));
    const Index n = 1000;
    Matrix<double> d(n, 3);
    for (Index i = 0; i < n; ++i) {
      d(i, 2) = static_cast<double>(rng.uniform_index(2));
      // X and Y each depend on S but not on each other.
      d(i, 0) = static_cast<double>((rng.uniform_index(3) + static_cast<std::uint64_t>(d(i, 2)) *
                                                                (rng.bernoulli(0.5) ? 1 : 0)) %
                                    3);
      d(i, 1) = static_cast<double>(rng.bernoulli(d(i, 2) > 0 ? 0.7 : 0.3) ? 1 : 0) +
                static_cast<double>(rng.uniform_index(2));
    }
    rejected += hilm::g_square_test(d).test(0, 1, s).p_value < kAlpha;
  }
  const double rate = rejected / static_cast<double>(reps);
  INFO("G2 null rejection rate " << rate);
  CHECK(std::abs(rate - kAlpha) <= 0.03);
}

TEST_CASE("calibration: KCI null rejection rates (gamma approximation)", "[stats][stat][slow]") {
  const int reps = 500;
  int rejected_u = 0;
  int rejected_c = 0;
  const std::array<Index, 1> s{2};
  for (int r = 0; r < reps; ++r) {
    hilm::Random rng(hilm::test::seed(3000 + static_cast<std::uint64_t>(r)));
    const Index n = 150;
    Matrix<double> d(n, 4);
    for (Index i = 0; i < n; ++i) {
      d(i, 2) = rng.normal();
      d(i, 0) = std::tanh(d(i, 2)) + 0.5 * rng.normal();
      d(i, 1) = d(i, 2) * d(i, 2) + 0.5 * rng.normal();
      d(i, 3) = rng.normal();
    }
    const hilm::KciTest kci(d);
    rejected_u += kci.test(0, 3, {}).p_value < kAlpha;
    if (r < 250) rejected_c += kci.test(0, 1, s).p_value < kAlpha;
  }
  const double rate_u = rejected_u / static_cast<double>(reps);
  const double rate_c = rejected_c / 250.0;
  INFO("KCI null rejection rates: unconditional " << rate_u << ", conditional " << rate_c);
  CHECK(std::abs(rate_u - kAlpha) <= 0.03);
  CHECK(std::abs(rate_c - kAlpha) <= 0.03);
}

TEST_CASE("calibration: CCA rank test null rate and rank recovery", "[stats][stat][slow]") {
  const std::array<Index, 3> a{0, 1, 2};
  const std::array<Index, 3> b{3, 4, 5};
  const int reps = 1000;
  int rejected = 0;
  int right = 0;
  for (int r = 0; r < reps; ++r) {
    hilm::Random rng(hilm::test::seed(4000 + static_cast<std::uint64_t>(r)));
    // One latent factor shared by A and B: rank Σ_AB = 1.
    const Index n = 500;
    Matrix<double> d(n, 6);
    for (Index i = 0; i < n; ++i) {
      const double f = rng.normal();
      for (Index j = 0; j < 6; ++j)
        d(i, j) = (0.5 + 0.2 * static_cast<double>(j)) * f + rng.normal();
    }
    const auto res = hilm::CcaRankTest(d).test(a, b);
    rejected += res.hypotheses[1].p_value < kAlpha;  // H0: rank ≤ 1 is true
    right += res.estimated_rank(kAlpha) == 1;
  }
  const double rate = rejected / static_cast<double>(reps);
  INFO("CCA null rejection rate " << rate << ", right rank " << right);
  CHECK(std::abs(rate - kAlpha) <= 0.03);
  CHECK(right >= 0.9 * reps);
}

TEST_CASE("calibration: T3 — probability-table rank of the T1 model over 100 seeds",
          "[stats][stat][slow]") {
  // One 3-state latent L with three 4-state children X1, X2, X3 (full-rank CPTs):
  // rank P(X1, (X2, X3)) = 3.
  int right = 0;
  for (int r = 0; r < 100; ++r) {
    hilm::Random rng(hilm::test::seed(6000 + static_cast<std::uint64_t>(r)));
    // Full-rank CPTs: P(child = k | L = l) puts extra mass 0.4 on state l, the rest Dirichlet.
    double cpt[3][3][4];
    for (int c = 0; c < 3; ++c)
      for (int l = 0; l < 3; ++l) {
        std::array<double, 4> p{};
        rng.dirichlet(1.0, p);
        for (int k = 0; k < 4; ++k)
          cpt[c][l][k] = 0.6 * p[static_cast<std::size_t>(k)] + (k == l ? 0.4 : 0.0);
      }
    const Index n = 50000;
    Matrix<double> d(n, 3);
    for (Index i = 0; i < n; ++i) {
      const auto l = static_cast<int>(rng.uniform_index(3));
      for (int c = 0; c < 3; ++c) {
        const double u = rng.uniform();
        double acc = 0;
        int value = 3;
        for (int k = 0; k < 4; ++k) {
          acc += cpt[c][l][k];
          if (u < acc) {
            value = k;
            break;
          }
        }
        d(i, c) = value;
      }
    }
    const std::array<Index, 1> a{0};
    const std::array<Index, 2> b{1, 2};
    right += hilm::DiscreteRankTest(d).test(a, b).estimated_rank(kAlpha) == 3;
  }
  INFO("right rank in " << right << " of 100 seeds");
  // DESIGN.md's bar: the right rank in >= 95 of 100 seeds. Binomial caveat: a calibrated test
  // keeps the true rank with probability 1 − α = 0.95 per seed, so the count is about
  // Binomial(100, 0.95) (sd 2.2) and 95 is its MEAN: a perfectly calibrated test misses this bar
  // for roughly 4 in 10 choices of the run seed. The run is deterministic (ctest passes
  // --rng-seed 20261128); with that seed the count is reported by the INFO above.
  CHECK(right >= 95);
}
