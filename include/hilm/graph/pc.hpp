/// @file
/// The PC algorithm (Spirtes, Glymour & Scheines, *Causation, Prediction, and Search*, 2nd ed.,
/// MIT Press 2000, §5.4.2) over any conditional-independence test, with the order-independent
/// "stable" skeleton of Colombo & Maathuis ("Order-independent constraint-based causal structure
/// learning", JMLR 15, 2014), background knowledge, and causal-learn's collider rules
/// (`uc_rule` / `uc_priority`) followed by Meek's orientation rules (Meek, "Causal inference and
/// causal explanation with background knowledge", UAI 1995).
///
/// The procedure reproduces causal-learn's `pc()` (py-why/causal-learn,
/// `search/ConstraintBased/PC.py`, `utils/PCUtils/{SkeletonDiscovery,UCSepset,Meek}.py`) step for
/// step, so that the same test p-values give the identical graph:
/// - skeleton: depth d = 0, 1, … while some node has more than d + 1 neighbours; for every
///   ordered pair (x, y) of adjacent nodes, the sets S ⊆ adj(x) \ {y} with |S| = d are tested in
///   lexicographic order. Stable variant: the adjacencies are frozen during a depth, every S is
///   tested, the edge is removed after the depth when some p > α, and the separating set kept
///   for (x, y) is the **union** of all separating S found from both ends at that depth.
///   Original variant: the edge goes at the first p > α and S is kept;
/// - background knowledge (forbidden/required orientations) orients the skeleton;
/// - collider rule (`uc_rule`): 0 = y ∉ sepset(x, z) ("UC_sepset"); 1 = max-p (x ⫫ z given a
///   set without y is more plausible than with y); 2 = definite max-p (only unanimous decisions,
///   then the definite Meek pass);
/// - conflicts (`uc_priority`): 0 overwrite, 1 make conflicting edges bidirected, 2 keep
///   existing colliders, 3 visit colliders from the strongest (smallest max p over sets with y),
///   4 from the strongest* (largest max p over sets without y); −1 = the rule's default (3 for
///   rules 0 and 1, 4 for rule 2);
/// - Meek rules 1–3 to closure (rule 4 is only needed with background knowledge; causal-learn
///   does not apply it, and neither does PC here — use `apply_meek_rules` afterwards if wanted).
///   As in causal-learn, an orientation j → k is skipped when k is already recorded as an
///   ancestor of j (it would close a directed cycle; possible when the colliders conflict), with
///   causal-learn's own bookkeeping of ancestors (see `detail/pc_orientation.hpp`).
///
/// Tests of one depth of the stable skeleton run in parallel (OpenMP) when the test's `test` is
/// callable on a const object (all built-in tests); the result does not depend on the number of
/// threads.
#ifndef HILM_GRAPH_PC_HPP
#define HILM_GRAPH_PC_HPP

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/background_knowledge.hpp>
#include <hilm/graph/detail/pc_orientation.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm {

/// Options of `pc()`.
struct PcOptions {
  /// Significance level: an edge x – y is removed when some test of x ⫫ y | S has p > alpha.
  double alpha = 0.05;
  /// Order-independent skeleton (Colombo & Maathuis 2014) when true; PC's original otherwise.
  bool stable = true;
  /// Largest conditioning-set size tested; −1 for no limit.
  int depth = -1;
  /// Collider rule: 0 separating sets, 1 max-p, 2 definite max-p (see the file comment).
  int uc_rule = 0;
  /// Conflict resolution −1 … 4 (see the file comment); causal-learn's `pc()` default is 2.
  int uc_priority = 2;
  /// Forbidden and required edges (node ids are the test's variable indices).
  BackgroundKnowledge background{};
  /// Called after each depth of the skeleton search (stage "skeleton", done = depth + 1).
  ProgressCallback progress{};

  /// @returns a message naming the first invalid field, or nothing.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (!(alpha > 0.0 && alpha < 1.0)) {
      return "PcOptions::alpha must be in (0, 1), got " + std::to_string(alpha);
    }
    if (depth < -1) return "PcOptions::depth must be >= -1, got " + std::to_string(depth);
    if (uc_rule < 0 || uc_rule > 2) {
      return "PcOptions::uc_rule must be 0, 1 or 2, got " + std::to_string(uc_rule);
    }
    if (uc_priority < -1 || uc_priority > 4) {
      return "PcOptions::uc_priority must be in -1..4, got " + std::to_string(uc_priority);
    }
    if (uc_rule == 2 && (uc_priority == 0 || uc_priority == 1)) {
      return "PcOptions::uc_priority must be -1, 2, 3 or 4 with uc_rule 2 (definite max-p)";
    }
    return std::nullopt;
  }
};

