/// @file
/// Scoring recovered parent sets (a concept graph between two levels, `hilm/hierarchy/
/// concept_graph.hpp`) against the true ones when the recovered nodes are *estimates* of the true
/// concepts: each recovered lower and upper node stands for the true concept it was matched to
/// (e.g. by MCC, `hilm/metrics/mcc.hpp`), or for none. An edge between two matched nodes is
/// correct when the true edge between their concepts exists; an edge touching an unmatched node
/// is wrong. Precision, recall and F1 are those of `PrecisionRecall`.
///
/// ```cpp
/// // found[u]: recovered parents (lower columns) of recovered upper u;
/// // lower_truth[l], upper_truth[u]: matched true concept or -1; truth[t]: true parents of t.
/// hilm::ParentSetScore s = hilm::score_parent_sets(found, lower_truth, upper_truth, truth);
/// double f1 = s.accuracy.f1;
/// ```
#ifndef HILM_METRICS_PARENT_SETS_HPP
#define HILM_METRICS_PARENT_SETS_HPP

#include <algorithm>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/graph_metrics.hpp>

namespace hilm {

/// One recovered edge `lower → upper`, scored.
struct ScoredParentEdge {
  /// Recovered upper node (index into the recovered parent sets).
  Index upper = 0;
  /// Recovered lower node, a parent of `upper`.
  Index lower = 0;
  /// Position of `lower` in the parent list of `upper`.
  Index position = 0;
  /// True concept `upper` stands for, or -1.
  Index true_upper = -1;
  /// True concept `lower` stands for, or -1.
  Index true_lower = -1;
  /// Both ends are matched and `true_lower` is a true parent of `true_upper`.
  bool correct = false;

  /// Whether both ends stand for a true concept.
  [[nodiscard]] bool matched() const noexcept { return true_upper >= 0 && true_lower >= 0; }
};

/// Result of `score_parent_sets`.
struct ParentSetScore {
  /// Every recovered edge, by upper node and then in parent-list order.
  std::vector<ScoredParentEdge> edges;
  /// True edges (true lower concept, true upper concept) that no matched recovered edge stands
  /// for, in the order of the true parent sets.
  std::vector<std::pair<Index, Index>> missed;
  /// Recovered edges with an end matched to no true concept (counted as false positives).
  Index unmatched = 0;
  /// Number of true edges.
  Index true_edges = 0;
  /// True positives: correct recovered edges; false positives: the other recovered edges;
  /// false negatives: `missed`.
  PrecisionRecall accuracy;
};

/// Scores recovered parent sets against true ones through a matching of nodes to concepts.
///
/// @param[in] found_parents per recovered upper node u, its recovered lower parents (indices into
///            `lower_truth`).
/// @param[in] lower_truth per recovered lower node, the true lower concept it stands for, or -1.
/// @param[in] upper_truth per recovered upper node, the true upper concept it stands for, or -1;
///            one entry per entry of `found_parents`.
/// @param[in] true_parents per true upper concept t, its true lower parents.
/// @returns every recovered edge scored, the missed true edges and precision / recall / F1.
/// @throws invalid_argument if `upper_truth` and `found_parents` differ in size or a recovered
///         parent is outside `lower_truth`.
/// Complexity: O(E·T) for E recovered and T true edges.
[[nodiscard]] inline ParentSetScore score_parent_sets(
    const std::vector<std::vector<Index>>& found_parents, std::span<const Index> lower_truth,
    std::span<const Index> upper_truth, const std::vector<std::vector<Index>>& true_parents) {
  if (upper_truth.size() != found_parents.size()) {
    detail::raise<invalid_argument>("score_parent_sets: " + std::to_string(found_parents.size()) +
                                    " recovered upper nodes but upper_truth has " +
                                    std::to_string(upper_truth.size()));
  }
  std::vector<std::pair<Index, Index>> truth;  // (true lower, true upper)
  for (std::size_t t = 0; t < true_parents.size(); ++t) {
    for (const Index p : true_parents[t]) truth.emplace_back(p, static_cast<Index>(t));
  }
  auto is_true = [&](const std::pair<Index, Index>& e) {
    return std::find(truth.begin(), truth.end(), e) != truth.end();
  };
  ParentSetScore score;
  score.true_edges = static_cast<Index>(truth.size());
  std::vector<std::pair<Index, Index>> found;  // matched recovered edges in true concepts
  for (std::size_t u = 0; u < found_parents.size(); ++u) {
    for (std::size_t q = 0; q < found_parents[u].size(); ++q) {
      const Index p = found_parents[u][q];
      if (p < 0 || static_cast<std::size_t>(p) >= lower_truth.size()) {
        detail::raise<invalid_argument>("score_parent_sets: recovered parent " + std::to_string(p) +
                                        " of upper node " + std::to_string(u) + " is outside [0, " +
                                        std::to_string(lower_truth.size()) + ")");
      }
      ScoredParentEdge e{.upper = static_cast<Index>(u),
                         .lower = p,
                         .position = static_cast<Index>(q),
                         .true_upper = upper_truth[u],
                         .true_lower = lower_truth[static_cast<std::size_t>(p)]};
      if (e.matched()) {
        found.emplace_back(e.true_lower, e.true_upper);
        e.correct = is_true(found.back());
      } else {
        ++score.unmatched;
      }
      score.accuracy.true_positive += e.correct ? 1 : 0;
      score.edges.push_back(e);
    }
  }
  for (const auto& e : truth) {
    if (std::find(found.begin(), found.end(), e) == found.end()) score.missed.push_back(e);
  }
  score.accuracy.false_positive =
      static_cast<Index>(score.edges.size()) - score.accuracy.true_positive;
  score.accuracy.false_negative = static_cast<Index>(score.missed.size());
  score.accuracy.finish();
  return score;
}

}  // namespace hilm

#endif  // HILM_METRICS_PARENT_SETS_HPP
