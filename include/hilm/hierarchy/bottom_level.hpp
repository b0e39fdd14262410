/// @file
/// Bottom-level discrete recovery (stage A of Kong et al. 2024, "Learning discrete concepts in
/// latent hierarchical models"): choose the number of mixture components by an information
/// criterion and read the bottom-level joint discrete states off the fitted mixture.
///
/// Model: x = g(d, c) with d the bottom-level discrete concepts (joint state s ∈ {1..K}), c
/// continuous exogenous noise and g injective. When the images of the K states are separated,
/// p(x) is a K-component mixture and the state of a sample is its component, identified up to a
/// relabelling of the K states. A Gaussian mixture is a working model for each component; K is
/// chosen by BIC (Schwarz 1978), which is consistent for the number of components of a Gaussian
/// mixture (Keribin 2000) when each component is close to Gaussian. See docs/bottom-level.md.
#ifndef HILM_HIERARCHY_BOTTOM_LEVEL_HPP
#define HILM_HIERARCHY_BOTTOM_LEVEL_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/status.hpp>
#include <hilm/core/types.hpp>
#include <hilm/hierarchy/gmm.hpp>

namespace hilm {

/// Criterion used to compare mixtures with different numbers of components.
enum class ComponentCriterion {
  Bic,  ///< −2 log L + p ln n (Schwarz 1978): consistent; the default.
  Aic   ///< −2 log L + 2 p (Akaike 1974): tends to over-split at large n.
};

/// Options of `select_components()`.
struct SelectComponentsOptions {
  /// Smallest K tried (≥ 1); used when `candidates` is empty.
  Index min_components = 1;
  /// Largest K tried (≥ min_components); used when `candidates` is empty.
  Index max_components = 10;
  /// Explicit list of K values to try (each ≥ 1); overrides the range when non-empty.
  std::vector<Index> candidates{};
  /// The criterion minimised.
  ComponentCriterion criterion = ComponentCriterion::Bic;
  /// Options of each fit; `gmm.components` is ignored (set per candidate), every fit uses
  /// `gmm.seed`.
  GmmOptions gmm{};
  /// Optional callback after each candidate (stage "select_components", done = candidates
  /// fitted, total = candidates, loss = criterion of the last fit). Returning false stops the
  /// sweep; the best fit so far is kept and the status is Cancelled.
  ProgressCallback progress{};

  /// The K values this configuration tries, in order.
  [[nodiscard]] std::vector<Index> candidate_list() const {
    if (!candidates.empty()) return candidates;
    std::vector<Index> out;
    for (Index k = min_components; k <= max_components; ++k) out.push_back(k);
    return out;
  }

  /// Returns a description of the first invalid field, or nothing when all are valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using hilm::detail::invalid_field;
    if (candidates.empty()) {
      if (min_components < 1) {
        return invalid_field("SelectComponentsOptions", "min_components", "be >= 1",
                             min_components);
      }
      if (max_components < min_components) {
        return invalid_field("SelectComponentsOptions", "max_components",
                             "be >= min_components (" + std::to_string(min_components) + ")",
                             max_components);
      }
    }
    for (const Index k : candidates) {
      if (k < 1) return invalid_field("SelectComponentsOptions", "candidates", "all be >= 1", k);
    }
    GmmOptions probe = gmm;
    probe.components = 1;
    if (auto problem = probe.validate()) {
      // "GmmOptions::<field> must ..." names the field as "SelectComponentsOptions::gmm.<field>".
      constexpr std::string_view inner = "GmmOptions::";
      return "SelectComponentsOptions::gmm." + problem->substr(inner.size());
    }
    return std::nullopt;
  }
};

/// Result of `select_components()`.
struct ComponentSelection {
  /// The K values tried, in order.
  std::vector<Index> candidates{};
  /// Criterion value of each candidate (+∞ for a fit that was not usable).
  std::vector<double> criterion;
  /// Mean log-likelihood per sample of each candidate.
  std::vector<double> log_likelihood;
  /// Fit status of each candidate.
  std::vector<FitStatus> fit_status;
  /// The chosen K (the lowest criterion; ties to the smaller K); 0 if nothing was usable.
  Index best_components = 0;
  /// The chosen fit.
  GmmResult best;
  /// Converged when every candidate was fitted (whatever their own statuses), Cancelled when
  /// the callback stopped the sweep, NumericalIssue when no candidate was usable.
  FitStatus status = FitStatus::NotRun;

  /// Whether `best` can be used.
  [[nodiscard]] bool usable() const noexcept { return hilm::usable(status) && best_components > 0; }
};

