/// @file
/// NMF rank selection by cross-validation on held-out entries.
///
/// Each fold hides a random fraction of the entries (Wold 1978, "Cross-validatory estimation of
/// the number of components in factor and principal components models", Technometrics 20;
/// applied to NMF by Kanagal & Sindhwani 2010 and in RcppML's `crossValidate`), fits a masked NMF
/// of every candidate rank on the rest, and scores the relative error on the hidden entries. Too
/// small a rank under-fits the hidden entries, too large a rank fits the noise of the visible ones
/// and predicts the hidden ones worse: the test error is smallest near the true rank.
#ifndef HILM_NMF_RANK_SELECTION_HPP
#define HILM_NMF_RANK_SELECTION_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/nmf.hpp>

namespace hilm {

/// Options of `select_nmf_rank`.
struct NmfRankSelectionOptions {
  /// Candidate ranks (each 1 ≤ r ≤ min(m, n)); empty means 1, …, min(10, min(m, n)).
  std::vector<Index> ranks;
  /// Fraction of entries hidden in each fold, in (0, 0.5].
  double holdout = 0.1;
  /// Number of folds (independent random hold-out sets), ≥ 1.
  int folds = 3;
  /// Settings of every fit (`rank` is overwritten; the mask-capable solvers are HALS, alternating
  /// NNLS and multiplicative updates).
  NmfOptions nmf{.max_iterations = 300, .tolerance = 1e-6};
  /// Seed of the hold-out sets (the fits use `nmf.seed`).
  std::uint64_t seed = 0;

  /// Returns `NmfRankSelectionOptions::<field> must <requirement>, got <value>` for the first
  /// invalid field, or nothing when all are valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    constexpr std::string_view type = "NmfRankSelectionOptions";
    if (!(holdout > 0 && holdout <= 0.5))
      return invalid_field(type, "holdout", "lie in (0, 0.5]", holdout);
    if (folds < 1) return invalid_field(type, "folds", "be >= 1", folds);
    for (const Index r : ranks) {
      if (r < 1) return invalid_field(type, "ranks", "hold only ranks >= 1", r);
    }
    return std::nullopt;
  }
};

/// Result of `select_nmf_rank`.
struct NmfRankSelectionResult {
  /// The candidate with the smallest mean test error (the smaller rank on ties).
  Index rank = 0;
  /// The candidates, in the order tested.
  std::vector<Index> ranks;
  /// Per candidate: mean over folds of ‖(A − Â)_hidden‖ / ‖A_hidden‖.
  Vector<double> test_error;
  /// Per candidate: mean over folds of the relative error on the visible entries.
  Vector<double> train_error;
  /// candidates × folds test errors.
  Matrix<double> fold_test_error;
};

/// Chooses the NMF rank by cross-validation on held-out entries.
/// @param[in] a m × n non-negative data.
/// @param[in] options candidates, hold-out fraction, folds, fit settings, seed.
/// @returns the chosen rank with the test and training errors of every candidate.
/// @throws invalid_argument if `options` are invalid, a candidate exceeds min(m, n), or the data
///         are negative or not finite.
template <class Derived>
[[nodiscard]] NmfRankSelectionResult select_nmf_rank(const Eigen::MatrixBase<Derived>& a,
                                                     const NmfRankSelectionOptions& options) {
  using Scalar = typename Derived::Scalar;
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
  const Index m = a.rows(), n = a.cols();
  const Index limit = std::min(m, n);
  NmfRankSelectionResult result;
  result.ranks = options.ranks;
  if (result.ranks.empty()) {
    for (Index r = 1; r <= std::min<Index>(10, limit); ++r) result.ranks.push_back(r);
  }
  for (const Index r : result.ranks) {
    if (r > limit) {
      detail::raise<invalid_argument>("select_nmf_rank: candidate rank " + std::to_string(r) +
                                      " exceeds min(rows, columns) = " + std::to_string(limit));
    }
  }
  detail::require_nonnegative(a, "select_nmf_rank", [](Index, Index) { return true; });
  const Matrix<Scalar> data = a;
  const auto candidates = static_cast<Index>(result.ranks.size());
  result.fold_test_error.resize(candidates, options.folds);
  Matrix<double> train(candidates, options.folds);
  Random random(options.seed);
  Matrix<Scalar> mask(m, n);
  for (int fold = 0; fold < options.folds; ++fold) {
    Random stream = random.stream(static_cast<std::uint64_t>(fold));
    double hidden_norm = 0;
    for (Index j = 0; j < n; ++j) {
      for (Index i = 0; i < m; ++i) {
        const bool hide = stream.bernoulli(options.holdout);
        mask(i, j) = hide ? Scalar(0) : Scalar(1);
        if (hide) hidden_norm += static_cast<double>(data(i, j)) * static_cast<double>(data(i, j));
      }
    }
    for (Index c = 0; c < candidates; ++c) {
      NmfOptions fit_options = options.nmf;
      fit_options.rank = result.ranks[static_cast<std::size_t>(c)];
      fit_options.progress = nullptr;
      const NmfResult<Scalar> fit = nmf(data, mask, fit_options);
      const Matrix<Scalar> model = fit.w * fit.d.asDiagonal() * fit.h;
      double hidden_error = 0;
      for (Index j = 0; j < n; ++j) {
        for (Index i = 0; i < m; ++i) {
          if (mask(i, j) != 0) continue;
          const double r = static_cast<double>(data(i, j) - model(i, j));
          hidden_error += r * r;
        }
      }
      result.fold_test_error(c, fold) =
          hidden_norm > 0 ? std::sqrt(hidden_error / hidden_norm) : 0.0;
      train(c, fold) = fit.relative_error;
    }
  }
  result.test_error = result.fold_test_error.rowwise().mean();
  result.train_error = train.rowwise().mean();
  Index best = 0;
  for (Index c = 1; c < candidates; ++c) {
    const bool better =
        result.test_error(c) < result.test_error(best) ||
        (result.test_error(c) == result.test_error(best) &&
         result.ranks[static_cast<std::size_t>(c)] < result.ranks[static_cast<std::size_t>(best)]);
    if (better) best = c;
  }
  result.rank = result.ranks[static_cast<std::size_t>(best)];
  return result;
}

}  // namespace hilm

#endif  // HILM_NMF_RANK_SELECTION_HPP
