/// @file
/// The SynthSAEBench data model (Chanin & Garriga-Alonso 2026, "SynthSAEBench: Evaluating Sparse
/// Autoencoders on Scalable Realistic Synthetic Data", arXiv 2602.14687; implemented in SAELens
/// `sae_lens/synthetic/`): m ground-truth features in a d-dimensional space with Zipfian firing
/// probabilities, a forest of mutually exclusive children, low-rank correlated firing, varied
/// magnitudes and nearly orthogonal feature vectors. The defaults are SynthSAEBench-16k.
///
/// `make_synth_sae_bench()` builds the truth deterministically from the seed;
/// `SynthSaeBenchSampler` streams samples from it as a seekable activation source (samples are
/// computed from their row index, never stored), optionally with the true sparse codes.
///
/// ```cpp
/// const auto model = hilm::make_synth_sae_bench({});           // SynthSAEBench-16k
/// hilm::SynthSaeBenchSampler source(model, {.samples = 200'000'000});
/// hilm::RowMatrix<float> batch(1024, model.hidden());
/// while (const auto rows = source.read(batch)) { /* train on batch.topRows(rows) */ }
/// ```
///
/// The options (`SynthSaeBenchOptions`) and the truth (`SynthSaeBenchModel`) are in
/// `hilm/synth/synth_sae_bench_types.hpp`, which this header includes.
#ifndef HILM_SYNTH_SYNTH_SAE_BENCH_HPP
#define HILM_SYNTH_SYNTH_SAE_BENCH_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/distributions.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/sparse_types.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sources/detail/argument_checks.hpp>
#include <hilm/synth/detail/synth_sae_bench_steps.hpp>
#include <hilm/synth/synth_sae_bench_types.hpp>

namespace hilm {

/// Builds the ground truth of a SynthSAEBench model.
///
/// Random streams of `options.seed`: magnitude standard deviations (1), correlation factor (2),
/// feature vectors (3), bias direction (4); the probabilities, the hierarchy and the mean
/// magnitudes are deterministic. Changing one group of options leaves the draws of the others
/// unchanged.
///
/// @param[in] options sizes and knobs; the defaults give SynthSAEBench-16k.
/// @returns the truth: feature vectors m × d, bias, probabilities, parents, magnitudes and the
///   correlation factor.
/// @throws invalid_argument if `options.validate()` fails.
/// Complexity: O(m·(d + r)) plus 4·m²·d flops per orthogonalisation step.
[[nodiscard]] inline SynthSaeBenchModel make_synth_sae_bench(const SynthSaeBenchOptions& options) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  const Index m = options.features, d = options.hidden;
  const Random root(options.seed);
  Random std_rng = root.stream(1), correlation_rng = root.stream(2), vector_rng = root.stream(3),
         bias_rng = root.stream(4);

  SynthSaeBenchModel model;
  model.options = options;
  model.firing_probabilities = detail::zipf_probabilities(options);
  model.parents = detail::forest_parents(options);
  model.sampling_probabilities =
      detail::compensated_probabilities(options, model.firing_probabilities, model.parents);

  // Mean magnitudes fall linearly over the feature index, i.e. from frequent to rare (SAELens
  // `LinearMagnitudeConfig`, torch.linspace(start, end, m)); standard deviations are folded
  // normal draws |N(μ, σ²)| (SAELens `FoldedNormalMagnitudeConfig`).
  model.mean_magnitudes.resize(m);
  model.magnitude_stds.resize(m);
  for (Index i = 0; i < m; ++i) {
    const double t = m > 1 ? static_cast<double>(i) / static_cast<double>(m - 1) : 0.0;
    model.mean_magnitudes(i) = options.magnitude_mean_start +
                               (options.magnitude_mean_end - options.magnitude_mean_start) * t;
    model.magnitude_stds(i) =
        std::abs(options.magnitude_std_mean + options.magnitude_std_std * std_rng.normal());
  }

  detail::correlation_factor(options, correlation_rng, model.correlation_factor,
                             model.correlation_diag);

  model.feature_vectors = detail::random_unit_rows(m, d, vector_rng);
  detail::orthogonalize_rows(model.feature_vectors, options.orthogonalize_steps,
                             options.orthogonalize_lr);

  // SAELens gives the bias the requested norm; its direction is not documented there, so hilm
  // draws it uniformly on the sphere (a choice of ours).
  model.bias = RowVector<float>::Zero(d);
  if (options.bias_norm > 0) {
    model.bias =
        detail::random_unit_rows(1, d, bias_rng).row(0) * static_cast<float>(options.bias_norm);
  }
  return model;
}

