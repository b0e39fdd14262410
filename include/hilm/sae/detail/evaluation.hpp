// Accumulators and helpers of the SAE evaluations (hilm/sae/evaluation.hpp).
#ifndef HILM_SAE_DETAIL_EVALUATION_HPP
#define HILM_SAE_DETAIL_EVALUATION_HPP

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/sparse_types.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/hungarian.hpp>
#include <hilm/sae/evaluation_types.hpp>
#include <hilm/sae/result.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm {

namespace detail {

/// Rows of `a` scaled to unit norm, norms clamped at 1e-8 (SAELens' normalisation).
template <class Derived>
RowMatrix<float> unit_rows_clamped(const Eigen::MatrixBase<Derived>& a) {
  RowMatrix<float> out = a.template cast<float>();
  for (Index i = 0; i < out.rows(); ++i) {
    const double norm = out.row(i).template cast<double>().norm();
    out.row(i) /= static_cast<float>(std::max(norm, 1e-8));
  }
  return out;
}

/// Mean over rows of the largest cosine between a row and any other row (SAEBench
/// `calculate_max_cosine_sim`), in blocks of 256 rows so that memory stays O(256 · m).
template <class Derived>
double average_max_cosine(const Eigen::MatrixBase<Derived>& w) {
  const Index m = w.rows();
  if (m < 2) return 0.0;
  const RowMatrix<float> u = unit_rows_clamped(w);
  double total = 0;
  RowMatrix<float> block;
  for (Index b0 = 0; b0 < m; b0 += 256) {
    const Index nb = std::min<Index>(256, m - b0);
    block.noalias() = u.middleRows(b0, nb) * u.transpose();
    for (Index i = 0; i < nb; ++i) {
      block(i, b0 + i) = -std::numeric_limits<float>::infinity();
      total += static_cast<double>(block.row(i).maxCoeff());
    }
  }
  return total / static_cast<double>(m);
}

/// Streaming sums behind `SaeCoreMetrics`.
class SaeCoreAccumulator {
 public:
  SaeCoreAccumulator() = default;
  SaeCoreAccumulator(Index d, Index m)
      : sum_(Vector<double>::Zero(d)), fires_(static_cast<std::size_t>(m), 0) {}

  /// Adds a batch: inputs x (b × d), codes z (b × m), reconstructions xh (b × d).
  template <class X, class Z, class XH>
  void add(const Eigen::MatrixBase<X>& x, const Eigen::MatrixBase<Z>& z,
           const Eigen::MatrixBase<XH>& xh) {
    const Index b = x.rows(), m = z.cols();
    for (Index i = 0; i < b; ++i) {
      double xx = 0, hh = 0, xh_dot = 0, rr = 0;
      for (Index k = 0; k < x.cols(); ++k) {
        const auto xv = static_cast<double>(x(i, k)), hv = static_cast<double>(xh(i, k));
        xx += xv * xv;
        hh += hv * hv;
        xh_dot += xv * hv;
        rr += (xv - hv) * (xv - hv);
        sum_(k) += xv;
      }
      sum_sq_ += xx;
      sse_ += rr;
      const double nx = std::sqrt(xx), nh = std::sqrt(hh);
      norm_in_ += nx;
      norm_out_ += nh;
      l2_ratio_ += nh / (std::abs(nx) < 1e-4 ? 1.0 : nx);
      cossim_ += nx > 0 && nh > 0 ? xh_dot / (nx * nh) : 0.0;
      out_sq_ += hh;
      dot_ += xh_dot;
      for (Index j = 0; j < m; ++j) {
        const auto v = static_cast<double>(z(i, j));
        if (v != 0) {
          ++fires_[static_cast<std::size_t>(j)];
          active_ += 1;
          l1_ += std::abs(v);
        }
      }
    }
    rows_ += b;
  }

  [[nodiscard]] std::int64_t rows() const noexcept { return rows_; }

