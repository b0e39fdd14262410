// CausalLearnRounding: causal-learn's p = 2·(1 − Φ(z)) with Φ rounded to double (scipy's `ndtr`
// branches), over a wrapped normal-statistic test.
#include <cmath>
#include <span>
#include <vector>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/types.hpp>
#include <hilm/stats/causal_learn_rounding.hpp>

#include "support/catch.hpp"

namespace {

// A test that returns a fixed |z| (and an exact two-sided p that the adaptor must replace).
struct FixedStatisticTest {
  double z = 0;
  int calls = 0;
  hilm::CiResult test(hilm::Index, hilm::Index, std::span<const hilm::Index>) {
    ++calls;
    hilm::CiResult r;
    r.statistic = z;
    r.p_value = std::erfc(z / std::sqrt(2.0));
    r.dof = 7;
    return r;
  }
  hilm::Index num_variables() const { return 3; }
};

// The same, callable on a const object.
struct ConstFixedStatisticTest {
  double z = 0;
  hilm::CiResult test(hilm::Index, hilm::Index, std::span<const hilm::Index>) const {
    hilm::CiResult r;
    r.statistic = z;
    r.p_value = std::erfc(z / std::sqrt(2.0));
    return r;
  }
  hilm::Index num_variables() const { return 4; }
};

}  // namespace

TEST_CASE("CausalLearnRounding: p = 2(1 - Phi(z)) with Phi rounded, statistic kept",
          "[stats][causal_learn_rounding]") {
  static_assert(hilm::CiTest<hilm::CausalLearnRounding<FixedStatisticTest>>);
  static_assert(hilm::CiTest<hilm::CausalLearnRounding<ConstFixedStatisticTest>>);
  FixedStatisticTest inner;
  hilm::CausalLearnRounding rounded(inner);
  CHECK(rounded.num_variables() == 3);
  const std::vector<hilm::Index> z;
  // Small z: the erf branch of ndtr; the value agrees with the exact p to rounding.
  inner.z = 0.3;
  auto r = rounded.test(0, 1, z);
  CHECK(r.statistic == 0.3);
  CHECK(r.dof == 7);
  CHECK(r.p_value == 2.0 * (1.0 - (0.5 + 0.5 * std::erf(0.3 / std::sqrt(2.0)))));
  CHECK(std::abs(r.p_value - std::erfc(0.3 / std::sqrt(2.0))) < 1e-15);
  // Moderate z: the erfc branch.
  inner.z = 2.0;
  r = rounded.test(0, 1, z);
  CHECK(r.p_value == 2.0 * (1.0 - (1.0 - 0.5 * std::erfc(2.0 / std::sqrt(2.0)))));
  CHECK(std::abs(r.p_value - 0.04550026389635842) < 1e-12);
  // Large z: Φ(z) rounds to 1 and p collapses to 0 (where the exact p is about 1e-50).
  inner.z = 15.0;
  r = rounded.test(0, 1, z);
  CHECK(r.p_value == 0.0);
  CHECK(std::erfc(15.0 / std::sqrt(2.0)) > 0.0);
  // Intermediate: p is a multiple of 2^-53 (1 − Φ computed in double).
  inner.z = 8.0;
  r = rounded.test(0, 1, z);
  const double units = r.p_value / std::ldexp(1.0, -53);
  CHECK(units == std::round(units));
  CHECK(inner.calls == 4);
  // The sign of the statistic does not matter (|z|).
  inner.z = -2.0;
  CHECK(rounded.test(0, 1, z).p_value == rounded.test(1, 0, z).p_value);
}

TEST_CASE("CausalLearnRounding: const tests stay const-callable",
          "[stats][causal_learn_rounding]") {
  ConstFixedStatisticTest inner{1.5};
  const hilm::CausalLearnRounding rounded(inner);
  const std::vector<hilm::Index> z{2};
  CHECK(rounded.num_variables() == 4);
  CHECK(rounded.test(0, 1, z).p_value ==
        2.0 * (1.0 - (1.0 - 0.5 * std::erfc(1.5 / std::sqrt(2.0)))));
}