/// Firing rate of every feature after the hierarchy (gating, exclusion, compensation) and the
/// ReLU on magnitudes, computed exactly for independent firing (correlations ignored; with the
/// default weak correlations the empirical rates differ from these by a few percent at most).
///
/// SAELens' compensation is an approximation, so these rates are not the Zipf probabilities
/// `model.firing_probabilities`: for SynthSAEBench-16k the Zipf probabilities sum to 59.1 while
/// the rates sum to ≈ 34.5, the published "average L0 ≈ 34".
///
/// @returns m rates in [0, 1].
[[nodiscard]] inline Vector<double> synth_sae_bench_firing_rates(const SynthSaeBenchModel& model) {
  return detail::independent_firing_rates(model);
}

/// Expected number of active features per sample (L0) over the `top` most frequent features
/// (features 0 … top − 1; −1 = all), from `synth_sae_bench_firing_rates`.
/// @throws invalid_argument if `top` < −1.
[[nodiscard]] inline double synth_sae_bench_expected_l0(const SynthSaeBenchModel& model,
                                                        Index top = -1) {
  if (top < -1) {
    hilm::detail::raise<invalid_argument>(
        "synth_sae_bench_expected_l0: parameter `top` = " + std::to_string(top) +
        " must be >= 0, or -1 for all features");
  }
  const Vector<double> rates = synth_sae_bench_firing_rates(model);
  const Index n = top < 0 ? rates.size() : std::min(top, rates.size());
  return rates.head(n).sum();
}

/// Streams samples of a SynthSAEBench model: a `SeekableActivationSource` of `float` rows
/// `x = codes · feature_vectors + bias`, `samples` rows per pass.
///
/// Row i depends only on the model, the seed and i (its random engine is derived from the seed
/// and i), so every pass is identical, `seek` is exact and the batch size does not change the
/// data. Per row:
/// 1. which features fire: with correlations, feature i fires when z_i > Φ⁻¹(1 − q_i) with the
///    Gaussian copula z = F·ε + diag^½·η (SAELens `_generate_correlated_features`, low-rank
///    form), so each fires with its sampling probability q_i; without, independent Bernoulli(q_i);
/// 2. each firing feature gets max(0, μ_i + σ_i·N(0, 1)) (SAELens `ActivationGenerator.sample`;
///    the ReLU is applied before the hierarchy here, so a parent whose magnitude is clipped to 0
///    counts as inactive — SAELens' order of these two steps is our reading of its code);
/// 3. the hierarchy, parents before children (SAELens `hierarchy_modifier`): a child of an
///    inactive parent is switched off; among the active children of an active parent one, chosen
///    uniformly, is kept when children are exclusive; kept children are multiplied by
///    parent value / parent mean when `scale_children_by_parent`.
///
/// The draws are organised for speed without changing the distribution: given ε the features are
/// independent, so the children of an inactive parent (switched off anyway) are never drawn, and
/// the features without a parent are drawn by thinning blocks of them. A row then costs a
/// vectorised O(m·r) for the block bounds plus O(L0 · (r + branching + d)): 15,000 rows per
/// second at the 16k defaults on one core of the development machine (54,000 without
/// correlations).
///
/// The model must outlive the sampler (it is referenced, not copied). Not thread-safe.
class SynthSaeBenchSampler {
 public:
  /// Element type of the rows.
  using Scalar = float;

  /// @param[in] model the truth from `make_synth_sae_bench()`; must outlive the sampler.
  /// @param[in] options rows per pass and seed.
  /// @throws invalid_argument if `options.validate()` fails or the model's arrays disagree in
  ///   size.
  SynthSaeBenchSampler(const SynthSaeBenchModel& model, const SynthSaeBenchSamplerOptions& options)
      : model_(&model), rows_(options.samples) {
    if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
    const Index m = model.features();
    if (model.sampling_probabilities.size() != m || model.mean_magnitudes.size() != m ||
        model.magnitude_stds.size() != m || static_cast<Index>(model.parents.size()) != m ||
        model.correlation_factor.rows() != m || model.correlation_diag.size() != m ||
        model.bias.size() != model.hidden()) {
      hilm::detail::raise<invalid_argument>(
          "SynthSaeBenchSampler: the model's arrays do not all have one entry per feature (m = " +
          std::to_string(m) + "); build it with make_synth_sae_bench()");
    }
    stream_root_ = Random(options.seed.value_or(model.options.seed)).stream(5);
    correlated_ = model.correlation_factor.cols() > 0;
    threshold_.resize(m);
    noise_scale_.resize(m);
    for (Index i = 0; i < m; ++i) {
      threshold_(i) = normal_quantile(1.0 - model.sampling_probabilities(i));
      noise_scale_(i) = std::sqrt(std::max(0.0, model.correlation_diag(i)));
    }
    ranges_ = detail::child_ranges(model.parents);
    // Blocks of features that hold at least one feature without a parent, and the largest
    // sampling probability among those features.
    for (Index b0 = 0; b0 < m; b0 += kFeatureBlock) {
      double bound = -1;
      for (Index i = b0; i < std::min(m, b0 + kFeatureBlock); ++i) {
        if (model.parents[static_cast<std::size_t>(i)] < 0) {
          bound = std::max(bound, model.sampling_probabilities(i));
        }
      }
      if (bound < 0) continue;
      free_blocks_.push_back(b0);
      block_bound_.push_back(bound);
    }
    value_.assign(static_cast<std::size_t>(m), 0.0);
  }

