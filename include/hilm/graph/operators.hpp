/// @file
/// The two graph operators up to which rank-based latent-hierarchy search identifies a graph:
/// the minimal-graph operator `O_min` and the skeleton operator `O_s` (Huang, Low, Xie, Glymour &
/// Zhang, "Latent hierarchical causal structure discovery with rank constraints", NeurIPS 2022,
/// §3; restated by Dong, Huang, Ng et al., "A versatile causal discovery framework to allow
/// causally-related hidden variables" (RLCD), ICLR 2024).
///
/// Both act on *atomic covers*: groups of latent variables that rank constraints can only
/// discover together (a cover of size k explains a rank-k deficiency).
/// - `O_min` merges a latent cover L into a latent cover P when L cannot be told apart from P:
///   every member of L has exactly the members of P as parents and no other adjacency besides its
///   children, and |L| = |P|. L is removed and P's members become parents of L's children. (A
///   chain P → L → children with one-to-one bottleneck is rank-equivalent to P → children.)
/// - `O_s` completes the edges of a latent cover: rank constraints do not reveal which member
///   of a cover is adjacent to which parent or child, so every member gets the union of the
///   members' parents and the union of their children.
/// Two graphs related by these operators (and Markov equivalence) entail the same rank
/// constraints over the observed variables, so estimates are compared after applying both.
#ifndef HILM_GRAPH_OPERATORS_HPP
#define HILM_GRAPH_OPERATORS_HPP

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/detail/operators.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm {

/// A group of latent node ids discovered together (an atomic cover).
using AtomicCover = std::vector<Index>;

/// The minimal-graph operator O_min, applied until no merge is possible.
/// @param[in] g      graph whose latent part is a hierarchy of directed edges.
/// @param[in] covers atomic covers (latent ids); empty = every latent node alone.
/// @returns the reduced graph; removed latent nodes are dropped and the remaining ids renumbered
///          in their original order (observed nodes keep their ids when they come first).
/// @throws invalid_argument for an invalid cover.
[[nodiscard]] inline Graph minimal_graph(const Graph& g, std::vector<AtomicCover> covers = {}) {
  covers = hilm::detail::checked_covers(g, std::move(covers), "minimal_graph");
  Graph work = g;
  std::vector<char> dropped(static_cast<std::size_t>(g.size()), 0);
  for (bool merged = true; merged;) {
    merged = false;
    for (std::size_t a = 0; a < covers.size() && !merged; ++a) {
      const AtomicCover& l = covers[a];
      const std::set<Index> l_set(l.begin(), l.end());
      // Parents of the first member define the candidate P; every member must agree.
      const auto parents = work.parents(l.front());
      const std::set<Index> p_set(parents.begin(), parents.end());
      if (p_set.size() != l.size()) continue;
      bool ok = true;
      for (const Index m : l) {
        const auto pm = work.parents(m);
        if (std::set<Index>(pm.begin(), pm.end()) != p_set) ok = false;
        for (const Index v : work.neighbors(m)) {
          // Adjacent only to P (as parents) and to its own children.
          if (!p_set.count(v) && !work.is_directed(m, v)) ok = false;
        }
      }
      if (!ok) continue;
      // P must be one latent cover.
      std::size_t b = 0;
      for (; b < covers.size(); ++b) {
        if (b != a && std::set<Index>(covers[b].begin(), covers[b].end()) == p_set) break;
      }
      if (b == covers.size()) continue;
      for (const Index m : l) {
        for (const Index c : work.children(m)) {
          if (l_set.count(c)) continue;
          for (const Index p : p_set) work.add_edge(p, c, Mark::Directed);
        }
        for (const Index v : work.neighbors(m)) work.remove_edge(m, v);
        dropped[static_cast<std::size_t>(m)] = 1;
      }
      covers.erase(covers.begin() + static_cast<std::ptrdiff_t>(a));
      merged = true;
    }
  }
  return hilm::detail::without_nodes(work, dropped);
}

/// The skeleton operator O_s: every member of each latent cover gets the union of the members'
/// parents and children (directed edges; members of one cover are not joined to each other).
/// @param[in] g      graph whose latent part is a hierarchy of directed edges.
/// @param[in] covers atomic covers (latent ids); empty = every latent node alone (then O_s
///                   changes nothing).
/// @throws invalid_argument for an invalid cover.
[[nodiscard]] inline Graph skeleton_closure(const Graph& g, std::vector<AtomicCover> covers = {}) {
  covers = hilm::detail::checked_covers(g, std::move(covers), "skeleton_closure");
  Graph out = g;
  for (const AtomicCover& cover : covers) {
    const std::set<Index> members(cover.begin(), cover.end());
    std::set<Index> parents, children;
    for (const Index m : cover) {
      for (const Index p : g.parents(m)) {
        if (!members.count(p)) parents.insert(p);
      }
      for (const Index c : g.children(m)) {
        if (!members.count(c)) children.insert(c);
      }
    }
    for (const Index m : cover) {
      for (const Index p : parents) out.add_edge(p, m, Mark::Directed);
      for (const Index c : children) out.add_edge(m, c, Mark::Directed);
    }
  }
  return out;
}

}  // namespace hilm

#endif  // HILM_GRAPH_OPERATORS_HPP
