/// @file
/// Duplicate latents of a sparse autoencoder. An overcomplete SAE may learn the same concept
/// twice (two latents whose codes are almost perfectly correlated), and latents that never fire
/// carry no information; before reading a dictionary or searching a graph between its codes one
/// keeps one latent per concept. `merge_duplicate_latents` does that greedily, most active latent
/// first; `matched_concepts` then carries an MCC matching (`hilm/metrics/mcc.hpp`) over to the
/// latents kept.
///
/// ```cpp
/// hilm::RowMatrix<float> z = sae.encode(x);                 // n × m codes
/// hilm::LatentMerge merge = hilm::merge_duplicate_latents(z);
/// hilm::Matrix<double> kept = hilm::kept_codes(z, merge);    // n × merge.kept.size()
/// ```
#ifndef HILM_SAE_DUPLICATES_HPP
#define HILM_SAE_DUPLICATES_HPP

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/mcc.hpp>

namespace hilm {

/// Result of `merge_duplicate_latents`: which latents stand for which group of duplicates.
struct LatentMerge {
  /// The latent kept for each group (the group's most active latent), in the order the groups
  /// were formed: by decreasing activity, ties in latent order.
  std::vector<Index> kept;
  /// Per latent of the codes: the position in `kept` of its group, or -1 for a latent whose code
  /// never varies (dead, or constant).
  std::vector<Index> group;
  /// Latents merged into a more active one (`group` ≥ 0 but not in `kept`).
  Index duplicates = 0;
};

/// Groups the latents (columns) of `codes` whose codes are duplicates of each other.
///
/// Latents are visited by decreasing activity (number of non-zero codes; ties in latent order);
/// each joins the first group whose kept latent has Pearson |correlation| ≥
/// `min_abs_correlation` with it, or starts a new group. Columns that never vary are left out.
///
/// @param[in] codes n × m codes (rows are samples), any scalar type.
/// @param[in] min_abs_correlation |correlation| at which two latents count as one, in (0, 1].
/// @returns the kept latents and the group of every latent.
/// @throws invalid_argument if `min_abs_correlation` is outside (0, 1].
/// Complexity: O(n·m) plus O(n) per (latent, group) pair compared, at most O(n·m²).
template <class Derived>
[[nodiscard]] LatentMerge merge_duplicate_latents(const Eigen::MatrixBase<Derived>& codes,
                                                  double min_abs_correlation = 0.95) {
  using Scalar = typename Derived::Scalar;
  if (!(min_abs_correlation > 0 && min_abs_correlation <= 1)) {
    detail::raise<invalid_argument>(detail::invalid_field(
        "merge_duplicate_latents", "min_abs_correlation", "be in (0, 1]", min_abs_correlation));
  }
  LatentMerge merge;
  const Index cols = codes.cols();
  merge.group.assign(static_cast<std::size_t>(cols), -1);
  Matrix<double> centred = codes.template cast<double>();
  centred.rowwise() -= centred.colwise().mean();
  const Vector<double> norms = centred.colwise().norm();
  std::vector<Index> order;
  for (Index j = 0; j < cols; ++j) {
    if (norms(j) > 0) order.push_back(j);
  }
  std::vector<Index> activity(static_cast<std::size_t>(cols));
  for (Index j = 0; j < cols; ++j) {
    activity[static_cast<std::size_t>(j)] = (codes.col(j).array() != Scalar(0)).count();
  }
  std::stable_sort(order.begin(), order.end(), [&](Index x, Index y) {
    return activity[static_cast<std::size_t>(x)] > activity[static_cast<std::size_t>(y)];
  });
  for (const Index j : order) {
    Index twin = -1;
    for (std::size_t g = 0; g < merge.kept.size() && twin < 0; ++g) {
      const Index k = merge.kept[g];
      const double r = centred.col(j).dot(centred.col(k)) / (norms(j) * norms(k));
      if (std::abs(r) >= min_abs_correlation) twin = static_cast<Index>(g);
    }
    if (twin < 0) {
      merge.group[static_cast<std::size_t>(j)] = static_cast<Index>(merge.kept.size());
      merge.kept.push_back(j);
    } else {
      merge.group[static_cast<std::size_t>(j)] = twin;
      ++merge.duplicates;
    }
  }
  return merge;
}

/// The codes of the kept latents, in the order of `merge.kept`: n × `merge.kept.size()`.
/// @throws invalid_argument if `merge` was computed on codes with a different number of columns.
template <class Derived>
[[nodiscard]] Matrix<double> kept_codes(const Eigen::MatrixBase<Derived>& codes,
                                        const LatentMerge& merge) {
  if (static_cast<std::size_t>(codes.cols()) != merge.group.size()) {
    detail::raise<invalid_argument>("kept_codes: the codes have " + std::to_string(codes.cols()) +
                                    " columns but the merge was computed on " +
                                    std::to_string(merge.group.size()));
  }
  Matrix<double> out(codes.rows(), static_cast<Index>(merge.kept.size()));
  for (std::size_t j = 0; j < merge.kept.size(); ++j) {
    out.col(static_cast<Index>(j)) = codes.col(merge.kept[j]).template cast<double>();
  }
  return out;
}

/// The true concept each kept latent stands for: `mcc.assignment` (true component → latent)
/// carried over to the groups of `merge`. Entry g is the first true component (in component
/// order) matched to a latent of group g, or -1 when none is.
/// @param[in] mcc the matching of true components to the latents the merge was computed on.
/// @param[in] merge the groups of those latents.
/// @returns one entry per kept latent.
/// @throws invalid_argument if a matched latent is outside the merge's latents.
[[nodiscard]] inline std::vector<Index> matched_concepts(const MccResult& mcc,
                                                         const LatentMerge& merge) {
  std::vector<Index> out(merge.kept.size(), -1);
  for (Index i = 0; i < mcc.assignment.size(); ++i) {
    const Index j = mcc.assignment(i);
    if (j < 0) continue;
    if (static_cast<std::size_t>(j) >= merge.group.size()) {
      detail::raise<invalid_argument>("matched_concepts: component " + std::to_string(i) +
                                      " is matched to latent " + std::to_string(j) +
                                      " but the merge has " + std::to_string(merge.group.size()) +
                                      " latents");
    }
    const Index g = merge.group[static_cast<std::size_t>(j)];
    if (g >= 0 && out[static_cast<std::size_t>(g)] < 0) out[static_cast<std::size_t>(g)] = i;
  }
  return out;
}

}  // namespace hilm

#endif  // HILM_SAE_DUPLICATES_HPP
