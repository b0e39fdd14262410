/// @file
/// Helper of the rank oracles (`hierarchy/rank_search.hpp`, `testing/rank_oracles.hpp`): the
/// column blocks of one-hot codes.
#ifndef HILM_HIERARCHY_DETAIL_RANK_ORACLES_HPP
#define HILM_HIERARCHY_DETAIL_RANK_ORACLES_HPP

#include <span>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

// Column blocks of a code matrix: variable v owns columns offset[v] … offset[v] + dim[v] − 1.
struct CodeBlocks {
  std::vector<Index> offset;
  std::vector<Index> dim;

  [[nodiscard]] Index variables() const noexcept { return static_cast<Index>(dim.size()); }
  [[nodiscard]] Index columns() const noexcept {
    return dim.empty() ? 0 : offset.back() + dim.back();
  }
  // The code columns of a set of variables, in the given order.
  [[nodiscard]] std::vector<Index> columns_of(std::span<const Index> vars) const {
    std::vector<Index> out;
    for (Index v : vars) {
      if (v < 0 || v >= variables())
        hilm::detail::raise<invalid_argument>("rank oracle: variable " + std::to_string(v) +
                                              " is out of range [0, " +
                                              std::to_string(variables()) + ")");
      for (Index c = 0; c < dim[static_cast<std::size_t>(v)]; ++c)
        out.push_back(offset[static_cast<std::size_t>(v)] + c);
    }
    return out;
  }
  static CodeBlocks identity(Index p) {
    CodeBlocks b;
    for (Index v = 0; v < p; ++v) {
      b.offset.push_back(v);
      b.dim.push_back(1);
    }
    return b;
  }
  static CodeBlocks from_cardinalities(const std::vector<Index>& cards) {
    CodeBlocks b;
    Index next = 0;
    for (Index c : cards) {
      b.offset.push_back(next);
      b.dim.push_back(c - 1);
      next += c - 1;
    }
    return b;
  }
};

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_RANK_ORACLES_HPP
