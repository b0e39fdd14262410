/// @file
/// Evaluation of a trained sparse autoencoder beyond `evaluate_sae`:
///
/// - `evaluate_sae_core`: the reconstruction, shrinkage, sparsity and density metrics of
///   SAEBench's "core" evaluation (Karvonen et al. 2025, `sae_bench/evals/core/main.py` and
///   `eval_output.py`) on any data, without the language-model metrics (KL, CE loss);
/// - `SaeTruthEvaluator` / `evaluate_sae_truth`: scores against a known ground truth (true
///   feature vectors, true sparse codes per row, the parent of each feature) as SynthSAEBench
///   defines them (Chanin & Garriga-Alonso 2026, arXiv 2602.14687; SAELens
///   `sae_lens/synthetic/evals.py`): MCC, uniqueness, precision / recall / F1 of each latent as a
///   detector of its best-matching feature, explained variance, L0, dead latents, shrinkage;
///   plus two hierarchy-aware scores of hilm's own, absorption and hierarchy consistency.
///
/// Every score streams: batches are encoded, decoded and counted, and only O(latents + features)
/// counters are kept (the latent × feature cosine matrix lives only while the evaluator is
/// constructed). docs/sae.md, "Evaluation against ground truth", has the formulas.
///
/// ```cpp
/// // hilm/synth/synth_sae_bench_io.hpp and hilm/synth/synth_sae_bench.hpp:
/// const auto truth = hilm::load_synth_sae_bench("truth_dir");
/// hilm::SynthSaeBenchSampler sampler(truth, {.samples = 100000});
/// const hilm::SaeTruthMetrics t =
///     hilm::evaluate_sae_truth(weights, truth.feature_vectors, truth.parents, sampler);
/// // t.mcc, t.uniqueness, t.f1, t.absorption, ...
/// ```
#ifndef HILM_SAE_EVALUATION_HPP
#define HILM_SAE_EVALUATION_HPP

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
#include <hilm/sae/result.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm {

/// Histogram of log10 firing frequencies of the latents that fired (SAEBench's feature-density
/// plots): fixed bins of width 0.5 from 10^-8 to 10^0; a density below 10^-8 counts in the first
/// bin, a density of 1 in the last. Latents that never fired are counted in `dead` instead.
struct SaeDensityHistogram {
  /// 17 edges: −8, −7.5, …, 0 (log10 of the firing frequency).
  std::vector<double> log10_edges;
  /// 16 counts; bin b holds the latents with edges[b] <= log10(density) < edges[b + 1] (the last
  /// bin is closed on the right).
  std::vector<std::int64_t> counts;
  /// Latents that never fired.
  Index dead = 0;
};

