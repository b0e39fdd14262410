/// @file
/// Steps of the graph operators (graph/operators.hpp): checking atomic covers and dropping nodes
/// from a graph with the remaining ids renumbered.
#ifndef HILM_GRAPH_DETAIL_OPERATORS_HPP
#define HILM_GRAPH_DETAIL_OPERATORS_HPP

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm::detail {

// Default covers: every latent node alone. Validates given covers (latent, in range, disjoint).
// A cover is an `AtomicCover` (graph/operators.hpp), a std::vector<Index>.
inline std::vector<std::vector<Index>> checked_covers(const Graph& g,
                                                      std::vector<std::vector<Index>> covers,
                                                      const char* where) {
  if (covers.empty()) {
    for (Index i = 0; i < g.size(); ++i) {
      if (!g.node(i).observed) covers.push_back({i});
    }
    return covers;
  }
  std::set<Index> seen;
  for (const auto& cover : covers) {
    if (cover.empty()) raise<invalid_argument>(std::string(where) + ": an atomic cover is empty");
    for (const Index v : cover) {
      if (v < 0 || v >= g.size()) {
        raise<invalid_argument>(std::string(where) + ": cover member " + std::to_string(v) +
                                " is out of range");
      }
      if (g.node(v).observed) {
        raise<invalid_argument>(std::string(where) + ": cover member " + std::to_string(v) +
                                " is observed (covers hold latent nodes)");
      }
      if (!seen.insert(v).second) {
        raise<invalid_argument>(std::string(where) + ": node " + std::to_string(v) +
                                " is in two covers");
      }
    }
  }
  return covers;
}

// `g` without the nodes flagged in `drop`, ids renumbered in order.
inline Graph without_nodes(const Graph& g, const std::vector<char>& drop) {
  Graph out;
  std::vector<Index> new_id(static_cast<std::size_t>(g.size()), -1);
  for (Index i = 0; i < g.size(); ++i) {
    if (!drop[static_cast<std::size_t>(i)])
      new_id[static_cast<std::size_t>(i)] = out.add_node(g.node(i));
  }
  for (Index i = 0; i < g.size(); ++i) {
    for (Index j = i + 1; j < g.size(); ++j) {
      const Index a = new_id[static_cast<std::size_t>(i)];
      const Index b = new_id[static_cast<std::size_t>(j)];
      if (a >= 0 && b >= 0 && g.adjacent(i, j))
        out.set_ends(a, b, g.endpoint(j, i), g.endpoint(i, j));
    }
  }
  return out;
}

}  // namespace hilm::detail

#endif  // HILM_GRAPH_DETAIL_OPERATORS_HPP
