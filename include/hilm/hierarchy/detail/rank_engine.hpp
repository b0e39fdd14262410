/// @file
/// Engine of the rank-based latent-hierarchy search (`hierarchy/rank_search.hpp`).
///
/// The cluster search of Huang et al. (2022, "Latent hierarchical causal structure discovery
/// with rank constraints", NeurIPS, Alg. 1–2) as restated by Dong et al. (2024, RLCD, ICLR,
/// §4): an "active set" of items (observed variables and latent covers found so far, each
/// latent represented by all of its measured descendants) is searched for sets A whose
/// cross-covariance with the rest of the active set has rank k; overlapping sets are merged,
/// each merged set receives a new latent cover of dimension k, and k restarts at 1.
///
/// Dimensions are additive "code dimensions": 1 per continuous variable, card − 1 per discrete
/// variable coded one-hot with one category dropped. A latent cover of dimension k is k
/// continuous latents, or one discrete latent with k + 1 states (rank P = rank Σ_onehot + 1,
/// DESIGN.md §1), so the same search serves both data kinds.
#ifndef HILM_HIERARCHY_DETAIL_RANK_ENGINE_HPP
#define HILM_HIERARCHY_DETAIL_RANK_ENGINE_HPP

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hilm/core/assert.hpp>
#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm::detail {

// One member of the active set.
struct ActiveItem {
  std::vector<Index> nodes;     // graph node ids (1 for an observed variable or discrete latent)
  std::vector<Index> measures;  // oracle variables (observed columns) below the item
  Index dim = 1;                // code dimension
  int level = 0;
};

// A latent cover created by the search (before conversion to the output).
struct CoverRecord {
  std::vector<Index> nodes;     // graph node ids of the cover's latents
  std::vector<Index> children;  // graph node ids of its children (all nodes of child covers)
  Index rank = 0;               // code dimension k
  bool final_root = false;      // introduced by the closing step
};

// Iterates over all size-s subsets of {0, …, m−1} in lexicographic order.
template <class F>
void for_each_combination(Index m, Index s, F&& f) {
  if (s > m || s < 1) return;
  std::vector<Index> c(static_cast<std::size_t>(s));
  std::iota(c.begin(), c.end(), Index{0});
  while (true) {
    f(std::span<const Index>(c));
    Index i = s - 1;
    while (i >= 0 && c[static_cast<std::size_t>(i)] == m - s + i) --i;
    if (i < 0) return;
    ++c[static_cast<std::size_t>(i)];
    for (Index j = i + 1; j < s; ++j)
      c[static_cast<std::size_t>(j)] = c[static_cast<std::size_t>(j - 1)] + 1;
  }
}

// Small union-find for merging overlapping clusters.
class DisjointSets {
 public:
  explicit DisjointSets(Index n) : parent_(static_cast<std::size_t>(n)) {
    std::iota(parent_.begin(), parent_.end(), Index{0});
  }
  Index find(Index x) {
    while (parent_[static_cast<std::size_t>(x)] != x) {
      parent_[static_cast<std::size_t>(x)] =
          parent_[static_cast<std::size_t>(parent_[static_cast<std::size_t>(x)])];
      x = parent_[static_cast<std::size_t>(x)];
    }
    return x;
  }
  void unite(Index a, Index b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);
  }

 private:
  std::vector<Index> parent_;
};