/// SAEBench "core" metrics computable without the language model (section and field names of
/// SAEBench `evals/core/eval_output.py`). A latent fires on a row when its code is non-zero.
struct SaeCoreMetrics {
  /// The `evaluate_sae` fields: mse (per element), explained_variance, l0, dead_fraction,
  /// dense_fraction, rows.
  SaeMetrics basic;
  /// reconstruction_quality.cossim: mean over rows of x·x̂ / (‖x‖‖x̂‖) (0 for a row where either
  /// norm is 0).
  double cossim = 0;
  /// shrinkage.l2_norm_in: mean ‖x‖.
  double l2_norm_in = 0;
  /// shrinkage.l2_norm_out: mean ‖x̂‖.
  double l2_norm_out = 0;
  /// shrinkage.l2_ratio: mean over rows of ‖x̂‖ / ‖x‖, with ‖x‖ < 1e-4 replaced by 1 (SAEBench).
  double l2_ratio = 0;
  /// shrinkage.relative_reconstruction_bias: mean ‖x̂‖² / mean x·x̂ (Rajamanoharan et al. 2024,
  /// arXiv 2404.16014, eq. 10; 0 when mean x·x̂ = 0).
  double relative_reconstruction_bias = 0;
  /// sparsity.l0: mean number of non-zero codes per row (= basic.l0).
  double l0 = 0;
  /// sparsity.l1: mean Σ_j |z_j| per row.
  double l1 = 0;
  /// misc_metrics.frac_alive: fraction of latents that fired at least once.
  double frac_alive = 0;
  /// misc_metrics.freq_over_1_percent / freq_over_10_percent: fraction of latents with a firing
  /// frequency above 0.01 / 0.1.
  double freq_over_1_percent = 0;
  double freq_over_10_percent = 0;
  /// misc_metrics.normalized_freq_over_1_percent / _10_percent: Σ of the frequencies above
  /// 0.01 / 0.1 over Σ of all frequencies (0 when nothing fired).
  double normalized_freq_over_1_percent = 0;
  double normalized_freq_over_10_percent = 0;
  /// misc_metrics.average_max_encoder_cosine_sim / _decoder_: mean over latents of the largest
  /// (signed) cosine between the latent's encoder (decoder) row and any other latent's (0 with
  /// one latent).
  double average_max_encoder_cosine_sim = 0;
  double average_max_decoder_cosine_sim = 0;
  /// Firing frequency of each latent (SAEBench `feature_density`), m entries.
  Vector<double> feature_density;
  /// Histogram of log10 `feature_density`.
  SaeDensityHistogram density_histogram;
};

/// Options of `SaeTruthEvaluator`.
struct SaeTruthOptions {
  /// A latent firing on more than this fraction of rows counts as dense (`SaeMetrics`).
  double dense_threshold = 0.1;
  /// Absorption and hierarchy consistency use the MCC (Hungarian) pairs of latents and features;
  /// a pair whose |cosine| is below this does not count as a match there. 0 = every pair.
  double min_match_cosine = 0;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (!(dense_threshold >= 0 && dense_threshold <= 1)) {
      return detail::invalid_field("SaeTruthOptions", "dense_threshold", "lie in [0, 1]",
                                   dense_threshold);
    }
    if (!(min_match_cosine >= 0 && min_match_cosine <= 1)) {
      return detail::invalid_field("SaeTruthOptions", "min_match_cosine", "lie in [0, 1]",
                                   min_match_cosine);
    }
    return std::nullopt;
  }
};

/// Absorption of one parent–child pair (see `SaeTruthMetrics::absorption`).
struct SaeAbsorptionPair {
  Index parent = -1;         ///< Parent feature P.
  Index child = -1;          ///< Child feature C.
  Index parent_latent = -1;  ///< Latent matched to P.
  std::int64_t rows = 0;     ///< Rows where C and P are active.
  std::int64_t misses = 0;   ///< Of those, rows where the parent latent does not fire.
  [[nodiscard]] double absorption() const noexcept {
    return rows > 0 ? static_cast<double>(misses) / static_cast<double>(rows) : 0.0;
  }
};

/// Hierarchy consistency of one matched parent–child pair (see
/// `SaeTruthMetrics::hierarchy_consistency`).
struct SaeHierarchyPair {
  Index parent = -1;             ///< Parent feature P.
  Index child = -1;              ///< Child feature C.
  Index parent_latent = -1;      ///< Latent matched to P.
  Index child_latent = -1;       ///< Latent matched to C.
  std::int64_t child_fires = 0;  ///< Rows where the child latent fires.
  std::int64_t both_fire = 0;    ///< Of those, rows where the parent latent fires too.
  [[nodiscard]] double consistency() const noexcept {
    return child_fires > 0 ? static_cast<double>(both_fire) / static_cast<double>(child_fires)
                           : 0.0;
  }
};

