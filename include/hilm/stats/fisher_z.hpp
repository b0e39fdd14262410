/// @file
/// Fisher's z test of a partial correlation: X ⫫ Y | S for (approximately) Gaussian data.
///
/// The correlation matrix of the data is the sufficient statistic: it is computed once when the
/// test object is built and shared by every query. For a query (x, y, S) the partial correlation
/// r = ρ(x, y | S) is the normalised Schur complement of the correlation sub-matrix on S (equal
/// to −P₀₁/√(P₀₀P₁₁) with P the inverse of the sub-matrix on {x, y} ∪ S, which is how causal-learn
/// and pcalg compute it), and
///
///     z = √(n − |S| − 3) · |atanh r|,   p = 2·(1 − Φ(z))
///
/// (R. A. Fisher, "The distribution of the partial correlation coefficient", Metron 3, 1924;
/// causal-learn `FisherZ`, pcalg `gaussCItest`). The p-value is computed as erfc(z/√2), without
/// the cancellation of `1 − Φ(z)`, so small p-values keep their digits where the peers round to
/// multiples of 2⁻⁵² (or to 0).
///
/// Degenerate cases (never an exception, documented in docs/stats.md):
/// - |r| ≥ 1 after rounding (X and Y perfectly linearly dependent given S): statistic = +∞, p = 0;
/// - singular correlation sub-matrix on S (collinear conditioning variables): the Moore–Penrose
///   pseudo-inverse is used, i.e. S is replaced by a basis of its span — the partial correlation
///   is unchanged by this and causal-learn would raise instead;
/// - X (or Y) an exact linear function of S (zero residual variance): X is then constant given S
///   and hence conditionally independent of Y; r = 0, statistic = 0, p = 1.
#ifndef HILM_STATS_FISHER_Z_HPP
#define HILM_STATS_FISHER_Z_HPP

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <utility>

#include <Eigen/Core>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/distributions.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/stats/detail/indices.hpp>
#include <hilm/stats/detail/partial_correlation.hpp>

namespace hilm {

namespace detail {

/// The correlation matrix from a p × p scatter (or covariance) matrix Σ (x − x̄)(x − x̄)ᵀ: unit
/// diagonal, entries clipped to [−1, 1]. Shared by `correlation_matrix` and the sharded version
/// (hilm/dist/sharded_stats.hpp), which reduces the scatter over ranks first.
/// @throws hilm::invalid_argument naming the first constant column (zero diagonal).
inline Matrix<double> correlation_from_scatter(Matrix<double> c) {
  const Index p = c.cols();
  Vector<double> scale(p);
  for (Index j = 0; j < p; ++j) {
    if (!(c(j, j) > 0.0))
      hilm::detail::raise<invalid_argument>("correlation_matrix: column " + std::to_string(j) +
                                            " is constant");
    scale(j) = 1.0 / std::sqrt(c(j, j));
  }
  c = scale.asDiagonal() * c * scale.asDiagonal();
  for (Index j = 0; j < p; ++j) {
    c(j, j) = 1.0;
    for (Index i = 0; i < p; ++i) c(i, j) = std::clamp(c(i, j), -1.0, 1.0);
  }
  return c;
}

}  // namespace detail

/// Pearson correlation matrix of the columns of `data` (numpy's `corrcoef(data.T)`), in double
/// precision whatever the input scalar.
/// @param[in] data n × p samples in rows, n ≥ 2.
/// @returns p × p symmetric matrix with unit diagonal, entries clipped to [−1, 1].
/// @throws hilm::invalid_argument if n < 2, a value is not finite, or a column is constant
///         (its correlations are undefined); the message names the column.
template <class Derived>
[[nodiscard]] Matrix<double> correlation_matrix(const Eigen::MatrixBase<Derived>& data) {
  const Index n = data.rows();
  const Index p = data.cols();
  if (n < 2)
    hilm::detail::raise<invalid_argument>("correlation_matrix: need at least 2 rows, got " +
                                          std::to_string(n));
  Matrix<double> centered = data.template cast<double>();
  if (!centered.allFinite())
    hilm::detail::raise<invalid_argument>("correlation_matrix: data contain NaN or Inf");
  centered.rowwise() -= centered.colwise().mean();
  Matrix<double> c = Matrix<double>::Zero(p, p);
  c.template selfadjointView<Eigen::Lower>().rankUpdate(centered.transpose());
  return detail::correlation_from_scatter(c.template selfadjointView<Eigen::Lower>());
}

/// Partial correlation ρ(x, y | z) from a correlation (or covariance) matrix.
/// @param[in] corr p × p correlation matrix (unit diagonal).
/// @param[in] x,y  distinct column indices.
/// @param[in] z    conditioning set (disjoint from {x, y}, no repeats, any order).
/// @returns r in [−1, 1]; 0 when x or y is an exact linear function of z (see the file comment).
/// @throws hilm::invalid_argument on bad indices.
[[nodiscard]] inline double partial_correlation(const Eigen::Ref<const Matrix<double>>& corr,
                                                Index x, Index y, std::span<const Index> z) {
  hilm::detail::check_ci_indices("partial_correlation", corr.cols(), x, y, z);
  if (z.empty()) return std::clamp(corr(x, y), -1.0, 1.0);
  double r = 0.0;
  if (z.size() <= 16)
    r = detail::partial_correlation_impl<
        Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, 0, 16, 16>>(corr, x, y, z);
  else
    r = detail::partial_correlation_impl<Matrix<double>>(corr, x, y, z);
  return std::clamp(r, -1.0, 1.0);
}

/// Fisher-z result from a partial correlation r on n samples with |S| = k conditioning variables.
/// @throws hilm::invalid_argument if n − k − 3 ≤ 0 (too few samples for the test).
[[nodiscard]] inline CiResult fisher_z_from_partial_correlation(double r, Index n, Index k) {
  const Index effective = n - k - 3;
  if (effective <= 0)
    hilm::detail::raise<invalid_argument>("fisher_z: need n - |S| - 3 > 0 samples, got n = " +
                                          std::to_string(n) + ", |S| = " + std::to_string(k));
  CiResult result;
  result.dof = static_cast<double>(effective);
  if (std::abs(r) >= 1.0) {
    result.statistic = std::numeric_limits<double>::infinity();
    result.p_value = 0.0;
    return result;
  }
  result.statistic = std::sqrt(static_cast<double>(effective)) * std::abs(std::atanh(r));
  result.p_value = normal_two_sided_p(result.statistic);
  return result;
}

/// Fisher's z conditional-independence test over one data set (models `hilm::CiTest`).
///
/// Construction computes the correlation matrix once (O(n p²)); each `test` then costs
/// O(|S|³ + |S|²) and allocates nothing for |S| ≤ 16. `test` is const and thread-safe.
///
/// @code
/// hilm::FisherZTest fz(data);            // data: n × p
/// std::array<hilm::Index, 1> s{2};
/// hilm::CiResult r = fz.test(0, 3, s);           // X0 ⫫ X3 | X2 ?
/// @endcode
class FisherZTest {
 public:
  /// Builds the test from samples.
  /// @param[in] data n × p, rows are samples (any scalar type; computed in double).
  /// @throws hilm::invalid_argument if n < 2, data are not finite, or a column is constant.
  template <class Derived>
  explicit FisherZTest(const Eigen::MatrixBase<Derived>& data)
      : correlation_(correlation_matrix(data)), sample_size_(data.rows()) {}

