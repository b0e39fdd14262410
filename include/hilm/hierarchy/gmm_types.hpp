/// @file
/// Options, model and result of `fit_gaussian_mixture()` (`hierarchy/gmm.hpp`, which documents
/// the model and the EM algorithm): covariance shapes, initialisations, `GmmOptions`, the fitted
/// `GaussianMixture` with its evaluation methods, and `GmmResult`.
#ifndef HILM_HIERARCHY_GMM_TYPES_HPP
#define HILM_HIERARCHY_GMM_TYPES_HPP

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/cluster_gmm.hpp>

namespace hilm {

/// Shape of the component covariances.
enum class CovarianceType {
  Full,     ///< One unrestricted d × d covariance per component.
  Diagonal  ///< One diagonal covariance per component (axis-aligned ellipsoids).
};

/// How EM is started.
enum class GmmInit {
  KMeans,  ///< Hard responsibilities from one k-means++ / Lloyd run (scikit-learn's default).
  Random   ///< Random responsibilities: each row a uniform draw, normalised to sum to 1.
};

/// Options of `fit_gaussian_mixture()`.
struct GmmOptions {
  /// Number of components K ≥ 1 (at most the number of rows).
  Index components = 1;
  /// Covariance shape.
  CovarianceType covariance = CovarianceType::Full;
  /// Non-negative ridge added to every covariance diagonal (scikit-learn's `reg_covar`); keeps
  /// covariances positive definite when a component sits on a lower-dimensional set.
  double reg_covar = 1e-6;
  /// EM iterations (E-steps) per start at most.
  int max_iterations = 100;
  /// Stop when the mean log-likelihood per sample changes by less than this in one iteration.
  double tolerance = 1e-3;
  /// Independent starts; the one with the highest final log-likelihood is kept.
  int restarts = 1;
  /// Initialisation.
  GmmInit init = GmmInit::KMeans;
  /// k-means restarts inside each k-means initialisation (the lowest inertia is used); more
  /// restarts make a start less likely to merge two well-separated clusters.
  int init_restarts = 1;
  /// Sort the fitted components by decreasing weight (ties: lexicographic means), so that the
  /// labelling is canonical. Turn off to keep the order EM ended with.
  bool sort_components = true;
  /// Check x for NaN / infinity first (an O(n d) scan; off by default).
  bool check_finite = false;
  /// Seed of the initialisation; start r uses stream r of it.
  std::uint64_t seed = 0;
  /// Optional callback after each EM iteration (stage "gmm", done = iteration of the current
  /// start, total = max_iterations, loss = −mean log-likelihood). Returning false stops with
  /// `FitStatus::Cancelled`.
  ProgressCallback progress{};

  /// Returns a description of the first invalid field, or nothing when all are valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    if (components < 1) return invalid_field("GmmOptions", "components", "be >= 1", components);
    if (!(reg_covar >= 0) || !std::isfinite(reg_covar)) {
      return invalid_field("GmmOptions", "reg_covar", "be finite and >= 0", reg_covar);
    }
    if (max_iterations < 1) {
      return invalid_field("GmmOptions", "max_iterations", "be >= 1", max_iterations);
    }
    if (!(tolerance >= 0) || !std::isfinite(tolerance)) {
      return invalid_field("GmmOptions", "tolerance", "be finite and >= 0", tolerance);
    }
    if (restarts < 1) return invalid_field("GmmOptions", "restarts", "be >= 1", restarts);
    if (init_restarts < 1) {
      return invalid_field("GmmOptions", "init_restarts", "be >= 1", init_restarts);
    }
    return std::nullopt;
  }
};

/// A Gaussian mixture p(x) = Σ_k weights(k) N(x | means.row(k), Σ_k).
///
/// Exactly one of `covariances` (full) and `variances` (diagonal) is filled, according to
/// `covariance_type`. The evaluation methods factor the covariances on each call (O(K d³)) and
/// then cost O(n K d²) (full) or O(n K d) (diagonal); they copy x once into double precision.
struct GaussianMixture {
  /// Shape of the covariances.
  CovarianceType covariance_type = CovarianceType::Full;
  /// K mixing weights, positive, summing to 1.
  Vector<double> weights;
  /// K × d component means.
  RowMatrix<double> means;
  /// Full: K symmetric positive-definite d × d covariances. Empty for diagonal.
  std::vector<Matrix<double>> covariances;
  /// Diagonal: K × d variances (positive). Empty for full.
  RowMatrix<double> variances;

