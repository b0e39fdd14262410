/// @file
/// Pearson χ² and G² (likelihood-ratio, "mutual information") tests of X ⫫ Y | S for discrete
/// data, with the degrees-of-freedom conventions of causal-learn, pcalg and bnlearn.
///
/// For every observed configuration s of S (a stratum) the counts O_s(i, j) of (X = i, Y = j) are
/// compared with E_s(i, j) = O_s(i, ·) O_s(·, j) / O_s(·, ·):
///
///     χ² = Σ_s Σ_ij (O − E)² / E  (cells with E > 0),    G² = 2 Σ_s Σ_ij O log(O / E)  (O > 0),
///
/// referred to a χ² law (Agresti, *Categorical Data Analysis*, 3rd ed., §3.2 and §6.2; causal-learn
/// `Chisq_or_Gsq`; pcalg `gSquareDis`; bnlearn `ci.test(test = "x2" / "mi")`, whose "mi" statistic
/// is 2·N·MI = G²). The degrees of freedom follow `DofConvention`:
/// - `Adjusted` (default; causal-learn, bnlearn "adf"): Σ over non-empty strata of
///   (r_s − 1)(c_s − 1), r_s and c_s counting the non-empty rows and columns of the stratum;
///   p = 1 when this is 0;
/// - `Classic` (bnlearn default): (|X| − 1)(|Y| − 1) ∏ |S_k| with the number of levels of each
///   variable in the whole data set;
/// - `PcalgAdaptDf` (pcalg `adaptDF = TRUE`): for |S| > 0, the classic value minus the number of
///   zero cells of the full |X|×|Y|×∏|S_k| table minus 4(2^|S| − ∏|S_k|), floored at 1 (pcalg's
///   rule, meant for binary S, reproduced as is).
/// Unlike pcalg's `gSquareDis`, conditioning sets of any size are handled exactly (pcalg builds
/// wrong strata for |S| ≥ 5).
///
/// Values are integer codes: each column's distinct values are mapped to 0…L−1 in increasing
/// order, once, when the test is built (the shared sufficient statistic).
#ifndef HILM_STATS_DISCRETE_HPP
#define HILM_STATS_DISCRETE_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/distributions.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/stats/detail/contingency.hpp>
#include <hilm/stats/detail/indices.hpp>
#include <hilm/stats/detail/strata.hpp>
#include <hilm/stats/discrete_types.hpp>

namespace hilm {

/// Codes the columns of `data` as 0…L−1 (values sorted increasingly, as `numpy.unique`).
/// @param[in] data n × p samples whose entries are integers (stored in any scalar type).
/// @throws hilm::invalid_argument if n = 0, or an entry is not finite or not an integer (the
///         message names its row and column).
template <class Derived>
[[nodiscard]] DiscreteData encode_discrete(const Eigen::MatrixBase<Derived>& data) {
  const Index n = data.rows();
  const Index p = data.cols();
  if (n < 1) hilm::detail::raise<invalid_argument>("encode_discrete: data have no rows");
  DiscreteData out;
  out.codes.resize(n, p);
  out.levels.resize(static_cast<std::size_t>(p));
  out.values.resize(static_cast<std::size_t>(p));
  std::vector<double> column(static_cast<std::size_t>(n));
  for (Index j = 0; j < p; ++j) {
    for (Index i = 0; i < n; ++i) {
      const auto v = static_cast<double>(data(i, j));
      if (!std::isfinite(v) || v != std::floor(v))
        hilm::detail::raise<invalid_argument>("discrete test: value at row " + std::to_string(i) +
                                              ", column " + std::to_string(j) +
                                              " is not an integer (" + std::to_string(v) + ")");
      column[static_cast<std::size_t>(i)] = v;
    }
    std::vector<double> distinct = column;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    for (Index i = 0; i < n; ++i) {
      const auto it =
          std::lower_bound(distinct.begin(), distinct.end(), column[static_cast<std::size_t>(i)]);
      out.codes(i, j) = static_cast<std::int32_t>(it - distinct.begin());
    }
    out.levels[static_cast<std::size_t>(j)] = static_cast<std::int32_t>(distinct.size());
    out.values[static_cast<std::size_t>(j)] = std::move(distinct);
  }
  return out;
}

/// Pearson χ² / G² conditional-independence test on discrete data (models `hilm::CiTest`).
///
/// `test` costs O(n·(|S| + 1)) plus O(#strata·|X|·|Y|); it is const and thread-safe.
class DiscreteCiTest {
 public:
  /// Builds the test from samples with integer values.
  /// @param[in] data n × p (any scalar type; entries must be integers).
  /// @param[in] options statistic and degrees-of-freedom convention.
  /// @throws hilm::invalid_argument if an entry is not an integer.
  template <class Derived>
  explicit DiscreteCiTest(const Eigen::MatrixBase<Derived>& data, DiscreteTestOptions options = {})
      : data_(encode_discrete(data)), options_(options) {}

