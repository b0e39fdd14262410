/// @file
/// Options and result of `concept_graph()` (`hierarchy/concept_graph.hpp`, which documents the
/// search): the screen test, the fit measure and selection rule of a parent set,
/// `ConceptGraphOptions`, and the parent sets and graph of `ConceptGraphResult`.
#ifndef HILM_HIERARCHY_CONCEPT_GRAPH_TYPES_HPP
#define HILM_HIERARCHY_CONCEPT_GRAPH_TYPES_HPP

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/hierarchy/fdr.hpp>

namespace hilm {

/// The marginal dependence test of the screen.
enum class ScreenTest {
  Auto,         ///< G² when both columns are discrete-valued, Fisher-z otherwise
  Correlation,  ///< Fisher-z test of the Pearson correlation
  Discretized   ///< G² test on the discretised codes (any form of dependence)
};

/// How the fit of a candidate parent set is measured.
enum class ParentFit {
  /// Adjusted R² of the cell means of the upper concept on the joint codes of the set (each
  /// lower column coded as inactive + `value_bins` quantile bins of its active values): a
  /// saturated regression that fits any function of the codes and is invariant to monotone
  /// maps of the lower codes (SAE codes are identified up to such maps). Confirmation by G².
  Cells,
  /// Adjusted R² of ordinary least squares of the upper concept on the raw lower values.
  /// Confirmation by Fisher-z partial correlation.
  Linear
};

/// How the parent set is chosen among the searched subsets.
enum class ParentSelection {
  /// Minimality of effect: the smallest set whose fit is within `epsilon` of the best set's.
  Epsilon,
  /// The set with the smallest BIC, n·log(RSS/n) + (parameters)·log n (parameters: occupied
  /// cells for `Cells`, |S| + 1 for `Linear`; Schwarz 1978).
  Bic,
  /// P-values only (the baseline the two rules above replace): start from every screened
  /// candidate and repeatedly drop the one with the largest Fisher-z partial-correlation
  /// p-value given the others while it exceeds `alpha`. Admits spurious parents on large
  /// samples; kept as a documented negative control.
  PValue
};

/// Options of `concept_graph()`.
struct ConceptGraphOptions {
  /// Level of the confirmation CI tests (and of the p-value pruning of `PValue`).
  double alpha = 0.01;
  /// Benjamini–Hochberg level q of the dependence screen over all L·U pairs.
  double fdr = 0.05;
  /// BH (default) or BY for the screen.
  FdrMethod fdr_method = FdrMethod::BenjaminiHochberg;
  /// Marginal test of the screen.
  ScreenTest screen = ScreenTest::Auto;
  /// Fit measure of a parent set.
  ParentFit fit = ParentFit::Cells;
  /// Selection rule among the searched sets.
  ParentSelection selection = ParentSelection::Epsilon;
  /// `Epsilon`: tolerance on the fit (adjusted R², in [0, 1)).
  double epsilon = 0.05;
  /// Largest parent set searched (s_max of the exhaustive search).
  Index max_parents = 3;
  /// Screened candidates kept per upper concept for the exhaustive search (by Lasso entry).
  Index max_candidates = 20;
  /// Quantile bins of the active values of a continuous column (`Cells` fit, `Discretized`).
  Index value_bins = 3;
  /// A point mass at a column's minimum holding at least this fraction of rows is coded as its
  /// own level (the "inactive" value of a sparse code).
  double min_mass = 0.05;
  /// In a sparse column (one with such a point mass), values less than this fraction of the way
  /// from the minimum to the median active value also count as inactive: weak activations that
  /// top-k competition and encoder interference give to non-firing SAE latents. 0 disables.
  double inactive_fraction = 0.25;
  /// A column of integers with at most this many distinct values is discrete-valued.
  Index discrete_max_levels = 10;
  /// Run the confirmation CI tests (Epsilon and Bic).
  bool confirm = true;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    constexpr std::string_view type = "ConceptGraphOptions";
    if (!(alpha > 0 && alpha < 1)) return invalid_field(type, "alpha", "lie in (0, 1)", alpha);
    if (!(fdr > 0 && fdr <= 1)) return invalid_field(type, "fdr", "lie in (0, 1]", fdr);
    if (!(epsilon >= 0 && epsilon < 1)) {
      return invalid_field(type, "epsilon", "lie in [0, 1)", epsilon);
    }
    if (max_parents < 1) return invalid_field(type, "max_parents", "be >= 1", max_parents);
    if (max_candidates < max_parents) {
      return invalid_field(type, "max_candidates",
                           "be >= max_parents (" + std::to_string(max_parents) + ")",
                           max_candidates);
    }
    if (value_bins < 1) return invalid_field(type, "value_bins", "be >= 1", value_bins);
    if (!(min_mass > 0 && min_mass < 1)) {
      return invalid_field(type, "min_mass", "lie in (0, 1)", min_mass);
    }
    if (!(inactive_fraction >= 0 && inactive_fraction < 1)) {
      return invalid_field(type, "inactive_fraction", "lie in [0, 1)", inactive_fraction);
    }
    if (discrete_max_levels < 2) {
      return invalid_field(type, "discrete_max_levels", "be >= 2", discrete_max_levels);
    }
    return std::nullopt;
  }
};

/// The parent set found for one upper concept.
struct UpperConceptParents {
  /// Lower-concept indices (columns of the lower matrix), increasing.
  std::vector<Index> parents;
  /// Aligned with `parents`: the fit lost when the parent is dropped from the set (adjusted R²
  /// of the chosen fit measure) — the effect size.
  std::vector<double> effects;
  /// Aligned with `parents`: p-value of the confirmation test "upper ⫫ parent | other parents"
  /// (for `PValue`, of the Fisher-z test given the other kept candidates).
  std::vector<double> p_values;
  /// Fit (adjusted R²) of the chosen set.
  double fit = 0;
  /// Best fit over all searched sets.
  double best_fit = 0;
  /// Lower concepts that passed the screen, increasing.
  std::vector<Index> screened;
  /// Candidates searched after the Lasso reduction, increasing.
  std::vector<Index> candidates;
  /// Subsets whose fit was computed.
  Index subsets_evaluated = 0;
};

/// Result of `concept_graph()`.
struct ConceptGraphResult {
  /// L + U nodes: ids 0 … L−1 the lower concepts (level 0, named lower_0 …), ids L … L+U−1 the
  /// upper concepts (level 1, named upper_0 …); an edge j → L+u for each parent j of upper u.
  /// Nodes are observed (they are measured codes); discrete-valued columns get their number of
  /// values as cardinality.
  Graph graph;
  /// One entry per upper concept.
  std::vector<UpperConceptParents> uppers;
  /// L × U marginal p-values of the screen.
  Matrix<double> screen_p_values;
  /// L × U BH-adjusted screen p-values.
  Matrix<double> screen_adjusted;
  /// L × U effect sizes (0 where there is no edge).
  Matrix<double> effects;
  /// L × U confirmation p-values (1 where there is no edge).
  Matrix<double> p_values;
  /// Number of lower (L) and upper (U) concepts.
  Index lower = 0;
  /// Number of upper concepts U.
  Index upper = 0;
};

}  // namespace hilm

#endif  // HILM_HIERARCHY_CONCEPT_GRAPH_TYPES_HPP
