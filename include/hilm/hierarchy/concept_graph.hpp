/// @file
/// Concept graphs between two levels of codes (Kong et al. 2025, "causal minimality"): for every
/// upper concept, the minimal set of lower concepts it is a function of.
///
/// Under the hierarchical selection model each upper concept is a function (or a sparse
/// conditional distribution) of a few lower ones; selection on upper values makes lower concepts
/// dependent on non-children, and sparse-autoencoder codes add weak dependences of their own
/// (top-k competition). So p-values alone admit spurious parents on large samples (DESIGN.md
/// §2.2). This search therefore chooses parent sets by *minimality of effect*:
///
/// 1. **Screen**: test every (lower j, upper u) pair for marginal dependence (Fisher-z on the
///    correlation, or G² when both columns are discrete-valued) and keep the pairs that survive
///    Benjamini–Hochberg at level `fdr` over all L·U tests.
/// 2. **Candidates**: if more than `max_candidates` lower concepts survive for an upper concept,
///    keep those that enter a Lasso path (Friedman et al. 2010) first.
/// 3. **Minimal set**: evaluate the fit of every candidate subset of size ≤ `max_parents`
///    (exhaustive best-subset search) and keep the *smallest* set whose fit is within `epsilon`
///    of the best (or the BIC-optimal one). The default fit is the adjusted R² of the cell means
///    of the upper concept on the discretised candidates (see `ParentFit`).
/// 4. **Confirm**: test each kept parent p for dependence given the other kept parents
///    (G² on the discretised codes, or Fisher-z for the linear fit) and drop parents with
///    p-value > `alpha`, weakest first.
///
/// The effect of a parent is the fit lost when it is removed from the chosen set.
///
/// Options and result: `concept_graph_types.hpp`; the stages: `detail/concept_graph_stages.hpp`.
#ifndef HILM_HIERARCHY_CONCEPT_GRAPH_HPP
#define HILM_HIERARCHY_CONCEPT_GRAPH_HPP

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/concept_graph_types.hpp>
#include <hilm/hierarchy/detail/concept_graph_stages.hpp>
#include <hilm/hierarchy/fdr.hpp>

namespace hilm {

/// Finds, for every upper concept, its minimal parent set among the lower concepts.
///
/// @param[in] lower n × L codes of the lower level (rows are samples), e.g. SAE latents of an
///   earlier layer or the level-1 concepts; any storage order. Constant columns never become
///   parents.
/// @param[in] upper n × U codes of the upper level for the same samples.
/// @param[in] options see `ConceptGraphOptions`.
/// @returns the graph (ids 0…L−1 lower, L…L+U−1 upper, edges lower → upper), parent sets with
///   effect sizes and p-values, and the screen's p-values.
/// @throws hilm::invalid_argument on bad options, differing row counts, too few samples
///   (n < max(10, max_candidates + 4)) or non-finite values; std::bad_alloc when memory runs
///   out, also inside the parallel loop (rethrown on the calling thread).
///
/// Complexity: O(n (L + U)²) for the screen; per upper concept O(n · s · Σ_{s ≤ s_max} C(m, s))
/// for the subset search over m ≤ `max_candidates` candidates. Upper concepts are processed in
/// parallel (OpenMP); the result does not depend on the thread count.
///
/// @code
/// // codes of two SAE layers for the same n inputs: lower n × L, upper n × U
/// hilm::ConceptGraphOptions options;
/// options.max_parents = 2;
/// const hilm::ConceptGraphResult found = hilm::concept_graph(lower, upper, options);
/// for (hilm::Index u = 0; u < found.upper; ++u) {
///   const hilm::UpperConceptParents& parents = found.uppers[static_cast<std::size_t>(u)];
///   // parents.parents: lower concepts upper u is a function of; parents.effects: their effects
/// }
/// hilm::write_json(found.graph, "concepts.json");  // <hilm/graph/json.hpp>
/// @endcode
template <class DerivedL, class DerivedU>
[[nodiscard]] ConceptGraphResult concept_graph(const Eigen::MatrixBase<DerivedL>& lower,
                                               const Eigen::MatrixBase<DerivedU>& upper,
                                               const ConceptGraphOptions& options = {}) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  const Index n = lower.rows(), num_lower = lower.cols(), num_upper = upper.cols();
  if (upper.rows() != n) {
    hilm::detail::raise<invalid_argument>("concept_graph: lower has " + std::to_string(n) +
                                          " rows but upper has " + std::to_string(upper.rows()) +
                                          " (both need one row per sample)");
  }
  if (n < std::max<Index>(10, options.max_candidates + 4)) {
    hilm::detail::raise<invalid_argument>(
        "concept_graph: need at least max(10, max_candidates + 4) samples, got " +
        std::to_string(n));
  }
  Matrix<double> all(n, num_lower + num_upper);
  all.leftCols(num_lower) = lower.template cast<double>();
  all.rightCols(num_upper) = upper.template cast<double>();
  if (!all.allFinite()) {
    hilm::detail::raise<invalid_argument>("concept_graph: lower or upper contains NaN or Inf");
  }
  // Codes of every column and the two CI tests, computed once.
  const detail::ConceptColumns columns(std::move(all), num_lower, options);
  ConceptGraphResult result;
  result.lower = num_lower;
  result.upper = num_upper;

  // 1. Screen: all L·U marginal tests, one BH family.
  const FdrResult screen = detail::screen_concept_pairs(columns, options, result);

  // Stages 2–4 for upper concept u, writing result.uppers[u] only.
  result.uppers.resize(static_cast<std::size_t>(num_upper));
  const bool cells = options.fit == ParentFit::Cells;
  auto fit_upper = [&](Index u) {
    UpperConceptParents& out = result.uppers[static_cast<std::size_t>(u)];
    const Index yu = num_lower + u;
    out.screened = detail::screened_lower(screen, num_lower, u);
    if (out.screened.empty() || columns.codes[static_cast<std::size_t>(yu)].constant) return;
    // 2. Candidates: Lasso entry order when too many survive the screen.
    out.candidates = detail::candidate_parents(columns, out.screened, u, result.screen_p_values,
                                               options.max_candidates);
    detail::ParentScorer score(columns, u, out.candidates, options);
    std::vector<Index> chosen;
    if (options.selection == ParentSelection::PValue) {
      // Backward elimination by Fisher-z partial-correlation p-values given the other members.
      chosen = out.candidates;
      detail::drop_independent_parents(columns, yu, false, options.alpha, chosen);
      out.best_fit = score(chosen).adjusted_r2;
    } else {
      // 3. Minimal set: exhaustive search over subsets of the candidates of size ≤ max_parents.
      chosen = detail::minimal_parent_set(score, out.candidates, options, out);
      // 4. Confirmation: drop the weakest parent while one is independent given the others.
      if (options.confirm)
        detail::drop_independent_parents(columns, yu, cells, options.alpha, chosen);
    }
    // Effects and p-values of the final set.
    const bool g2 = cells && options.selection != ParentSelection::PValue;
    detail::record_parents(columns, score, yu, g2, std::move(chosen), out);
  };
  // Upper concepts in parallel; an exception (an allocation failure) reaches the caller through
  // the guard instead of leaving the region.
  hilm::detail::ParallelGuard guard;
#pragma omp parallel for schedule(dynamic, 1)
  for (Index u = 0; u < num_upper; ++u) {
    guard.run([&] { fit_upper(u); });
  }
  guard.rethrow();

  // The graph and the L × U summaries.
  detail::assemble_concept_graph(columns, result);
  return result;
}

}  // namespace hilm

#endif  // HILM_HIERARCHY_CONCEPT_GRAPH_HPP