/// Ground-truth scores of an SAE (SynthSAEBench's definitions, SAELens
/// `sae_lens/synthetic/evals.py`, plus hilm's hierarchy scores). M = latents, F = true features,
/// n = rows; a latent fires on a row when its code is > 0, a feature is active when its true code
/// is > 0; cos(j, f) is the cosine of decoder row j and feature vector f (rows normalised with
/// norms clamped at 1e-8).
struct SaeTruthMetrics {
  std::int64_t rows = 0;  ///< n.
  Index latents = 0;      ///< M.
  Index features = 0;     ///< F.

  /// Mean |cos| over the min(M, F) pairs of the Hungarian matching of latents to features that
  /// maximises Σ|cos| (SAELens `mean_correlation_coefficient`).
  double mcc = 0;
  /// min(M, F): the number of pairs `mcc` averages over.
  Index matched_pairs = 0;
  /// Number of distinct features among the best matches argmax_f |cos(j, f)| of the M latents,
  /// divided by M (SAELens `feature_uniqueness`; dead latents count).
  double uniqueness = 0;
  /// Mean over all M latents of TP/(TP+FP), latent j detecting its best-matching feature
  /// (0 for a latent that never fires; SAELens `ClassificationMetricsCalculator`).
  double precision = 0;
  /// Mean over all M latents of TP/(TP+FN) (0 when the feature is never active).
  double recall = 0;
  /// Mean over all M latents of 2PR/(P+R) (0 when P + R = 0; dead latents score 0).
  double f1 = 0;
  /// Mean over all M latents of (TP+TN)/n.
  double accuracy = 0;

  /// 1 − Σ‖x − x̂‖² / (Σ‖x‖² − n‖mean x‖²) (SAELens `ExplainedVarianceCalculator`).
  double explained_variance = 0;
  /// Mean number of latents firing per row.
  double l0 = 0;
  /// Mean number of true features active per row.
  double true_l0 = 0;
  /// Latents that never fired.
  Index dead_latents = 0;
  /// dead_latents / M.
  double dead_fraction = 0;
  /// Mean ‖x̂‖/‖x‖ over the rows with ‖x‖ > 1e-6 (SAELens `ShrinkageCalculator`).
  double shrinkage = 0;

  /// Mean over parent–child pairs (P, C) whose parent has a matched latent a_P (MCC pair with
  /// |cos| >= `min_match_cosine`) and where C and P were active together on at least one row, of
  /// the fraction of those rows where a_P does not fire. 1 = the child absorbed the parent's
  /// direction on every row; 0 = a_P always fires with its children.
  double absorption = 0;
  /// Pairs `absorption` averages over.
  Index absorption_pairs = 0;
  /// Mean over parent–child pairs whose parent and child both have matched latents a_P, a_C and
  /// where a_C fired at least once, of P(a_P fires | a_C fires). 1 = the recovered latents respect
  /// the hierarchy (a child latent never fires without its parent latent).
  double hierarchy_consistency = 0;
  /// Pairs `hierarchy_consistency` averages over.
  Index hierarchy_pairs = 0;

  /// Per latent: its MCC partner feature (−1 when M > F and the latent is unmatched) and |cos|.
  IndexVector matched_feature;
  Vector<double> matched_cosine;
  /// Per latent: argmax_f |cos(j, f)| (the first on ties) and that |cos|.
  IndexVector best_feature;
  Vector<double> best_cosine;
  /// Per latent: precision, recall and F1 as a detector of `best_feature`.
  Vector<double> latent_precision;
  Vector<double> latent_recall;
  Vector<double> latent_f1;
  /// Every pair counted in `absorption` (pairs without rows are left out).
  std::vector<SaeAbsorptionPair> absorption_by_pair;
  /// Every pair counted in `hierarchy_consistency` (pairs whose child latent never fired are left
  /// out).
  std::vector<SaeHierarchyPair> hierarchy_by_pair;
};

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

