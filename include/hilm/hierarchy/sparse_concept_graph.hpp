/// @file
/// Concept graphs between two levels of *sparse* codes (SAE latents at real widths: thousands of
/// latents per layer, a few dozen active per row). Same question and same minimality-of-effect
/// rule as `concept_graph()` (`hierarchy/concept_graph.hpp`), but every stage works on the active
/// entries only and nothing of size L × U is ever formed:
///
/// 1. **Codes**: each column is coded 0 (not stored, or a weak activation below
///    `inactive_fraction` × its median active magnitude) or 1 … bins (quantile bins of its active
///    values), as the dense search codes a sparse column.
/// 2. **Screen**: for each upper concept u, the co-activation counts with every lower concept are
///    accumulated through the rows where u is active (the sparse product Z_lowerᵀ·z_u on the
///    activity patterns); only pairs that co-fire at least `min_co_activations` times and more
///    often than chance are tested, with the one-sided Fisher exact test on the 2 × 2 activity
///    table (Fisher 1922). Benjamini–Hochberg at level `fdr` over all L·U pairs (untested pairs
///    count as p = 1: a pair that never co-fires is not positively dependent).
/// 3. **Candidates**: the `max_candidates` screened lower concepts with the strongest screen.
/// 4. **Minimal set**: the smallest candidate subset of size ≤ `max_parents` whose cell-mean fit
///    (adjusted R², `ParentFit::Cells`) is within `epsilon` of the best, or the BIC-optimal one.
///    Fits only visit the rows where a member is active; the all-inactive cell comes from totals.
/// 5. **Confirm**: G² test of "u ⫫ parent | other parents" on the codes; drop parents with
///    p-value > `alpha`, weakest first. Effect of a parent = fit lost without it.
///
/// What it cannot see: negative dependence (mutual exclusion) between a lower and an upper
/// concept, since only co-firing pairs are screened.
///
/// Options and result: `sparse_concept_graph_types.hpp`; the stages:
/// `detail/sparse_concept_stages.hpp`.
#ifndef HILM_HIERARCHY_SPARSE_CONCEPT_GRAPH_HPP
#define HILM_HIERARCHY_SPARSE_CONCEPT_GRAPH_HPP

#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/sparse_types.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/detail/json.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/hierarchy/detail/sparse_concept_stages.hpp>
#include <hilm/hierarchy/sparse_concept_graph_types.hpp>
#include <hilm/io/atomic_file.hpp>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace hilm {

