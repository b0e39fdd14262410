/// @file
/// Options of `hilm::SparseAutoencoder`: the architecture, its sparsity control and the training
/// schedule. An aggregate: set what you need with designated initialisers,
/// `SaeOptions{.latents = 4096, .k = 32, .steps = 10000}`.
#ifndef HILM_SAE_OPTIONS_HPP
#define HILM_SAE_OPTIONS_HPP

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/progress.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// Which sparse autoencoder to train.
enum class SaeArchitecture {
  /// Keep the k largest pre-activations of each row, then ReLU (Makhzani & Frey 2013;
  /// Gao et al. 2024, "Scaling and evaluating sparse autoencoders"). The fast, default choice.
  TopK,
  /// Keep the `k · batch` largest pre-activations of the whole batch (Bussmann, Leask & Nanda
  /// 2024, "BatchTopK sparse autoencoders"); at inference a learned global threshold replaces the
  /// batch selection, so the model is saved as JumpReLU.
  BatchTopK,
  /// ReLU with an L1 penalty weighted by decoder-row norms (Anthropic, "Towards monosemanticity",
  /// 2023, and its April 2024 training update).
  ReLU,
  /// JumpReLU with per-latent learned thresholds trained by a straight-through estimator and an
  /// L0 penalty (Rajamanoharan et al. 2024, "Jumping ahead").
  JumpReLU
};

/// Lower-case name of an architecture as written in files and JSON ("topk", "batchtopk",
/// "relu", "jumprelu").
[[nodiscard]] constexpr std::string_view to_string(SaeArchitecture a) noexcept {
  switch (a) {
    case SaeArchitecture::TopK:
      return "topk";
    case SaeArchitecture::BatchTopK:
      return "batchtopk";
    case SaeArchitecture::ReLU:
      return "relu";
    case SaeArchitecture::JumpReLU:
      return "jumprelu";
  }
  return "unknown";
}

/// Parses a name written by `to_string(SaeArchitecture)`; also accepts SAELens' "standard" for
/// ReLU. @returns nothing for an unknown name.
[[nodiscard]] inline std::optional<SaeArchitecture> parse_sae_architecture(std::string_view name) {
  if (name == "topk") return SaeArchitecture::TopK;
  if (name == "batchtopk") return SaeArchitecture::BatchTopK;
  if (name == "relu" || name == "standard") return SaeArchitecture::ReLU;
  if (name == "jumprelu") return SaeArchitecture::JumpReLU;
  return std::nullopt;
}

/// How inputs are rescaled before training (the factor is folded into the weights when saved).
enum class SaeInputScaling {
  /// `MeanNorm` for ReLU and JumpReLU, `None` for the TopK family.
  Auto,
  /// Train on the data as given.
  None,
  /// Multiply every row by one constant so that the mean row norm is √d (SAELens'
  /// "expected_average_only_in"), estimated on the initialisation sample.
  MeanNorm
};

/// Options of `SparseAutoencoder`. Defaults follow the published recipes cited on each field.
struct SaeOptions {
  /// Architecture (see `SaeArchitecture`).
  SaeArchitecture architecture = SaeArchitecture::TopK;
  /// Number of latents m (the dictionary size, SAELens' `d_sae`). Required, >= 1.
  Index latents = 0;
  /// Active latents per row for TopK, mean active latents per row for BatchTopK; 1 <= k <= m.
  Index k = 32;
  /// Matryoshka nesting (Bussmann et al. 2025, "Learning multi-level features with Matryoshka
  /// SAEs"; TopK family only): strictly increasing prefix sizes, each in [1, m). The loss
  /// averages the reconstruction error of every prefix `latents[0, p)` and of all m latents, so
  /// early latents learn coarse, general features. Empty: off.
  std::vector<Index> matryoshka_prefixes{};
  /// ReLU: coefficient λ of the penalty `λ · Σ_j z_j ‖W_dec,j‖` (Anthropic's April 2024 update
  /// uses 5 with inputs scaled to mean norm √d).
  double l1_coefficient = 5.0;
  /// JumpReLU: coefficient λ of the L0 penalty `λ · Σ_j H(pre_j − θ_j)`.
  double l0_coefficient = 0.01;
  /// JumpReLU: bandwidth ε of the rectangle kernel of the straight-through estimator
  /// (Rajamanoharan et al. 2024 use 0.001 with inputs of mean norm √d).
  double jumprelu_bandwidth = 0.001;
  /// JumpReLU: initial threshold θ of every latent.
  double jumprelu_initial_threshold = 0.001;
  /// ReLU and JumpReLU: the penalty coefficient rises linearly from 0 over this fraction of the
  /// steps (Anthropic's April 2024 update: 5 %).
  double sparsity_warmup_fraction = 0.05;
  /// BatchTopK: weight of the newest batch in the running average of the global threshold.
  double batchtopk_threshold_momentum = 0.01;