  /// Builds the test from sufficient statistics (e.g. a correlation matrix reduced over shards).
  /// @param[in] correlation p × p correlation matrix.
  /// @param[in] sample_size number of samples it was computed from.
  /// @throws hilm::invalid_argument if the matrix is not square or sample_size < 1.
  FisherZTest(Matrix<double> correlation, Index sample_size)
      : correlation_(std::move(correlation)), sample_size_(sample_size) {
    if (correlation_.rows() != correlation_.cols())
      hilm::detail::raise<invalid_argument>("FisherZTest: correlation matrix must be square");
    if (sample_size_ < 1)
      hilm::detail::raise<invalid_argument>("FisherZTest: sample_size must be >= 1");
  }

  /// Tests X_x ⫫ X_y | X_z.
  /// @returns statistic √(n−|S|−3)·|atanh r|, dof n−|S|−3, two-sided normal p-value.
  /// @throws hilm::invalid_argument on bad indices or when n − |S| − 3 ≤ 0.
  [[nodiscard]] CiResult test(Index x, Index y, std::span<const Index> z) const {
    const double r = partial_correlation(correlation_, x, y, z);
    return fisher_z_from_partial_correlation(r, sample_size_, static_cast<Index>(z.size()));
  }

  /// The partial correlation ρ(x, y | z) used by `test`.
  [[nodiscard]] double partial_correlation_of(Index x, Index y, std::span<const Index> z) const {
    return partial_correlation(correlation_, x, y, z);
  }

  /// Number of variables (columns) p.
  [[nodiscard]] Index num_variables() const noexcept { return correlation_.cols(); }
  /// Number of samples n.
  [[nodiscard]] Index sample_size() const noexcept { return sample_size_; }
  /// The p × p correlation matrix (the shared sufficient statistic).
  [[nodiscard]] const Matrix<double>& correlation() const noexcept { return correlation_; }

 private:
  Matrix<double> correlation_;
  Index sample_size_ = 0;
};

/// One-shot Fisher-z test on samples; build a `FisherZTest` instead when running many queries.
/// @param[in] data n × p samples. @param[in] x,y columns. @param[in] z conditioning columns.
template <class Derived>
[[nodiscard]] CiResult fisher_z_test(const Eigen::MatrixBase<Derived>& data, Index x, Index y,
                                     std::span<const Index> z) {
  return FisherZTest(data).test(x, y, z);
}

}  // namespace hilm

#endif  // HILM_STATS_FISHER_Z_HPP
