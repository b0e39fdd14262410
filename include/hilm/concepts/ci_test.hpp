/// @file
/// The conditional-independence test concept: what PC, the hierarchy search and the permutation
/// wrapper require of a test, so that built-in tests (`hilm/stats`) and users' own tests plug in
/// alike.
#ifndef HILM_CONCEPTS_CI_TEST_HPP
#define HILM_CONCEPTS_CI_TEST_HPP

#include <concepts>
#include <span>

#include <hilm/core/types.hpp>

namespace hilm {

/// Outcome of one conditional-independence test of X ⫫ Y | S.
///
/// `p_value` is the probability, under the null hypothesis of (conditional) independence, of a
/// statistic at least as extreme as `statistic`; small values are evidence of dependence.
/// `dof` is the degrees of freedom of the reference distribution when there is one (χ², G²,
/// Fisher-z: the effective sample size n − |S| − 3), and 0 otherwise (KCI, permutation tests).
struct CiResult {
  double statistic = 0.0;  ///< test statistic (its scale depends on the test)
  double dof = 0.0;        ///< degrees of freedom of the null distribution (see above)
  double p_value = 1.0;    ///< p-value in [0, 1]
};

/// A conditional-independence test over a fixed data set with `num_variables()` columns.
///
/// Requirements:
/// - `t.test(x, y, z)` with column indices `x != y` and a conditioning set `z` (disjoint from
///   {x, y}, any order, possibly empty) returns something convertible to `CiResult`;
/// - `t.num_variables()` returns the number of columns that may be tested.
///
/// Contract: the result does not depend on the order of `z`, and `test(x, y, z)` equals
/// `test(y, x, z)` for the built-in tests; invalid indices throw `hilm::invalid_argument`; the
/// test never prints. `test` may be non-const (tests that cache results or draw random numbers).
/// Write `static_assert(hilm::CiTest<MyTest>);` next to your own test class.
template <class T>
concept CiTest = requires(T& t, const T& ct, Index x, Index y, std::span<const Index> z) {
  { t.test(x, y, z) } -> std::convertible_to<CiResult>;
  { ct.num_variables() } -> std::convertible_to<Index>;
};

}  // namespace hilm

#endif  // HILM_CONCEPTS_CI_TEST_HPP
