/// @file
/// Rank tests of cross-covariance and probability tables.
///
/// **CCA (Bartlett) test of rank(Σ_AB) ≤ r.** With ρ₁ ≥ … ≥ ρ_m the sample canonical correlations
/// between the column sets A (|A| = p) and B (|B| = q), m = min(p, q),
///
///     T_r = −(n − 1 − (p + q + 1)/2) · Σ_{i>r} log(1 − ρ_i²)  ~  χ²_{(p−r)(q−r)}  under H₀,
///
/// (M. S. Bartlett, "The statistical significance of canonical correlations", Biometrika 32,
/// 1941; Anderson, *An Introduction to Multivariate Statistical Analysis*, 3rd ed., §12.4; used as
/// the rank test of Huang et al., "Latent hierarchical causal structure discovery with rank
/// constraints", NeurIPS 2022, and Dong et al., RLCD, ICLR 2024). The estimated rank at level α is
/// the smallest r whose test is not rejected (sequential testing r = 0, 1, …).
///
/// **Probability-table rank.** For discrete A and B, rank P(A, B) = rank Σ(one-hot A, one-hot B)
/// + 1 when each one-hot code drops one category (Dong et al. 2024, "discrete concepts"), so the
/// CCA test on the codes of the joint states of A and of B estimates the rank of the table.
///
/// The correlation matrix of the data is computed once and shared by all queries.
#ifndef HILM_STATS_CCA_RANK_HPP
#define HILM_STATS_CCA_RANK_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/SVD>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/distributions.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/stats/discrete.hpp>
#include <hilm/stats/fisher_z.hpp>

namespace hilm {

/// The test of one hypothesis rank ≤ r.
struct RankHypothesis {
  Index rank = 0;          ///< r
  double statistic = 0.0;  ///< Bartlett's T_r
  double dof = 0.0;        ///< (p − r)(q − r)
  double p_value = 1.0;    ///< P(χ²_dof > T_r)
};

/// Result of a rank test.
struct RankTestResult {
  /// One entry per r = 0 … min(p, q) − 1 (rank min(p, q) is never rejected and is not listed).
  std::vector<RankHypothesis> hypotheses;
  /// Canonical correlations ρ₁ ≥ … ≥ ρ_m.
  Vector<double> canonical_correlations;
  /// Offset added to the covariance rank (1 for probability tables, 0 otherwise).
  Index rank_offset = 0;
  /// Smallest r with p-value > α (the covariance rank), plus `rank_offset`.
  /// @throws hilm::invalid_argument unless 0 < α < 1.
  [[nodiscard]] Index estimated_rank(double alpha) const {
    if (!(alpha > 0 && alpha < 1)) [[unlikely]] {
      detail::raise<invalid_argument>(
          detail::invalid_field("RankTestResult::estimated_rank", "alpha", "lie in (0, 1)", alpha));
    }
    for (const auto& h : hypotheses)
      if (h.p_value > alpha) return h.rank + rank_offset;
    return static_cast<Index>(hypotheses.size()) + rank_offset;
  }
};

/// Canonical correlations and Bartlett tests from a correlation (or covariance) matrix.
/// @param[in] corr k × k correlation matrix of the data.
/// @param[in] n number of samples.
/// @param[in] a,b disjoint non-empty column sets.
/// @throws hilm::invalid_argument on bad indices or overlapping sets;
///         hilm::numerical_error if Σ_AA or Σ_BB is singular (collinear columns).
[[nodiscard]] inline RankTestResult cca_rank_test_from_correlation(
    const Eigen::Ref<const Matrix<double>>& corr, Index n, std::span<const Index> a,
    std::span<const Index> b) {
  const Index k = corr.cols();
  if (a.empty() || b.empty())
    hilm::detail::raise<invalid_argument>("cca_rank_test: sets a and b must be non-empty");
  std::vector<Index> all(a.begin(), a.end());
  all.insert(all.end(), b.begin(), b.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i] < 0 || all[i] >= k)
      hilm::detail::raise<invalid_argument>("cca_rank_test: index " + std::to_string(all[i]) +
                                            " is out of range [0, " + std::to_string(k) + ")");
    for (std::size_t j = 0; j < i; ++j)
      if (all[i] == all[j])
        hilm::detail::raise<invalid_argument>("cca_rank_test: index " + std::to_string(all[i]) +
                                              " appears twice in a and b");
  }
  const auto p = static_cast<Index>(a.size());
  const auto q = static_cast<Index>(b.size());
  Matrix<double> saa(p, p), sbb(q, q), sab(p, q);
  for (Index i = 0; i < p; ++i) {
    for (Index j = 0; j < p; ++j) saa(i, j) = corr(a[i], a[j]);
    for (Index j = 0; j < q; ++j) sab(i, j) = corr(a[i], b[j]);
  }
  for (Index i = 0; i < q; ++i)
    for (Index j = 0; j < q; ++j) sbb(i, j) = corr(b[i], b[j]);
  Eigen::LLT<Matrix<double>> la(saa), lb(sbb);
  auto singular = [](const Eigen::LLT<Matrix<double>>& l) {
    if (l.info() != Eigen::Success) return true;
    const auto d = l.matrixLLT().diagonal();
    return !(d.minCoeff() > 1e-7 * d.maxCoeff());
  };
  if (singular(la) || singular(lb))
    hilm::detail::raise<numerical_error>(
        "cca_rank_test: the columns of a (or of b) are collinear; drop redundant columns");
  // M = L_A⁻¹ Σ_AB L_B⁻ᵀ has the canonical correlations as singular values.
  Matrix<double> m = la.matrixL().solve(sab);
  m = lb.matrixL().solve(m.transpose()).transpose();
  Eigen::JacobiSVD<Matrix<double>> svd(m);
  RankTestResult result;
  result.canonical_correlations = svd.singularValues().cwiseMin(1.0);
  const Index rmax = std::min(p, q);
  const double factor = static_cast<double>(n) - 1.0 - 0.5 * static_cast<double>(p + q + 1);
  for (Index r = 0; r < rmax; ++r) {
    double sum = 0.0;
    for (Index i = r; i < rmax; ++i) {
      const double rho = result.canonical_correlations(i);
      sum += rho >= 1.0 ? -std::numeric_limits<double>::infinity() : std::log1p(-rho * rho);
    }
    RankHypothesis h;
    h.rank = r;
    h.statistic = -factor * sum;
    h.dof = static_cast<double>((p - r) * (q - r));
    h.p_value = std::isinf(h.statistic) ? 0.0 : chi2_sf(std::max(h.statistic, 0.0), h.dof);
    result.hypotheses.push_back(h);
  }
  return result;
}