  /// Number of components K.
  [[nodiscard]] Index components() const noexcept { return means.rows(); }
  /// Dimension d.
  [[nodiscard]] Index dim() const noexcept { return means.cols(); }

  /// Free parameters: (K − 1) + K d + K d(d + 1)/2 (full) or (K − 1) + 2 K d (diagonal).
  [[nodiscard]] Index parameter_count() const noexcept {
    const Index k = components(), d = dim();
    const Index cov = covariance_type == CovarianceType::Full ? k * d * (d + 1) / 2 : k * d;
    return (k - 1) + k * d + cov;
  }

  /// Covariance of component `k` as a d × d matrix (diagonal matrix for diagonal models).
  /// @throws invalid_argument if k is out of range.
  [[nodiscard]] Matrix<double> covariance(Index k) const {
    if (k < 0 || k >= components()) {
      detail::raise<invalid_argument>("GaussianMixture::covariance: k = " + std::to_string(k) +
                                      " out of range [0, " + std::to_string(components()) + ")");
    }
    if (covariance_type == CovarianceType::Full) return covariances[static_cast<std::size_t>(k)];
    return variances.row(k).transpose().asDiagonal();
  }

  /// Per-row log-density log p(x_i).
  /// @param[in] x n × d rows.
  /// @returns length-n log-densities.
  /// @throws invalid_argument if x has the wrong width or the model is malformed;
  ///   numerical_error if a covariance is not positive definite.
  template <class Derived>
  [[nodiscard]] Vector<double> score_samples(const Eigen::MatrixBase<Derived>& x) const {
    RowMatrix<double> log_resp;
    Vector<double> rows;
    evaluate(x, log_resp, rows, "GaussianMixture::score_samples");
    return rows;
  }

  /// Mean log-likelihood per sample, (1/n) Σ_i log p(x_i) (scikit-learn's `score`).
  /// @param[in] x n × d rows, n ≥ 1.
  /// @throws as `score_samples`.
  template <class Derived>
  [[nodiscard]] double score(const Eigen::MatrixBase<Derived>& x) const {
    return score_samples(x).mean();
  }

  /// Posterior component probabilities (responsibilities) P(k | x_i).
  /// @param[in] x n × d rows.
  /// @returns n × K matrix whose rows sum to 1.
  /// @throws as `score_samples`.
  template <class Derived>
  [[nodiscard]] RowMatrix<double> predict_proba(const Eigen::MatrixBase<Derived>& x) const {
    RowMatrix<double> log_resp;
    Vector<double> rows;
    evaluate(x, log_resp, rows, "GaussianMixture::predict_proba");
    return log_resp.array().exp().matrix();
  }

  /// Most probable component of each row (ties to the lower index).
  /// @param[in] x n × d rows.
  /// @returns length-n labels in [0, K).
  /// @throws as `score_samples`.
  template <class Derived>
  [[nodiscard]] IndexVector predict(const Eigen::MatrixBase<Derived>& x) const {
    RowMatrix<double> log_resp;
    Vector<double> rows;
    evaluate(x, log_resp, rows, "GaussianMixture::predict");
    IndexVector labels(log_resp.rows());
    for (Index i = 0; i < log_resp.rows(); ++i) log_resp.row(i).maxCoeff(&labels(i));
    return labels;
  }

  /// Bayesian information criterion −2 Σ_i log p(x_i) + p ln n (Schwarz 1978); lower is better.
  /// @param[in] x n × d rows, n ≥ 1.
  /// @throws as `score_samples`.
  template <class Derived>
  [[nodiscard]] double bic(const Eigen::MatrixBase<Derived>& x) const {
    const auto n = static_cast<double>(x.rows());
    return -2 * score(x) * n + static_cast<double>(parameter_count()) * std::log(n);
  }

