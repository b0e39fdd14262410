/// @file
/// Choosing a sparse autoencoder's size by minimality, and identifiability without ground truth.
///
/// `select_sae_size` trains every candidate (latents m, active latents k) once per seed and keeps
/// the *smallest* code whose explained variance is within `epsilon` of the best candidate's: the
/// compression form of minimality in DESIGN.md §1 (a level is the narrowest, sparsest
/// representation that keeps what the data need). Smaller means sparser first (smaller k, the
/// number of concepts a row is explained by), then narrower (smaller m).
///
/// For every candidate it reports, averaged over the seeds, the explained variance, L0 and dead
/// fraction, and the identifiability score that needs no ground truth: the fraction of latents of
/// the first seed that every other seed reproduces, i.e. whose best-matching decoder row in each
/// other run has cosine at least `match_threshold` (Paulo & Belrose 2025, "Sparse autoencoders
/// trained on the same data learn different features", use the same cross-seed matching).
///
/// ```cpp
/// hilm::MatrixSource source(x);                                  // n × d activations
/// hilm::SaeSizeOptions options;
/// options.candidates = {{512, 16}, {1024, 32}, {2048, 32}};
/// options.base.epochs = 4;
/// const auto found = hilm::select_sae_size<float>(source, options);
/// const auto& chosen = found.candidates[found.chosen];              // its EV, L0, stability
/// const hilm::SaeWeights<float>& w = found.models.front();          // seed 0 of the chosen size
/// ```
#ifndef HILM_SAE_SIZE_SELECTION_HPP
#define HILM_SAE_SIZE_SELECTION_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/sae/detail/size_selection.hpp>
#include <hilm/sae/options.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>

namespace hilm {

/// One candidate size.
struct SaeSize {
  Index latents = 0;  ///< Dictionary size m.
  Index k = 0;        ///< Active latents per row (TopK family).
};

/// Options of `select_sae_size`.
struct SaeSizeOptions {
  /// Candidate sizes (at least one); each is trained once per seed.
  std::vector<SaeSize> candidates;
  /// Seeds (at least 2, so that stability can be measured); DESIGN.md asks for 3.
  std::vector<std::uint64_t> seeds{0, 1, 2};
  /// A candidate is acceptable when its mean explained variance is at least the best mean minus
  /// `epsilon` (absolute, in explained-variance units).
  double epsilon = 0.02;
  /// Best-match decoder cosine at or above which a latent counts as reproduced by another seed.
  double match_threshold = 0.9;
  /// Every other SAE option; `latents`, `k` and `seed` are replaced per run.
  SaeOptions base{};

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using detail::invalid_field;
    constexpr std::string_view type = "SaeSizeOptions";
    if (candidates.empty()) return invalid_field(type, "candidates", "be non-empty", 0);
    for (const SaeSize& c : candidates) {
      if (c.latents < 1 || c.k < 1 || c.k > c.latents) {
        return detail::invalid_field_described(
            type, "candidates", "hold sizes with latents >= 1 and 1 <= k <= latents",
            "{" + std::to_string(c.latents) + ", " + std::to_string(c.k) + "}");
      }
    }
    if (seeds.size() < 2)
      return invalid_field(type, "seeds", "hold at least 2 seeds", seeds.size());
    if (!(epsilon >= 0 && epsilon <= 1))
      return invalid_field(type, "epsilon", "be in [0, 1]", epsilon);
    if (!(match_threshold > 0 && match_threshold <= 1)) {
      return invalid_field(type, "match_threshold", "be in (0, 1]", match_threshold);
    }
    SaeOptions probe = base;
    probe.latents = candidates.front().latents;
    probe.k = candidates.front().k;
    return probe.validate();
  }
};

/// What one candidate size gave, over the seeds.
struct SaeSizeReport {
  SaeSize size;
  double explained_variance = 0;      ///< Mean over seeds (evaluated on the whole source).
  double explained_variance_min = 0;  ///< Worst seed.
  double explained_variance_max = 0;  ///< Best seed.
  double l0 = 0;                      ///< Mean active latents per row, mean over seeds.
  double dead_fraction = 0;           ///< Latents that never fired, mean over seeds.
  /// Fraction of the first seed's latents reproduced by every other seed (best-match decoder
  /// cosine ≥ `match_threshold`).
  double stable_fraction = 0;
  /// Mean over the first seed's latents of the smallest (over the other seeds) best-match cosine.
  double mean_match_cosine = 0;
  bool acceptable = false;  ///< Within `epsilon` of the best mean explained variance.
  double seconds = 0;       ///< Training and evaluation time of all seeds.
};

/// Result of `select_sae_size`.
template <class Scalar>
struct SaeSizeSelection {
  std::vector<SaeSizeReport> candidates;  ///< In the order given.
  Index chosen = 0;                       ///< Index into `candidates` of the chosen size.
  double best_explained_variance = 0;     ///< Best mean explained variance of any candidate.
  /// The chosen size's models, one per seed (in the order of `seeds`).
  std::vector<SaeWeights<Scalar>> models;
  /// For the chosen size: per latent of the first seed, the smallest best-match cosine over the
  /// other seeds.
  std::vector<double> match_cosine;
};

/// Trains every candidate with every seed and chooses the smallest acceptable one (see the file
/// comment).
/// @param[in,out] source the training data (rewound between runs); sized or not.
/// @throws invalid_argument on invalid options, or as `SparseAutoencoder::fit`.
/// @throws numerical_error if a training run ends without usable weights.
template <class Scalar = float, ActivationSource Source>
[[nodiscard]] SaeSizeSelection<Scalar> select_sae_size(Source& source,
                                                       const SaeSizeOptions& options) {
  if (auto problem = options.validate()) detail::raise<invalid_argument>(*problem);
  SaeSizeSelection<Scalar> out;
  std::vector<std::vector<SaeWeights<Scalar>>> runs;
  for (const SaeSize& size : options.candidates) {
    auto [report, models] =
        detail::train_size_candidate<Scalar, SaeSizeReport>(source, options, size);
    out.candidates.push_back(report);
    runs.push_back(std::move(models));
  }
  out.chosen =
      detail::choose_smallest_size(out.candidates, options.epsilon, out.best_explained_variance);
  out.models = std::move(runs[static_cast<std::size_t>(out.chosen)]);
  out.match_cosine = detail::best_match_cosines(out.models);
  return out;
}

}  // namespace hilm

#endif  // HILM_SAE_SIZE_SELECTION_HPP
