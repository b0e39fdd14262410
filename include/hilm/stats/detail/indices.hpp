/// @file
/// Argument checks shared by the conditional-independence tests.
#ifndef HILM_STATS_DETAIL_INDICES_HPP
#define HILM_STATS_DETAIL_INDICES_HPP

#include <span>
#include <string>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Throws `invalid_argument` unless 0 ≤ x, y < p, x ≠ y, every z in [0, p), z disjoint from {x, y}
/// and without repeats. `who` names the calling test in the message.
inline void check_ci_indices(const char* who, Index p, Index x, Index y, std::span<const Index> z) {
  auto fail = [&](const std::string& what) {
    raise<invalid_argument>(std::string(who) + ": " + what);
  };
  if (x < 0 || x >= p)
    fail("x = " + std::to_string(x) + " is out of range [0, " + std::to_string(p) + ")");
  if (y < 0 || y >= p)
    fail("y = " + std::to_string(y) + " is out of range [0, " + std::to_string(p) + ")");
  if (x == y) fail("x and y must differ, both are " + std::to_string(x));
  for (std::size_t i = 0; i < z.size(); ++i) {
    const Index k = z[i];
    if (k < 0 || k >= p)
      fail("conditioning index " + std::to_string(k) + " is out of range [0, " + std::to_string(p) +
           ")");
    if (k == x || k == y) fail("conditioning set contains x or y (" + std::to_string(k) + ")");
    for (std::size_t j = 0; j < i; ++j)
      if (z[j] == k) fail("conditioning index " + std::to_string(k) + " is repeated");
  }
}

}  // namespace hilm::detail

#endif  // HILM_STATS_DETAIL_INDICES_HPP