  /// Builds the test from already coded data (codes 0…levels−1 per column).
  DiscreteCiTest(DiscreteData data, DiscreteTestOptions options)
      : data_(std::move(data)), options_(options) {
    if (static_cast<Index>(data_.levels.size()) != data_.codes.cols())
      hilm::detail::raise<invalid_argument>("DiscreteCiTest: levels must have one entry a column");
  }

  /// Tests X_x ⫫ X_y | X_z.
  /// @returns the χ² or G² statistic, its degrees of freedom and p-value (p = 1 when dof = 0).
  /// @throws hilm::invalid_argument on bad indices.
  [[nodiscard]] CiResult test(Index x, Index y, std::span<const Index> z) const {
    hilm::detail::check_ci_indices("DiscreteCiTest", num_variables(), x, y, z);
    const Index n = data_.codes.rows();
    const std::int64_t cx = data_.levels[static_cast<std::size_t>(x)];
    const std::int64_t cy = data_.levels[static_cast<std::size_t>(y)];
    std::int64_t num_strata = 1;
    std::vector<std::int64_t> ids = detail::stratum_ids(data_.codes, data_.levels, z, num_strata);
    // Compress again if the dense table would be much larger than the data.
    if (num_strata * cx * cy > 8 * static_cast<std::int64_t>(n) + 4096) {
      std::vector<std::int64_t> sorted = ids;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      for (auto& id : ids) id = std::lower_bound(sorted.begin(), sorted.end(), id) - sorted.begin();
      num_strata = static_cast<std::int64_t>(sorted.size());
    }
    const std::int64_t cells = cx * cy;
    std::vector<double> counts(static_cast<std::size_t>(num_strata * cells), 0.0);
    for (Index i = 0; i < n; ++i) {
      const std::int64_t cell = ids[static_cast<std::size_t>(i)] * cells +
                                std::int64_t{data_.codes(i, x)} * cy + data_.codes(i, y);
      counts[static_cast<std::size_t>(cell)] += 1.0;
    }
    return detail::contingency_result(counts, num_strata, cx, cy, data_.levels, z, options_);
  }

  /// Number of variables p.
  [[nodiscard]] Index num_variables() const noexcept { return data_.codes.cols(); }
  /// Number of samples n.
  [[nodiscard]] Index sample_size() const noexcept { return data_.codes.rows(); }
  /// The coded data (shared sufficient statistic).
  [[nodiscard]] const DiscreteData& data() const noexcept { return data_; }
  /// The options.
  [[nodiscard]] const DiscreteTestOptions& options() const noexcept { return options_; }

 private:
  DiscreteData data_;
  DiscreteTestOptions options_;
};

/// Pearson χ² test with causal-learn's degrees of freedom ("chisq").
template <class Derived>
[[nodiscard]] DiscreteCiTest chi_square_test(const Eigen::MatrixBase<Derived>& data,
                                             DofConvention dof = DofConvention::Adjusted) {
  return DiscreteCiTest(data, {.statistic = DiscreteStatistic::PearsonChi2, .dof = dof});
}

/// G² test with causal-learn's degrees of freedom ("gsq").
template <class Derived>
[[nodiscard]] DiscreteCiTest g_square_test(const Eigen::MatrixBase<Derived>& data,
                                           DofConvention dof = DofConvention::Adjusted) {
  return DiscreteCiTest(data, {.statistic = DiscreteStatistic::GSquare, .dof = dof});
}

}  // namespace hilm

#endif  // HILM_STATS_DISCRETE_HPP
