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
///
/// Options, model and result: `gmm_types.hpp`; one EM start: `detail/gmm_em.hpp`.
#ifndef HILM_HIERARCHY_GMM_HPP
#define HILM_HIERARCHY_GMM_HPP

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/cluster_common.hpp>
#include <hilm/hierarchy/detail/gmm_em.hpp>
#include <hilm/hierarchy/gmm_types.hpp>
#include <hilm/hierarchy/kmeans.hpp>

namespace hilm {

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
///
/// @code
/// const hilm::RowMatrix<double> x = load_samples();  // n × d, rows are samples
/// const hilm::GmmResult fit =
///     hilm::fit_gaussian_mixture(x, {.components = 3, .restarts = 4, .seed = 7});
/// if (fit.usable()) {
///   const hilm::IndexVector labels = fit.model.predict(x);         // most probable component
///   const hilm::RowMatrix<double> p = fit.model.predict_proba(x);  // n × 3 responsibilities
///   std::printf("BIC %g after %d iterations\n", fit.bic, fit.iterations);
/// }
/// @endcode
template <class Derived>
[[nodiscard]] GmmResult fit_gaussian_mixture(const Eigen::MatrixBase<Derived>& x,
                                             const GmmOptions& options) {
  static_assert(std::is_floating_point_v<typename Derived::Scalar>,
                "fit_gaussian_mixture: x must hold float or double");
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
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