// Maximal cliques of a small undirected graph (Bron–Kerbosch with pivoting; Bron & Kerbosch
// 1973, "Algorithm 457"), each sorted increasingly.
inline void bron_kerbosch(const std::vector<std::vector<char>>& adj, std::vector<Index> r,
                          std::vector<Index> p, std::vector<Index> x,
                          std::vector<std::vector<Index>>& out) {
  if (p.empty() && x.empty()) {
    std::sort(r.begin(), r.end());
    out.push_back(std::move(r));
    return;
  }
  Index pivot = !p.empty() ? p.front() : x.front();
  std::size_t best = 0;
  for (const auto* set : {&p, &x}) {
    for (Index u : *set) {
      std::size_t deg = 0;
      for (Index v : p) deg += adj[static_cast<std::size_t>(u)][static_cast<std::size_t>(v)];
      if (deg >= best) {
        best = deg;
        pivot = u;
      }
    }
  }
  const std::vector<Index> candidates = p;
  for (Index v : candidates) {
    if (adj[static_cast<std::size_t>(pivot)][static_cast<std::size_t>(v)]) continue;
    std::vector<Index> r2 = r, p2, x2;
    r2.push_back(v);
    for (Index w : p)
      if (adj[static_cast<std::size_t>(v)][static_cast<std::size_t>(w)]) p2.push_back(w);
    for (Index w : x)
      if (adj[static_cast<std::size_t>(v)][static_cast<std::size_t>(w)]) x2.push_back(w);
    bron_kerbosch(adj, std::move(r2), std::move(p2), std::move(x2), out);
    p.erase(std::find(p.begin(), p.end(), v));
    x.push_back(v);
  }
}

// Settings the engine needs (a subset of RankSearchOptions, resolved).
struct EngineSettings {
  Index max_rank = 3;
  bool collider_check = true;
  bool refine = true;
  bool close_roots = true;
  bool discrete = false;
  ProgressCallback progress{};
};

// Output of the engine.
struct EngineOutput {
  Graph graph;
  std::vector<CoverRecord> covers;
  Index rank_tests = 0;
  FitStatus status = FitStatus::NotRun;

  /// Whether the graph can be used (`hilm::usable(status)`).
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

// The search. `rank(a, b)` returns the code-dimension rank of Σ between the codes of the
// observed-variable sets a and b; `dimension(v)` the code dimension of variable v.
template <class RankFn, class DimFn>
class RankEngine {
 public:
  RankEngine(Index p, RankFn rank, DimFn dimension, EngineSettings settings,
             std::vector<std::string> names)
      : p_(p), rank_(std::move(rank)), dim_(std::move(dimension)), s_(std::move(settings)) {
    out_.graph = names.empty() ? Graph(p) : Graph(names);
    for (Index v = 0; v < p; ++v) {
      items_.push_back(ActiveItem{{v}, {v}, dim_(v), 0});
    }
    parent_of_.assign(static_cast<std::size_t>(p), -1);
  }

  EngineOutput run() {
    out_.status = FitStatus::Converged;
    if (!search()) {
      out_.status = FitStatus::Cancelled;
    } else {
      if (s_.refine) refine();
      if (s_.close_roots) close();
    }
    build_graph();
    out_.rank_tests = tests_.load();
    return std::move(out_);
  }

 private:
  // --- rank queries over items -------------------------------------------------------------
  [[nodiscard]] std::vector<Index> measures_of(std::span<const Index> which) const {
    std::vector<Index> m;
    for (Index i : which) {
      const auto& src = items_[static_cast<std::size_t>(i)].measures;
      m.insert(m.end(), src.begin(), src.end());
    }
    std::sort(m.begin(), m.end());
    return m;
  }
  [[nodiscard]] Index dim_of(std::span<const Index> which) const {
    Index d = 0;
    for (Index i : which) d += items_[static_cast<std::size_t>(i)].dim;
    return d;
  }
  [[nodiscard]] std::vector<Index> complement(std::span<const Index> which) const {
    std::vector<Index> rest;
    for (Index i = 0; i < static_cast<Index>(items_.size()); ++i)
      if (std::find(which.begin(), which.end(), i) == which.end()) rest.push_back(i);
    return rest;
  }
  [[nodiscard]] Index rank_items(std::span<const Index> a, std::span<const Index> b) const {
    const auto ma = measures_of(a);
    const auto mb = measures_of(b);
    ++tests_;
    return static_cast<Index>(rank_(std::span<const Index>(ma), std::span<const Index>(mb)));
  }

