/// @file
/// Options and result of `sparse_concept_graph()` (`hierarchy/sparse_concept_graph.hpp`, which
/// documents the search). Everything in the result is sparse: per upper concept its screened
/// lower concepts, candidates and parents, and the edge list; no L × U matrix.
#ifndef HILM_HIERARCHY_SPARSE_CONCEPT_GRAPH_TYPES_HPP
#define HILM_HIERARCHY_SPARSE_CONCEPT_GRAPH_TYPES_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/concept_graph_types.hpp>
#include <hilm/hierarchy/fdr.hpp>

namespace hilm {

/// Options of `sparse_concept_graph()`. The fields shared with `ConceptGraphOptions` mean the
/// same; the fit is always the cell-mean fit (`ParentFit::Cells`) on sparse codes.
struct SparseConceptGraphOptions {
  /// Level of the confirmation G² tests.
  double alpha = 0.01;
  /// Benjamini–Hochberg (or BY) level of the co-activation screen over all L·U pairs.
  double fdr = 0.05;
  /// BH (default) or BY for the screen.
  FdrMethod fdr_method = FdrMethod::BenjaminiHochberg;
  /// `Epsilon` (minimality of effect) or `Bic`; `PValue` is not offered on the sparse path.
  ParentSelection selection = ParentSelection::Epsilon;
  /// `Epsilon`: tolerance on the fit (adjusted R², in [0, 1)).
  double epsilon = 0.05;
  /// Largest parent set searched (at most 6: the cells of a set are indexed in 16 bits).
  Index max_parents = 3;
  /// Screened lower concepts kept per upper concept for the exhaustive search, strongest screen
  /// first (smallest p-value, then most co-activations, then lowest index).
  Index max_candidates = 12;
  /// Quantile bins of the active values of a column (level 0 is "inactive").
  Index value_bins = 3;
  /// Stored values whose magnitude is below this fraction of the column's median active
  /// magnitude count as inactive (weak activations from top-k competition). 0 disables.
  double inactive_fraction = 0.25;
  /// A pair is tested only when the two concepts are active together in at least this many rows
  /// (a pair that co-fires fewer times cannot pass the screen at realistic L·U anyway).
  Index min_co_activations = 2;
  /// Run the confirmation CI tests.
  bool confirm = true;
  /// Called with stage "screen" and then "parents" (done/total = upper concepts finished), from
  /// the calling thread only; returning false stops early (`status` becomes `Cancelled`).
  ProgressCallback progress{};

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    constexpr std::string_view type = "SparseConceptGraphOptions";
    if (!(alpha > 0 && alpha < 1)) return invalid_field(type, "alpha", "lie in (0, 1)", alpha);
    if (!(fdr > 0 && fdr <= 1)) return invalid_field(type, "fdr", "lie in (0, 1]", fdr);
    if (selection == ParentSelection::PValue) {
      return invalid_field(type, "selection", "be Epsilon or Bic", std::string("PValue"));
    }
    if (!(epsilon >= 0 && epsilon < 1)) {
      return invalid_field(type, "epsilon", "lie in [0, 1)", epsilon);
    }
    if (max_parents < 1 || max_parents > 6) {
      return invalid_field(type, "max_parents", "lie in [1, 6]", max_parents);
    }
    if (max_candidates < max_parents || max_candidates > 64) {
      return invalid_field(type, "max_candidates",
                           "lie in [max_parents (" + std::to_string(max_parents) + "), 64]",
                           max_candidates);
    }
    if (value_bins < 1 || value_bins > 6) {
      return invalid_field(type, "value_bins", "lie in [1, 6]", value_bins);
    }
    if (!(inactive_fraction >= 0 && inactive_fraction < 1)) {
      return invalid_field(type, "inactive_fraction", "lie in [0, 1)", inactive_fraction);
    }
    if (min_co_activations < 1) {
      return invalid_field(type, "min_co_activations", "be >= 1", min_co_activations);
    }
    return std::nullopt;
  }
};

/// One edge lower → upper of the sparse concept graph.
struct ConceptEdge {
  Index lower = 0;      ///< Lower concept (column of the lower codes).
  Index upper = 0;      ///< Upper concept (column of the upper codes).
  double effect = 0;    ///< Fit lost when the parent is dropped from the set.
  double p_value = 1;   ///< Confirmation p-value "upper ⫫ lower | other parents".
  double screen_p = 1;  ///< Marginal co-activation p-value of the screen.
};

/// Result of `sparse_concept_graph()`.
struct SparseConceptGraphResult {
  /// Number of lower (L) and upper (U) concepts.
  Index lower = 0;
  /// Number of upper concepts U.
  Index upper = 0;
  /// One entry per upper concept (as for the dense search; `screened` and `candidates` are
  /// increasing lower indices).
  std::vector<UpperConceptParents> uppers;
  /// Aligned with `uppers[u].screened`: the screen p-values.
  std::vector<std::vector<double>> screen_p_values;
  /// Every edge, by upper concept then lower concept.
  std::vector<ConceptEdge> edges;
  /// Rows in which each lower / upper concept is active (after the inactive cut).
  std::vector<Index> lower_active, upper_active;
  /// Discretisation levels of each lower / upper column (1 = never active).
  std::vector<std::int32_t> lower_levels, upper_levels;
  /// Pairs that co-fire at least `min_co_activations` times above chance (tested in the screen).
  std::int64_t pairs_tested = 0;
  /// Pairs that passed the screen.
  std::int64_t pairs_screened = 0;
  /// Largest screen p-value that passed (0 when none did).
  double screen_threshold = 0;
  /// `Converged`, or `Cancelled` when the progress callback stopped the search (the uppers not
  /// reached then have no parents).
  FitStatus status = FitStatus::NotRun;
};

}  // namespace hilm

#endif  // HILM_HIERARCHY_SPARSE_CONCEPT_GRAPH_TYPES_HPP
