/// @file
/// Structure-recovery scores between a true and an estimated graph given as adjacency matrices:
/// structural Hamming distance between CPDAGs (Tsamardinos, Brown & Aliferis 2006, "The max-min
/// hill-climbing Bayesian network structure learning algorithm", §6), skeleton and oriented-edge
/// precision / recall / F1 (as reported by RLCD, Dong et al. 2024), and latent omission /
/// commission / mismeasurement after matching estimated latents to true ones by the observed
/// variables under them (Silva, Scheines, Glymour & Spirtes 2006, "Learning the structure of
/// linear latent variable models", JMLR 7, §7).
///
/// Encoding (shared with `Adjacency`): `a(i, j) = 1, a(j, i) = 0` is i → j; `a(i, j) =
/// a(j, i) = 1` is an undirected edge i — j (a CPDAG's reversible edge); both 0 is no edge.
#ifndef HILM_METRICS_GRAPH_METRICS_HPP
#define HILM_METRICS_GRAPH_METRICS_HPP

#include <algorithm>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/detail/adjacency.hpp>
#include <hilm/metrics/hungarian.hpp>

namespace hilm {

/// Precision, recall and F1 of a set of predicted items against true items.
///
/// Conventions for empty sets: precision is 1 when nothing is predicted, recall is 1 when
/// nothing is true, F1 is 0 when precision + recall = 0.
struct PrecisionRecall {
  /// Items both predicted and true.
  Index true_positive = 0;
  /// Predicted items that are not true.
  Index false_positive = 0;
  /// True items that were not predicted.
  Index false_negative = 0;
  /// TP / (TP + FP).
  double precision = 1;
  /// TP / (TP + FN).
  double recall = 1;
  /// Harmonic mean of precision and recall.
  double f1 = 1;

