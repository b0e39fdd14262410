/// @file
/// The results and options of the SAE evaluations in hilm/sae/evaluation.hpp (SAEBench core
/// metrics, ground-truth scores), in their own header so that the evaluators' detail code can
/// use them.
#ifndef HILM_SAE_EVALUATION_TYPES_HPP
#define HILM_SAE_EVALUATION_TYPES_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/result.hpp>

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

}  // namespace hilm

#endif  // HILM_SAE_EVALUATION_TYPES_HPP
