#include <array>

#include <hilm/core/random.hpp>
#include <hilm/stats/permutation.hpp>

#include "support/catch.hpp"

TEST_CASE("permutation: independent pairs get large p, dependent pairs the minimum", "[stats]") {
  hilm::Random rng(hilm::test::seed(41));
  const hilm::Index n = 200;
  hilm::Matrix<double> d(n, 4);
  for (hilm::Index i = 0; i < n; ++i) {
    d(i, 2) = static_cast<double>(rng.uniform_index(2));  // discrete confounder
    d(i, 0) = d(i, 2) + 0.5 * rng.normal();
    d(i, 1) = d(i, 2) + 0.5 * rng.normal();  // X0 ⫫ X1 | X2 only
    d(i, 3) = rng.normal();
  }
  const hilm::PermutationOptions options{.permutations = 199, .seed = hilm::test::seed(42)};
  hilm::PermutationCiTest test(d, &hilm::absolute_correlation, options);
  static_assert(hilm::CiTest<decltype(test)>);
  CHECK(test.test(0, 1, {}).p_value ==
        1.0 / 200.0);  // dependent marginally: no permutation beats it
  const std::array<hilm::Index, 1> s{2};
  CHECK(test.test(0, 1, s).p_value > 0.01);  // independent within strata
  CHECK(test.test(0, 3, {}).p_value > 0.01);
  CHECK(test.test(0, 1, s).p_value == test.test(0, 1, s).p_value);  // seeded
  // Within-stratum permutation keeps each stratum's values: a statistic that only looks at
  // stratum means is invariant, so every permutation ties and p = 1.
  const hilm::Vector<double> y = d.col(1);
  std::vector<hilm::Index> strata(static_cast<std::size_t>(n));
  for (hilm::Index i = 0; i < n; ++i)
    strata[static_cast<std::size_t>(i)] = static_cast<hilm::Index>(d(i, 2));
  auto mean_of_first_stratum = [&](const hilm::Vector<double>&, const hilm::Vector<double>& v) {
    double s0 = 0, c0 = 0;
    for (hilm::Index i = 0; i < n; ++i)
      if (strata[static_cast<std::size_t>(i)] == 0) {
        s0 += v(i);
        c0 += 1;
      }
    return s0 / c0;
  };
  CHECK(hilm::permutation_test(mean_of_first_stratum, d.col(0), y, strata, options).p_value == 1.0);
  CHECK_THROWS_AS(hilm::PermutationCiTest(d, &hilm::absolute_correlation, {.permutations = 0}),
                  hilm::invalid_argument);
}