  /// Features per row, d.
  [[nodiscard]] Index dim() const noexcept { return model_->hidden(); }
  /// Rows per pass.
  [[nodiscard]] Index size() const noexcept { return rows_; }
  /// Index of the next row `read` returns.
  [[nodiscard]] Index position() const noexcept { return position_; }

  /// Writes the next min(out.rows(), size() − position()) samples into the top of `out`.
  /// @param[out] out batch buffer, b × d, b >= 1.
  /// @returns the number of rows written; 0 once the pass has ended.
  /// @throws invalid_argument if `out` has the wrong shape.
  Index read(Eigen::Ref<RowMatrix<float>> out) { return read_rows(out, nullptr); }

  /// Like `read(out)`, and also returns the true codes of the rows written.
  /// @param[out] out batch buffer, b × d.
  /// @param[out] codes resized to rows × m; row k holds the non-zero feature activations of
  ///   sample k (after the hierarchy).
  Index read(Eigen::Ref<RowMatrix<float>> out, SparseRowMatrix<float>& codes) {
    return read_rows(out, &codes);
  }

  /// Starts the next pass at row 0.
  void rewind() noexcept { position_ = 0; }

  /// Makes the next `read` start at `row`, 0 <= row <= size().
  /// @throws invalid_argument if `row` is out of range.
  void seek(Index row) {
    detail::check_seek_row(row, rows_, "hilm::SynthSaeBenchSampler::seek");
    position_ = row;
  }

 private:
  Index read_rows(Eigen::Ref<RowMatrix<float>>& out, SparseRowMatrix<float>* codes) {
    detail::check_read_buffer<float>(out, dim(), "hilm::SynthSaeBenchSampler::read");
    const Index count = std::min<Index>(out.rows(), rows_ - position_);
    if (count <= 0) {
      if (codes != nullptr) codes->resize(0, model_->features());
      return 0;
    }
    triplets_.clear();
    for (Index b0 = 0; b0 < count; b0 += kBlock) {
      const Index nb = std::min(kBlock, count - b0);
      engines_.clear();
      for (Index k = 0; k < nb; ++k) {
        engines_.push_back(stream_root_.stream(static_cast<std::uint64_t>(position_ + b0 + k)));
      }
      if (correlated_) {
        const Index r = model_->correlation_factor.cols();
        epsilon_.resize(nb, r);
        for (Index k = 0; k < nb; ++k) {
          for (Index j = 0; j < r; ++j)
            epsilon_(k, j) = engines_[static_cast<std::size_t>(k)].normal();
        }
      }
      for (Index k = 0; k < nb; ++k) {
        sample_row(k, engines_[static_cast<std::size_t>(k)], out.row(b0 + k), b0 + k,
                   codes != nullptr);
      }
    }
    if (codes != nullptr) {
      codes->resize(count, model_->features());
      codes->setFromTriplets(triplets_.begin(), triplets_.end());
    }
    position_ += count;
    return count;
  }

