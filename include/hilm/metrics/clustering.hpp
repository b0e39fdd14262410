/// @file
/// Scores for discrete recovery (clusters or states against true labels): matched accuracy after
/// the best one-to-one relabelling (Hungarian matching on the contingency table) and the adjusted
/// Rand index (Hubert & Arabie 1985, "Comparing partitions", J. Classification 2). Both are
/// invariant to relabelling, the ambiguity of discrete identifiability (Kong et al. 2024).
/// DESIGN.md checks T5 and T6 use them.
#ifndef HILM_METRICS_CLUSTERING_HPP
#define HILM_METRICS_CLUSTERING_HPP

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/hungarian.hpp>

namespace hilm {

/// A contingency table between two labelings of the same samples.
struct Contingency {
  /// Distinct labels of the first labeling, increasing (the rows of `counts`).
  std::vector<Index> labels_a;
  /// Distinct labels of the second labeling, increasing (the columns of `counts`).
  std::vector<Index> labels_b;
  /// |labels_a| × |labels_b| counts: samples labelled (a, b).
  Matrix<double> counts;
};

/// Counts co-occurrences of labels.
/// @param[in] a length-n vector of integer labels (any integer type, any values).
/// @param[in] b length-n vector of integer labels.
/// @throws invalid_argument if the lengths differ or n = 0.
template <class DerivedA, class DerivedB>
[[nodiscard]] Contingency contingency_table(const Eigen::MatrixBase<DerivedA>& a,
                                            const Eigen::MatrixBase<DerivedB>& b) {
  static_assert(std::is_integral_v<typename DerivedA::Scalar> &&
                    std::is_integral_v<typename DerivedB::Scalar>,
                "contingency_table: labels must be integer vectors (e.g. hilm::IndexVector)");
  if (a.size() != b.size() || a.size() == 0) {
    hilm::detail::raise<invalid_argument>(
        "contingency_table: label vectors must have the same, "
        "non-zero length; got " +
        std::to_string(a.size()) + " and " + std::to_string(b.size()));
  }
  Contingency c;
  const Index n = a.size();
  for (Index i = 0; i < n; ++i) {
    c.labels_a.push_back(static_cast<Index>(a(i)));
    c.labels_b.push_back(static_cast<Index>(b(i)));
  }
  for (auto* labels : {&c.labels_a, &c.labels_b}) {
    std::sort(labels->begin(), labels->end());
    labels->erase(std::unique(labels->begin(), labels->end()), labels->end());
  }
  c.counts = Matrix<double>::Zero(static_cast<Index>(c.labels_a.size()),
                                  static_cast<Index>(c.labels_b.size()));
  for (Index i = 0; i < n; ++i) {
    const auto ra =
        std::lower_bound(c.labels_a.begin(), c.labels_a.end(), static_cast<Index>(a(i)));
    const auto rb =
        std::lower_bound(c.labels_b.begin(), c.labels_b.end(), static_cast<Index>(b(i)));
    c.counts(ra - c.labels_a.begin(), rb - c.labels_b.begin()) += 1;
  }
  return c;
}

/// Result of `matched_accuracy()`.
struct MatchedAccuracy {
  /// Fraction of samples whose estimated label maps to their true label.
  double accuracy = 0;
  /// The contingency table (rows: true labels, columns: estimated labels).
  Contingency table;
  /// For each true label (in `table.labels_a` order), the matched estimated label, or -1 if
  /// there are fewer estimated labels than true ones.
  std::vector<Index> match;
};

/// Accuracy after the best one-to-one relabelling of the estimate (Hungarian matching that
/// maximises the number of agreeing samples). Estimated labels left unmatched (more clusters than
/// true states) count as errors.
/// @param[in] truth length-n true labels (integers).
/// @param[in] estimate length-n estimated labels (integers).
/// @throws invalid_argument if the lengths differ or n = 0.
template <class DerivedA, class DerivedB>
[[nodiscard]] MatchedAccuracy matched_accuracy(const Eigen::MatrixBase<DerivedA>& truth,
                                               const Eigen::MatrixBase<DerivedB>& estimate) {
  MatchedAccuracy result;
  result.table = contingency_table(truth, estimate);
  const Assignment a = linear_sum_assignment(result.table.counts, true);
  result.accuracy = a.total / static_cast<double>(truth.size());
  for (Index i = 0; i < a.col_of_row.size(); ++i) {
    const Index j = a.col_of_row(i);
    result.match.push_back(j >= 0 ? result.table.labels_b[static_cast<std::size_t>(j)] : -1);
  }
  return result;
}

/// Adjusted Rand index between two partitions (Hubert & Arabie 1985): the Rand index corrected
/// for chance, 1 for identical partitions (up to relabelling), about 0 for independent ones,
/// possibly negative. When both partitions are trivial in the same way (all in one cluster, or
/// all singletons) the index is 1, as in scikit-learn.
/// @param[in] a length-n labels; @param[in] b length-n labels.
/// @throws invalid_argument if the lengths differ or n = 0.
template <class DerivedA, class DerivedB>
[[nodiscard]] double adjusted_rand_index(const Eigen::MatrixBase<DerivedA>& a,
                                         const Eigen::MatrixBase<DerivedB>& b) {
  const Contingency c = contingency_table(a, b);
  auto pairs = [](double m) { return 0.5 * m * (m - 1); };
  double index = 0, sum_a = 0, sum_b = 0;
  for (Index i = 0; i < c.counts.size(); ++i) index += pairs(c.counts.data()[i]);
  const Vector<double> rows = c.counts.rowwise().sum(), cols = c.counts.colwise().sum().transpose();
  for (Index i = 0; i < rows.size(); ++i) sum_a += pairs(rows(i));
  for (Index j = 0; j < cols.size(); ++j) sum_b += pairs(cols(j));
  const double total = pairs(static_cast<double>(a.size()));
  const double expected = total > 0 ? sum_a * sum_b / total : 0;
  const double maximum = 0.5 * (sum_a + sum_b);
  if (maximum == expected) return 1.0;
  return (index - expected) / (maximum - expected);
}

}  // namespace hilm

#endif  // HILM_METRICS_CLUSTERING_HPP
