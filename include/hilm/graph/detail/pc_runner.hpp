/// @file
/// The skeleton search of PC (`graph/pc.hpp`): the stable (Colombo & Maathuis 2014) and original
/// depth loops of causal-learn's `SkeletonDiscovery`, the memo of test p-values and the parallel
/// evaluation of one depth's tests, then the collider rule and Meek passes of
/// `detail/pc_orientation.hpp`. `Options` and `Result` are `PcOptions` and `PcResult`; they are
/// template parameters so that this header does not need the public one.
#ifndef HILM_GRAPH_DETAIL_PC_RUNNER_HPP
#define HILM_GRAPH_DETAIL_PC_RUNNER_HPP

#include <algorithm>
#include <chrono>
#include <concepts>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/background_knowledge.hpp>
#include <hilm/graph/detail/pc_orientation.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm::detail {

template <class Test, class Options, class Result>
class PcRunner {
 public:
  PcRunner(Test& test, const Options& options) : test_(test), options_(options) {}

  Result run() {
    Result result;
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
    // The enumerators' values are causal-learn's codes (uc_rule 0/1/2, uc_priority -1..4).
    const int rule = static_cast<int>(options_.uc_rule);
    int priority = static_cast<int>(options_.uc_priority);
    if (priority == -1) priority = rule == 2 ? 4 : 3;
    if (rule == 0) {
      const auto& seps = result.sepsets;
      cl_uc_sepset(
          g, anc, priority, bkp,
          [&seps](Index x, Index z, Index y) { return seps.separates_with(x, z, y); }, pvalue);
      cl_meek(g, anc, bkp);
    } else if (rule == 1) {
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
  bool skeleton(Result& result) {
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

  void stable_depth(Result& result, int depth) {
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

  void original_depth(Result& result, int depth) {
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
  const Options& options_;
  std::map<Key, double> memo_;
};

}  // namespace hilm::detail

#endif  // HILM_GRAPH_DETAIL_PC_RUNNER_HPP