  // Whether the candidate `a` (item indices) is a rank-k cluster against the rest of the
  // active set, with the collider (v-structure) check of RLCD: a proper subset A' that is
  // already deficient against the same rest, rank < min(dim A', k), explains the deficiency
  // of A by a collider or an independent member instead of a common latent cover.
  [[nodiscard]] bool is_cluster(std::span<const Index> a, Index k) const {
    const auto rest = complement(a);
    if (dim_of(rest) < k + 1) return false;
    if (rank_items(a, rest) != k) return false;
    if (!s_.collider_check) return true;
    const auto s = static_cast<Index>(a.size());
    for (std::uint32_t mask = 1; mask + 1 < (1u << s); ++mask) {
      std::vector<Index> sub;
      for (Index j = 0; j < s; ++j)
        if (mask & (1u << j)) sub.push_back(a[static_cast<std::size_t>(j)]);
      if (rank_items(sub, rest) < std::min(dim_of(sub), k)) return false;
    }
    return true;
  }

  // --- phase 1: cluster search ---------------------------------------------------------------
  bool search() {
    Index k = 1;
    Index round = 0;
    while (k <= s_.max_rank && items_.size() >= 2) {
      const auto m = static_cast<Index>(items_.size());
      // Candidates: sets of >= 2 items with dimension >= k + 1 that are minimal (dropping any
      // member leaves dimension <= k), as sets of k + 1 variables in Huang et al.
      std::vector<std::vector<Index>> candidates;
      for (Index s = 2; s <= std::min(m, k + 1); ++s) {
        for_each_combination(m, s, [&](std::span<const Index> c) {
          const Index d = dim_of(c);
          if (d < k + 1) return;
          if (s > 2) {
            for (Index i : c)
              if (d - items_[static_cast<std::size_t>(i)].dim >= k + 1) return;
          }
          candidates.emplace_back(c.begin(), c.end());
        });
      }
      std::vector<char> found(candidates.size(), 0);
      const auto count = static_cast<std::int64_t>(candidates.size());
      // A rank test may throw (the CCA oracle on collinear columns): the guard carries the first
      // exception out of the region and rethrows it here.
      hilm::detail::ParallelGuard guard;
#pragma omp parallel for schedule(dynamic, 4)
      for (std::int64_t c = 0; c < count; ++c) {
        guard.run([&] {
          found[static_cast<std::size_t>(c)] =
              is_cluster(candidates[static_cast<std::size_t>(c)], k);
        });
      }
      guard.rethrow();
      std::vector<std::vector<Index>> clusters;
      for (std::size_t c = 0; c < candidates.size(); ++c)
        if (found[c]) clusters.push_back(candidates[c]);
      ++round;
      if (!hilm::detail::report(s_.progress, Progress{"rank search", round, 0, 0.0})) return false;
      if (clusters.empty() || !introduce(clusters, k)) {
        ++k;
        continue;
      }
      k = 1;
    }
    return true;
  }