/// CCA rank test over one continuous data set (correlation matrix computed once).
///
/// @code
/// hilm::CcaRankTest t(data);                   // n × k
/// std::array<hilm::Index, 2> a{0, 1}, b{2, 3, 4};
/// auto res = t.test(a, b);
/// hilm::Index rank = res.estimated_rank(0.05);
/// @endcode
class CcaRankTest {
 public:
  /// @param[in] data n × k samples. @throws hilm::invalid_argument as `correlation_matrix`.
  template <class Derived>
  explicit CcaRankTest(const Eigen::MatrixBase<Derived>& data)
      : correlation_(correlation_matrix(data)), sample_size_(data.rows()) {}

  /// Tests rank(Σ_AB) ≤ r for every r < min(|A|, |B|).
  [[nodiscard]] RankTestResult test(std::span<const Index> a, std::span<const Index> b) const {
    return cca_rank_test_from_correlation(correlation_, sample_size_, a, b);
  }

  /// Number of columns.
  [[nodiscard]] Index num_variables() const noexcept { return correlation_.cols(); }
  /// Number of samples.
  [[nodiscard]] Index sample_size() const noexcept { return sample_size_; }
  /// The shared correlation matrix.
  [[nodiscard]] const Matrix<double>& correlation() const noexcept { return correlation_; }

 private:
  Matrix<double> correlation_;
  Index sample_size_ = 0;
};

