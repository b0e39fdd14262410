/// @file
/// Options and ground truth of the SynthSAEBench data model (`hilm/synth/synth_sae_bench.hpp`,
/// which includes this header).
///
/// The model and every default are those of SynthSAEBench-16k (Chanin & Garriga-Alonso 2026,
/// "SynthSAEBench: Evaluating Sparse Autoencoders on Scalable Realistic Synthetic Data",
/// arXiv 2602.14687), as implemented in SAELens `sae_lens/synthetic/` and configured in SAELens
/// `docs/synth_sae_bench.md`. Each field says where its default comes from.
#ifndef HILM_SYNTH_SYNTH_SAE_BENCH_TYPES_HPP
#define HILM_SYNTH_SYNTH_SAE_BENCH_TYPES_HPP

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// Options of `make_synth_sae_bench()`. Aggregate: use designated initialisers, e.g.
/// `SynthSaeBenchOptions{.features = 2048, .hidden = 256, .orthogonalize_steps = 0}`.
/// The defaults build SynthSAEBench-16k.
struct SynthSaeBenchOptions {
  /// Number of ground-truth features m (SynthSAEBench-16k: 16,384).
  Index features = 16384;
  /// Dimension d of the activations (SynthSAEBench-16k: 768).
  Index hidden = 768;

  /// Zipf exponent a: feature k (1-based) gets a weight k^-a, mapped linearly onto
  /// [p_min, p_max] (SAELens `zipfian_firing_probabilities`; SynthSAEBench-16k: 0.5).
  double zipf_exponent = 0.5;
  /// Firing probability of the most frequent feature, feature 0 (SynthSAEBench-16k: 0.4).
  double p_max = 0.4;
  /// Firing probability of the rarest feature, feature m − 1 (SynthSAEBench-16k: 5e-4).
  double p_min = 5e-4;

  /// Number of hierarchy trees; their roots are features 0 … roots − 1, the most frequent ones
  /// (SAELens `generate_hierarchy`, breadth-first; SynthSAEBench-16k: 128). 0 = no hierarchy.
  Index hierarchy_roots = 128;
  /// Children per parent (SynthSAEBench-16k: 4).
  Index branching = 4;
  /// Levels of children below the roots (SynthSAEBench-16k: 3, so each tree has
  /// 1 + 4 + 16 + 64 = 85 features and 128 trees use 10,880 features).
  Index hierarchy_depth = 3;
  /// At most one child of a parent is active in a sample: when several fire, one of them chosen
  /// uniformly at random is kept (SAELens mutual exclusion; SynthSAEBench-16k: all parents,
  /// `mutually_exclusive_portion = 1`). false = siblings fire independently (a negative control;
  /// SAELens' fractional portion is not offered).
  bool mutually_exclusive = true;
  /// Raise the sampling probability of children so that their firing rates come closer to their
  /// Zipf probabilities despite the gating by the parent and the exclusion (SAELens
  /// `compute_probability_correction_factors`; SynthSAEBench-16k: on). The correction is
  /// SAELens' approximation, so the rates after the hierarchy are not the Zipf probabilities: see
  /// `synth_sae_bench_firing_rates()`.
  bool compensate_probabilities = true;
  /// A child's magnitude is multiplied by its parent's magnitude / the parent's mean magnitude
  /// (SAELens `scale_children_by_parent`; SynthSAEBench-16k: on).
  bool scale_children_by_parent = true;

  /// Rank r of the correlation factor F (m × r) of the Gaussian copula that decides which
  /// features fire (SAELens `LowRankCorrelationConfig`; SynthSAEBench-16k: 25). 0 = independent.
  Index correlation_rank = 25;
  /// Standard deviation of the entries of F (SynthSAEBench-16k: 0.1). 0 = independent.
  double correlation_scale = 0.1;

  /// Adam steps pushing the feature vectors apart (SAELens `orthogonalize_embeddings`;
  /// SynthSAEBench-16k: 100). 0 = random unit vectors. Each step costs about 4·m²·d flops
  /// (8·10^11 at the default size), so the default truth takes minutes to build.
  int orthogonalize_steps = 100;
  /// Adam learning rate of the orthogonalisation (SynthSAEBench-16k: 3e-4).
  double orthogonalize_lr = 3e-4;

  /// Mean magnitude of feature 0; the means fall linearly to `magnitude_mean_end` at feature
  /// m − 1 (SAELens `LinearMagnitudeConfig(start=5, end=4)`).
  double magnitude_mean_start = 5.0;
  /// Mean magnitude of feature m − 1.
  double magnitude_mean_end = 4.0;
  /// Each feature's magnitude standard deviation is drawn once as |N(μ, σ²)| with this μ
  /// (SAELens `FoldedNormalMagnitudeConfig(mean=0.5, std=0.5)`).
  double magnitude_std_mean = 0.5;
  /// σ of that folded normal.
  double magnitude_std_std = 0.5;

  /// Euclidean norm of the bias added to every activation (SynthSAEBench-16k: `bias=0.5`).
  double bias_norm = 0.5;

  /// Seed of the truth and (by default) of the samples (SynthSAEBench-16k: 42). The same options
  /// give the same truth bit for bit within one build, whatever the thread count (another
  /// compiler or flags may round differently, e.g. by contracting a·b + c into an FMA); hilm's
  /// random engine is not PyTorch's, so the truth is a draw of the same model, not SAELens'
  /// tensors.
  std::uint64_t seed = 42;