/// SAEBench core metrics of a model on a data set, in one pass over `source` (rewound first).
///
/// Differences from SAEBench, which evaluates inside a language model: `basic.mse` is the mean
/// squared error per element (SAEBench divides each row's squared error by its batch's token
/// count), the explained variance is SAELens' 1 − Σ‖x − x̂‖² / Σ‖x − mean x‖², and the KL and CE
/// metrics (`model_behavior_preservation`, `model_performance_preservation`) are not computed.
///
/// @param[in] weights the model (checked with `check()`).
/// @param[in,out] source n × d rows.
/// @param[in] batch_rows rows per batch (>= 1).
/// @param[in] dense_threshold firing fraction above which a latent counts as dense.
/// @returns the metrics.
/// @throws invalid_argument if `source.dim() != weights.d_in()`, the source is empty or
///   `batch_rows` < 1.
/// Complexity: one encode and decode per row, O(n·m) counting, O(m²·d) for the max cosines.
template <class Scalar, ActivationSource Source>
[[nodiscard]] SaeCoreMetrics evaluate_sae_core(const SaeWeights<Scalar>& weights, Source& source,
                                               Index batch_rows = 4096,
                                               double dense_threshold = 0.1) {
  detail::check_activation_source<Source, Scalar>();
  weights.check();
  detail::check_eval_dim(weights, static_cast<Index>(source.dim()), "evaluate_sae_core");
  if (batch_rows < 1) {
    detail::raise<invalid_argument>(
        "evaluate_sae_core: batch_rows = " + std::to_string(batch_rows) + " must be >= 1");
  }
  source.rewind();
  RowMatrix<Scalar> x(batch_rows, weights.d_in());
  detail::SaeCoreAccumulator acc(weights.d_in(), weights.d_sae());
  for (;;) {
    const auto r = static_cast<Index>(source.read(x));
    if (r <= 0) break;
    const auto batch = x.topRows(r);
    const RowMatrix<Scalar> z = sae_encode(weights, batch);
    const RowMatrix<Scalar> xh = detail::decode_active(weights, z);
    acc.add(batch, z, xh);
  }
  source.rewind();
  if (acc.rows() == 0) {
    detail::raise<invalid_argument>("evaluate_sae_core: the activation source yields no rows");
  }
  return acc.finish(weights, dense_threshold);
}

/// Streams batches of inputs with their true codes and scores an SAE against the ground truth
/// (`SaeTruthMetrics`, SynthSAEBench's definitions). The constructor computes the M × F cosine
/// matrix of decoder rows and true feature vectors, the best match of each latent and the MCC
/// (Hungarian) matching, then frees the matrix; `add_batch` counts; `truth()` and `core()` report.
///
/// Memory: 12·M·F bytes during construction (the float cosine matrix and the assignment's double
/// copy: 768 MB at 4,096 × 16,384), O(M + F + pairs) afterwards plus one batch.
///
/// @tparam Scalar the model's scalar type.
template <std::floating_point Scalar = float>
class SaeTruthEvaluator {
 public:
  /// @param[in] weights the model; must outlive the evaluator.
  /// @param[in] feature_vectors F × d true feature vectors (rows).
  /// @param[in] parents F entries: the parent feature of each feature, −1 for none.
  /// @param[in] options see `SaeTruthOptions`.
  /// @throws invalid_argument if the options are invalid, the model is inconsistent, d differs,
  ///   `parents` has the wrong length or an index out of range, or a value is not finite.
  /// Complexity: O(M·F·d) for the cosines plus the assignment, O(M·min(M, F)·max(M, F)) at worst
  ///   (4 s at 4,096 × 16,384 on the 2-core development machine).
  template <class Derived>
  SaeTruthEvaluator(const SaeWeights<Scalar>& weights,
                    const Eigen::MatrixBase<Derived>& feature_vectors, std::vector<Index> parents,
                    const SaeTruthOptions& options = {})
      : weights_(&weights), options_(options), parents_(std::move(parents)) {
    if (auto problem = options_.validate()) detail::raise<invalid_argument>(*problem);
    weights.check();
    const Index m = weights.d_sae(), f = feature_vectors.rows();
    detail::check_eval_dim(weights, feature_vectors.cols(), "SaeTruthEvaluator");
    if (f < 1) detail::raise<invalid_argument>("SaeTruthEvaluator: no true features");
    if (static_cast<Index>(parents_.size()) != f) {
      detail::raise<invalid_argument>(
          "SaeTruthEvaluator: parents has " + std::to_string(parents_.size()) +
          " entries, expected one per feature (" + std::to_string(f) + ")");
    }
    for (Index i = 0; i < f; ++i) {
      const Index p = parents_[static_cast<std::size_t>(i)];
      if (p < -1 || p >= f || p == i) {
        detail::raise<invalid_argument>("SaeTruthEvaluator: parents[" + std::to_string(i) +
                                        "] = " + std::to_string(p) + " is out of range");
      }
    }
    if (!weights.w_dec.allFinite() || !feature_vectors.allFinite()) {
      detail::raise<invalid_argument>(
          "SaeTruthEvaluator: the decoder or the feature vectors hold a non-finite value");
    }
    latents_ = m;
    features_ = f;
    core_ = detail::SaeCoreAccumulator(weights.d_in(), m);
    match_(weights.w_dec, feature_vectors);
    tp_.assign(static_cast<std::size_t>(m), 0);
    fp_.assign(static_cast<std::size_t>(m), 0);
    fn_.assign(static_cast<std::size_t>(m), 0);
    active_.assign(static_cast<std::size_t>(f), 0);
    sum_ = Vector<double>::Zero(weights.d_in());
  }

