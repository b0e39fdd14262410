// Tests of include/hilm/hierarchy/fdr.hpp (Benjamini–Hochberg / Benjamini–Yekutieli).
#include <algorithm>
#include <cmath>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/hierarchy/fdr.hpp>

#include "support/catch.hpp"

using hilm::benjamini_hochberg;
using hilm::benjamini_yekutieli;
using hilm::false_discovery_rate;
using hilm::Index;

TEST_CASE("fdr: the worked example of Benjamini & Hochberg (1995) rejects four", "[hierarchy]") {
  // Section 3.2 of the paper: 15 p-values from a multiple-endpoint trial; at q = 0.05 the
  // step-up procedure rejects the four smallest (Bonferroni would reject three).
  const std::vector<double> p = {0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
                                 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000};
  // Shuffle the input order: the answer must follow the hypotheses, not their positions.
  std::vector<std::size_t> perm(p.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  hilm::Random rng(hilm::test::seed(1));
  rng.shuffle(perm.begin(), perm.end());
  std::vector<double> shuffled(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) shuffled[i] = p[perm[i]];
  const auto r = benjamini_hochberg(shuffled, 0.05);
  CHECK(r.discoveries == 4);
  for (std::size_t i = 0; i < p.size(); ++i) CHECK(r.rejected[i] == (perm[i] < 4));
  CHECK(r.threshold == 0.0095);
}

TEST_CASE("fdr: adjusted p-values follow the step-up definition", "[hierarchy]") {
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.2, 0.005};
  const auto r = benjamini_hochberg(p, 0.05);
  // Sorted: 0.005 (i=1), 0.01 (2), 0.03 (3), 0.04 (4), 0.2 (5); m = 5.
  // m p / i: 0.025, 0.025, 0.05, 0.05, 0.2; running minimum from the top: same values.
  CHECK_THAT(r.adjusted[4], Catch::Matchers::WithinAbs(0.025, 1e-15));
  CHECK_THAT(r.adjusted[0], Catch::Matchers::WithinAbs(0.025, 1e-15));
  CHECK_THAT(r.adjusted[2], Catch::Matchers::WithinAbs(0.05, 1e-15));
  CHECK_THAT(r.adjusted[1], Catch::Matchers::WithinAbs(0.05, 1e-15));
  CHECK_THAT(r.adjusted[3], Catch::Matchers::WithinAbs(0.2, 1e-15));
  CHECK(r.discoveries == 4);  // p(4) = 0.04 ≤ 4·0.05/5
  for (std::size_t i = 0; i < p.size(); ++i) CHECK(r.rejected[i] == (r.adjusted[i] <= 0.05));
  // BY divides the level by c(5) = 1 + 1/2 + 1/3 + 1/4 + 1/5 = 137/60.
  const auto by = benjamini_yekutieli(p, 0.05);
  const double c = 137.0 / 60.0;
  CHECK_THAT(by.adjusted[4], Catch::Matchers::WithinAbs(std::min(1.0, 0.025 * c), 1e-15));
  CHECK(by.discoveries == 0);  // smallest p 0.005 > 0.05 / (5 c) = 0.00438
}

TEST_CASE("fdr: empty families, ties and argument checks", "[hierarchy]") {
  CHECK(benjamini_hochberg(std::vector<double>{}, 0.1).discoveries == 0);
  const std::vector<double> ties = {0.02, 0.02, 0.02};
  CHECK(benjamini_hochberg(ties, 0.05).discoveries == 3);
  CHECK_THROWS_AS(benjamini_hochberg(ties, 0.0), hilm::invalid_argument);
  CHECK_THROWS_AS(benjamini_hochberg(ties, 1.5), hilm::invalid_argument);
  const std::vector<double> bad = {0.1, std::nan("")};
  CHECK_THROWS_AS(benjamini_hochberg(bad, 0.05), hilm::invalid_argument);
  const std::vector<double> above = {1.2};
  CHECK_THROWS_AS(false_discovery_rate(above, 0.05), hilm::invalid_argument);
}

TEST_CASE("fdr: the realised FDR stays below q on independent tests", "[hierarchy][stat]") {
  // 200 families of 100 tests: 80 nulls (uniform p) and 20 alternatives (p = U^8, small).
  // BH guarantees E[V/R] ≤ q·m0/m = 0.04 at q = 0.05; the mean over 200 families has a standard
  // error near 0.01, so 0.07 leaves a wide margin while a procedure without correction (which
  // yields an FDR near 0.17 here) fails.
  hilm::Random rng(hilm::test::seed(2));
  const double q = 0.05;
  double fdr_sum = 0, naive_sum = 0;
  Index power = 0;
  const int families = 200;
  for (int f = 0; f < families; ++f) {
    std::vector<double> p(100);
    for (std::size_t i = 0; i < p.size(); ++i) {
      p[i] = i < 80 ? rng.uniform() : std::pow(rng.uniform(), 8.0);
    }
    const auto r = benjamini_hochberg(p, q);
    Index false_rej = 0, naive_false = 0, naive_all = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (r.rejected[i] && i < 80) ++false_rej;
      if (r.rejected[i] && i >= 80) ++power;
      if (p[i] <= q) {
        ++naive_all;
        if (i < 80) ++naive_false;
      }
    }
    fdr_sum += r.discoveries > 0
                   ? static_cast<double>(false_rej) / static_cast<double>(r.discoveries)
                   : 0.0;
    naive_sum +=
        naive_all > 0 ? static_cast<double>(naive_false) / static_cast<double>(naive_all) : 0.0;
  }
  const double fdr = fdr_sum / families, naive = naive_sum / families;
  INFO("BH FDR " << fdr << ", uncorrected FDR " << naive);
  CHECK(fdr < 0.07);
  CHECK(naive > 0.1);  // negative control: without the correction the rate is clearly higher
  CHECK(power > families * 5);  // BH still finds a good share of the 20 alternatives
}