  /// Checks the options. @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using detail::invalid_field;
    constexpr std::string_view type = "SynthSaeBenchOptions";
    const auto finite = [](double v) { return std::isfinite(v); };
    if (features < 1) return invalid_field(type, "features", "be >= 1", features);
    if (hidden < 1) return invalid_field(type, "hidden", "be >= 1", hidden);
    if (!(zipf_exponent > 0 && finite(zipf_exponent))) {
      return invalid_field(type, "zipf_exponent", "be finite and > 0", zipf_exponent);
    }
    if (!(p_max > 0 && p_max <= 1)) return invalid_field(type, "p_max", "lie in (0, 1]", p_max);
    if (!(p_min > 0 && p_min < p_max)) {
      return detail::invalid_field_described(
          type, "p_min", "lie in (0, p_max)",
          detail::describe_value(p_min) + " (p_max = " + detail::describe_value(p_max) + ")");
    }
    if (hierarchy_roots < 0) {
      return invalid_field(type, "hierarchy_roots", "be >= 0", hierarchy_roots);
    }
    if (branching < 1) return invalid_field(type, "branching", "be >= 1", branching);
    if (hierarchy_depth < 0 || hierarchy_depth > 32) {
      return invalid_field(type, "hierarchy_depth", "lie in [0, 32]", hierarchy_depth);
    }
    if (correlation_rank < 0) {
      return invalid_field(type, "correlation_rank", "be >= 0", correlation_rank);
    }
    if (!(correlation_scale >= 0 && finite(correlation_scale))) {
      return invalid_field(type, "correlation_scale", "be finite and >= 0", correlation_scale);
    }
    if (orthogonalize_steps < 0) {
      return invalid_field(type, "orthogonalize_steps", "be >= 0", orthogonalize_steps);
    }
    if (!(orthogonalize_lr > 0 && finite(orthogonalize_lr))) {
      return invalid_field(type, "orthogonalize_lr", "be finite and > 0", orthogonalize_lr);
    }
    if (!(magnitude_mean_start > 0 && finite(magnitude_mean_start))) {
      return invalid_field(type, "magnitude_mean_start", "be finite and > 0", magnitude_mean_start);
    }
    if (!(magnitude_mean_end > 0 && finite(magnitude_mean_end))) {
      return invalid_field(type, "magnitude_mean_end", "be finite and > 0", magnitude_mean_end);
    }
    if (!finite(magnitude_std_mean)) {
      return invalid_field(type, "magnitude_std_mean", "be finite", magnitude_std_mean);
    }
    if (!(magnitude_std_std >= 0 && finite(magnitude_std_std))) {
      return invalid_field(type, "magnitude_std_std", "be finite and >= 0", magnitude_std_std);
    }
    if (!(bias_norm >= 0 && finite(bias_norm))) {
      return invalid_field(type, "bias_norm", "be finite and >= 0", bias_norm);
    }
    return std::nullopt;
  }
};

/// The ground truth of a SynthSAEBench model, built by `make_synth_sae_bench()`. A sample is
/// `x = Σ_i c_i · feature_vectors.row(i) + bias` with sparse non-negative codes c drawn by
/// `SynthSaeBenchSampler`.
struct SynthSaeBenchModel {
  /// The options the model was built from.
  SynthSaeBenchOptions options;
  /// Feature vectors, m × d, unit rows (the dictionary an SAE should recover).
  RowMatrix<float> feature_vectors;
  /// Bias added to every sample, 1 × d, of norm `options.bias_norm`.
  RowVector<float> bias;
  /// The Zipf probabilities p_i, m entries, non-increasing in i (the configured rates).
  Vector<double> firing_probabilities;
  /// The probability with which feature i is drawn before the hierarchy is applied: p_i times
  /// SAELens' compensation factor, clipped to 1 (equal to p_i for roots and for features outside
  /// the hierarchy, or when compensation is off).
  Vector<double> sampling_probabilities;
  /// Parent of each feature, −1 for roots and features outside the hierarchy. Parents have lower
  /// indices than their children, and the children of one parent are consecutive.
  std::vector<Index> parents;
  /// Mean magnitude of each feature when it fires, m entries.
  Vector<double> mean_magnitudes;
  /// Standard deviation of each feature's magnitude, m entries.
  Vector<double> magnitude_stds;
  /// Correlation factor F, m × r (r = 0 when correlations are off): the latent Gaussian of the
  /// copula is z = F·ε + diag(correlation_diag)^½·η with ε ~ N(0, I_r), η ~ N(0, I_m).
  RowMatrix<double> correlation_factor;
  /// 1 − ‖F_i‖², m entries, so that every z_i has unit variance.
  Vector<double> correlation_diag;

  /// Number of features m.
  [[nodiscard]] Index features() const noexcept { return feature_vectors.rows(); }
  /// Dimension d of the samples.
  [[nodiscard]] Index hidden() const noexcept { return feature_vectors.cols(); }
};

/// Options of a `SynthSaeBenchSampler`.
struct SynthSaeBenchSamplerOptions {
  /// Rows per pass (the sampler is sized and seekable). Row i of every pass is the same.
  Index samples = 100000;
  /// Seed of the samples; empty = the model's seed.
  std::optional<std::uint64_t> seed{};

  /// Checks the options. @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (samples < 0) {
      return detail::invalid_field("SynthSaeBenchSamplerOptions", "samples", "be >= 0", samples);
    }
    return std::nullopt;
  }
};

}  // namespace hilm

#endif  // HILM_SYNTH_SYNTH_SAE_BENCH_TYPES_HPP