  /// Adds a batch.
  /// @param[in] x b × d inputs.
  /// @param[in] codes b × F true codes of the same rows (a feature is active where > 0).
  /// @throws invalid_argument if the shapes disagree.
  template <class Derived, class CodeScalar>
  void add_batch(const Eigen::MatrixBase<Derived>& x, const SparseRowMatrix<CodeScalar>& codes) {
    detail::check_eval_dim(*weights_, x.cols(), "SaeTruthEvaluator::add_batch");
    if (codes.rows() != x.rows() || codes.cols() != features_) {
      detail::raise<invalid_argument>(
          "SaeTruthEvaluator::add_batch: codes are " + std::to_string(codes.rows()) + " x " +
          std::to_string(codes.cols()) + ", expected " + std::to_string(x.rows()) + " x " +
          std::to_string(features_) + " (rows x true features)");
    }
    const Index b = x.rows();
    if (b == 0) return;
    const RowMatrix<Scalar> z = sae_encode(*weights_, x);
    const RowMatrix<Scalar> xh = detail::decode_active(*weights_, z);
    core_.add(x, z, xh);
    for (Index i = 0; i < b; ++i) {
      // Reconstruction sums of SAELens' explained variance and shrinkage.
      double xx = 0, hh = 0, rr = 0;
      for (Index k = 0; k < x.cols(); ++k) {
        const auto xv = static_cast<double>(x(i, k)), hv = static_cast<double>(xh(i, k));
        xx += xv * xv;
        hh += hv * hv;
        rr += (xv - hv) * (xv - hv);
        sum_(k) += xv;
      }
      sum_sq_ += xx;
      sse_ += rr;
      if (std::sqrt(xx) > 1e-6) {
        shrink_sum_ += std::sqrt(hh) / std::sqrt(xx);
        ++shrink_rows_;
      }
      // True activity of row i.
      for (typename SparseRowMatrix<CodeScalar>::InnerIterator it(codes, i); it; ++it) {
        if (it.value() > 0) {
          active_[static_cast<std::size_t>(it.col())] = 1;
          ++true_active_;
        }
      }
      // Each latent as a detector of its best-matching feature.
      for (Index j = 0; j < latents_; ++j) {
        const bool fires = z(i, j) > Scalar(0);
        const bool present = active_[static_cast<std::size_t>(best_(j))] != 0;
        const auto uj = static_cast<std::size_t>(j);
        tp_[uj] += fires && present ? 1 : 0;
        fp_[uj] += fires && !present ? 1 : 0;
        fn_[uj] += !fires && present ? 1 : 0;
        if (fires) {
          const Index pair = hierarchy_of_child_latent_[uj];
          if (pair >= 0) {
            SaeHierarchyPair& h = hierarchy_[static_cast<std::size_t>(pair)];
            ++h.child_fires;
            h.both_fire += z(i, h.parent_latent) > Scalar(0) ? 1 : 0;
          }
        }
      }
      // Absorption: rows where a child and its parent are active.
      for (typename SparseRowMatrix<CodeScalar>::InnerIterator it(codes, i); it; ++it) {
        if (!(it.value() > 0)) continue;
        const Index pair = absorption_of_child_[static_cast<std::size_t>(it.col())];
        if (pair < 0) continue;
        SaeAbsorptionPair& a = absorption_[static_cast<std::size_t>(pair)];
        if (active_[static_cast<std::size_t>(a.parent)] == 0) continue;
        ++a.rows;
        a.misses += z(i, a.parent_latent) > Scalar(0) ? 0 : 1;
      }
      for (typename SparseRowMatrix<CodeScalar>::InnerIterator it(codes, i); it; ++it) {
        active_[static_cast<std::size_t>(it.col())] = 0;
      }
    }
    rows_ += b;
  }

