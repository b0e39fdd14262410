/// @file
/// Non-negative rank of a probability table P(A, B) under the stats rank-test interface.
///
/// For discrete variable sets A and B, the non-negative rank of P(A, B) is the smallest number of
/// states of a latent S with A ⫫ B | S (P = P(A|S) diag(P(S)) P(B|S)ᵀ; the latent class model,
/// Lazarsfeld & Henry 1968). In a discrete latent hierarchy it equals the smallest joint support
/// of a set d-separating A from B (Kong et al. 2024, "discrete concepts"), whereas the ordinary
/// rank (the one-hot CCA test of `DiscreteRankTest`) can be smaller: the T4 table with rows
/// (1,1,0,0), (1,0,1,0), (0,1,0,1), (0,0,1,1) has rank 3 but non-negative rank 4.
///
/// Each hypothesis "non-negative rank ≤ r" is the likelihood-ratio test of the r-class latent
/// class model, fitted by EM with random restarts (`latent_class` in nmf/latent_class.hpp),
/// against the saturated multinomial model:
///
///     G² = 2 Σ_ij N_ij log(N_ij / (n P̂_ij)),
///
/// asymptotically χ² with (I − r)(J − r) degrees of freedom over the observed joint states under
/// the null when the true table has rank exactly r with positive factors (the rank-r matrices
/// form a manifold of dimension IJ − 1 − (I − r)(J − r) there). The χ² approximation needs large
/// counts; at the boundary (zero cells in the factors) it is conservative. The estimated rank at
/// level α is the smallest r that is not rejected (sequential testing, as for the CCA rank test).
#ifndef HILM_STATS_NONNEGATIVE_RANK_HPP
#define HILM_STATS_NONNEGATIVE_RANK_HPP

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/nmf/latent_class.hpp>
#include <hilm/stats/cca_rank.hpp>
#include <hilm/stats/detail/latent_class_lr.hpp>
#include <hilm/stats/discrete.hpp>

namespace hilm {

/// Likelihood-ratio tests of "non-negative rank of the I × J count table ≤ r" for every
/// r = 1 … min(I, J) − 1, in the `RankTestResult` shape of the other rank tests:
/// `hypotheses[k]` tests non-negative rank ≤ k + 1 (its `rank` field is k and `rank_offset` is 1,
/// as for `DiscreteRankTest`), so `estimated_rank(α)` is the non-negative rank directly. Its
/// `statistic` is G², `dof` is (I − r)(J − r) and `p_value` is P(χ²_dof ≥ G²); the saturated rank
/// min(I, J) has no degrees of freedom and is not listed. `canonical_correlations` is empty. Empty
/// rows and columns are dropped first. The fitted model behind `hypotheses[k]` is
/// `latent_class(counts, options)` with `options.rank = k + 1` (the same deterministic fit).
/// @param[in] counts I × J non-negative counts (not probabilities: G² scales with the counts).
/// @param[in] options EM settings of every fit (`rank` is ignored: each rank is fitted in turn,
///            every fit from the same `seed`).
/// @throws hilm::invalid_argument on invalid options, an empty table, a negative or non-finite
///         entry, or fewer than 2 non-empty rows or columns.
///
/// @code
/// hilm::Matrix<double> counts = ...;            // I × J table of counts
/// hilm::RankTestResult t = hilm::nonnegative_rank_table_test(counts, {.restarts = 4, .seed = 1});
/// hilm::Index nn_rank = t.estimated_rank(0.05);
/// double g2_rank2 = t.hypotheses[1].statistic;  // G² of "non-negative rank ≤ 2"
/// @endcode
/// Cost: one EM fit per tested rank, O(restarts · iterations · I · J · r) each.
template <class Derived>
[[nodiscard]] RankTestResult nonnegative_rank_table_test(const Eigen::MatrixBase<Derived>& counts,
                                                         const LatentClassOptions& options = {}) {
  if (auto message = detail::validate_em_settings(options))
    hilm::detail::raise<invalid_argument>(*message);
  std::vector<Index> rows, cols;
  const Matrix<double> table =
      hilm::detail::compact_table(counts, rows, cols, "nonnegative_rank_table_test");
  const Index limit = std::min(table.rows(), table.cols());
  if (limit < 2)
    hilm::detail::raise<invalid_argument>(
        "nonnegative_rank_table_test: need at least 2 non-empty rows and columns, got " +
        std::to_string(table.rows()) + " x " + std::to_string(table.cols()));
  RankTestResult result;
  result.rank_offset = 1;
  result.canonical_correlations.resize(0);
  for (Index r = 1; r < limit; ++r)
    result.hypotheses.push_back(detail::latent_class_hypothesis(table, r, options));
  return result;
}

/// Non-negative rank test of P(A, B) over discrete data columns (the interface of
/// `DiscreteRankTest`): the count table of the observed joint states of A against those of B is
/// tested by `nonnegative_rank_table_test`.
///
/// @code
/// hilm::NonnegativeRankTest t(data);           // n × k integer-valued
/// std::array<hilm::Index, 1> a{0};
/// std::array<hilm::Index, 2> b{1, 2};
/// hilm::Index nn_rank = t.test(a, b).estimated_rank(0.05);
/// @endcode
/// Cost: one EM fit per tested rank, O(restarts · iterations · I · J · r) each.
class NonnegativeRankTest {
 public:
  /// @param[in] data n × k samples with integer values.
  /// @param[in] options EM settings of every fit (`rank` is ignored, as in
  ///            `nonnegative_rank_table_test`).
  /// @throws hilm::invalid_argument on non-integer or non-finite values, or invalid options.
  template <class Derived>
  explicit NonnegativeRankTest(const Eigen::MatrixBase<Derived>& data,
                               LatentClassOptions options = {})
      : data_(encode_discrete(data)), options_(options) {
    if (auto message = detail::validate_em_settings(options_))
      hilm::detail::raise<invalid_argument>(*message);
  }