/// Separating sets found by the skeleton search, per unordered pair of non-adjacent nodes.
class SeparatingSets {
 public:
  /// The separating set of {x, y} (sorted; empty when the pair was separated marginally or by
  /// background knowledge), or null when the pair was never separated (still adjacent).
  [[nodiscard]] const std::vector<Index>* find(Index x, Index y) const {
    const auto it = sets_.find(key(x, y));
    return it == sets_.end() ? nullptr : &it->second;
  }
  /// True when {x, y} has a separating set.
  [[nodiscard]] bool contains(Index x, Index y) const { return find(x, y) != nullptr; }
  /// True when `v` belongs to the separating set of {x, y}.
  [[nodiscard]] bool separates_with(Index x, Index y, Index v) const {
    const auto* s = find(x, y);
    return s != nullptr && std::binary_search(s->begin(), s->end(), v);
  }
  /// Adds the members of `s` to the separating set of {x, y} (creating it if absent).
  void merge(Index x, Index y, std::span<const Index> s) {
    auto& set = sets_[key(x, y)];
    set.insert(set.end(), s.begin(), s.end());
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
  }
  /// Number of separated pairs.
  [[nodiscard]] std::size_t size() const noexcept { return sets_.size(); }
  /// All entries, keyed by (min id, max id).
  [[nodiscard]] const std::map<std::pair<Index, Index>, std::vector<Index>>& all() const noexcept {
    return sets_;
  }

 private:
  static std::pair<Index, Index> key(Index x, Index y) { return {std::min(x, y), std::max(x, y)}; }
  std::map<std::pair<Index, Index>, std::vector<Index>> sets_;
};

/// Result of `pc()`.
struct PcResult {
  /// The estimated pattern (CPDAG when the tests are right): nodes X1 … Xp named as causal-learn,
  /// edges `->`, `--` and, with `uc_priority` 1, `<->`.
  Graph graph{};
  /// Separating sets of the removed adjacencies.
  SeparatingSets sepsets{};
  /// Number of distinct tests computed (repeats are answered from a memo).
  Index tests_run = 0;
  /// Largest conditioning-set size the skeleton search reached.
  int depth_reached = -1;
  /// `Converged`, or `Cancelled` when the progress callback asked to stop (graph then holds the
  /// skeleton found so far, unoriented).
  FitStatus status = FitStatus::NotRun;
};

}  // namespace hilm

namespace hilm::detail {

template <class Test>
class PcRunner {
 public:
  PcRunner(Test& test, const PcOptions& options) : test_(test), options_(options) {}

  PcResult run() {
    PcResult result;
    const Index p = test_.num_variables();
    result.graph = Graph(p);
    Graph& g = result.graph;
    for (Index i = 0; i < p; ++i) {
      for (Index j = i + 1; j < p; ++j) g.add_edge(i, j, Mark::Undirected);
    }
    const auto& bk = options_.background;
    const BackgroundKnowledge* bkp = bk.empty() ? nullptr : &bk;
    for (Index i = 0; i < p; ++i) {
      for (Index j = i + 1; j < p; ++j) {
        if (bk.is_forbidden(i, j) && bk.is_forbidden(j, i) && !required(i, j)) {
          g.remove_edge(i, j);
          result.sepsets.merge(i, j, {});
        }
      }
    }
    if (!skeleton(result)) {
      result.status = FitStatus::Cancelled;
      result.tests_run = static_cast<Index>(memo_.size());
      return result;
    }
    ClAncestry anc(p);  // no directed edge yet
    if (bkp != nullptr) cl_orient_by_knowledge(g, anc, bk);
    const ClPValue pvalue = [this](Index x, Index y, const std::vector<Index>& s) {
      return this->p_value(x, y, s);
    };
    int priority = options_.uc_priority;
    if (priority == -1) priority = options_.uc_rule == 2 ? 4 : 3;
    if (options_.uc_rule == 0) {
      const auto& seps = result.sepsets;
      cl_uc_sepset(
          g, anc, priority, bkp,
          [&seps](Index x, Index z, Index y) { return seps.separates_with(x, z, y); }, pvalue);
      cl_meek(g, anc, bkp);
    } else if (options_.uc_rule == 1) {
      cl_maxp(g, anc, priority, bkp, pvalue);
      cl_meek(g, anc, bkp);
    } else {
      std::vector<PcTriple> uc, non_uc;
      cl_definite_maxp(g, anc, options_.alpha, priority, bkp, pvalue, uc, non_uc);
      cl_definite_meek(g, anc, bkp, uc, non_uc);
      cl_meek(g, anc, bkp);
    }
    result.tests_run = static_cast<Index>(memo_.size());
    result.status = FitStatus::Converged;
    return result;
  }