  /// Rows added so far.
  [[nodiscard]] std::int64_t rows() const noexcept { return rows_; }

  /// The ground-truth scores of the rows added so far.
  /// @throws invalid_argument if no row was added.
  [[nodiscard]] SaeTruthMetrics truth() const {
    require_rows_("truth");
    SaeTruthMetrics t;
    const auto n = static_cast<double>(rows_);
    const Index m = latents_;
    t.rows = rows_;
    t.latents = m;
    t.features = features_;
    t.mcc = mcc_;
    t.matched_pairs = std::min(m, features_);
    t.uniqueness = uniqueness_;
    t.matched_feature = matched_;
    t.matched_cosine = matched_cosine_;
    t.best_feature = best_;
    t.best_cosine = best_cosine_;
    t.latent_precision.resize(m);
    t.latent_recall.resize(m);
    t.latent_f1.resize(m);
    double accuracy = 0, fires = 0;
    for (Index j = 0; j < m; ++j) {
      const auto uj = static_cast<std::size_t>(j);
      const auto tp = static_cast<double>(tp_[uj]), fp = static_cast<double>(fp_[uj]),
                 fn = static_cast<double>(fn_[uj]);
      const double p = tp + fp > 0 ? tp / (tp + fp) : 0.0;
      const double r = tp + fn > 0 ? tp / (tp + fn) : 0.0;
      t.latent_precision(j) = p;
      t.latent_recall(j) = r;
      t.latent_f1(j) = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
      accuracy += (n - fp - fn) / n;
      fires += tp + fp;
      t.dead_latents += tp + fp == 0 ? 1 : 0;
    }
    const auto dm = static_cast<double>(m);
    t.precision = t.latent_precision.mean();
    t.recall = t.latent_recall.mean();
    t.f1 = t.latent_f1.mean();
    t.accuracy = accuracy / dm;
    t.l0 = fires / n;
    t.true_l0 = static_cast<double>(true_active_) / n;
    t.dead_fraction = static_cast<double>(t.dead_latents) / dm;
    const double variance = sum_sq_ / n - (sum_ / n).squaredNorm();
    t.explained_variance =
        variance < 1e-10 ? (sse_ < 1e-10 ? 1.0 : 0.0) : 1.0 - (sse_ / n) / variance;
    t.shrinkage = shrink_rows_ > 0 ? shrink_sum_ / static_cast<double>(shrink_rows_) : 0.0;
    double absorbed = 0;
    for (const SaeAbsorptionPair& a : absorption_) {
      if (a.rows == 0) continue;
      t.absorption_by_pair.push_back(a);
      absorbed += a.absorption();
    }
    t.absorption_pairs = static_cast<Index>(t.absorption_by_pair.size());
    t.absorption = t.absorption_pairs > 0 ? absorbed / static_cast<double>(t.absorption_pairs) : 0;
    double consistent = 0;
    for (const SaeHierarchyPair& h : hierarchy_) {
      if (h.child_fires == 0) continue;
      t.hierarchy_by_pair.push_back(h);
      consistent += h.consistency();
    }
    t.hierarchy_pairs = static_cast<Index>(t.hierarchy_by_pair.size());
    t.hierarchy_consistency =
        t.hierarchy_pairs > 0 ? consistent / static_cast<double>(t.hierarchy_pairs) : 0;
    return t;
  }

