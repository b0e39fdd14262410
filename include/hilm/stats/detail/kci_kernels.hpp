/// @file
/// Kernel matrices and kernel factors of the KCI test (stats/kci.hpp): column selection and
/// z-scoring, pairwise distances and the median width rule, dense kernels and their centring,
/// pivoted-Cholesky kernel factors, spectral truncation and the R K R product.
#ifndef HILM_STATS_DETAIL_KCI_KERNELS_HPP
#define HILM_STATS_DETAIL_KCI_KERNELS_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/stats/detail/kci_factored.hpp>
#include <hilm/stats/detail/pivoted_cholesky.hpp>
#include <hilm/stats/detail/top_eigenpairs.hpp>
#include <hilm/stats/kci_options.hpp>

namespace hilm::detail {

/// Columns of `data` listed in `cols`, z-scored with ddof = 1; constant columns become 0.
inline Matrix<double> zscore_columns(const Eigen::Ref<const Matrix<double>>& data,
                                     std::span<const Index> cols) {
  const Index n = data.rows();
  Matrix<double> out(n, static_cast<Index>(cols.size()));
  for (Index j = 0; j < out.cols(); ++j) {
    const auto c = data.col(cols[static_cast<std::size_t>(j)]);
    const double mean = c.mean();
    const double ss = (c.array() - mean).square().sum();
    const double sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
    if (sd > 0)
      out.col(j) = (c.array() - mean) / sd;
    else
      out.col(j).setZero();
  }
  return out;
}

/// Raw columns (no scaling).
inline Matrix<double> select_columns(const Eigen::Ref<const Matrix<double>>& data,
                                     std::span<const Index> cols) {
  Matrix<double> out(data.rows(), static_cast<Index>(cols.size()));
  for (Index j = 0; j < out.cols(); ++j) out.col(j) = data.col(cols[static_cast<std::size_t>(j)]);
  return out;
}

/// Squared Euclidean distances between the rows of `a` (n × d), by direct differences.
inline Matrix<double> squared_distances(const Matrix<double>& a) {
  const Index n = a.rows();
  Matrix<double> d2(n, n);
  const Matrix<double> at = a.transpose();  // d × n: one sample per column, contiguous
  for (Index j = 0; j < n; ++j) {
    d2(j, j) = 0.0;
    for (Index i = j + 1; i < n; ++i) {
      const double v = (at.col(i) - at.col(j)).squaredNorm();
      d2(i, j) = v;
      d2(j, i) = v;
    }
  }
  return d2;
}

/// Median of the positive pairwise Euclidean distances (numpy `median(dists[dists > 0])`),
/// on at most 1000 rows drawn without replacement with `rng`.
inline double median_distance(const Matrix<double>& a, Random& rng) {
  Matrix<double> sample = a;
  if (a.rows() > 1000) {
    std::vector<Index> order(static_cast<std::size_t>(a.rows()));
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<Index>(i);
    rng.shuffle(order.begin(), order.end());
    sample.resize(1000, a.cols());
    for (Index i = 0; i < 1000; ++i) sample.row(i) = a.row(order[static_cast<std::size_t>(i)]);
  }
  const Index n = sample.rows();
  std::vector<double> dist;
  dist.reserve(static_cast<std::size_t>(n * (n - 1) / 2));
  for (Index j = 0; j < n; ++j)
    for (Index i = j + 1; i < n; ++i) {
      const double v = (sample.row(i) - sample.row(j)).norm();
      if (v > 0) dist.push_back(v);
    }
  if (dist.empty()) return 0.0;
  const std::size_t m = dist.size();
  std::nth_element(dist.begin(), dist.begin() + static_cast<std::ptrdiff_t>(m / 2), dist.end());
  const double upper = dist[m / 2];
  if (m % 2 == 1) return upper;
  const double lower =
      *std::max_element(dist.begin(), dist.begin() + static_cast<std::ptrdiff_t>(m / 2));
  return 0.5 * (lower + upper);
}

/// Kernel matrix of the rows of `a`; `theta` = 1/σ² for the Gaussian kernel.
inline Matrix<double> kernel_matrix(const Matrix<double>& a, KernelKind kind, double theta,
                                    int degree) {
  switch (kind) {
    case KernelKind::Gaussian:
      return (squared_distances(a).array() * (-0.5 * theta)).exp().matrix();
    case KernelKind::Polynomial: {
      Matrix<double> g = a * a.transpose();
      return (g.array() + 1.0).pow(static_cast<double>(degree)).matrix();
    }
    case KernelKind::Linear:
    default:
      return a * a.transpose();
  }
}

/// Pivoted Cholesky factor L (n × r) of the kernel matrix of the rows of `a` (never formed),
/// centred so that L Lᵀ ≈ H K H; `relative_tolerance` bounds the discarded trace relative to
/// tr K, and at most `max_rank` columns are computed (`complete` is false if that was not enough).
inline PivotedCholesky kernel_factor(const Matrix<double>& a, KernelKind kind, double theta,
                                     int degree, double relative_tolerance, Index max_rank) {
  const Index n = a.rows();
  const auto deg = static_cast<double>(degree);
  Vector<double> diagonal(n);
  switch (kind) {
    case KernelKind::Gaussian:
      diagonal.setOnes();
      break;
    case KernelKind::Polynomial:
      diagonal = (a.rowwise().squaredNorm().array() + 1.0).pow(deg).matrix();
      break;
    case KernelKind::Linear:
    default:
      diagonal = a.rowwise().squaredNorm();
      break;
  }
  auto column = [&](Index j, Vector<double>& out) {
    switch (kind) {
      case KernelKind::Gaussian:
        out.setZero();
        for (Index c = 0; c < a.cols(); ++c) out.array() += (a.col(c).array() - a(j, c)).square();
        out = (out.array() * (-0.5 * theta)).exp().matrix();
        break;
      case KernelKind::Polynomial:
        out.noalias() = a * a.row(j).transpose();
        out = (out.array() + 1.0).pow(deg).matrix();
        break;
      case KernelKind::Linear:
      default:
        out.noalias() = a * a.row(j).transpose();
        break;
    }
  };
  PivotedCholesky f =
      pivoted_cholesky(diagonal, column, relative_tolerance * diagonal.sum(), max_rank);
  center_factor(f.factor);
  return f;
}

/// H K H with H = I − 11ᵀ/n, in place.
inline void center_kernel(Matrix<double>& k) {
  const Vector<double> col_mean = k.colwise().mean().transpose();
  const Vector<double> row_mean = k.rowwise().mean();
  const double grand = col_mean.mean();
  k.colwise() -= row_mean;
  k.rowwise() -= col_mean.transpose();
  k.array() += grand;
}

/// Σ_{λ > threshold·λmax} λ v vᵀ of a symmetric matrix (its truncation to the leading
/// eigenvalues), from the selected eigenpairs only.
inline Matrix<double> truncated_spectral_part(const Matrix<double>& k, double threshold) {
  const Eigenpairs pairs = top_eigenpairs(0.5 * (k + k.transpose()), threshold);
  const Matrix<double> scaled = pairs.vectors * pairs.values.cwiseSqrt().asDiagonal();
  Matrix<double> out = Matrix<double>::Zero(k.rows(), k.rows());
  out.selfadjointView<Eigen::Lower>().rankUpdate(scaled);
  return out.selfadjointView<Eigen::Lower>();
}

/// R K R for symmetric R and K, computing only one triangle of the (symmetric) result.
inline Matrix<double> sandwich(const Matrix<double>& r, const Matrix<double>& k) {
  const Matrix<double> rk = r * k;
  Matrix<double> out(r.rows(), r.rows());
  out.triangularView<Eigen::Lower>() = rk * r;
  return out.selfadjointView<Eigen::Lower>();
}

}  // namespace hilm::detail

#endif  // HILM_STATS_DETAIL_KCI_KERNELS_HPP
