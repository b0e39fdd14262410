/// @file
/// Strata of a conditioning set for the discrete tests (stats/discrete.hpp): the id of each row's
/// joint configuration of the conditioning columns.
#ifndef HILM_STATS_DETAIL_STRATA_HPP
#define HILM_STATS_DETAIL_STRATA_HPP

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Maps each row of `codes` (n × p, column k coded 0…levels[k]−1) to the id of its configuration
/// of the columns `z` (ids 0…m−1, in order of first appearance after compression). Mixed-radix
/// keys are compressed by sorting whenever their range would exceed 4n, so any |S| and any
/// cardinalities work without overflow.
inline std::vector<std::int64_t> stratum_ids(
    const Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic>& codes,
    const std::vector<std::int32_t>& levels, std::span<const Index> z, std::int64_t& num_strata) {
  const Index n = codes.rows();
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n), 0);
  num_strata = 1;
  const std::int64_t bound = 4 * static_cast<std::int64_t>(n) + 1024;
  for (Index k : z) {
    const std::int64_t card = levels[static_cast<std::size_t>(k)];
    if (num_strata > bound / std::max<std::int64_t>(card, 1)) {
      // Compress the current ids to 0…m−1 before the key range grows too large.
      std::vector<std::int64_t> sorted = ids;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      for (auto& id : ids) id = std::lower_bound(sorted.begin(), sorted.end(), id) - sorted.begin();
      num_strata = static_cast<std::int64_t>(sorted.size());
    }
    for (Index i = 0; i < n; ++i)
      ids[static_cast<std::size_t>(i)] = ids[static_cast<std::size_t>(i)] * card + codes(i, k);
    num_strata *= card;
  }
  return ids;
}

}  // namespace hilm::detail

#endif  // HILM_STATS_DETAIL_STRATA_HPP
