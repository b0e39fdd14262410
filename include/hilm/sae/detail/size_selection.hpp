/// @file
/// Implementation of `hilm/sae/size_selection.hpp`: one candidate's training runs, the cross-seed
/// best-match cosines and the minimality choice.
#ifndef HILM_SAE_DETAIL_SIZE_SELECTION_HPP
#define HILM_SAE_DETAIL_SIZE_SELECTION_HPP

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>

namespace hilm::detail {

/// Decoder rows of `w` scaled to unit length (zero rows stay zero), in double.
template <class Scalar>
Matrix<double> unit_decoder_rows(const SaeWeights<Scalar>& w) {
  Matrix<double> u = w.w_dec.template cast<double>();
  for (Index j = 0; j < u.rows(); ++j) {
    const double n = u.row(j).norm();
    if (n > 0) u.row(j) /= n;
  }
  return u;
}

/// Per latent j of `models[0]`: min over the other models b of max_k cos(d_j, d_k^(b)) (the
/// best-match cosine, not a one-to-one matching, so it costs one m × m product per pair).
template <class Scalar>
std::vector<double> best_match_cosines(const std::vector<SaeWeights<Scalar>>& models) {
  if (models.empty()) return {};
  const Matrix<double> first = unit_decoder_rows(models.front());
  std::vector<double> out(static_cast<std::size_t>(first.rows()),
                          std::numeric_limits<double>::infinity());
  for (std::size_t b = 1; b < models.size(); ++b) {
    const Matrix<double> cosine = first * unit_decoder_rows(models[b]).transpose();
    for (Index j = 0; j < cosine.rows(); ++j) {
      auto& v = out[static_cast<std::size_t>(j)];
      v = std::min(v, cosine.row(j).maxCoeff());
    }
  }
  if (models.size() == 1) std::fill(out.begin(), out.end(), 1.0);
  return out;
}

/// Trains `size` once per seed; returns its report (without `acceptable`) and the models.
template <class Scalar, class Report, class Source, class Options, class Size>
std::pair<Report, std::vector<SaeWeights<Scalar>>> train_size_candidate(Source& source,
                                                                        const Options& options,
                                                                        const Size& size) {
  const auto start = std::chrono::steady_clock::now();
  Report report;
  report.size = size;
  std::vector<SaeWeights<Scalar>> models;
  report.explained_variance_min = std::numeric_limits<double>::infinity();
  report.explained_variance_max = -std::numeric_limits<double>::infinity();
  for (const std::uint64_t seed : options.seeds) {
    SaeOptions o = options.base;
    o.latents = size.latents;
    o.k = size.k;
    o.seed = seed;
    SparseAutoencoder<Scalar> sae(o);
    const SaeResult result = sae.fit(source);
    if (!result.usable()) {
      raise<numerical_error>("select_sae_size: training " + std::to_string(size.latents) +
                             " latents, k " + std::to_string(size.k) + ", seed " +
                             std::to_string(seed) + " stopped: " + result.message);
    }
    const SaeMetrics m = evaluate_sae(sae.weights(), source);
    report.explained_variance += m.explained_variance;
    report.explained_variance_min = std::min(report.explained_variance_min, m.explained_variance);
    report.explained_variance_max = std::max(report.explained_variance_max, m.explained_variance);
    report.l0 += m.l0;
    report.dead_fraction += m.dead_fraction;
    models.push_back(sae.weights());
  }
  const auto runs = static_cast<double>(options.seeds.size());
  report.explained_variance /= runs;
  report.l0 /= runs;
  report.dead_fraction /= runs;
  const std::vector<double> cosines = best_match_cosines(models);
  double stable = 0, total = 0;
  for (const double c : cosines) {
    stable += c >= options.match_threshold ? 1 : 0;
    total += c;
  }
  report.stable_fraction = stable / static_cast<double>(cosines.size());
  report.mean_match_cosine = total / static_cast<double>(cosines.size());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {report, std::move(models)};
}

/// Marks the acceptable candidates (mean EV ≥ best − epsilon) and returns the smallest one:
/// smallest k, then smallest latents, then the earliest given.
template <class Report>
Index choose_smallest_size(std::vector<Report>& reports, double epsilon, double& best) {
  best = -std::numeric_limits<double>::infinity();
  for (const auto& r : reports) best = std::max(best, r.explained_variance);
  Index chosen = -1;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    auto& r = reports[i];
    r.acceptable = r.explained_variance >= best - epsilon;
    if (!r.acceptable) continue;
    if (chosen < 0) {
      chosen = static_cast<Index>(i);
      continue;
    }
    const auto& c = reports[static_cast<std::size_t>(chosen)].size;
    if (r.size.k < c.k || (r.size.k == c.k && r.size.latents < c.latents)) {
      chosen = static_cast<Index>(i);
    }
  }
  return chosen;
}

}  // namespace hilm::detail

#endif  // HILM_SAE_DETAIL_SIZE_SELECTION_HPP