  /// Fills precision, recall and F1 from the counts.
  void finish() {
    precision = true_positive + false_positive > 0
                    ? static_cast<double>(true_positive) /
                          static_cast<double>(true_positive + false_positive)
                    : 1.0;
    recall = true_positive + false_negative > 0
                 ? static_cast<double>(true_positive) /
                       static_cast<double>(true_positive + false_negative)
                 : 1.0;
    f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  }
};

/// Result of `compare_graphs()`.
struct GraphComparison {
  /// Structural Hamming distance: the number of node pairs whose edge differs (missing, extra,
  /// or with a different mark: i → j vs j → i vs i — j). Each pair counts at most 1.
  Index shd = 0;
  /// Adjacencies (unordered pairs joined by any edge).
  PrecisionRecall skeleton;
  /// Directed edges: an estimated i → j is correct when the truth has i → j. Undirected edges
  /// count on neither side.
  PrecisionRecall oriented;
};

/// Compares an estimated graph with the true one over the same nodes.
/// For SHD "between CPDAGs", pass the CPDAGs of both graphs (reversible edges undirected).
/// @param[in] truth p × p adjacency (0/1 integers, encoding above).
/// @param[in] estimate p × p adjacency.
/// @throws invalid_argument if the shapes differ or an entry is not 0/1.
template <class DerivedA, class DerivedB>
[[nodiscard]] GraphComparison compare_graphs(const Eigen::MatrixBase<DerivedA>& truth,
                                             const Eigen::MatrixBase<DerivedB>& estimate) {
  detail::check_adjacency(truth, "compare_graphs", "truth");
  detail::check_adjacency(estimate, "compare_graphs", "estimate");
  if (truth.rows() != estimate.rows()) {
    hilm::detail::raise<invalid_argument>(
        "compare_graphs: truth has " + std::to_string(truth.rows()) + " nodes but estimate has " +
        std::to_string(estimate.rows()));
  }
  GraphComparison result;
  const Index p = truth.rows();
  for (Index i = 0; i < p; ++i) {
    for (Index j = i + 1; j < p; ++j) {
      const int t = detail::pair_mark(truth, i, j), e = detail::pair_mark(estimate, i, j);
      if (t != e) ++result.shd;
      if (t != 0 && e != 0) ++result.skeleton.true_positive;
      if (t == 0 && e != 0) ++result.skeleton.false_positive;
      if (t != 0 && e == 0) ++result.skeleton.false_negative;
      const bool t_dir = t == 1 || t == 2, e_dir = e == 1 || e == 2;
      if (e_dir && t == e) ++result.oriented.true_positive;
      if (e_dir && t != e) ++result.oriented.false_positive;
      if (t_dir && t != e) ++result.oriented.false_negative;
    }
  }
  result.skeleton.finish();
  result.oriented.finish();
  return result;
}

/// Structural Hamming distance (see `GraphComparison::shd`).
template <class DerivedA, class DerivedB>
[[nodiscard]] Index structural_hamming_distance(const Eigen::MatrixBase<DerivedA>& truth,
                                                const Eigen::MatrixBase<DerivedB>& estimate) {
  return compare_graphs(truth, estimate).shd;
}

/// Result of `latent_scores()`.
struct LatentScores {
  /// Number of latent nodes in the truth and in the estimate.
  Index true_latents = 0;
  /// Number of latent nodes in the estimate.
  Index estimated_latents = 0;
  /// Per true latent (in id order, ids p, p+1, …): the matched estimated latent's node id, or -1.
  std::vector<Index> match;
  /// True latents without a match / true latents (Silva et al. 2006).
  double omission = 0;
  /// Estimated latents without a match / true latents (Silva et al. 2006's normalisation).
  double commission = 0;
  /// Observed variables measuring a wrong latent / observed variables: an observed variable is
  /// mismeasured when one of its latent parents in the estimate is unmatched or matched to a
  /// true latent that is not its parent in the truth.
  double mismeasurement = 0;
};

/// Latent omission, commission and mismeasurement.
///
/// Both graphs list the same p observed variables first (ids 0 … p−1, as every hilm generator
/// and estimator does); the remaining nodes are latent. Each latent is summarised by the set of
/// observed variables it reaches by directed edges (for a bottom latent: its observed children);
/// true and estimated latents are matched one-to-one by the Hungarian method maximising the
/// Jaccard similarity of these sets, and a pair with no common observed variable is not a match.
/// @param[in] truth P × P adjacency (encoding above); @param[in] estimate Q × Q adjacency.
/// @param[in] observed p, the number of observed variables (p <= P, Q).
/// @throws invalid_argument on bad adjacency matrices or p out of range.
template <class DerivedA, class DerivedB>
[[nodiscard]] LatentScores latent_scores(const Eigen::MatrixBase<DerivedA>& truth,
                                         const Eigen::MatrixBase<DerivedB>& estimate,
                                         Index observed) {
  detail::check_adjacency(truth, "latent_scores", "truth");
  detail::check_adjacency(estimate, "latent_scores", "estimate");
  const Index p = observed;
  if (p < 0 || p > truth.rows() || p > estimate.rows()) {
    hilm::detail::raise<invalid_argument>("latent_scores: observed = " + std::to_string(p) +
                                          " exceeds a graph's node count");
  }
  // Observed variables reached from each latent by directed edges (undirected edges ignored).
  auto reach = [p](const auto& a) {
    const Index n = a.rows();
    std::vector<std::vector<char>> out;
    for (Index l = p; l < n; ++l) {
      std::vector<char> seen(static_cast<std::size_t>(n), 0);
      std::vector<Index> stack{l};
      while (!stack.empty()) {
        const Index v = stack.back();
        stack.pop_back();
        for (Index w = 0; w < n; ++w) {
          if (a(v, w) != 0 && a(w, v) == 0 && !seen[static_cast<std::size_t>(w)]) {
            seen[static_cast<std::size_t>(w)] = 1;
            stack.push_back(w);
          }
        }
      }
      seen.resize(static_cast<std::size_t>(p));
      out.push_back(std::move(seen));
    }
    return out;
  };
  const auto true_sets = reach(truth), est_sets = reach(estimate);
  LatentScores result;
  result.true_latents = static_cast<Index>(true_sets.size());
  result.estimated_latents = static_cast<Index>(est_sets.size());
  result.match.assign(true_sets.size(), -1);
  std::vector<Index> true_of_est(est_sets.size(), -1);
  if (!true_sets.empty() && !est_sets.empty()) {
    Matrix<double> jaccard(result.true_latents, result.estimated_latents);
    for (std::size_t i = 0; i < true_sets.size(); ++i) {
      for (std::size_t j = 0; j < est_sets.size(); ++j) {
        Index both = 0, either = 0;
        for (std::size_t v = 0; v < static_cast<std::size_t>(p); ++v) {
          both += true_sets[i][v] && est_sets[j][v];
          either += true_sets[i][v] || est_sets[j][v];
        }
        jaccard(static_cast<Index>(i), static_cast<Index>(j)) =
            either > 0 ? static_cast<double>(both) / static_cast<double>(either) : 0.0;
      }
    }
    const Assignment a = linear_sum_assignment(jaccard, true);
    for (Index i = 0; i < result.true_latents; ++i) {
      const Index j = a.col_of_row(i);
      if (j >= 0 && jaccard(i, j) > 0) {
        result.match[static_cast<std::size_t>(i)] = p + j;
        true_of_est[static_cast<std::size_t>(j)] = p + i;
      }
    }
  }
  Index omitted = 0, committed = 0, mismeasured = 0;
  for (const Index m : result.match) omitted += m < 0 ? 1 : 0;
  for (const Index t : true_of_est) committed += t < 0 ? 1 : 0;
  for (Index v = 0; v < p; ++v) {
    bool wrong = false;
    for (Index l = p; l < estimate.rows(); ++l) {
      if (estimate(l, v) == 0 || estimate(v, l) != 0) continue;  // l → v only
      const Index t = true_of_est[static_cast<std::size_t>(l - p)];
      if (t < 0 || truth(t, v) == 0 || truth(v, t) != 0) wrong = true;
    }
    mismeasured += wrong ? 1 : 0;
  }
  const auto denominator = static_cast<double>(std::max<Index>(result.true_latents, 1));
  result.omission = static_cast<double>(omitted) / denominator;
  result.commission = static_cast<double>(committed) / denominator;
  result.mismeasurement = p > 0 ? static_cast<double>(mismeasured) / static_cast<double>(p) : 0.0;
  return result;
}

}  // namespace hilm

#endif  // HILM_METRICS_GRAPH_METRICS_HPP