  // Merges overlapping clusters, verifies each merged group, adds latent covers. Returns whether
  // at least one cover was added.
  bool introduce(const std::vector<std::vector<Index>>& clusters, Index k) {
    const auto m = static_cast<Index>(items_.size());
    DisjointSets sets(m);
    std::vector<char> in_any(static_cast<std::size_t>(m), 0);
    for (const auto& c : clusters) {
      for (Index i : c) in_any[static_cast<std::size_t>(i)] = 1;
      for (std::size_t j = 1; j < c.size(); ++j) sets.unite(c[0], c[j]);
    }
    std::vector<std::vector<Index>> groups;
    for (Index root = 0; root < m; ++root) {
      if (!in_any[static_cast<std::size_t>(root)] || sets.find(root) != root) continue;
      std::vector<Index> g;
      for (Index i = 0; i < m; ++i)
        if (in_any[static_cast<std::size_t>(i)] && sets.find(i) == root) g.push_back(i);
      groups.push_back(std::move(g));
    }
    std::vector<std::vector<Index>> accepted;
    for (const auto& g : groups) {
      bool single = false;
      for (const auto& c : clusters) single = single || c.size() == g.size();
      if (single || verify(g, k)) {
        accepted.push_back(g);
        continue;
      }
      // The merged group is not one cluster (a false positive joined two): fall back to the
      // maximal cliques of "found together" among its members, largest verified first.
      const auto gs = static_cast<Index>(g.size());
      std::vector<std::vector<char>> adj(static_cast<std::size_t>(gs),
                                         std::vector<char>(static_cast<std::size_t>(gs), 0));
      auto local = [&](Index item) {
        return static_cast<Index>(std::find(g.begin(), g.end(), item) - g.begin());
      };
      for (const auto& c : clusters) {
        if (sets.find(c[0]) != sets.find(g[0])) continue;
        for (Index x : c)
          for (Index y : c)
            if (x != y)
              adj[static_cast<std::size_t>(local(x))][static_cast<std::size_t>(local(y))] = 1;
      }
      std::vector<Index> all(static_cast<std::size_t>(gs));
      std::iota(all.begin(), all.end(), Index{0});
      std::vector<std::vector<Index>> cliques;
      bron_kerbosch(adj, {}, all, {}, cliques);
      std::stable_sort(cliques.begin(), cliques.end(),
                       [](const auto& a, const auto& b) { return a.size() > b.size(); });
      std::vector<char> used(static_cast<std::size_t>(gs), 0);
      for (const auto& q : cliques) {
        if (q.size() < 2) continue;
        bool free = true;
        for (Index x : q) free = free && !used[static_cast<std::size_t>(x)];
        if (!free) continue;
        std::vector<Index> members;
        for (Index x : q) members.push_back(g[static_cast<std::size_t>(x)]);
        if (!verify(members, k)) continue;
        for (Index x : q) used[static_cast<std::size_t>(x)] = 1;
        accepted.push_back(std::move(members));
      }
    }
    if (accepted.empty()) return false;
    // Replace the members of each accepted group by a new cover (indices refer to the old list).
    std::vector<char> removed(static_cast<std::size_t>(m), 0);
    std::vector<ActiveItem> added;
    for (const auto& g : accepted) {
      ActiveItem cover;
      cover.dim = k;
      CoverRecord record;
      record.rank = k;
      int level = 0;
      for (Index i : g) {
        const auto& it = items_[static_cast<std::size_t>(i)];
        removed[static_cast<std::size_t>(i)] = 1;
        cover.measures.insert(cover.measures.end(), it.measures.begin(), it.measures.end());
        record.children.insert(record.children.end(), it.nodes.begin(), it.nodes.end());
        level = std::max(level, it.level);
      }
      std::sort(cover.measures.begin(), cover.measures.end());
      cover.level = level + 1;
      const Index latents = s_.discrete ? 1 : k;
      for (Index t = 0; t < latents; ++t) cover.nodes.push_back(new_node());
      record.nodes = cover.nodes;
      for (Index child : record.children)
        parent_of_[static_cast<std::size_t>(child)] = static_cast<Index>(out_.covers.size());
      out_.covers.push_back(std::move(record));
      added.push_back(std::move(cover));
    }
    std::vector<ActiveItem> next;
    for (Index i = 0; i < m; ++i)
      if (!removed[static_cast<std::size_t>(i)])
        next.push_back(std::move(items_[static_cast<std::size_t>(i)]));
    for (auto& a : added) next.push_back(std::move(a));
    items_ = std::move(next);
    return true;
  }

  // A merged group is one cluster when its rank against the rest is still k (or the rest is too
  // small to tell).
  [[nodiscard]] bool verify(const std::vector<Index>& g, Index k) const {
    const auto rest = complement(g);
    if (dim_of(rest) < k + 1) return true;
    return rank_items(g, rest) <= k;
  }

  Index new_node() {
    const auto id = static_cast<Index>(parent_of_.size());
    parent_of_.push_back(-1);
    return id;
  }