  /// The SAEBench core metrics of the rows added so far (as `evaluate_sae_core`).
  /// @throws invalid_argument if no row was added.
  [[nodiscard]] SaeCoreMetrics core() const {
    require_rows_("core");
    return core_.finish(*weights_, options_.dense_threshold);
  }

 private:
  void require_rows_(const char* what) const {
    if (rows_ == 0) {
      detail::raise<invalid_argument>(std::string("SaeTruthEvaluator::") + what +
                                      ": no rows were added");
    }
  }

  template <class Decoder, class Features>
  void match_(const Eigen::MatrixBase<Decoder>& decoder, const Eigen::MatrixBase<Features>& truth) {
    const Index m = latents_, f = features_;
    RowMatrix<float> cosine;
    {
      const RowMatrix<float> a = detail::unit_rows_clamped(decoder);
      const RowMatrix<float> b = detail::unit_rows_clamped(truth);
      cosine.noalias() = a * b.transpose();
    }
    cosine = cosine.cwiseAbs();
    // Best match of each latent and uniqueness (SAELens `feature_uniqueness`).
    best_.resize(m);
    best_cosine_.resize(m);
    std::vector<char> used(static_cast<std::size_t>(f), 0);
    Index distinct = 0;
    for (Index j = 0; j < m; ++j) {
      Index arg = 0;
      const float value = cosine.row(j).maxCoeff(&arg);  // the first maximum on ties
      best_(j) = arg;
      best_cosine_(j) = static_cast<double>(value);
      if (used[static_cast<std::size_t>(arg)] == 0) {
        used[static_cast<std::size_t>(arg)] = 1;
        ++distinct;
      }
    }
    uniqueness_ = static_cast<double>(distinct) / static_cast<double>(m);
    // MCC: Hungarian matching maximising Σ|cos| (SAELens `mean_correlation_coefficient`).
    const Assignment assignment = linear_sum_assignment(cosine, true);
    matched_ = assignment.col_of_row;
    matched_cosine_ = Vector<double>::Zero(m);
    double total = 0;
    for (Index j = 0; j < m; ++j) {
      if (matched_(j) < 0) continue;
      matched_cosine_(j) = static_cast<double>(cosine(j, matched_(j)));
      total += matched_cosine_(j);
    }
    mcc_ = total / static_cast<double>(std::min(m, f));
    // The parent–child pairs of the hierarchy scores.
    IndexVector latent_of = IndexVector::Constant(f, -1);
    for (Index j = 0; j < m; ++j) {
      if (matched_(j) >= 0 && matched_cosine_(j) >= options_.min_match_cosine) {
        latent_of(matched_(j)) = j;
      }
    }
    absorption_of_child_.assign(static_cast<std::size_t>(f), -1);
    hierarchy_of_child_latent_.assign(static_cast<std::size_t>(m), -1);
    for (Index c = 0; c < f; ++c) {
      const Index p = parents_[static_cast<std::size_t>(c)];
      if (p < 0 || latent_of(p) < 0) continue;
      absorption_of_child_[static_cast<std::size_t>(c)] = static_cast<Index>(absorption_.size());
      absorption_.push_back({.parent = p, .child = c, .parent_latent = latent_of(p)});
      if (latent_of(c) >= 0) {
        hierarchy_of_child_latent_[static_cast<std::size_t>(latent_of(c))] =
            static_cast<Index>(hierarchy_.size());
        hierarchy_.push_back(
            {.parent = p, .child = c, .parent_latent = latent_of(p), .child_latent = latent_of(c)});
      }
    }
  }