  /// Akaike information criterion −2 Σ_i log p(x_i) + 2 p (Akaike 1974); lower is better.
  /// @param[in] x n × d rows, n ≥ 1.
  /// @throws as `score_samples`.
  template <class Derived>
  [[nodiscard]] double aic(const Eigen::MatrixBase<Derived>& x) const {
    const auto n = static_cast<double>(x.rows());
    return -2 * score(x) * n + 2 * static_cast<double>(parameter_count());
  }

  /// Checks shapes and positivity of weights and variances; returns the first problem found.
  [[nodiscard]] std::optional<std::string> validate() const {
    const Index k = components(), d = dim();
    if (k < 1 || d < 1) return "GaussianMixture: means must be K × d with K, d >= 1";
    if (weights.size() != k) return "GaussianMixture: weights must have K entries";
    if (!(weights.minCoeff() > 0) || !weights.allFinite()) {
      return "GaussianMixture: weights must be positive and finite";
    }
    if (covariance_type == CovarianceType::Full) {
      if (covariances.size() != static_cast<std::size_t>(k)) {
        return "GaussianMixture: need K full covariances";
      }
      for (const auto& c : covariances) {
        if (c.rows() != d || c.cols() != d) return "GaussianMixture: covariances must be d × d";
      }
    } else if (variances.rows() != k || variances.cols() != d) {
      return "GaussianMixture: variances must be K × d";
    }
    return std::nullopt;
  }

 private:
  template <class Derived>
  void evaluate(const Eigen::MatrixBase<Derived>& x, RowMatrix<double>& log_resp,
                Vector<double>& rows, const char* function) const {
    static_assert(std::is_floating_point_v<typename Derived::Scalar>,
                  "GaussianMixture: x must hold float or double");
    if (auto problem = validate())
      detail::raise<invalid_argument>(std::string(function) + ": " + *problem);
    if (x.cols() != dim() || x.rows() < 1) {
      detail::raise<invalid_argument>(std::string(function) + ": x must be n × " +
                                      std::to_string(dim()) + " with n >= 1, got " +
                                      std::to_string(x.rows()) + " × " + std::to_string(x.cols()));
    }
    detail::GaussianFactors factors;
    if (!detail::factor_covariances(covariance_type == CovarianceType::Full, covariances, variances,
                                    components(), dim(), factors)) {
      detail::raise<numerical_error>(std::string(function) +
                                     ": a covariance is not positive definite");
    }
    const RowMatrix<double> xd = x.template cast<double>();
    detail::weighted_log_prob(xd, weights, means, factors, log_resp);
    detail::normalize_log_prob(log_resp, rows);
  }
};

/// A fitted Gaussian mixture with its fit diagnostics.
struct GmmResult {
  /// The fitted model.
  GaussianMixture model;
  /// Length-n most probable component of each training row.
  IndexVector labels;
  /// Final mean log-likelihood per sample of the kept start.
  double log_likelihood = -std::numeric_limits<double>::infinity();
  /// BIC on the training data (−2 n log_likelihood + p ln n).
  double bic = std::numeric_limits<double>::infinity();
  /// AIC on the training data (−2 n log_likelihood + 2 p).
  double aic = std::numeric_limits<double>::infinity();
  /// Mean log-likelihood per sample after each E-step of the kept start (non-decreasing up to
  /// the effect of `reg_covar`).
  std::vector<double> log_likelihood_history;
  /// EM iterations (E-steps) of the kept start.
  int iterations = 0;
  /// Start (0-based) that was kept.
  int best_restart = 0;
  /// Converged, MaxIterations, Cancelled, or NumericalIssue (a covariance lost positive
  /// definiteness: raise `reg_covar`; the model holds the last valid parameters).
  FitStatus status = FitStatus::NotRun;

  /// Whether the model can be used.
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status); }
};

}  // namespace hilm

#endif  // HILM_HIERARCHY_GMM_TYPES_HPP