  // --- phase 2: refinement -------------------------------------------------------------------
  // A cover C whose children are one latent cover L of the same dimension plus observed
  // variables O is ambiguous: either O are further children of L that the first pass missed
  // (a false negative), or C is a genuine latent above L. They differ in one rank: an observed
  // child x of L and o ∈ O form a rank-k cluster against everything else exactly when o is a
  // child of L. Moves each such o down to L and deletes C when only L is left below it (the
  // O_min reduction of Huang et al. 2022, §3).
  void refine() {
    for (std::size_t c = 0; c < out_.covers.size(); ++c) {
      CoverRecord& cover = out_.covers[c];
      if (cover.nodes.empty()) continue;
      std::vector<Index> latent_children, observed_children;
      for (Index child : cover.children)
        (child < p_ ? observed_children : latent_children).push_back(child);
      if (observed_children.empty() || latent_children.empty()) continue;
      // The single child cover L (all its nodes) and its rank.
      const Index child_cover = parent_index_of_cover_node(latent_children.front());
      if (child_cover < 0) continue;
      CoverRecord& lower = out_.covers[static_cast<std::size_t>(child_cover)];
      if (lower.nodes.size() != latent_children.size() || lower.rank != cover.rank) continue;
      bool same = true;
      for (Index n : latent_children)
        same = same && std::find(lower.nodes.begin(), lower.nodes.end(), n) != lower.nodes.end();
      if (!same) continue;
      std::vector<Index> anchors;
      for (Index child : lower.children)
        if (child < p_) anchors.push_back(child);
      if (anchors.empty()) continue;
      std::vector<Index> moved;
      for (Index o : observed_children) {
        std::vector<Index> a{anchors.front(), o};
        std::vector<Index> b;
        for (Index v = 0; v < p_; ++v)
          if (v != a[0] && v != o) b.push_back(v);
        Index db = 0;
        for (Index v : b) db += dim_(v);
        if (db < cover.rank + 1) continue;
        ++tests_;
        if (static_cast<Index>(rank_(std::span<const Index>(a), std::span<const Index>(b))) <=
            cover.rank)
          moved.push_back(o);
      }
      if (moved.empty()) continue;
      for (Index o : moved) {
        cover.children.erase(std::find(cover.children.begin(), cover.children.end(), o));
        lower.children.push_back(o);
        parent_of_[static_cast<std::size_t>(o)] = child_cover;
      }
      if (cover.children.size() == lower.nodes.size()) {
        // Only L is left below C: remove C, L takes C's place (its parent, its item).
        const Index up =
            cover.nodes.empty() ? -1 : parent_of_[static_cast<std::size_t>(cover.nodes.front())];
        for (Index n : lower.nodes) parent_of_[static_cast<std::size_t>(n)] = up;
        if (up >= 0) {
          auto& above = out_.covers[static_cast<std::size_t>(up)].children;
          for (Index n : cover.nodes) above.erase(std::find(above.begin(), above.end(), n));
          above.insert(above.end(), lower.nodes.begin(), lower.nodes.end());
        }
        for (auto& item : items_) {
          if (item.nodes == cover.nodes) item.nodes = lower.nodes;
        }
        for (Index n : cover.nodes) dead_.push_back(n);
        cover.nodes.clear();
        cover.children.clear();
      }
    }
  }

  // Index of the cover that contains graph node `node` (a latent), or -1.
  [[nodiscard]] Index parent_index_of_cover_node(Index node) const {
    for (std::size_t c = 0; c < out_.covers.size(); ++c) {
      const auto& n = out_.covers[c].nodes;
      if (std::find(n.begin(), n.end(), node) != n.end()) return static_cast<Index>(c);
    }
    return -1;
  }

