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
#include <hilm/sae/detail/evaluation.hpp>
#include <hilm/sae/evaluation_types.hpp>
#include <hilm/sae/result.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>
#include <hilm/sae/weights.hpp>

namespace hilm {

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