/// Finds, for every upper concept, its minimal parent set among the lower concepts, from sparse
/// codes.
///
/// @param[in] lower n × L codes of the lower level (rows are samples), compressed; an explicitly
///   stored 0 counts as inactive.
/// @param[in] upper n × U codes of the upper level for the same samples.
/// @param[in] options see `SparseConceptGraphOptions`.
/// @returns per upper concept its screened lower concepts (with screen p-values), candidates and
///   parents (effects, confirmation p-values), and the edge list lower → upper.
/// @throws hilm::invalid_argument on bad options, differing row counts, fewer than 10 rows, or
///   non-finite values; std::bad_alloc when memory runs out (also inside the parallel loops).
///
/// Complexity, with n rows, k_L and k_U active entries per row, a_u the active rows of upper u,
/// m = `max_candidates`, s = `max_parents`:
/// time O(nnz log nnz) for the codes, O(Σ_rows k_L·k_U) for the screen (plus one exact test per
/// co-firing pair, O(min(a_j, a_u)) at worst), O(Σ_{t ≤ s} C(m, t) · t · r_u log r_u) per upper
/// concept for the subset search (r_u ≈ rows where a candidate is active), and
/// O(pairs with p ≤ fdr · log) for the BH threshold. Memory: O(nnz + n + L + U + screened pairs)
/// plus per thread O(L + n·m) scratch. Upper concepts run in parallel (OpenMP); the result does
/// not depend on the thread count.
///
/// @code
/// hilm::SparseRowMatrix<float> z1 = ..., z2 = ...;  // e.g. hilm::read_sparse_codes(path)
/// const hilm::SparseConceptGraphResult found = hilm::sparse_concept_graph(z1, z2);
/// for (const hilm::ConceptEdge& e : found.edges) { /* e.lower → e.upper, e.effect */ }
/// @endcode
[[nodiscard]] inline SparseConceptGraphResult sparse_concept_graph(
    const SparseRowMatrix<float>& lower, const SparseRowMatrix<float>& upper,
    const SparseConceptGraphOptions& options = {}) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  const Index n = lower.rows(), num_lower = lower.cols(), num_upper = upper.cols();
  if (upper.rows() != n) {
    hilm::detail::raise<invalid_argument>("sparse_concept_graph: lower has " + std::to_string(n) +
                                          " rows but upper has " + std::to_string(upper.rows()) +
                                          " (both need one row per sample)");
  }
  if (n < 10) {
    hilm::detail::raise<invalid_argument>("sparse_concept_graph: need at least 10 samples, got " +
                                          std::to_string(n));
  }
  for (const auto* m : {&lower, &upper}) {
    for (Index e = 0; e < m->nonZeros(); ++e) {
      if (!std::isfinite(m->valuePtr()[e])) {
        hilm::detail::raise<invalid_argument>(
            "sparse_concept_graph: lower or upper contains NaN or Inf");
      }
    }
  }
  SparseConceptGraphResult result;
  result.lower = num_lower;
  result.upper = num_upper;
  const SparseMatrix<float> lower_csc(lower), upper_csc(upper);
  const detail::SparseCodes lcodes =
      detail::code_sparse_columns(lower_csc, options.value_bins, options.inactive_fraction);
  const detail::SparseCodes ucodes =
      detail::code_sparse_columns(upper_csc, options.value_bins, options.inactive_fraction);
  for (Index j = 0; j < num_lower; ++j) result.lower_active.push_back(lcodes.active(j));
  for (Index u = 0; u < num_upper; ++u) result.upper_active.push_back(ucodes.active(u));
  result.lower_levels = lcodes.levels;
  result.upper_levels = ucodes.levels;
  const std::vector<std::vector<Index>> lower_rows = detail::active_by_row(lcodes, n);
  std::vector<double> log_fact(static_cast<std::size_t>(n) + 1, 0.0);
  for (Index i = 1; i <= n; ++i) {
    log_fact[static_cast<std::size_t>(i)] =
        log_fact[static_cast<std::size_t>(i) - 1] + std::log(static_cast<double>(i));
  }

  // Progress from the calling thread (OpenMP thread 0) only; a false return stops both loops.
  std::atomic<std::int64_t> done{0};
  std::atomic<bool> stop{false};
  auto tick = [&](const char* stage) {
    const std::int64_t now = done.fetch_add(1, std::memory_order_relaxed) + 1;
#ifdef _OPENMP
    if (omp_get_thread_num() != 0) return;
#endif
    if (!detail::report(options.progress, Progress{stage, now, num_upper, 0.0})) {
      stop.store(true, std::memory_order_relaxed);
    }
  };

  // 1. Screen, per upper concept.
  std::vector<std::vector<detail::ScreenedPair>> kept(static_cast<std::size_t>(num_upper));
  std::vector<std::int64_t> tested(static_cast<std::size_t>(num_upper), 0);
  {
    hilm::detail::ParallelGuard guard;
#pragma omp parallel
    {
      std::vector<detail::CoActivationCounter> scratch;
      guard.run([&] { scratch.emplace_back(num_lower); });
#pragma omp for schedule(dynamic, 16)
      for (Index u = 0; u < num_upper; ++u) {
        guard.run([&] {
          if (stop.load(std::memory_order_relaxed)) return;
          const auto su = static_cast<std::size_t>(u);
          kept[su] = detail::screen_upper(lcodes, ucodes, lower_rows, u, n, log_fact, options,
                                          scratch.front(), tested[su]);
          tick("screen");
        });
      }
    }
    guard.rethrow();
  }
  if (!stop.load() &&
      !detail::report(options.progress, Progress{"screen", num_upper, num_upper, 0.0})) {
    stop.store(true);
  }

  // BH over all L·U pairs.
  std::vector<double> all_p;
  for (std::size_t u = 0; u < kept.size(); ++u) {
    result.pairs_tested += tested[u];
    for (const auto& s : kept[u]) all_p.push_back(s.p);
  }
  const double threshold =
      detail::fdr_threshold(std::move(all_p), static_cast<std::int64_t>(num_lower) * num_upper,
                            options.fdr, options.fdr_method);
  result.screen_threshold = std::max(threshold, 0.0);

  // 2–4. Candidates, minimal set, confirmation, per upper concept.
  result.uppers.resize(static_cast<std::size_t>(num_upper));
  result.screen_p_values.resize(static_cast<std::size_t>(num_upper));
  for (std::size_t u = 0; u < kept.size(); ++u) {
    std::erase_if(kept[u], [&](const detail::ScreenedPair& s) { return s.p > threshold; });
    for (const auto& s : kept[u]) {
      result.uppers[u].screened.push_back(s.lower);
      result.screen_p_values[u].push_back(s.p);
    }
    result.pairs_screened += static_cast<std::int64_t>(kept[u].size());
  }
  done.store(0);
  {
    hilm::detail::ParallelGuard guard;
#pragma omp parallel
    {
      std::vector<detail::SparseUpperFitter> fitter;
      guard.run([&] { fitter.emplace_back(n, options.max_candidates); });
#pragma omp for schedule(dynamic, 4)
      for (Index u = 0; u < num_upper; ++u) {
        guard.run([&] {
          if (stop.load(std::memory_order_relaxed)) return;
          const auto su = static_cast<std::size_t>(u);
          if (!kept[su].empty() && ucodes.levels[su] > 1) {
            detail::fit_sparse_upper(fitter.front(), upper_csc, ucodes, lcodes, u,
                                     std::move(kept[su]), options, result.uppers[su]);
          }
          tick("parents");
        });
      }
    }
    guard.rethrow();
  }
  if (!stop.load()) {
    (void)detail::report(options.progress, Progress{"parents", num_upper, num_upper, 0.0});
  }

  for (Index u = 0; u < num_upper; ++u) {
    const auto su = static_cast<std::size_t>(u);
    const auto& r = result.uppers[su];
    for (std::size_t t = 0; t < r.parents.size(); ++t) {
      const auto at =
          std::lower_bound(r.screened.begin(), r.screened.end(), r.parents[t]) - r.screened.begin();
      result.edges.push_back({r.parents[t], u, r.effects[t], r.p_values[t],
                              result.screen_p_values[su][static_cast<std::size_t>(at)]});
    }
  }
  result.status = stop.load() ? FitStatus::Cancelled : FitStatus::Converged;
  return result;
}