  /// Rows per optimiser step.
  Index batch_size = 1024;
  /// Optimiser steps; 0 derives them from `epochs` (which then needs the row count: a source
  /// without `size()` is counted with one extra pass).
  Index steps = 0;
  /// Passes over the data when `steps` is 0.
  Index epochs = 1;
  /// Adam learning rate; 0 picks 2e-4 / √(m / 2¹⁴) (Gao et al. 2024, eq. for the TopK family).
  double learning_rate = 0;
  /// Adam β₁.
  double adam_beta1 = 0.9;
  /// Adam β₂.
  double adam_beta2 = 0.999;
  /// Adam ε.
  double adam_epsilon = 1e-8;
  /// Linear learning-rate warm-up steps; -1 picks 5 % of the steps, at most 1000.
  Index warmup_steps = -1;
  /// The learning rate decays linearly to 0 over this final fraction of the steps (Anthropic's
  /// April 2024 update: 20 %).
  double decay_fraction = 0.2;
  /// Gradients are rescaled so that their global Euclidean norm is at most this; 0 disables.
  double max_grad_norm = 1.0;
  /// Weight α of the AuxK loss on dead latents (Gao et al. 2024: 1/32; TopK family). 0 disables.
  double auxk_coefficient = 1.0 / 32.0;
  /// Latents the AuxK loss may use per row; -1 picks d/2 (Gao et al. 2024).
  Index auxk = -1;
  /// A latent is dead once it has not fired on this many consecutive training rows (Gao et al.
  /// 2024 use 10M tokens).
  Index dead_after_rows = 10'000'000;
  /// A latent is dense when it fires on more than this fraction of rows (metrics only).
  double dense_threshold = 0.1;
  /// Input rescaling; see `SaeInputScaling`.
  SaeInputScaling input_scaling = SaeInputScaling::Auto;
  /// Rows read (from the start of the data) to estimate the pre-bias and the input scale.
  Index init_sample_rows = 16384;
  /// Weiszfeld iterations for the geometric-median pre-bias; 0 uses the mean instead.
  int geometric_median_iterations = 100;
  /// Rows held in the shuffle buffer (at least `batch_size`). Seekable sources are read in
  /// chunks of this size, in a random chunk order; rows are shuffled within the buffer. 0 reads
  /// the data in order without shuffling.
  Index shuffle_buffer_rows = 65536;
  /// Seed of every random choice (initialisation, shuffling).
  std::uint64_t seed = 0;
  /// Steps averaged into one entry of the training history.
  Index history_interval = 100;
  /// Called once per step from the training thread; returning false stops training with
  /// `FitStatus::Cancelled`.
  ProgressCallback progress{};
  /// Checkpoint file; "{step}" in the name is replaced by the step number. Empty: none.
  std::string checkpoint_path{};
  /// Write a checkpoint every this many steps (0: never).
  Index checkpoint_every = 0;
  /// Check every batch for NaN/Inf and throw `invalid_argument` naming the first bad row and
  /// column (counted over the whole pass).
  bool check_finite = false;

  /// True for TopK and BatchTopK.
  [[nodiscard]] bool topk_family() const noexcept {
    return architecture == SaeArchitecture::TopK || architecture == SaeArchitecture::BatchTopK;
  }

