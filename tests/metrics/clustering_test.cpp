#include <hilm/core/random.hpp>
#include <hilm/metrics/clustering.hpp>

#include "support/catch.hpp"

using Catch::Matchers::WithinAbs;
using hilm::adjusted_rand_index;
using hilm::Index;
using hilm::IndexVector;
using hilm::matched_accuracy;

TEST_CASE("clustering: adjusted Rand index on hand-worked partitions", "[metrics]") {
  Eigen::VectorXi a(4), b(4);
  a << 0, 0, 1, 1;
  b << 0, 0, 1, 2;
  // Pairs: Σ C(n_ij, 2) = 1, Σ C(a_i, 2) = 2, Σ C(b_j, 2) = 1, C(4, 2) = 6:
  // (1 − 2/6) / (1.5 − 2/6) = 4/7.
  CHECK_THAT(adjusted_rand_index(a, b), WithinAbs(4.0 / 7.0, 1e-15));
  CHECK_THAT(adjusted_rand_index(b, a), WithinAbs(4.0 / 7.0, 1e-15));
  Eigen::VectorXi relabelled(4);
  relabelled << 7, 7, -3, -3;
  CHECK_THAT(adjusted_rand_index(a, relabelled), WithinAbs(1.0, 1e-15));
  Eigen::VectorXi one(4), singletons(4);
  one << 0, 0, 0, 0;
  singletons << 0, 1, 2, 3;
  CHECK_THAT(adjusted_rand_index(one, singletons), WithinAbs(0.0, 1e-15));
  CHECK_THAT(adjusted_rand_index(one, one), WithinAbs(1.0, 1e-15));
}

TEST_CASE("clustering: matched accuracy on a hand-worked labelling", "[metrics]") {
  IndexVector truth(6), estimate(6);
  truth << 0, 0, 0, 1, 1, 2;
  estimate << 5, 5, 7, 7, 7, 9;
  // Best relabelling 5→0, 7→1, 9→2 gets 5 of 6 right.
  const auto r = matched_accuracy(truth, estimate);
  CHECK_THAT(r.accuracy, WithinAbs(5.0 / 6.0, 1e-15));
  REQUIRE(r.match.size() == 3);
  CHECK(r.match[0] == 5);
  CHECK(r.match[1] == 7);
  CHECK(r.match[2] == 9);
  // Fewer clusters than states: the unmatched state scores 0.
  IndexVector merged(6);
  merged << 1, 1, 1, 1, 1, 2;
  const auto m = matched_accuracy(truth, merged);
  CHECK_THAT(m.accuracy, WithinAbs(4.0 / 6.0, 1e-15));
  CHECK(m.match[1] == -1);
  CHECK_THROWS_AS(matched_accuracy(truth, IndexVector(3)), hilm::invalid_argument);
}

TEST_CASE("clustering: independent labels score near 0, noisy copies in between", "[metrics]") {
  hilm::Random rng(hilm::test::seed(81));
  const Index n = 20000;
  IndexVector truth(n), noise(n), noisy(n);
  for (Index i = 0; i < n; ++i) {
    truth(i) = static_cast<Index>(rng.uniform_index(4));
    noise(i) = static_cast<Index>(rng.uniform_index(4));
    noisy(i) = rng.bernoulli(0.8) ? (truth(i) + 1) % 4 : noise(i);
  }
  CHECK(std::abs(adjusted_rand_index(truth, noise)) < 0.01);
  const double acc = matched_accuracy(truth, noisy).accuracy;
  CHECK(std::abs(acc - 0.85) < 0.02);  // 0.8 kept + 0.2 · 1/4 right by chance
  const double ari = adjusted_rand_index(truth, noisy);
  CHECK(ari > 0.5);
  CHECK(ari < 0.9);
}