/// The graph of `found` as `graph.json` text (the layout of `graph/json.hpp`): nodes lower_0 …
/// (ids 0 … L−1, level 0) then upper_0 … (ids L … L+U−1, level 1), all observed with unknown
/// cardinality, and an edge lower → upper per parent, by upper then lower concept. Built from the
/// edge list: no dense `Graph` (whose endpoint matrix is (L+U)²) is formed.
[[nodiscard]] inline std::string to_json(const SparseConceptGraphResult& found) {
  std::vector<Node> nodes(static_cast<std::size_t>(found.lower + found.upper));
  for (Index j = 0; j < found.lower + found.upper; ++j) {
    Node& node = nodes[static_cast<std::size_t>(j)];
    node.name =
        j < found.lower ? "lower_" + std::to_string(j) : "upper_" + std::to_string(j - found.lower);
    node.level = j < found.lower ? 0 : 1;
  }
  std::vector<Edge> edges;
  edges.reserve(found.edges.size());
  for (const ConceptEdge& e : found.edges) {
    edges.push_back({e.lower, found.lower + e.upper, Mark::Directed});
  }
  return detail::graph_json_text(nodes, edges);
}

/// Writes `to_json(found)` plus a newline to `path` atomically.
/// @throws hilm::io_error when the file cannot be written.
inline void write_json(const SparseConceptGraphResult& found, const std::string& path) {
  write_file_atomically(path, [&](std::ostream& os) { os << to_json(found) << '\n'; });
}

}  // namespace hilm

#endif  // HILM_HIERARCHY_SPARSE_CONCEPT_GRAPH_HPP