  // --- phase 3: closing ----------------------------------------------------------------------
  // The remaining active items cannot be split further by rank deficiencies. Items in one
  // dependence component of three or more share a root latent (the rank pattern of a star;
  // Huang et al. 2022 close the search the same way); two dependent items are joined by an
  // undirected edge (a latent between them is not identifiable, O_min); independent items stay
  // apart.
  void close() {
    const auto m = static_cast<Index>(items_.size());
    if (m < 2) return;
    DisjointSets comp(m);
    std::vector<std::vector<char>> dep(static_cast<std::size_t>(m),
                                       std::vector<char>(static_cast<std::size_t>(m), 0));
    for (Index i = 0; i < m; ++i) {
      for (Index j = i + 1; j < m; ++j) {
        const std::array<Index, 1> a{i}, b{j};
        if (rank_items(a, b) > 0) {
          comp.unite(i, j);
          dep[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = 1;
        }
      }
    }
    for (Index root = 0; root < m; ++root) {
      if (comp.find(root) != root) continue;
      std::vector<Index> members;
      for (Index i = 0; i < m; ++i)
        if (comp.find(i) == root) members.push_back(i);
      if (members.size() == 2) {
        pairs_.emplace_back(items_[static_cast<std::size_t>(members[0])].nodes.front(),
                            items_[static_cast<std::size_t>(members[1])].nodes.front());
      } else if (members.size() >= 3) {
        // The root's dimension: the largest rank of one member against the others (a lower
        // bound on the root's; 1 for a continuous tree).
        Index k = 1;
        if (s_.discrete) {
          for (Index i : members) {
            std::vector<Index> others;
            for (Index j : members)
              if (j != i) others.push_back(j);
            const std::array<Index, 1> a{i};
            k = std::max(k, rank_items(a, others));
          }
        }
        CoverRecord record;
        record.rank = k;
        record.final_root = true;
        record.nodes.push_back(new_node());
        for (Index i : members) {
          const auto& n = items_[static_cast<std::size_t>(i)].nodes;
          record.children.insert(record.children.end(), n.begin(), n.end());
        }
        out_.covers.push_back(std::move(record));
      }
    }
  }

  // --- output --------------------------------------------------------------------------------
  void build_graph() {
    // Renumber live latents consecutively after the observed nodes.
    std::vector<Index> id(parent_of_.size(), -1);
    for (Index v = 0; v < p_; ++v) id[static_cast<std::size_t>(v)] = v;
    std::vector<int> level(parent_of_.size(), 0);
    Index next = p_;
    Index latent_number = 0;
    for (const auto& cover : out_.covers) {
      if (cover.nodes.empty()) continue;
      int lv = 0;
      for (Index c : cover.children) lv = std::max(lv, level[static_cast<std::size_t>(c)]);
      for (Index n : cover.nodes) {
        id[static_cast<std::size_t>(n)] = next++;
        level[static_cast<std::size_t>(n)] = lv + 1;
        Node node;
        // append() rather than operator+: g++ 12 at -O3 raises a false -Wrestrict on the latter.
        node.name = "L";
        node.name.append(std::to_string(++latent_number));
        node.observed = false;
        node.level = lv + 1;
        node.cardinality = s_.discrete ? static_cast<int>(cover.rank + 1) : 0;
        out_.graph.add_node(std::move(node));
      }
    }
    std::vector<CoverRecord> live;
    for (auto& cover : out_.covers) {
      if (cover.nodes.empty()) continue;
      for (Index& n : cover.nodes) n = id[static_cast<std::size_t>(n)];
      for (Index& c : cover.children) c = id[static_cast<std::size_t>(c)];
      for (Index n : cover.nodes)
        for (Index c : cover.children) out_.graph.add_edge(n, c, Mark::Directed);
      live.push_back(std::move(cover));
    }
    for (const auto& [a, b] : pairs_) {
      out_.graph.add_edge(id[static_cast<std::size_t>(a)], id[static_cast<std::size_t>(b)],
                          Mark::Undirected);
    }
    out_.covers = std::move(live);
  }

  Index p_;
  RankFn rank_;
  DimFn dim_;
  EngineSettings s_;
  std::vector<ActiveItem> items_;
  std::vector<Index> parent_of_;  // per node id: index of the cover it is a child of, or -1
  std::vector<Index> dead_;
  std::vector<std::pair<Index, Index>> pairs_;
  EngineOutput out_;
  mutable std::atomic<Index> tests_{0};
};

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_RANK_ENGINE_HPP