 private:
  using Key = std::vector<Index>;  // {min(x, y), max(x, y), sorted S...}

  static Key make_key(Index x, Index y, std::span<const Index> s) {
    Key k;
    k.reserve(s.size() + 2);
    k.push_back(std::min(x, y));
    k.push_back(std::max(x, y));
    k.insert(k.end(), s.begin(), s.end());
    std::sort(k.begin() + 2, k.end());
    return k;
  }

  bool required(Index i, Index j) const {
    return options_.background.is_required(i, j) || options_.background.is_required(j, i);
  }

  double p_value(Index x, Index y, const std::vector<Index>& s) {
    Key k = make_key(x, y, s);
    if (auto it = memo_.find(k); it != memo_.end()) return it->second;
    const double v =
        static_cast<CiResult>(test_.test(k[0], k[1], std::span<const Index>(s))).p_value;
    memo_.emplace(std::move(k), v);
    return v;
  }

  // Evaluates the keys not yet in the memo, in parallel when the test is const-callable.
  void evaluate(std::vector<Key> keys) {
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    keys.erase(std::remove_if(keys.begin(), keys.end(),
                              [this](const Key& k) { return memo_.count(k) != 0; }),
               keys.end());
    std::vector<double> values(keys.size());
    constexpr bool parallel = requires(const Test& t, Index i, std::span<const Index> s) {
      { t.test(i, i, s) } -> std::convertible_to<CiResult>;
    };
    const auto count = static_cast<std::ptrdiff_t>(keys.size());
    auto run_one = [&](auto& t, std::ptrdiff_t i) {
      const Key& k = keys[static_cast<std::size_t>(i)];
      values[static_cast<std::size_t>(i)] =
          static_cast<CiResult>(t.test(k[0], k[1], std::span<const Index>(k).subspan(2))).p_value;
    };
    if (count == 0) return;
    if constexpr (parallel) {
      // Time the first test: a parallel region only pays off for a few milliseconds of work
      // (Fisher-z tests cost about a microsecond; chi-square on 10^4 rows or KCI far more).
      // The choice affects speed only, never the values.
      const Test& ct = test_;
      const auto start = std::chrono::steady_clock::now();
      run_one(ct, 0);
      const double first =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const bool worth_it = first * static_cast<double>(count) > 2e-3;
      (void)worth_it;
      hilm::detail::ParallelGuard guard;
#if defined(_OPENMP)
#pragma omp parallel for schedule(dynamic, 4) if (worth_it)
#endif
      for (std::ptrdiff_t i = 1; i < count; ++i) {
        guard.run([&] { run_one(ct, i); });
      }
      guard.rethrow();
    } else {
      for (std::ptrdiff_t i = 0; i < count; ++i) run_one(test_, i);
    }
    for (std::size_t i = 0; i < keys.size(); ++i) memo_.emplace(std::move(keys[i]), values[i]);
  }

  // Calls f(subset) for every |S| = size subset of `pool` in lexicographic order (itertools
  // combinations); stops early when f returns false.
  template <class F>
  static void for_each_combination(const std::vector<Index>& pool, int size, F&& f) {
    const auto n = static_cast<int>(pool.size());
    if (size > n) return;
    std::vector<int> idx(static_cast<std::size_t>(size));
    for (int i = 0; i < size; ++i) idx[static_cast<std::size_t>(i)] = i;
    std::vector<Index> subset(static_cast<std::size_t>(size));
    while (true) {
      for (int i = 0; i < size; ++i) {
        subset[static_cast<std::size_t>(i)] =
            pool[static_cast<std::size_t>(idx[static_cast<std::size_t>(i)])];
      }
      if (!f(subset)) return;
      int i = size - 1;
      while (i >= 0 && idx[static_cast<std::size_t>(i)] == n - size + i) --i;
      if (i < 0) return;
      ++idx[static_cast<std::size_t>(i)];
      for (int j = i + 1; j < size; ++j) {
        idx[static_cast<std::size_t>(j)] = idx[static_cast<std::size_t>(j - 1)] + 1;
      }
    }
  }

  static int max_degree(const Graph& g) {
    int best = 0;
    for (Index i = 0; i < g.size(); ++i) {
      int d = 0;
      for (Index j = 0; j < g.size(); ++j) d += (j != i && g.adjacent(i, j)) ? 1 : 0;
      best = std::max(best, d);
    }
    return best;
  }