  /// Checks the options (without knowing the data). @returns a message naming the offending
  /// field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using detail::invalid_field;
    constexpr std::string_view type = "SaeOptions";
    if (latents < 1) return invalid_field(type, "latents", "be >= 1", latents);
    if (topk_family() && (k < 1 || k > latents)) {
      return invalid_field(type, "k", "be in [1, latents]", k);
    }
    if (!matryoshka_prefixes.empty()) {
      std::string listed = "[";
      for (const Index p : matryoshka_prefixes) {
        listed += (listed.size() > 1 ? ", " : "") + std::to_string(p);
      }
      listed += "]";
      if (!topk_family()) {
        return detail::invalid_field_described(
            type, "matryoshka_prefixes", "be empty unless the architecture is TopK or BatchTopK",
            listed + " with architecture " + std::string(to_string(architecture)));
      }
      Index previous = 0;
      for (const Index p : matryoshka_prefixes) {
        if (p <= previous || p >= latents) {
          return detail::invalid_field_described(type, "matryoshka_prefixes",
                                                 "hold strictly increasing values in [1, latents)",
                                                 listed);
        }
        previous = p;
      }
    }
    if (!(l1_coefficient >= 0 && std::isfinite(l1_coefficient))) {
      return invalid_field(type, "l1_coefficient", "be finite and >= 0", l1_coefficient);
    }
    if (!(l0_coefficient >= 0 && std::isfinite(l0_coefficient))) {
      return invalid_field(type, "l0_coefficient", "be finite and >= 0", l0_coefficient);
    }
    if (!(jumprelu_bandwidth > 0 && std::isfinite(jumprelu_bandwidth))) {
      return invalid_field(type, "jumprelu_bandwidth", "be finite and > 0", jumprelu_bandwidth);
    }
    if (!(jumprelu_initial_threshold > 0 && std::isfinite(jumprelu_initial_threshold))) {
      return invalid_field(type, "jumprelu_initial_threshold", "be finite and > 0",
                           jumprelu_initial_threshold);
    }
    if (!(sparsity_warmup_fraction >= 0 && sparsity_warmup_fraction <= 1)) {
      return invalid_field(type, "sparsity_warmup_fraction", "be in [0, 1]",
                           sparsity_warmup_fraction);
    }
    if (!(batchtopk_threshold_momentum > 0 && batchtopk_threshold_momentum <= 1)) {
      return invalid_field(type, "batchtopk_threshold_momentum", "be in (0, 1]",
                           batchtopk_threshold_momentum);
    }
    if (batch_size < 1) return invalid_field(type, "batch_size", "be >= 1", batch_size);
    if (steps < 0) return invalid_field(type, "steps", "be >= 0", steps);
    if (steps == 0 && epochs < 1) {
      return invalid_field(type, "epochs", "be >= 1 when steps is 0", epochs);
    }
    if (!(learning_rate >= 0 && std::isfinite(learning_rate))) {
      return invalid_field(type, "learning_rate", "be finite and >= 0 (0: automatic)",
                           learning_rate);
    }
    if (!(adam_beta1 >= 0 && adam_beta1 < 1)) {
      return invalid_field(type, "adam_beta1", "be in [0, 1)", adam_beta1);
    }
    if (!(adam_beta2 >= 0 && adam_beta2 < 1)) {
      return invalid_field(type, "adam_beta2", "be in [0, 1)", adam_beta2);
    }
    if (!(adam_epsilon > 0)) return invalid_field(type, "adam_epsilon", "be > 0", adam_epsilon);
    if (warmup_steps < -1) {
      return invalid_field(type, "warmup_steps", "be >= -1 (-1: automatic)", warmup_steps);
    }
    if (!(decay_fraction >= 0 && decay_fraction <= 1)) {
      return invalid_field(type, "decay_fraction", "be in [0, 1]", decay_fraction);
    }
    if (!(max_grad_norm >= 0)) {
      return invalid_field(type, "max_grad_norm", "be >= 0 (0: no clipping)", max_grad_norm);
    }
    if (!(auxk_coefficient >= 0 && std::isfinite(auxk_coefficient))) {
      return invalid_field(type, "auxk_coefficient", "be finite and >= 0", auxk_coefficient);
    }
    if (auxk < -1 || auxk == 0) return invalid_field(type, "auxk", "be >= 1 or -1 (d/2)", auxk);
    if (dead_after_rows < 1) {
      return invalid_field(type, "dead_after_rows", "be >= 1", dead_after_rows);
    }
    if (!(dense_threshold > 0 && dense_threshold <= 1)) {
      return invalid_field(type, "dense_threshold", "be in (0, 1]", dense_threshold);
    }
    if (init_sample_rows < 1) {
      return invalid_field(type, "init_sample_rows", "be >= 1", init_sample_rows);
    }
    if (geometric_median_iterations < 0) {
      return invalid_field(type, "geometric_median_iterations", "be >= 0",
                           geometric_median_iterations);
    }
    if (shuffle_buffer_rows != 0 && shuffle_buffer_rows < batch_size) {
      return invalid_field(type, "shuffle_buffer_rows", "be 0 (no shuffling) or >= batch_size",
                           shuffle_buffer_rows);
    }
    if (history_interval < 1) {
      return invalid_field(type, "history_interval", "be >= 1", history_interval);
    }
    if (checkpoint_every < 0) {
      return invalid_field(type, "checkpoint_every", "be >= 0", checkpoint_every);
    }
    if (checkpoint_every > 0 && checkpoint_path.empty()) {
      return invalid_field(type, "checkpoint_path", "be set when checkpoint_every > 0",
                           checkpoint_path);
    }
    return std::nullopt;
  }
};

}  // namespace hilm

#endif  // HILM_SAE_OPTIONS_HPP
