/// @file
/// Mean correlation coefficient (MCC) between true and estimated latents after the best
/// one-to-one matching: the standard score of component-wise identifiability (Hyvärinen &
/// Morioka 2016, "Unsupervised feature extraction by time-contrastive learning and nonlinear
/// ICA"; Khemakhem et al. 2020, "Variational autoencoders and nonlinear ICA: a unifying
/// framework"; used for the sparsity results of Kong et al. 2025).
#ifndef HILM_METRICS_MCC_HPP
#define HILM_METRICS_MCC_HPP

#include <cmath>
#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/correlation.hpp>
#include <hilm/metrics/hungarian.hpp>

namespace hilm {

/// Result of `mcc()`.
struct MccResult {
  /// Mean over the k true components of the matched |correlation| (unmatched components count 0).
  double mean = 0;
  /// Length k: |correlation| of each true component with its matched estimate (0 if unmatched).
  Vector<double> per_component;
  /// Length k: the estimated column matched to each true component, or -1 (only when m < k).
  IndexVector assignment;
  /// k × m signed correlations between every true and every estimated component.
  Matrix<double> correlation;
};

/// Mean correlation coefficient between true and estimated latents.
///
/// Computes the k × m matrix of correlations, matches true to estimated components one-to-one so
/// that the summed |correlation| is maximal (Hungarian matching, `linear_sum_assignment`), and
/// averages the matched |correlation| over the k true components. With more estimated than true
/// components (m > k, e.g. a wide sparse autoencoder) the extra estimates are ignored; with fewer
/// (m < k) the unmatched true components score 0.
///
/// Invariance: permutation of either set of components and sign flips; with Pearson, per-component
/// affine maps; with Spearman, any strictly monotone per-component map (the "component-wise"
/// ambiguity of identifiability results).
///
/// @param[in] truth n × k true latents (rows are samples), any storage order.
/// @param[in] estimate n × m estimated latents for the same samples.
/// @param[in] method Pearson (default) or Spearman.
/// @returns mean, per-component scores, assignment and the full correlation matrix.
/// @throws invalid_argument if the row counts differ, n < 2, k = 0, or an entry is not finite.
template <class DerivedA, class DerivedB>
[[nodiscard]] MccResult mcc(const Eigen::MatrixBase<DerivedA>& truth,
                            const Eigen::MatrixBase<DerivedB>& estimate,
                            Correlation method = Correlation::Pearson) {
  if (truth.cols() < 1) hilm::detail::raise<invalid_argument>("mcc: truth has no columns");
  MccResult result;
  result.correlation = cross_correlation(truth, estimate, method);
  const Index k = truth.cols();
  result.per_component = Vector<double>::Zero(k);
  result.assignment = IndexVector::Constant(k, -1);
  if (estimate.cols() > 0) {
    const Assignment match = linear_sum_assignment(result.correlation.cwiseAbs(), true);
    result.assignment = match.col_of_row;
  }
  for (Index i = 0; i < k; ++i) {
    if (result.assignment(i) >= 0) {
      result.per_component(i) = std::abs(result.correlation(i, result.assignment(i)));
    }
  }
  result.mean = result.per_component.mean();
  return result;
}

}  // namespace hilm

#endif  // HILM_METRICS_MCC_HPP