  /// The metrics; `w_enc`, `w_dec` give the weight-based misc metrics.
  template <class Scalar>
  [[nodiscard]] SaeCoreMetrics finish(const SaeWeights<Scalar>& w, double dense_threshold) const {
    SaeCoreMetrics out;
    const auto n = static_cast<double>(rows_);
    const Index m = static_cast<Index>(fires_.size()), d = sum_.size();
    out.basic.rows = rows_;
    out.basic.mse = sse_ / (n * static_cast<double>(d));
    const double sst = sum_sq_ - sum_.squaredNorm() / n;
    out.basic.explained_variance = sst > 0 ? 1 - sse_ / sst : 0;
    out.basic.l0 = active_ / n;
    out.cossim = cossim_ / n;
    out.l2_norm_in = norm_in_ / n;
    out.l2_norm_out = norm_out_ / n;
    out.l2_ratio = l2_ratio_ / n;
    out.relative_reconstruction_bias = dot_ != 0 ? out_sq_ / dot_ : 0.0;
    out.l0 = out.basic.l0;
    out.l1 = l1_ / n;
    out.feature_density.resize(m);
    SaeDensityHistogram& h = out.density_histogram;
    for (int e = 0; e <= 16; ++e) h.log10_edges.push_back(-8.0 + 0.5 * e);
    h.counts.assign(16, 0);
    Index dead = 0, dense = 0, over1 = 0, over10 = 0;
    double total = 0, total1 = 0, total10 = 0;
    for (Index j = 0; j < m; ++j) {
      const auto f = fires_[static_cast<std::size_t>(j)];
      const double density = static_cast<double>(f) / n;
      out.feature_density(j) = density;
      total += density;
      if (f == 0) {
        ++dead;
        continue;
      }
      dense += static_cast<double>(f) > dense_threshold * n ? 1 : 0;
      if (density > 0.01) {
        ++over1;
        total1 += density;
      }
      if (density > 0.1) {
        ++over10;
        total10 += density;
      }
      const double bin = std::floor((std::log10(density) + 8.0) / 0.5);
      h.counts[static_cast<std::size_t>(std::clamp(bin, 0.0, 15.0))] += 1;
    }
    h.dead = dead;
    const auto dm = static_cast<double>(m);
    out.basic.dead_fraction = static_cast<double>(dead) / dm;
    out.basic.dense_fraction = static_cast<double>(dense) / dm;
    out.frac_alive = static_cast<double>(m - dead) / dm;
    out.freq_over_1_percent = static_cast<double>(over1) / dm;
    out.freq_over_10_percent = static_cast<double>(over10) / dm;
    out.normalized_freq_over_1_percent = total > 0 ? total1 / total : 0.0;
    out.normalized_freq_over_10_percent = total > 0 ? total10 / total : 0.0;
    out.average_max_encoder_cosine_sim = average_max_cosine(w.w_enc);
    out.average_max_decoder_cosine_sim = average_max_cosine(w.w_dec);
    return out;
  }

 private:
  Vector<double> sum_;
  std::vector<std::int64_t> fires_;
  double sum_sq_ = 0, sse_ = 0, norm_in_ = 0, norm_out_ = 0, l2_ratio_ = 0, cossim_ = 0;
  double out_sq_ = 0, dot_ = 0, active_ = 0, l1_ = 0;
  std::int64_t rows_ = 0;
};

/// `sae_decode` through the non-zero codes only: O(n·(m + L0·d)) instead of the dense
/// O(n·m·d) product (the same sum, accumulated in another order).
template <class Scalar, class Derived>
RowMatrix<Scalar> decode_active(const SaeWeights<Scalar>& w, const Eigen::MatrixBase<Derived>& z) {
  RowMatrix<Scalar> xh(z.rows(), w.d_in());
  for (Index i = 0; i < z.rows(); ++i) {
    auto row = xh.row(i);
    row = w.b_dec.transpose();
    for (Index j = 0; j < z.cols(); ++j) {
      if (z(i, j) != Scalar(0)) row.noalias() += z(i, j) * w.w_dec.row(j);
    }
    if (w.input_scale != Scalar(1)) row /= w.input_scale;
  }
  return xh;
}

template <class Scalar>
void check_eval_dim(const SaeWeights<Scalar>& weights, Index d, const char* what) {
  if (d != weights.d_in()) {
    raise<invalid_argument>(std::string(what) + ": the data have d = " + std::to_string(d) +
                            " columns but the model's d_in is " + std::to_string(weights.d_in()));
  }
}

}  // namespace detail

}  // namespace hilm

#endif  // HILM_SAE_DETAIL_EVALUATION_HPP
