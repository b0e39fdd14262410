/// @file
/// Predictive R² on held-out data: how much of each target column a regression on the inputs
/// explains. Linear R² tests linear recoverability; kernel ridge R² (RBF kernel) tests recovery up
/// to a nonlinear invertible map, the component-wise ambiguity of nonlinear identifiability
/// results (Kong et al. 2025 report kernel-regression R² between estimated and true latents;
/// von Kügelgen et al. 2021, "Self-supervised learning with data augmentations provably isolates
/// content from style", use kernel ridge R² the same way). DESIGN.md check T10 uses it.
#ifndef HILM_METRICS_R2_HPP
#define HILM_METRICS_R2_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/correlation.hpp>
#include <hilm/metrics/detail/matrix_ops.hpp>

namespace hilm {

/// The regression used by `predictive_r2()`.
enum class Regression {
  Linear,      ///< Ordinary least squares with intercept.
  KernelRidge  ///< Kernel ridge regression with an RBF kernel on standardised inputs.
};

/// Options of `predictive_r2()`.
struct R2Options {
  /// Regression family.
  Regression method = Regression::Linear;
  /// Fraction of rows held out for evaluation (the rest trains), in (0, 1).
  double test_fraction = 0.3;
  /// At most this many training rows are used (kernel ridge costs O(train³)).
  Index max_train = 2000;
  /// Kernel ridge penalty λ added to the kernel diagonal (scikit-learn's `alpha`). The linear
  /// fit is plain least squares (with a 1e-10·n_train stabiliser on XᵀX).
  double ridge = 1e-2;
  /// RBF width γ in k(a, b) = exp(−γ‖a − b‖²) on standardised inputs; 0 = median heuristic
  /// (γ = 1 / median squared distance between training rows).
  double gamma = 0;
  /// Seed of the train/test split.
  std::uint64_t seed = 0;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using detail::invalid_field;
    constexpr std::string_view type = "R2Options";
    if (!(test_fraction > 0 && test_fraction < 1)) {
      return invalid_field(type, "test_fraction", "lie in (0, 1)", test_fraction);
    }
    if (max_train < 2) return invalid_field(type, "max_train", "be >= 2", max_train);
    if (!(ridge >= 0)) return invalid_field(type, "ridge", "be >= 0", ridge);
    if (!(gamma >= 0)) return invalid_field(type, "gamma", "be >= 0", gamma);
    return std::nullopt;
  }
};

/// Result of `predictive_r2()`.
struct R2Result {
  /// Length q: held-out R² of each target column, 1 − SSE/SST (can be negative). A target that
  /// is constant on the test rows scores 1 if predicted exactly, else 0.
  Vector<double> per_output;
  /// Mean of `per_output`.
  double mean = 0;
  /// Rows used for training and for testing.
  Index train = 0;
  /// Rows used for testing.
  Index test = 0;
};