  /// Tests the non-negative rank of the joint table of the column sets a and b.
  /// @throws hilm::invalid_argument on empty, out-of-range or overlapping sets, or if A or B
  ///         takes a single joint state.
  [[nodiscard]] RankTestResult test(std::span<const Index> a, std::span<const Index> b) const {
    return nonnegative_rank_table_test(count_table(a, b), options_);
  }

  /// Counts of the observed joint states of A (rows, in increasing lexicographic order of the
  /// codes) against those of B (columns). @throws as `test`.
  [[nodiscard]] Matrix<double> count_table(std::span<const Index> a,
                                           std::span<const Index> b) const {
    check_sets(a, b);
    std::vector<Index> sa, sb;
    const Index ka = joint_states(a, "a", sa);
    const Index kb = joint_states(b, "b", sb);
    Matrix<double> counts = Matrix<double>::Zero(ka, kb);
    for (std::size_t i = 0; i < sa.size(); ++i) counts(sa[i], sb[i]) += 1.0;
    return counts;
  }

  /// Number of columns.
  [[nodiscard]] Index num_variables() const noexcept { return data_.codes.cols(); }
  /// Number of samples.
  [[nodiscard]] Index sample_size() const noexcept { return data_.codes.rows(); }
  /// The EM settings.
  [[nodiscard]] const LatentClassOptions& options() const noexcept { return options_; }

 private:
  void check_sets(std::span<const Index> a, std::span<const Index> b) const {
    if (a.empty() || b.empty())
      hilm::detail::raise<invalid_argument>("NonnegativeRankTest: sets a and b must be non-empty");
    std::vector<Index> all(a.begin(), a.end());
    all.insert(all.end(), b.begin(), b.end());
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i] < 0 || all[i] >= num_variables())
        hilm::detail::raise<invalid_argument>("NonnegativeRankTest: index " +
                                              std::to_string(all[i]) + " is out of range [0, " +
                                              std::to_string(num_variables()) + ")");
      for (std::size_t j = 0; j < i; ++j)
        if (all[i] == all[j])
          hilm::detail::raise<invalid_argument>(
              "NonnegativeRankTest: index " + std::to_string(all[i]) + " appears twice in a and b");
    }
  }

  // Joint state of `set` for every row (numbered in sorted order); returns the number of states.
  Index joint_states(std::span<const Index> set, const char* name,
                     std::vector<Index>& state_of) const {
    const Index n = data_.codes.rows();
    std::map<std::vector<std::int32_t>, Index> states;
    std::vector<std::int32_t> key(set.size());
    state_of.assign(static_cast<std::size_t>(n), 0);
    for (Index i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < set.size(); ++j) key[j] = data_.codes(i, set[j]);
      state_of[static_cast<std::size_t>(i)] =
          states.emplace(key, static_cast<Index>(states.size())).first->second;
    }
    if (states.size() < 2)
      hilm::detail::raise<invalid_argument>(std::string("NonnegativeRankTest: set ") + name +
                                            " takes a single joint state");
    std::vector<Index> sorted_id(states.size());
    Index next = 0;
    for (const auto& entry : states) sorted_id[static_cast<std::size_t>(entry.second)] = next++;
    for (auto& s : state_of) s = sorted_id[static_cast<std::size_t>(s)];
    return static_cast<Index>(states.size());
  }

  DiscreteData data_;
  LatentClassOptions options_;
};

}  // namespace hilm

#endif  // HILM_STATS_NONNEGATIVE_RANK_HPP