/// Population cross-covariance of the one-hot codes (last category dropped) of two discrete
/// variables with joint probability table `joint` (kA × kB, entries ≥ 0 summing to 1):
/// Σ = P[:−1, :−1] − p_A[:−1] p_B[:−1]ᵀ. Its rank is rank(joint) − 1 (exact identity, check T2).
template <class Derived>
[[nodiscard]] Matrix<double> onehot_cross_covariance(const Eigen::MatrixBase<Derived>& joint) {
  const Matrix<double> p = joint.template cast<double>();
  if (p.rows() < 2 || p.cols() < 2)
    hilm::detail::raise<invalid_argument>("onehot_cross_covariance: table must be at least 2 x 2");
  const Vector<double> pa = p.rowwise().sum();
  const Vector<double> pb = p.colwise().sum().transpose();
  const Index ka = p.rows() - 1;
  const Index kb = p.cols() - 1;
  return p.topLeftCorner(ka, kb) - pa.head(ka) * pb.head(kb).transpose();
}

/// Probability-table rank test for discrete data: rank P(A, B) through the CCA test on the
/// one-hot codes of the joint states of A and of B (observed states only; one dropped each).
///
/// The result's `rank_offset` is 1, so `estimated_rank(α)` estimates rank P(A, B) directly;
/// `hypotheses[r]` tests rank Σ_onehot ≤ r, i.e. rank P(A, B) ≤ r + 1.
class DiscreteRankTest {
 public:
  /// @param[in] data n × k samples with integer values. @throws hilm::invalid_argument otherwise.
  template <class Derived>
  explicit DiscreteRankTest(const Eigen::MatrixBase<Derived>& data)
      : data_(encode_discrete(data)) {}

  /// Tests the rank of the joint table of the column sets a and b.
  /// @throws hilm::invalid_argument on bad or overlapping indices, or if A or B takes a single
  ///         joint state; hilm::numerical_error if the codes are degenerate.
  [[nodiscard]] RankTestResult test(std::span<const Index> a, std::span<const Index> b) const {
    const Index n = data_.codes.rows();
    const Matrix<double> ca = joint_onehot(a, "a");
    const Matrix<double> cb = joint_onehot(b, "b");
    Matrix<double> codes(n, ca.cols() + cb.cols());
    codes << ca, cb;
    std::vector<Index> ia(static_cast<std::size_t>(ca.cols()));
    std::vector<Index> ib(static_cast<std::size_t>(cb.cols()));
    for (std::size_t i = 0; i < ia.size(); ++i) ia[i] = static_cast<Index>(i);
    for (std::size_t i = 0; i < ib.size(); ++i) ib[i] = ca.cols() + static_cast<Index>(i);
    RankTestResult result = cca_rank_test_from_correlation(correlation_matrix(codes), n, ia, ib);
    result.rank_offset = 1;
    return result;
  }

  /// Number of columns.
  [[nodiscard]] Index num_variables() const noexcept { return data_.codes.cols(); }

 private:
  Matrix<double> joint_onehot(std::span<const Index> set, const char* name) const {
    const Index n = data_.codes.rows();
    if (set.empty())
      hilm::detail::raise<invalid_argument>(std::string("DiscreteRankTest: set ") + name +
                                            " is empty");
    for (Index k : set)
      if (k < 0 || k >= num_variables())
        hilm::detail::raise<invalid_argument>("DiscreteRankTest: index " + std::to_string(k) +
                                              " is out of range");
    std::map<std::vector<std::int32_t>, Index> states;
    std::vector<Index> state_of(static_cast<std::size_t>(n));
    std::vector<std::int32_t> key(set.size());
    for (Index i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < set.size(); ++j) key[j] = data_.codes(i, set[j]);
      auto it = states.emplace(key, static_cast<Index>(states.size())).first;
      state_of[static_cast<std::size_t>(i)] = it->second;
    }
    // Number the states in sorted order so that the dropped category is deterministic.
    std::vector<Index> rank_of(states.size());
    Index next = 0;
    for (const auto& [k, id] : states) rank_of[static_cast<std::size_t>(id)] = next++;
    const auto m = static_cast<Index>(states.size());
    if (m < 2)
      hilm::detail::raise<invalid_argument>(std::string("DiscreteRankTest: set ") + name +
                                            " takes a single joint state");
    Matrix<double> out = Matrix<double>::Zero(n, m - 1);
    for (Index i = 0; i < n; ++i) {
      const Index s = rank_of[static_cast<std::size_t>(state_of[static_cast<std::size_t>(i)])];
      if (s < m - 1) out(i, s) = 1.0;
    }
    return out;
  }

  DiscreteData data_;
};

}  // namespace hilm

#endif  // HILM_STATS_CCA_RANK_HPP