  template <class Row>
  void sample_row(Index k, Random& rng, Row&& x, Index out_row, bool keep_codes) {
    const SynthSaeBenchModel& mdl = *model_;
    const Index m = mdl.features();
    active_.clear();
    // Given ε, the features fire independently: feature i with probability π_i = q_i, or, under
    // the copula, P(η_i > c_i) = Φ̄(c_i) with c_i = (t_i − z_i)/s_i and z_i = F_i·ε. A child of an
    // inactive parent is switched off whatever it drew, so children are drawn only when their
    // parent is active: the same distribution at a cost that follows L0, not Σ q (7,166 for the
    // 16k defaults, whose compensated children mostly fire and are then gated).
    const auto probability = [&](Index i) {
      if (!correlated_) return mdl.sampling_probabilities(i);
      const double z = mdl.correlation_factor.row(i).dot(epsilon_.row(k));
      return normal_sf((threshold_(i) - z) / noise_scale_(i));
    };
    const auto fire = [&](Index i) {  // step 2: magnitude, clipped at 0 (0 = inactive)
      const double v = mdl.mean_magnitudes(i) + mdl.magnitude_stds(i) * rng.normal();
      if (v > 0) value_[static_cast<std::size_t>(i)] = v;
      return v > 0;
    };
    // Step 1 for the features without a parent, a block at a time: positions are proposed with
    // the block's largest probability B (geometric gaps: a Bernoulli(B) trial at every position)
    // and a proposal is kept with probability π_i / B, which is exactly Bernoulli(π_i).
    for (std::size_t block = 0; block < free_blocks_.size(); ++block) {
      const Index b0 = free_blocks_[block];
      const Index end = std::min(m, b0 + kFeatureBlock);
      double bound = 0;
      if (correlated_) {
        // Φ̄ of the smallest c_i over the whole block bounds the π_i of its parentless features.
        const Index n = end - b0;
        const double c_min =
            ((threshold_.segment(b0, n) -
              mdl.correlation_factor.middleRows(b0, n) * epsilon_.row(k).transpose())
                 .cwiseQuotient(noise_scale_.segment(b0, n)))
                .minCoeff();
        bound = normal_sf(c_min);
      } else {
        bound = block_bound_[block];
      }
      if (!(bound > 0)) continue;
      const double log_miss = std::log1p(-bound);  // −∞ when bound = 1: no gaps
      for (Index i = b0 - 1;;) {
        // Every proposal and every test draws its uniform even when the outcome is certain, so
        // the number of draws never hangs on a float equality (such as p = bound), which
        // builds with other vector widths or FMA contraction may round differently.
        const double u = 1.0 - rng.uniform();
        const double gap = bound < 1 ? std::floor(std::log(u) / log_miss) : 0.0;
        if (!(gap < static_cast<double>(end - 1 - i))) break;
        i += 1 + static_cast<Index>(gap);
        if (mdl.parents[static_cast<std::size_t>(i)] >= 0) continue;
        const double p = probability(i);
        if (!(rng.uniform() * bound < p)) continue;
        if (fire(i)) active_.push_back(i);
      }
    }
    // Step 3: the hierarchy. `active_` is a work list: an active feature's children are drawn,
    // reduced to one by exclusion, rescaled and appended, so every child is handled after its
    // parent's value is final.
    const bool exclusive = mdl.options.mutually_exclusive;
    const bool rescale = mdl.options.scale_children_by_parent;
    for (std::size_t a = 0; a < active_.size(); ++a) {
      const Index i = active_[a];
      const auto ui = static_cast<std::size_t>(i);
      const Index n_children = ranges_.count[ui];
      if (n_children == 0) continue;
      const Index first = ranges_.first[ui];
      on_children_.clear();
      for (Index c = first; c < first + n_children; ++c) {
        if (rng.uniform() < probability(c) && fire(c)) on_children_.push_back(c);
      }
      if (exclusive && on_children_.size() > 1) {
        const auto keep = on_children_[rng.uniform_index(on_children_.size())];
        for (const Index c : on_children_) {
          if (c != keep) value_[static_cast<std::size_t>(c)] = 0;
        }
        on_children_.assign(1, keep);
      }
      for (const Index c : on_children_) {
        if (rescale) value_[static_cast<std::size_t>(c)] *= value_[ui] / mdl.mean_magnitudes(i);
        active_.push_back(c);
      }
    }
    // Output: x = Σ c_i v_i + b; reset the scratch values.
    x = mdl.bias;
    for (const Index i : active_) {
      const auto ui = static_cast<std::size_t>(i);
      const double v = value_[ui];
      value_[ui] = 0;
      if (v <= 0) continue;
      x += static_cast<float>(v) * mdl.feature_vectors.row(i);
      if (keep_codes) triplets_.emplace_back(out_row, i, static_cast<float>(v));
    }
  }

  static constexpr Index kBlock = 64;         // rows whose engines and ε are drawn together
  static constexpr Index kFeatureBlock = 64;  // features per thinning block
  const SynthSaeBenchModel* model_;
  Index rows_;
  Index position_ = 0;
  Random stream_root_;
  bool correlated_ = false;
  Vector<double> threshold_;
  Vector<double> noise_scale_;
  std::vector<Index> free_blocks_;   // first feature of each block with parentless features
  std::vector<double> block_bound_;  // their largest sampling probability
  detail::ChildRanges ranges_;
  std::vector<double> value_;
  std::vector<Index> active_;
  std::vector<Index> on_children_;
  std::vector<Random> engines_;
  RowMatrix<double> epsilon_;
  std::vector<Eigen::Triplet<float, Index>> triplets_;
};

static_assert(SeekableActivationSource<SynthSaeBenchSampler>);

}  // namespace hilm

#endif  // HILM_SYNTH_SYNTH_SAE_BENCH_HPP