/// Held-out R² of predicting each column of `y` from all columns of `x`.
///
/// Rows are split at random (seeded) into test (`test_fraction`) and train (at most
/// `max_train`); inputs are standardised with training statistics; targets are centred on their
/// training mean.
/// @param[in] x n × p inputs (e.g. estimated latents), any storage order.
/// @param[in] y n × q targets (e.g. true latents) for the same rows.
/// @param[in] options regression family, split, penalty, kernel width, seed.
/// @returns per-target held-out R² and their mean.
/// @throws invalid_argument on bad options, mismatched rows, non-finite entries, or fewer than
///   2 rows on either side of the split.
template <class DerivedX, class DerivedY>
[[nodiscard]] R2Result predictive_r2(const Eigen::MatrixBase<DerivedX>& x,
                                     const Eigen::MatrixBase<DerivedY>& y,
                                     const R2Options& options = {}) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  if (x.rows() != y.rows()) {
    hilm::detail::raise<invalid_argument>("predictive_r2: x has " + std::to_string(x.rows()) +
                                          " rows but y has " + std::to_string(y.rows()));
  }
  detail::check_finite_matrix(x, "predictive_r2", "x");
  detail::check_finite_matrix(y, "predictive_r2", "y");
  const Index n = x.rows(), p = x.cols(), q = y.cols();
  const auto n_test = static_cast<Index>(std::ceil(options.test_fraction * static_cast<double>(n)));
  const Index n_train = std::min(options.max_train, n - n_test);
  if (n_test < 2 || n_train < 2) {
    hilm::detail::raise<invalid_argument>(
        "predictive_r2: need at least 2 train and 2 test rows, got " + std::to_string(n) +
        " rows in all");
  }
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  Random rng(options.seed);
  rng.shuffle(order.begin(), order.end());
  Matrix<double> xs_train(n_train, p), xs_test(n_test, p), y_train(n_train, q), y_test(n_test, q);
  for (Index i = 0; i < n_test; ++i) {
    const Index r = order[static_cast<std::size_t>(i)];
    xs_test.row(i) = x.row(r).template cast<double>();
    y_test.row(i) = y.row(r).template cast<double>();
  }
  for (Index i = 0; i < n_train; ++i) {
    const Index r = order[static_cast<std::size_t>(n_test + i)];
    xs_train.row(i) = x.row(r).template cast<double>();
    y_train.row(i) = y.row(r).template cast<double>();
  }
  // Standardise inputs with training statistics (constant columns are only centred).
  const RowVector<double> mean = xs_train.colwise().mean();
  RowVector<double> scale(p);
  for (Index j = 0; j < p; ++j) {
    const double sd = std::sqrt((xs_train.col(j).array() - mean(j)).square().mean());
    scale(j) = sd > 0 ? sd : 1.0;
  }
  xs_train = (xs_train.rowwise() - mean).array().rowwise() / scale.array();
  xs_test = (xs_test.rowwise() - mean).array().rowwise() / scale.array();
  const RowVector<double> y_mean = y_train.colwise().mean();
  const Matrix<double> yc = y_train.rowwise() - y_mean;

  Matrix<double> prediction;
  if (options.method == Regression::Linear) {
    Matrix<double> gram = xs_train.transpose() * xs_train;
    gram.diagonal().array() += 1e-10 * static_cast<double>(n_train);
    const Matrix<double> beta = gram.ldlt().solve(xs_train.transpose() * yc);
    prediction = (xs_test * beta).rowwise() + y_mean;
  } else {
    auto squared_distances = [](const Matrix<double>& a, const Matrix<double>& b) {
      Matrix<double> d = (-2.0 * (a * b.transpose())).eval();
      d.colwise() += a.rowwise().squaredNorm();
      d.rowwise() += b.rowwise().squaredNorm().transpose();
      return Matrix<double>(d.cwiseMax(0.0));
    };
    const Matrix<double> d_train = squared_distances(xs_train, xs_train);
    double gamma = options.gamma;
    if (gamma == 0) {
      std::vector<double> values;
      values.reserve(static_cast<std::size_t>(n_train * (n_train - 1) / 2));
      for (Index j = 0; j < n_train; ++j) {
        for (Index i = j + 1; i < n_train; ++i) values.push_back(d_train(i, j));
      }
      auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
      std::nth_element(values.begin(), middle, values.end());
      gamma = *middle > 0 ? 1.0 / *middle : 1.0;
    }
    Matrix<double> k = (-gamma * d_train.array()).exp().matrix();
    k.diagonal().array() += std::max(options.ridge, 1e-10);
    const Matrix<double> alpha = k.llt().solve(yc);
    const Matrix<double> k_test =
        (-gamma * squared_distances(xs_test, xs_train).array()).exp().matrix();
    prediction = (k_test * alpha).rowwise() + y_mean;
  }
  R2Result result;
  result.train = n_train;
  result.test = n_test;
  result.per_output.resize(q);
  for (Index j = 0; j < q; ++j) {
    const double sse = (y_test.col(j) - prediction.col(j)).squaredNorm();
    const double sst = (y_test.col(j).array() - y_test.col(j).mean()).square().sum();
    result.per_output(j) = sst > 0 ? 1.0 - sse / sst : (sse == 0 ? 1.0 : 0.0);
  }
  result.mean = q > 0 ? result.per_output.mean() : 0.0;
  return result;
}

}  // namespace hilm

#endif  // HILM_METRICS_R2_HPP
