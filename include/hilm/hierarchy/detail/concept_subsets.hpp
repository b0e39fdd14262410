// Enumeration of small subsets, shared by the best-subset search of lasso.hpp and the minimal
// parent-set search of concept_graph.hpp.
#ifndef HILM_HIERARCHY_DETAIL_CONCEPT_SUBSETS_HPP
#define HILM_HIERARCHY_DETAIL_CONCEPT_SUBSETS_HPP

#include <vector>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Calls `visit(const std::vector<Index>& subset)` for every subset of {0, …, m−1} of size
/// exactly `size`, in lexicographic order (deterministic). Size 0 visits the empty set once.
template <class Visit>
void for_each_subset_of_size(Index m, Index size, Visit&& visit) {
  if (size < 0 || size > m) return;
  std::vector<Index> subset(static_cast<std::size_t>(size));
  for (Index i = 0; i < size; ++i) subset[static_cast<std::size_t>(i)] = i;
  while (true) {
    visit(static_cast<const std::vector<Index>&>(subset));
    // Advance to the next combination: find the rightmost position that can still grow.
    Index pos = size - 1;
    while (pos >= 0 && subset[static_cast<std::size_t>(pos)] == m - size + pos) --pos;
    if (pos < 0) return;
    ++subset[static_cast<std::size_t>(pos)];
    for (Index t = pos + 1; t < size; ++t) {
      subset[static_cast<std::size_t>(t)] = subset[static_cast<std::size_t>(t - 1)] + 1;
    }
  }
}

/// Binomial coefficient C(m, s) in double (for work estimates; exact below 2⁵³).
inline double binomial(Index m, Index s) {
  if (s < 0 || s > m) return 0;
  double value = 1;
  for (Index i = 1; i <= s; ++i) {
    value = value * static_cast<double>(m - s + i) / static_cast<double>(i);
  }
  return value;
}

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_CONCEPT_SUBSETS_HPP