  static std::vector<Index> without(const std::vector<Index>& v, Index drop) {
    std::vector<Index> out;
    out.reserve(v.size());
    for (Index a : v) {
      if (a != drop) out.push_back(a);
    }
    return out;
  }

  // Returns false when cancelled.
  bool skeleton(PcResult& result) {
    Graph& g = result.graph;
    const Index p = g.size();
    int depth = -1;
    while (max_degree(g) - 1 > depth) {
      if (options_.depth >= 0 && depth >= options_.depth) break;
      ++depth;
      result.depth_reached = depth;
      if (options_.stable) {
        stable_depth(result, depth);
      } else {
        original_depth(result, depth);
      }
      if (!hilm::detail::report(options_.progress, Progress{"skeleton", depth + 1, 0, 0.0})) {
        return false;
      }
    }
    (void)p;
    return true;
  }

  void stable_depth(PcResult& result, int depth) {
    Graph& g = result.graph;
    const Index p = g.size();
    std::vector<std::vector<Index>> nb(static_cast<std::size_t>(p));
    for (Index x = 0; x < p; ++x) nb[static_cast<std::size_t>(x)] = g.neighbors(x);
    std::vector<Key> keys;
    for (Index x = 0; x < p; ++x) {
      for (Index y : nb[static_cast<std::size_t>(x)]) {
        if (required(x, y)) continue;
        for_each_combination(without(nb[static_cast<std::size_t>(x)], y), depth,
                             [&](const std::vector<Index>& s) {
                               keys.push_back(make_key(x, y, s));
                               return true;
                             });
      }
    }
    evaluate(std::move(keys));
    std::vector<std::pair<Index, Index>> removals;
    for (Index x = 0; x < p; ++x) {
      for (Index y : nb[static_cast<std::size_t>(x)]) {
        if (required(x, y)) continue;
        bool separated = false;
        std::vector<Index> found;
        for_each_combination(without(nb[static_cast<std::size_t>(x)], y), depth,
                             [&](const std::vector<Index>& s) {
                               if (memo_.at(make_key(x, y, s)) > options_.alpha) {
                                 separated = true;
                                 found.insert(found.end(), s.begin(), s.end());
                               }
                               return true;
                             });
        if (separated) {
          result.sepsets.merge(x, y, found);
          removals.emplace_back(x, y);
        }
      }
    }
    for (const auto& [x, y] : removals) g.remove_edge(x, y);
  }

  void original_depth(PcResult& result, int depth) {
    Graph& g = result.graph;
    const Index p = g.size();
    for (Index x = 0; x < p; ++x) {
      const std::vector<Index> nbx = g.neighbors(x);  // frozen for this x (as causal-learn)
      for (Index y : nbx) {
        if (required(x, y) || !g.adjacent(x, y)) continue;
        for_each_combination(without(nbx, y), depth, [&](const std::vector<Index>& s) {
          if (p_value(x, y, s) > options_.alpha) {
            g.remove_edge(x, y);
            result.sepsets.merge(x, y, s);
            return false;
          }
          return true;
        });
      }
    }
  }

  Test& test_;
  const PcOptions& options_;
  std::map<Key, double> memo_;
};

}  // namespace hilm::detail

namespace hilm {

/// Runs PC over a conditional-independence test.
///
/// @tparam Test a model of `hilm::CiTest` (`FisherZTest`, `DiscreteCiTest`, `KciTest`, a
///         `CachedCiTest`, a `DSeparationOracle`, or your own).
/// @param[in] test    the test; its variables 0 … p−1 become nodes X1 … Xp.
/// @param[in] options see `PcOptions`.
/// @returns the pattern, separating sets, number of tests, status.
/// @throws invalid_argument for invalid options or background knowledge; exceptions of the test
///         propagate.
///
/// @code
/// hilm::FisherZTest fz(data);                       // data: n × p
/// auto r = hilm::pc(fz, {.alpha = 0.01, .stable = true});
/// for (const auto& e : r.graph.edges()) { /* e.from, e.to, e.mark */ }
/// @endcode
template <CiTest Test>
[[nodiscard]] PcResult pc(Test& test, const PcOptions& options = {}) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  if (auto problem = options.background.validate(test.num_variables())) {
    hilm::detail::raise<invalid_argument>("pc: " + *problem);
  }
  return hilm::detail::PcRunner<Test>(test, options).run();
}

}  // namespace hilm

#endif  // HILM_GRAPH_PC_HPP
