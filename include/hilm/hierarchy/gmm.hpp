/// @file
/// Gaussian mixture models fitted by EM: full or diagonal covariances, regularised covariances,
/// k-means initialisation, log-sum-exp responsibilities, log-likelihood history, BIC.
///
/// The density is p(x) = Σ_k π_k N(x | μ_k, Σ_k). EM (Dempster, Laird & Rubin 1977) alternates
/// responsibilities r_ik = P(component k | x_i) with weighted maximum-likelihood updates; each
/// iteration does not decrease the log-likelihood (up to the small ridge `reg_covar` added to the
/// covariances, as in scikit-learn). BIC = −2 log L + p ln n (Schwarz 1978) with p the number of
/// free parameters: K − 1 weights, K d means, and K d(d + 1)/2 (full) or K d (diagonal)
/// covariance entries. A mixture is identified only up to a permutation of its components; the
/// fit returns them sorted by decreasing weight.
///
/// In hilm this is stage A of the discrete latent hierarchy (Kong et al. 2024): the components
/// estimate the joint states of the bottom-level discrete concepts (`bottom_level.hpp`).
#ifndef HILM_HIERARCHY_GMM_HPP
#define HILM_HIERARCHY_GMM_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/cluster_common.hpp>
#include <hilm/hierarchy/detail/cluster_gmm.hpp>
#include <hilm/hierarchy/kmeans.hpp>

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
    if (components < 1) {
      return "GmmOptions::components must be >= 1, got " + std::to_string(components);
    }
    if (!(reg_covar >= 0) || !std::isfinite(reg_covar)) {
      return "GmmOptions::reg_covar must be finite and >= 0, got " + std::to_string(reg_covar);
    }
    if (max_iterations < 1) {
      return "GmmOptions::max_iterations must be >= 1, got " + std::to_string(max_iterations);
    }
    if (!(tolerance >= 0) || !std::isfinite(tolerance)) {
      return "GmmOptions::tolerance must be finite and >= 0, got " + std::to_string(tolerance);
    }
    if (restarts < 1) return "GmmOptions::restarts must be >= 1, got " + std::to_string(restarts);
    if (init_restarts < 1) {
      return "GmmOptions::init_restarts must be >= 1, got " + std::to_string(init_restarts);
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

namespace detail {

/// Sorts components by decreasing weight (ties: lexicographically smaller mean first) and
/// permutes labels accordingly.
inline void sort_mixture(GaussianMixture& m, IndexVector& labels) {
  const Index k = m.components();
  std::vector<Index> order(static_cast<std::size_t>(k));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) {
    if (m.weights(a) != m.weights(b)) return m.weights(a) > m.weights(b);
    for (Index j = 0; j < m.dim(); ++j) {
      if (m.means(a, j) != m.means(b, j)) return m.means(a, j) < m.means(b, j);
    }
    return false;
  });
  GaussianMixture sorted;
  sorted.covariance_type = m.covariance_type;
  sorted.weights.resize(k);
  sorted.means.resize(k, m.dim());
  if (m.covariance_type == CovarianceType::Full) {
    sorted.covariances.resize(static_cast<std::size_t>(k));
  } else {
    sorted.variances.resize(k, m.dim());
  }
  IndexVector new_label(k);
  for (Index r = 0; r < k; ++r) {
    const Index old = order[static_cast<std::size_t>(r)];
    new_label(old) = r;
    sorted.weights(r) = m.weights(old);
    sorted.means.row(r) = m.means.row(old);
    if (m.covariance_type == CovarianceType::Full) {
      sorted.covariances[static_cast<std::size_t>(r)] =
          std::move(m.covariances[static_cast<std::size_t>(old)]);
    } else {
      sorted.variances.row(r) = m.variances.row(old);
    }
  }
  for (Index i = 0; i < labels.size(); ++i) labels(i) = new_label(labels(i));
  m = std::move(sorted);
}

