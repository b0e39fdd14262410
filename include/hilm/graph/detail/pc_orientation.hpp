/// @file
/// Orientation phase of PC with causal-learn's exact semantics: unshielded collider rules
/// (`UCSepset.uc_sepset`, `maxp`, `definite_maxp`), the orientation by background knowledge
/// (`BackgroundKnowledgeOrientUtils`) and the Meek passes (`Meek.meek`, `Meek.definite_meek`).
///
/// The parity target is the identical endpoint matrix, and with conflicting colliders the result
/// depends on the order in which triples are visited. So the triples, triangles and kites are
/// enumerated in the order causal-learn's `CausalGraph.find_unshielded_triples / find_triangles /
/// find_kites` produce them: its `find_adj()` lists the ordered adjacencies (a, b) with a tail at
/// b first and those with an arrowhead at b second, each block by b then a (numpy `where` over
/// the row-major endpoint matrix); triples are pairs of such entries ((a, b), (b, c)) in
/// `itertools.permutations` order. Priority ordering uses a stable sort (Python's `sorted`).
#ifndef HILM_GRAPH_DETAIL_PC_ORIENTATION_HPP
#define HILM_GRAPH_DETAIL_PC_ORIENTATION_HPP

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/background_knowledge.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm::detail {

using PcTriple = std::array<Index, 3>;
using PcKite = std::array<Index, 4>;

// causal-learn's find_adj(): (a, b) with a tail at b, then (a, b) with an arrowhead at b.
inline std::vector<std::pair<Index, Index>> cl_adjacencies(const Graph& g) {
  std::vector<std::pair<Index, Index>> out;
  const Index n = g.size();
  for (const auto mark : {Graph::Endpoint::Tail, Graph::Endpoint::Arrow}) {
    for (Index b = 0; b < n; ++b) {
      for (Index a = 0; a < n; ++a) {
        if (a != b && g.endpoint(a, b) == mark) out.emplace_back(a, b);
      }
    }
  }
  return out;
}

// Pairs ((a, b), (b, c)) of adjacency entries with a != c, in permutations order, filtered by
// `keep(a, c)`.
template <class Keep>
std::vector<PcTriple> cl_paths_of_two(const Graph& g, Keep keep) {
  const auto adj = cl_adjacencies(g);
  std::vector<std::vector<std::size_t>> starting(static_cast<std::size_t>(g.size()));
  for (std::size_t e = 0; e < adj.size(); ++e) {
    starting[static_cast<std::size_t>(adj[e].first)].push_back(e);
  }
  std::vector<PcTriple> out;
  for (const auto& [a, b] : adj) {
    for (const std::size_t e : starting[static_cast<std::size_t>(b)]) {
      const Index c = adj[e].second;
      if (c != a && keep(a, c)) out.push_back({a, b, c});
    }
  }
  return out;
}

// find_unshielded_triples(): a – b – c with a, c not adjacent (both orders listed).
inline std::vector<PcTriple> cl_unshielded_triples(const Graph& g) {
  return cl_paths_of_two(g, [&](Index a, Index c) { return !g.adjacent(a, c); });
}

// find_triangles(): a – b – c – a (every rotation and direction listed).
inline std::vector<PcTriple> cl_triangles(const Graph& g) {
  return cl_paths_of_two(g, [&](Index a, Index c) { return g.adjacent(a, c); });
}

// find_kites(): triangles (i, j, l) and (i, k, l) with j < k and j, k not adjacent → (i, j, k, l).
inline std::vector<PcKite> cl_kites(const Graph& g, const std::vector<PcTriple>& triangles) {
  std::map<std::pair<Index, Index>, std::vector<std::size_t>> by_ends;
  for (std::size_t t = 0; t < triangles.size(); ++t) {
    by_ends[{triangles[t][0], triangles[t][2]}].push_back(t);
  }
  std::vector<PcKite> out;
  for (std::size_t t = 0; t < triangles.size(); ++t) {
    const auto& t1 = triangles[t];
    for (const std::size_t u : by_ends[{t1[0], t1[2]}]) {
      const auto& t2 = triangles[u];
      if (u != t && t1[1] < t2[1] && !g.adjacent(t1[1], t2[1])) {
        out.push_back({t1[0], t1[1], t2[1], t1[2]});
      }
    }
  }
  return out;
}

// causal-learn's `GeneralGraph` keeps an ancestor matrix `dpath` that the Meek passes consult
// (`is_ancestor_of`) before orienting an edge: an orientation j → k is skipped when k is already
// recorded as an ancestor of j (the cycle guard of py-why/causal-learn PR #20, "Fix cyclic bugs in
// PC algorithm"). The matrix is not a full transitive closure: adding i → j (`adjust_dpath`) makes
// the recorded ancestors of i ancestors of j and i an ancestor of the recorded descendants of j,
// and removing a directed edge rebuilds it (`reconstitute_dpath`) from the remaining directed
// edges, visited from the last pair (i, j), i < j, to the first. ClAncestry replays exactly those
// updates, so that the guard fires exactly where causal-learn's does.
class ClAncestry {
 public:
  explicit ClAncestry(Index n)
      : n_(n), m_(static_cast<std::size_t>(n) * static_cast<std::size_t>(n), 0) {
    reset();
  }

  // causal-learn's is_ancestor_of(a, b): dpath[b, a] == 1.
  [[nodiscard]] bool is_ancestor(Index a, Index b) const { return at(b, a) != 0; }

  // adjust_dpath(i, j) after adding i → j.
  void add_directed(Index i, Index j) {
    at(j, i) = 1;
    for (Index k = 0; k < n_; ++k) {
      if (at(i, k) != 0) at(j, k) = 1;
      if (at(k, j) != 0) at(k, i) = 1;
    }
  }

  // reconstitute_dpath(get_graph_edges()): the list is built row by row (i < j) and consumed by
  // pop(), i.e. from the end.
  void rebuild(const Graph& g) {
    reset();
    for (Index i = n_ - 1; i >= 0; --i) {
      for (Index j = n_ - 1; j > i; --j) {
        if (g.is_directed(i, j)) {
          add_directed(i, j);
        } else if (g.is_directed(j, i)) {
          add_directed(j, i);
        }
      }
    }
  }

 private:
  void reset() {
    std::fill(m_.begin(), m_.end(), std::uint8_t{0});
    for (Index i = 0; i < n_; ++i) at(i, i) = 1;
  }
  [[nodiscard]] std::uint8_t at(Index r, Index c) const {
    return m_[static_cast<std::size_t>(r * n_ + c)];
  }
  std::uint8_t& at(Index r, Index c) { return m_[static_cast<std::size_t>(r * n_ + c)]; }

  Index n_;
  std::vector<std::uint8_t> m_;
};

// Replaces the edge between `from` and `to` by from → to as causal-learn does (remove_edge, which
// rebuilds the ancestor matrix when the old edge was directed, then add_edge).
inline void cl_orient(Graph& g, ClAncestry& anc, Index from, Index to) {
  if (g.is_directed(from, to) || g.is_directed(to, from)) {
    g.remove_edge(from, to);
    anc.rebuild(g);
  }
  g.set_ends(from, to, Graph::Endpoint::Tail, Graph::Endpoint::Arrow);
  anc.add_directed(from, to);
}

// Meek's orientation from → to unless causal-learn's ancestor matrix records `to` as an ancestor
// of `from` (the orientation would close a directed cycle). Returns whether it oriented.
inline bool cl_orient_acyclic(Graph& g, ClAncestry& anc, Index from, Index to) {
  if (anc.is_ancestor(to, from)) return false;
  cl_orient(g, anc, from, to);
  return true;
}

// The knowledge forbids the collider x → y ← z.
inline bool cl_collider_blocked(const BackgroundKnowledge* bk, Index x, Index y, Index z) {
  return bk != nullptr && (bk->is_forbidden(x, y) || bk->is_forbidden(z, y) ||
                           bk->is_required(y, x) || bk->is_required(y, z));
}

// The knowledge forbids orienting from → to.
inline bool cl_orientation_blocked(const BackgroundKnowledge* bk, Index from, Index to) {
  return bk != nullptr && (bk->is_forbidden(from, to) || bk->is_required(to, from));
}

// orient_by_background_knowledge(): each undirected edge i – j (i < j) in turn.
inline void cl_orient_by_knowledge(Graph& g, ClAncestry& anc, const BackgroundKnowledge& bk) {
  for (Index i = 0; i < g.size(); ++i) {
    for (Index j = i + 1; j < g.size(); ++j) {
      if (!g.is_undirected(i, j)) continue;
      if (bk.is_forbidden(j, i)) {
        cl_orient(g, anc, i, j);
      } else if (bk.is_forbidden(i, j)) {
        cl_orient(g, anc, j, i);
      } else if (bk.is_required(j, i)) {
        cl_orient(g, anc, j, i);
      } else if (bk.is_required(i, j)) {
        cl_orient(g, anc, i, j);
      }
    }
  }
}

// Conditioning sets of causal-learn's find_cond_sets(x, z): all subsets of adj(x) and of adj(z)
// (sorted, deduplicated), split by whether they contain `mid`.
inline void cl_conditioning_sets(const Graph& g, Index x, Index z, Index mid,
                                 std::vector<std::vector<Index>>& with_mid,
                                 std::vector<std::vector<Index>>& without_mid) {
  std::set<std::vector<Index>> all;
  for (const Index v : {x, z}) {
    const auto nb = g.neighbors(v);
    if (nb.size() > 24) {
      raise<invalid_argument>("pc: node " + std::to_string(v) + " has " +
                              std::to_string(nb.size()) +
                              " neighbours; the max-p collider rules enumerate every subset of "
                              "them (use uc_rule 0 with uc_priority 0-2)");
    }
    const std::size_t count = std::size_t{1} << nb.size();
    for (std::size_t mask = 0; mask < count; ++mask) {
      std::vector<Index> s;
      for (std::size_t k = 0; k < nb.size(); ++k) {
        if ((mask >> k) & 1U) s.push_back(nb[k]);
      }
      all.insert(std::move(s));
    }
  }
  with_mid.clear();
  without_mid.clear();
  for (const auto& s : all) {
    (std::find(s.begin(), s.end(), mid) != s.end() ? with_mid : without_mid).push_back(s);
  }
}

// Signature of the memoised p-value lookup p(x, z, S).
using ClPValue = std::function<double(Index, Index, const std::vector<Index>&)>;

inline double cl_max_p(const ClPValue& p, Index x, Index z,
                       const std::vector<std::vector<Index>>& sets) {
  double best = -1.0;
  for (const auto& s : sets) best = std::max(best, p(x, z, s));
  return best;
}

// Orients x → y ← z under priorities 0 (overwrite), 1 (bidirected on conflict) and 2/3/4 (keep
// existing y → x or y → z).
inline void cl_apply_collider(Graph& g, ClAncestry& anc, int priority, Index x, Index y, Index z) {
  if (priority == 0) {
    cl_orient(g, anc, x, y);
    cl_orient(g, anc, z, y);
  } else if (priority == 1) {
    for (const Index v : {x, z}) {
      if (g.is_undirected(v, y)) {
        cl_orient(g, anc, v, y);
      } else if (g.is_directed(y, v)) {
        g.remove_edge(v, y);  // a directed edge: causal-learn rebuilds its ancestor matrix
        anc.rebuild(g);
        g.set_ends(v, y, Graph::Endpoint::Arrow, Graph::Endpoint::Arrow);
      }
    }
  } else if (!g.is_directed(y, x) && !g.is_directed(y, z)) {
    cl_orient(g, anc, x, y);
    cl_orient(g, anc, z, y);
  }
}

// Applies sorted candidate colliders (priorities 3 and 4, and definite_maxp).
inline void cl_apply_ranked(Graph& g, ClAncestry& anc,
                            std::vector<std::pair<PcTriple, double>>& ranked, int priority,
                            const BackgroundKnowledge* bk,
                            std::vector<PcTriple>* applied = nullptr) {
  if (priority == 3) {
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
  } else if (priority == 4) {
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
  }
  for (const auto& [t, score] : ranked) {
    const auto [x, y, z] = t;
    if (cl_collider_blocked(bk, x, y, z)) continue;
    if (!g.is_directed(y, x) && !g.is_directed(y, z)) {
      cl_orient(g, anc, x, y);
      cl_orient(g, anc, z, y);
      if (applied != nullptr) applied->push_back(t);
    }
  }
}

// UCSepset.uc_sepset: colliders where y is in no separating set of (x, z).
template <class InSepset>
void cl_uc_sepset(Graph& g, ClAncestry& anc, int priority, const BackgroundKnowledge* bk,
                  InSepset in_sepset, const ClPValue& p) {
  std::vector<PcTriple> candidates;
  for (const auto& t : cl_unshielded_triples(g)) {
    const auto [x, y, z] = t;
    if (x >= z || cl_collider_blocked(bk, x, y, z) || in_sepset(x, z, y)) continue;
    if (priority <= 2) {
      cl_apply_collider(g, anc, priority, x, y, z);
    } else {
      candidates.push_back(t);
    }
  }
  if (priority <= 2) return;
  std::vector<std::pair<PcTriple, double>> ranked;
  std::vector<std::vector<Index>> with_mid, without_mid;
  for (const auto& t : candidates) {
    cl_conditioning_sets(g, t[0], t[2], t[1], with_mid, without_mid);
    ranked.emplace_back(t, cl_max_p(p, t[0], t[2], priority == 3 ? with_mid : without_mid));
  }
  cl_apply_ranked(g, anc, ranked, priority, bk);
}

// UCSepset.maxp: a collider when the largest p-value over sets without y beats the largest over
// sets with y. (causal-learn's priority-1 branch of maxp never orients anything because of a
// swapped None test; hilm applies priority 1 as uc_sepset does.)
inline void cl_maxp(Graph& g, ClAncestry& anc, int priority, const BackgroundKnowledge* bk,
                    const ClPValue& p) {
  std::vector<std::pair<PcTriple, double>> ranked;
  std::vector<std::vector<Index>> with_mid, without_mid;
  for (const auto& t : cl_unshielded_triples(g)) {
    const auto [x, y, z] = t;
    if (x >= z || cl_collider_blocked(bk, x, y, z)) continue;
    cl_conditioning_sets(g, x, z, y, with_mid, without_mid);
    const double with_y = cl_max_p(p, x, z, with_mid);
    const double without_y = cl_max_p(p, x, z, without_mid);
    if (without_y > with_y) {
      if (priority <= 2) {
        cl_apply_collider(g, anc, priority, x, y, z);
      } else {
        ranked.emplace_back(t, priority == 3 ? with_y : without_y);
      }
    }
  }
  if (priority > 2) cl_apply_ranked(g, anc, ranked, priority, bk);
}

// UCSepset.definite_maxp: colliders and non-colliders decided only when every conditioning set
// agrees; fills the definite (non-)collider lists used by definite_meek.
inline void cl_definite_maxp(Graph& g, ClAncestry& anc, double alpha, int priority,
                             const BackgroundKnowledge* bk, const ClPValue& p,
                             std::vector<PcTriple>& definite_uc,
                             std::vector<PcTriple>& definite_non_uc) {
  std::vector<std::pair<PcTriple, double>> ranked;
  std::vector<std::vector<Index>> with_mid, without_mid;
  for (const auto& t : cl_unshielded_triples(g)) {
    const auto [x, y, z] = t;
    if (x >= z) continue;
    cl_conditioning_sets(g, x, z, y, with_mid, without_mid);
    double max_with = 0.0;
    double max_without = 0.0;
    bool uc = true;
    bool nuc = true;
    for (const auto& s : with_mid) {
      const double v = p(x, z, s);
      if (v > alpha) {
        uc = false;
        break;
      }
      max_with = std::max(max_with, v);
    }
    for (const auto& s : without_mid) {
      const double v = p(x, z, s);
      if (v > alpha) {
        nuc = false;
        if (!uc) break;
      }
      max_without = std::max(max_without, v);
    }
    if (uc) {
      if (!nuc || max_without > max_with) {
        ranked.emplace_back(t, priority == 4 ? max_without : max_with);
      } else {
        definite_non_uc.push_back(t);
      }
    } else if (nuc) {
      definite_non_uc.push_back(t);
    }
  }
  cl_apply_ranked(g, anc, ranked, priority, bk, &definite_uc);
}

// Meek.meek: rules 1-3 over the triples, triangles and kites of the graph as it enters; each
// orientation is skipped when the ancestor matrix says it would close a cycle.
inline void cl_meek(Graph& g, ClAncestry& anc, const BackgroundKnowledge* bk) {
  const auto ut = cl_unshielded_triples(g);
  const auto tri = cl_triangles(g);
  const auto kites = cl_kites(g, tri);
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [i, j, k] : ut) {
      if (g.is_directed(i, j) && g.is_undirected(j, k) && !cl_orientation_blocked(bk, j, k)) {
        changed = cl_orient_acyclic(g, anc, j, k) || changed;
      }
    }
    for (const auto& [i, j, k] : tri) {
      if (g.is_directed(i, j) && g.is_directed(j, k) && g.is_undirected(i, k) &&
          !cl_orientation_blocked(bk, i, k)) {
        changed = cl_orient_acyclic(g, anc, i, k) || changed;
      }
    }
    for (const auto& [i, j, k, l] : kites) {
      if (g.is_undirected(i, j) && g.is_undirected(i, k) && g.is_directed(j, l) &&
          g.is_directed(k, l) && g.is_undirected(i, l) && !cl_orientation_blocked(bk, i, l)) {
        changed = cl_orient_acyclic(g, anc, i, l) || changed;
      }
    }
  }
}

