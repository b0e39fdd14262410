/// @file
/// The CPDAG (completed partially directed acyclic graph, "essential graph") of a DAG: the
/// representative of its Markov equivalence class, whose directed edges are those shared by every
/// DAG of the class (Verma & Pearl 1990: same skeleton and v-structures ⇔ Markov equivalent;
/// Meek 1995: the skeleton, the v-structures and rules R1–R3 give the CPDAG; Chickering 1995
/// gives an equivalent edge-labelling algorithm).
#ifndef HILM_GRAPH_CPDAG_HPP
#define HILM_GRAPH_CPDAG_HPP

#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/graph/meek.hpp>

namespace hilm {

/// True when every edge of `g` is directed and there is no directed cycle (Kahn's algorithm).
[[nodiscard]] inline bool is_dag(const Graph& g) {
  const Index n = g.size();
  std::vector<Index> indegree(static_cast<std::size_t>(n), 0);
  for (const auto& e : g.edges()) {
    if (e.mark != Mark::Directed) return false;
    ++indegree[static_cast<std::size_t>(e.to)];
  }
  std::vector<Index> ready;
  for (Index i = 0; i < n; ++i) {
    if (indegree[static_cast<std::size_t>(i)] == 0) ready.push_back(i);
  }
  Index visited = 0;
  while (!ready.empty()) {
    const Index v = ready.back();
    ready.pop_back();
    ++visited;
    for (const Index c : g.children(v)) {
      if (--indegree[static_cast<std::size_t>(c)] == 0) ready.push_back(c);
    }
  }
  return visited == n;
}

/// The CPDAG of a DAG: its skeleton with the v-structures a → b ← c (a, c non-adjacent)
/// oriented, then Meek's rules R1–R3 to closure; node attributes are kept.
/// @param[in] dag a DAG (all edges directed, acyclic).
/// @returns a graph with `->` (compelled) and `--` (reversible) edges.
/// @throws invalid_argument if `dag` is not a DAG.
[[nodiscard]] inline Graph dag_to_cpdag(const Graph& dag) {
  if (!is_dag(dag)) {
    hilm::detail::raise<invalid_argument>(
        "dag_to_cpdag: the graph is not a DAG (a non-directed edge or a directed cycle)");
  }
  Graph out = dag;
  for (const auto& e : dag.edges()) out.add_edge(e.from, e.to, Mark::Undirected);
  const Index n = dag.size();
  for (Index b = 0; b < n; ++b) {
    const auto pa = dag.parents(b);
    for (std::size_t i = 0; i < pa.size(); ++i) {
      for (std::size_t j = i + 1; j < pa.size(); ++j) {
        if (!dag.adjacent(pa[i], pa[j])) {
          out.orient(pa[i], b);
          out.orient(pa[j], b);
        }
      }
    }
  }
  apply_meek_rules(out, MeekOptions{.rule4 = false});
  return out;
}

}  // namespace hilm

#endif  // HILM_GRAPH_CPDAG_HPP
