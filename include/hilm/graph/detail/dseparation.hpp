/// @file
/// The reachability pass of d-separation (graph/dseparation.hpp): a DAG as parent/child lists,
/// node-set checks, and the nodes reachable by an active trail given a conditioning set
/// (Koller & Friedman, *Probabilistic Graphical Models*, 2009, Algorithm 3.1).
#ifndef HILM_GRAPH_DETAIL_DSEPARATION_HPP
#define HILM_GRAPH_DETAIL_DSEPARATION_HPP

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm::detail {

// Parent and child lists of a graph whose edges must all be directed.
struct DagLists {
  std::vector<std::vector<Index>> parents, children;
};

inline DagLists dag_lists(const Graph& g, const char* where) {
  DagLists l;
  const auto n = static_cast<std::size_t>(g.size());
  l.parents.resize(n);
  l.children.resize(n);
  for (const auto& e : g.edges()) {
    if (e.mark != Mark::Directed) {
      raise<invalid_argument>(std::string(where) + ": the graph has a non-directed edge " +
                              std::to_string(e.from) + " " + to_string(e.mark) + " " +
                              std::to_string(e.to) + " (d-separation needs a DAG)");
    }
    l.parents[static_cast<std::size_t>(e.to)].push_back(e.from);
    l.children[static_cast<std::size_t>(e.from)].push_back(e.to);
  }
  return l;
}

inline void check_node_set(std::span<const Index> s, Index n, const char* where) {
  for (const Index v : s) {
    if (v < 0 || v >= n) {
      raise<invalid_argument>(std::string(where) + ": node id " + std::to_string(v) +
                              " is out of range [0, " + std::to_string(n) + ")");
    }
  }
}

// Nodes reachable from `sources` by an active trail given `given` (Koller & Friedman Alg. 3.1).
inline std::vector<char> d_reachable(const DagLists& l, std::span<const Index> sources,
                                     std::span<const Index> given) {
  const std::size_t n = l.parents.size();
  std::vector<char> in_z(n, 0), anc(n, 0);
  std::vector<Index> stack;
  for (const Index z : given) {
    in_z[static_cast<std::size_t>(z)] = 1;
    stack.push_back(z);
  }
  // Phase 1: ancestors of Z (Z included): a collider is open iff it is in this set.
  while (!stack.empty()) {
    const auto v = static_cast<std::size_t>(stack.back());
    stack.pop_back();
    if (anc[v]) continue;
    anc[v] = 1;
    for (const Index p : l.parents[v]) stack.push_back(p);
  }
  // Phase 2: breadth over (node, direction); up = entered from a child, down = from a parent.
  std::vector<char> seen_up(n, 0), seen_down(n, 0), reach(n, 0);
  std::vector<std::pair<Index, bool>> todo;  // (node, up?)
  for (const Index s : sources) todo.emplace_back(s, true);
  while (!todo.empty()) {
    const auto [node, up] = todo.back();
    todo.pop_back();
    const auto v = static_cast<std::size_t>(node);
    if (up ? seen_up[v] : seen_down[v]) continue;
    (up ? seen_up[v] : seen_down[v]) = 1;
    if (!in_z[v]) reach[v] = 1;
    if (up && !in_z[v]) {
      for (const Index p : l.parents[v]) todo.emplace_back(p, true);
      for (const Index c : l.children[v]) todo.emplace_back(c, false);
    } else if (!up) {
      if (!in_z[v]) {
        for (const Index c : l.children[v]) todo.emplace_back(c, false);
      }
      if (anc[v]) {
        for (const Index p : l.parents[v]) todo.emplace_back(p, true);
      }
    }
  }
  return reach;
}

}  // namespace hilm::detail

#endif  // HILM_GRAPH_DETAIL_DSEPARATION_HPP