// Meek.definite_meek: rule 1 over definite non-colliders, rule 2, rule 3 over definite kites,
// with the same cycle guard.
inline void cl_definite_meek(Graph& g, ClAncestry& anc, const BackgroundKnowledge* bk,
                             const std::vector<PcTriple>& definite_uc,
                             const std::vector<PcTriple>& definite_non_uc) {
  const auto tri = cl_triangles(g);
  const auto kites = cl_kites(g, tri);
  auto listed = [](const std::vector<PcTriple>& list, PcTriple t) {
    return std::find(list.begin(), list.end(), t) != list.end();
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [i, j, k] : definite_non_uc) {
      if (g.is_directed(i, j) && g.is_undirected(j, k) && !cl_orientation_blocked(bk, j, k)) {
        changed = cl_orient_acyclic(g, anc, j, k) || changed;
      } else if (g.is_directed(k, j) && g.is_undirected(j, i) &&
                 !cl_orientation_blocked(bk, j, i)) {
        changed = cl_orient_acyclic(g, anc, j, i) || changed;
      }
    }
    for (const auto& [i, j, k] : tri) {
      if (g.is_directed(i, j) && g.is_directed(j, k) && g.is_undirected(i, k) &&
          !cl_orientation_blocked(bk, i, k)) {
        changed = cl_orient_acyclic(g, anc, i, k) || changed;
      }
    }
    for (const auto& [i, j, k, l] : kites) {
      if ((listed(definite_uc, {j, l, k}) || listed(definite_uc, {k, l, j})) &&
          (listed(definite_non_uc, {j, i, k}) || listed(definite_non_uc, {k, i, j})) &&
          g.is_undirected(i, l) && !cl_orientation_blocked(bk, i, l)) {
        changed = cl_orient_acyclic(g, anc, i, l) || changed;
      }
    }
  }
}

}  // namespace hilm::detail

#endif  // HILM_GRAPH_DETAIL_PC_ORIENTATION_HPP