/// Fits a Gaussian mixture for each candidate K and keeps the one with the lowest BIC (or AIC).
/// @param[in] x n × d data, rows are samples (float or double).
/// @param[in] options candidate K values, criterion, per-fit GMM options.
/// @returns the criterion curve and the chosen fit.
/// @throws invalid_argument if an option is invalid (named in the message), if n is smaller than
///   the largest candidate K, or d = 0.
/// Complexity: the sum of the fits' costs, O(Σ_K iterations · n K d²) for full covariances.
template <class Derived>
[[nodiscard]] ComponentSelection select_components(const Eigen::MatrixBase<Derived>& x,
                                                   const SelectComponentsOptions& options) {
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
  ComponentSelection out;
  out.candidates = options.candidate_list();
  const Index largest = *std::max_element(out.candidates.begin(), out.candidates.end());
  detail::check_cluster_data(x, largest, "select_components");
  if (options.gmm.check_finite) detail::check_cluster_finite(x, "select_components");
  const RowMatrix<double> xd = x.template cast<double>();
  GmmOptions gmm = options.gmm;
  gmm.check_finite = false;
  double best_value = std::numeric_limits<double>::infinity();
  out.status = FitStatus::Converged;
  for (std::size_t c = 0; c < out.candidates.size(); ++c) {
    gmm.components = out.candidates[c];
    GmmResult fit = fit_gaussian_mixture(xd, gmm);
    const double value = !fit.usable() ? std::numeric_limits<double>::infinity()
                         : options.criterion == ComponentCriterion::Bic ? fit.bic
                                                                        : fit.aic;
    out.criterion.push_back(value);
    out.log_likelihood.push_back(fit.log_likelihood);
    out.fit_status.push_back(fit.status);
    const bool better = value < best_value || (value == best_value && out.best_components > 0 &&
                                               gmm.components < out.best_components);
    if (std::isfinite(value) && better) {
      best_value = value;
      out.best_components = gmm.components;
      out.best = std::move(fit);
    }
    if (!detail::report(options.progress,
                        Progress{"select_components", static_cast<std::int64_t>(c + 1),
                                 static_cast<std::int64_t>(out.candidates.size()), value})) {
      out.status = FitStatus::Cancelled;
      break;
    }
  }
  if (out.best_components == 0) out.status = FitStatus::NumericalIssue;
  return out;
}

/// Options of `recover_bottom_level()`.
struct BottomLevelOptions {
  /// How K is chosen and how each mixture is fitted. To force K, give one candidate.
  SelectComponentsOptions selection{};
};

/// The recovered bottom-level discrete states.
struct BottomLevelResult {
  /// Length-n joint state of each sample, in [0, num_states): the most probable component.
  /// States are numbered by decreasing estimated probability (the canonical labelling; the truth
  /// is recoverable only up to a relabelling).
  IndexVector states;
  /// Number of joint states K chosen.
  Index num_states = 0;
  /// K estimated state probabilities P(s) (the mixture weights), decreasing.
  Vector<double> state_probabilities;
  /// n × K posterior state probabilities P(s | x_i).
  RowMatrix<double> posterior;
  /// The component sweep (criterion curve, chosen mixture in `selection.best.model`).
  ComponentSelection selection;
  /// Status of the sweep (see `ComponentSelection::status`).
  FitStatus status = FitStatus::NotRun;

  /// Whether `states` can be used.
  [[nodiscard]] bool usable() const noexcept { return selection.usable(); }
};

/// Recovers the bottom-level joint discrete states from continuous observations x = g(d, c):
/// chooses K by BIC over Gaussian mixtures and labels each sample with its most probable
/// component. The joint states are not factored into per-concept labels: which product
/// structure (e.g. 9 = 3 × 3) the K states carry is not identified from x alone without further
/// assumptions (docs/bottom-level.md); the rank-based hierarchy search works on the joint states.
/// @param[in] x n × d observations, rows are samples.
/// @param[in] options candidate K values and GMM options.
/// @returns states, their probabilities, posteriors and the sweep.
/// @throws invalid_argument as `select_components`.
template <class Derived>
[[nodiscard]] BottomLevelResult recover_bottom_level(const Eigen::MatrixBase<Derived>& x,
                                                     const BottomLevelOptions& options) {
  BottomLevelOptions opts = options;
  opts.selection.gmm.sort_components = true;  // canonical labelling: decreasing weight
  BottomLevelResult out;
  out.selection = select_components(x, opts.selection);
  out.status = out.selection.status;
  if (!out.selection.usable()) return out;
  const GaussianMixture& model = out.selection.best.model;
  out.num_states = model.components();
  out.states = out.selection.best.labels;
  out.state_probabilities = model.weights;
  out.posterior = model.predict_proba(x);
  return out;
}

}  // namespace hilm

#endif  // HILM_HIERARCHY_BOTTOM_LEVEL_HPP