/// One EM start from the responsibilities `resp`. Returns false if cancelled by the callback.
inline bool gmm_em_start(const Eigen::Ref<const RowMatrix<double>>& x, RowMatrix<double> resp,
                         const GmmOptions& options, GmmResult& out) {
  const bool full = options.covariance == CovarianceType::Full;
  const Index k = options.components, d = x.cols();
  GaussianMixture& m = out.model;
  m.covariance_type = options.covariance;
  GaussianFactors factors;
  maximization_step(x, resp, full, options.reg_covar, m.weights, m.means, m.covariances,
                    m.variances);
  if (!factor_covariances(full, m.covariances, m.variances, k, d, factors)) {
    out.status = FitStatus::NumericalIssue;
    return true;
  }
  Vector<double> row_ll;
  out.status = FitStatus::MaxIterations;
  for (int it = 1; it <= options.max_iterations; ++it) {
    weighted_log_prob(x, m.weights, m.means, factors, resp);
    normalize_log_prob(resp, row_ll);
    const double ll = row_ll.mean();
    out.iterations = it;
    if (!std::isfinite(ll)) {
      out.status = FitStatus::NumericalIssue;
      break;
    }
    // Labels of the parameters just evaluated (consistent with the returned model).
    out.labels.resize(x.rows());
    for (Index i = 0; i < x.rows(); ++i) resp.row(i).maxCoeff(&out.labels(i));
    out.log_likelihood_history.push_back(ll);
    out.log_likelihood = ll;
    if (it > 1 && std::abs(ll - out.log_likelihood_history[out.log_likelihood_history.size() - 2]) <
                      options.tolerance) {
      out.status = FitStatus::Converged;
      break;
    }
    if (!report(options.progress, Progress{"gmm", it, options.max_iterations, -ll})) {
      out.status = FitStatus::Cancelled;
      return false;
    }
    if (it == options.max_iterations) break;
    resp = resp.array().exp().matrix();
    GaussianMixture next;
    next.covariance_type = m.covariance_type;
    maximization_step(x, resp, full, options.reg_covar, next.weights, next.means, next.covariances,
                      next.variances);
    GaussianFactors next_factors;
    if (!factor_covariances(full, next.covariances, next.variances, k, d, next_factors)) {
      out.status = FitStatus::NumericalIssue;  // keep the last valid parameters
      break;
    }
    m = std::move(next);
    factors = std::move(next_factors);
  }
  return true;
}

}  // namespace detail

/// Fits a Gaussian mixture by EM.
///
/// Each start initialises the responsibilities (k-means by default), then alternates M-steps
/// (weighted means and covariances, plus `reg_covar` on the diagonals) and E-steps
/// (responsibilities through log-sum-exp, so no underflow far from every component) until the
/// mean log-likelihood changes by less than `tolerance`. The start with the highest final
/// log-likelihood is kept. Row blocks of the E-step run in parallel with OpenMP; the same seed and
/// data give the same result.
/// @param[in] x n × d data, rows are samples (float or double; copied once into double).
/// @param[in] options components, covariance type, regularisation, stopping rule, seed.
/// @returns the model (components sorted by decreasing weight unless turned off), training
///   labels, log-likelihood and its history, BIC/AIC, iterations and status.
/// @throws invalid_argument if an option is invalid (the message names it), if n < K or d = 0, or
///   (with `check_finite`) if x holds a NaN or infinity. Non-convergence and loss of positive
///   definiteness are reported in `status`, not thrown.
/// Complexity per iteration: O(n K d²) (full) or O(n K d) (diagonal).
template <class Derived>
[[nodiscard]] GmmResult fit_gaussian_mixture(const Eigen::MatrixBase<Derived>& x,
                                             const GmmOptions& options) {
  static_assert(std::is_floating_point_v<typename Derived::Scalar>,
                "fit_gaussian_mixture: x must hold float or double");
  if (auto problem = options.validate()) {
    detail::raise<invalid_argument>("fit_gaussian_mixture: " + *problem);
  }
  detail::check_cluster_data(x, options.components, "fit_gaussian_mixture");
  if (options.check_finite) detail::check_cluster_finite(x, "fit_gaussian_mixture");
  const RowMatrix<double> xd = x.template cast<double>();
  const Index n = xd.rows(), k = options.components;
  const Random root(options.seed);
  GmmResult best;
  for (int r = 0; r < options.restarts; ++r) {
    Random rng = root.stream(static_cast<std::uint64_t>(r));
    RowMatrix<double> resp = RowMatrix<double>::Zero(n, k);
    if (options.init == GmmInit::KMeans) {
      const KMeansResult km = kmeans(
          xd, KMeansOptions{.clusters = k, .restarts = options.init_restarts, .seed = rng()});
      for (Index i = 0; i < n; ++i) resp(i, km.labels(i)) = 1;
    } else {
      for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < k; ++j) resp(i, j) = rng.uniform();
        resp.row(i) /= resp.row(i).sum();
      }
    }
    GmmResult run;
    const bool go_on = detail::gmm_em_start(xd, std::move(resp), options, run);
    run.best_restart = r;
    const bool better =
        r == 0 || (run.usable() && (!best.usable() || run.log_likelihood > best.log_likelihood));
    if (better) best = std::move(run);
    if (!go_on) break;
  }
  if (best.model.components() == k && best.labels.size() == n) {
    if (options.sort_components) detail::sort_mixture(best.model, best.labels);
    const auto nd = static_cast<double>(n);
    const auto p = static_cast<double>(best.model.parameter_count());
    best.bic = -2 * nd * best.log_likelihood + p * std::log(nd);
    best.aic = -2 * nd * best.log_likelihood + 2 * p;
  }
  return best;
}

}  // namespace hilm

#endif  // HILM_HIERARCHY_GMM_HPP
