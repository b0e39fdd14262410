/// @file
/// `CausalLearnRounding`: a `CiTest` adaptor that recomputes a normal-statistic p-value with
/// causal-learn's floating-point arithmetic, for graph-level parity with causal-learn.
///
/// hilm's Fisher-z test computes p = erfc(z/√2) without cancellation (docs/stats.md).
/// causal-learn computes p = 2·(1 − Φ(z)) with Φ(z) rounded to double first (scipy's `ndtr`), so
/// its p-values below about 1e-16 collapse onto multiples of 2⁻⁵³ and onto 0 for z > 8.3. The
/// skeleton and the separating-set collider rule only compare p with α and are unaffected, but
/// the max-p rules (`uc_rule` 1 and 2) and the priority orderings compare p-values with each
/// other: two strongly dependent tests that causal-learn scores as a tie (both 0) are ordered by
/// hilm, and a different collider can win. Wrap the test in this adaptor to reproduce
/// causal-learn's graphs exactly.
#ifndef HILM_STATS_CAUSAL_LEARN_ROUNDING_HPP
#define HILM_STATS_CAUSAL_LEARN_ROUNDING_HPP

#include <cmath>
#include <span>
#include <utility>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// Wraps a test whose `statistic` is a standard-normal |z| (`FisherZTest`) and returns
/// causal-learn's rounded p-value 2·(1 − Φ(z)) (models `hilm::CiTest`).
///
/// Φ follows the Cephes `ndtr` branches scipy uses: 0.5 + 0.5·erf(z/√2) for z/√2 < 1/√2, else
/// 1 − 0.5·erfc(z/√2). The wrapped test is held by reference and must outlive the adaptor.
template <CiTest Test>
class CausalLearnRounding {
 public:
  /// @param[in] test the wrapped test (not owned).
  explicit CausalLearnRounding(Test& test) : test_(&test) {}

  /// The wrapped result with `p_value` replaced by causal-learn's rounded value.
  [[nodiscard]] CiResult test(Index x, Index y, std::span<const Index> z) const requires
      requires(const Test& t) {
    t.test(x, y, z);
  }
  { return round(static_cast<CiResult>(std::as_const(*test_).test(x, y, z))); }
  /// Non-const overload for tests whose `test` is not const.
  [[nodiscard]] CiResult test(Index x, Index y, std::span<const Index> z) {
    return round(static_cast<CiResult>(test_->test(x, y, z)));
  }
  /// Number of variables of the wrapped test.
  [[nodiscard]] Index num_variables() const { return test_->num_variables(); }

 private:
  static CiResult round(CiResult r) {
    const double t = std::abs(r.statistic) / std::sqrt(2.0);
    const double cdf =
        t < 1.0 / std::sqrt(2.0) ? 0.5 + 0.5 * std::erf(t) : 1.0 - 0.5 * std::erfc(t);
    r.p_value = 2.0 * (1.0 - cdf);
    return r;
  }
  Test* test_;
};

}  // namespace hilm

#endif  // HILM_STATS_CAUSAL_LEARN_ROUNDING_HPP
