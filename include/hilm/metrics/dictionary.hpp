/// @file
/// Dictionary recovery and stability: how well learned atoms (e.g. a sparse autoencoder's decoder
/// rows) match planted atoms, and how reproducible they are across training seeds.
///
/// References: the "mean max cosine similarity" of Sharkey, Braun & Millidge (2022, "Taking
/// features out of superposition with sparse autoencoders", interim report) scores each true atom
/// by its best-aligned learned atom; the one-to-one variant uses Hungarian matching as in
/// dictionary-learning recovery studies (Aharon, Elad & Bruckstein 2006, K-SVD, §V); the
/// multi-seed stability score follows Paulo & Belrose (2025, "Sparse autoencoders trained on the
/// same data learn different features"), who match latents between seeds by the Hungarian method
/// on decoder cosine similarity.
#ifndef HILM_METRICS_DICTIONARY_HPP
#define HILM_METRICS_DICTIONARY_HPP

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/correlation.hpp>
#include <hilm/metrics/detail/matrix_ops.hpp>
#include <hilm/metrics/hungarian.hpp>

namespace hilm {

/// How the sign of a cosine is treated.
enum class CosineSign {
  Signed,  ///< Use cos as is: an atom and its negation do not match (non-negative codes fix signs).
  Absolute  ///< Use |cos|: sign flips are ignored (codes of either sign).
};

/// Result of `dictionary_recovery()`.
struct DictionaryRecovery {
  /// Length k: the best cosine of each true atom with any estimated atom (several true atoms may
  /// pick the same estimate).
  Vector<double> per_atom;
  /// Length k: the estimated atom achieving `per_atom`.
  IndexVector best_match;
  /// Mean of `per_atom` (mean max cosine similarity).
  double mean = 0;
  /// Median of `per_atom` (average of the two middle values when k is even).
  double median = 0;
  /// Length k: cosine of each true atom with its one-to-one (Hungarian) match, 0 if unmatched.
  Vector<double> matched;
  /// Length k: the one-to-one matched estimated atom, or -1 when m < k leaves it unmatched.
  IndexVector assignment;
  /// Mean of `matched` over the k true atoms.
  double matched_mean = 0;
  /// k × m cosines (signed, whatever `CosineSign` was requested).
  Matrix<double> cosine;
};

/// Scores recovered atoms against planted atoms by cosine similarity.
///
/// Invariant to the order and positive scale of the atoms (and to their signs with
/// `CosineSign::Absolute`).
/// @param[in] true_atoms k × d planted atoms (rows), any storage order; need not be unit norm.
/// @param[in] estimated_atoms m × d learned atoms (rows) in the same space.
/// @param[in] sign whether a negated atom counts as a match.
/// @returns max-cosine and one-to-one matched scores per true atom with their summaries.
/// @throws invalid_argument if the column counts differ, k = 0, or an entry is not finite.
template <class DerivedA, class DerivedB>
[[nodiscard]] DictionaryRecovery dictionary_recovery(
    const Eigen::MatrixBase<DerivedA>& true_atoms,
    const Eigen::MatrixBase<DerivedB>& estimated_atoms, CosineSign sign = CosineSign::Signed) {
  if (true_atoms.cols() != estimated_atoms.cols()) {
    hilm::detail::raise<invalid_argument>(
        "dictionary_recovery: true_atoms have " + std::to_string(true_atoms.cols()) +
        " columns but estimated_atoms have " + std::to_string(estimated_atoms.cols()));
  }
  if (true_atoms.rows() < 1)
    hilm::detail::raise<invalid_argument>("dictionary_recovery: no true atoms");
  detail::check_finite_matrix(true_atoms, "dictionary_recovery", "true_atoms");
  detail::check_finite_matrix(estimated_atoms, "dictionary_recovery", "estimated_atoms");
  const Index k = true_atoms.rows(), m = estimated_atoms.rows();
  DictionaryRecovery result;
  result.cosine = detail::unit_rows(true_atoms) * detail::unit_rows(estimated_atoms).transpose();
  const Matrix<double> score =
      sign == CosineSign::Absolute ? Matrix<double>(result.cosine.cwiseAbs()) : result.cosine;
  result.per_atom = Vector<double>::Zero(k);
  result.best_match = IndexVector::Constant(k, -1);
  result.matched = Vector<double>::Zero(k);
  result.assignment = IndexVector::Constant(k, -1);
  if (m > 0) {
    for (Index i = 0; i < k; ++i) {
      Index best = 0;
      result.per_atom(i) = score.row(i).maxCoeff(&best);
      result.best_match(i) = best;
    }
    const Assignment match = linear_sum_assignment(score, true);
    result.assignment = match.col_of_row;
    for (Index i = 0; i < k; ++i) {
      if (result.assignment(i) >= 0) result.matched(i) = score(i, result.assignment(i));
    }
  }
  result.mean = result.per_atom.mean();
  result.median = detail::median_of(result.per_atom);
  result.matched_mean = result.matched.mean();
  return result;
}

/// Result of `dictionary_stability()`.
struct DictionaryStability {
  /// r × r: entry (a, b) is the mean one-to-one matched cosine between runs a and b, averaged
  /// over the min(m_a, m_b) matched pairs; the diagonal is 1.
  Matrix<double> pairwise;
  /// Mean of the off-diagonal entries of `pairwise` (1 when all runs learn the same atoms).
  double mean = 0;
  /// Smallest off-diagonal entry.
  double min = 0;
};

/// Multi-seed stability of learned dictionaries: for every pair of runs, atoms are matched
/// one-to-one by the Hungarian method on their cosines and the matched cosines are averaged.
///
/// Invariant to the order and positive scale of each run's atoms (and signs with
/// `CosineSign::Absolute`).
/// @param[in] runs r >= 2 dictionaries, each m_i × d (rows are atoms), same d.
/// @param[in] sign whether a negated atom counts as the same atom.
/// @returns the r × r matrix of pairwise scores, their mean and minimum.
/// @throws invalid_argument if fewer than 2 runs, d differs, a run is empty or not finite.
template <class Scalar>
[[nodiscard]] DictionaryStability dictionary_stability(const std::vector<RowMatrix<Scalar>>& runs,
                                                       CosineSign sign = CosineSign::Signed) {
  const auto r = static_cast<Index>(runs.size());
  if (r < 2) {
    hilm::detail::raise<invalid_argument>("dictionary_stability: need at least 2 runs, got " +
                                          std::to_string(r));
  }
  std::vector<Matrix<double>> unit;
  unit.reserve(runs.size());
  for (Index a = 0; a < r; ++a) {
    const auto& run = runs[static_cast<std::size_t>(a)];
    if (run.rows() < 1 || run.cols() != runs.front().cols()) {
      hilm::detail::raise<invalid_argument>("dictionary_stability: run " + std::to_string(a) +
                                            " is " + std::to_string(run.rows()) + " × " +
                                            std::to_string(run.cols()) + ", expected m × " +
                                            std::to_string(runs.front().cols()) + " with m >= 1");
    }
    detail::check_finite_matrix(run, "dictionary_stability", "runs[i]");
    unit.push_back(detail::unit_rows(run));
  }
  DictionaryStability result;
  result.pairwise = Matrix<double>::Identity(r, r);
  double total = 0;
  result.min = 1;
  for (Index a = 0; a < r; ++a) {
    for (Index b = a + 1; b < r; ++b) {
      Matrix<double> score =
          unit[static_cast<std::size_t>(a)] * unit[static_cast<std::size_t>(b)].transpose();
      if (sign == CosineSign::Absolute) score = score.cwiseAbs();
      const Assignment match = linear_sum_assignment(score, true);
      const double value = match.total / static_cast<double>(match.pairs());
      result.pairwise(a, b) = result.pairwise(b, a) = value;
      total += value;
      result.min = std::min(result.min, value);
    }
  }
  result.mean = total / static_cast<double>(r * (r - 1) / 2);
  return result;
}

}  // namespace hilm

#endif  // HILM_METRICS_DICTIONARY_HPP