  const SaeWeights<Scalar>* weights_;
  SaeTruthOptions options_;
  std::vector<Index> parents_;
  Index latents_ = 0, features_ = 0;
  double mcc_ = 0, uniqueness_ = 0;
  IndexVector matched_, best_;
  Vector<double> matched_cosine_, best_cosine_;
  std::vector<Index> absorption_of_child_, hierarchy_of_child_latent_;
  std::vector<SaeAbsorptionPair> absorption_;
  std::vector<SaeHierarchyPair> hierarchy_;
  std::vector<std::int64_t> tp_, fp_, fn_;
  std::vector<char> active_;
  std::int64_t true_active_ = 0, rows_ = 0, shrink_rows_ = 0;
  Vector<double> sum_;
  double sum_sq_ = 0, sse_ = 0, shrink_sum_ = 0;
  detail::SaeCoreAccumulator core_;
};

/// Scores a model against a known truth on one pass over `source` (rewound before and after): a
/// source of rows that also gives their true codes, such as `hilm::SynthSaeBenchSampler`
/// (`hilm/synth/synth_sae_bench.hpp`): `read(out, codes)` fills `out` (b × d) and `codes`
/// (rows × F, sparse) and returns the rows written, 0 at the end of the pass.
/// @param[in] weights the model.
/// @param[in] feature_vectors F × d true feature vectors.
/// @param[in] parents F entries, −1 for none.
/// @param[in,out] source the rows and their true codes.
/// @param[in] batch_rows rows per batch (>= 1).
/// @param[in] options see `SaeTruthOptions`.
/// @param[out] core if not null, receives the SAEBench core metrics of the same rows.
/// @returns the scores.
/// @throws invalid_argument as `SaeTruthEvaluator`, or if the source yields no rows.
template <class Scalar, class Derived, class Source>
  requires requires(Source& s, Eigen::Ref<RowMatrix<Scalar>> out, SparseRowMatrix<float>& codes) {
    { s.read(out, codes) } -> std::convertible_to<Index>;
    s.rewind();
  }
[[nodiscard]] SaeTruthMetrics evaluate_sae_truth(const SaeWeights<Scalar>& weights,
                                                 const Eigen::MatrixBase<Derived>& feature_vectors,
                                                 const std::vector<Index>& parents, Source& source,
                                                 Index batch_rows = 4096,
                                                 const SaeTruthOptions& options = {},
                                                 SaeCoreMetrics* core = nullptr) {
  if (batch_rows < 1) {
    detail::raise<invalid_argument>(
        "evaluate_sae_truth: batch_rows = " + std::to_string(batch_rows) + " must be >= 1");
  }
  SaeTruthEvaluator<Scalar> evaluator(weights, feature_vectors, parents, options);
  source.rewind();
  RowMatrix<Scalar> x(batch_rows, weights.d_in());
  SparseRowMatrix<float> codes;
  for (;;) {
    const auto r = static_cast<Index>(source.read(x, codes));
    if (r <= 0) break;
    evaluator.add_batch(x.topRows(r), codes);
  }
  source.rewind();
  if (core != nullptr) *core = evaluator.core();
  return evaluator.truth();
}

}  // namespace hilm

#endif  // HILM_SAE_EVALUATION_HPP
