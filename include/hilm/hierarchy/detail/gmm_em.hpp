/// @file
/// Internals of `fit_gaussian_mixture()` (`hierarchy/gmm.hpp`): one EM start (Dempster, Laird &
/// Rubin 1977) from given responsibilities, and the canonical ordering of the fitted components.
#ifndef HILM_HIERARCHY_DETAIL_GMM_EM_HPP
#define HILM_HIERARCHY_DETAIL_GMM_EM_HPP

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/detail/cluster_gmm.hpp>
#include <hilm/hierarchy/gmm_types.hpp>

namespace hilm::detail {

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

}  // namespace hilm::detail

#endif  // HILM_HIERARCHY_DETAIL_GMM_EM_HPP
