/// @file
/// Sparse linear mixing with planted ground truth: `x = codes · atoms + noise`, where each sample
/// activates a few non-negative latents and the atoms are unit-norm directions with controllable
/// mutual coherence.
///
/// This is the set-up under which a sparse dictionary / sparse-autoencoder estimator recovers the
/// latents component-wise (Kong et al. 2025, "causal minimality", sparsity form of minimality;
/// the k-sparse, unit-atom toy model of Elhage et al. 2022, "Toy models of superposition", and
/// Sharkey et al. 2022, "Taking features out of superposition with sparse autoencoders").
/// DESIGN.md check T9 uses the defaults: x in R^64, 32 latents, exactly 3 active, values
/// U[0.5, 1.5], unit atoms.
#ifndef HILM_SYNTH_SPARSE_LINEAR_HPP
#define HILM_SYNTH_SPARSE_LINEAR_HPP

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
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/synth/detail/unit_atoms.hpp>

namespace hilm {

/// Options of `sparse_linear()`. Aggregate: use designated initialisers,
/// e.g. `SparseLinearOptions{.samples = 1000, .active = 2, .seed = 7}`.
struct SparseLinearOptions {
  /// Number of samples n (rows of `x`).
  Index samples = 50000;
  /// Observed dimension d (columns of `x`).
  Index features = 64;
  /// Number of latents m (rows of `atoms`, columns of `codes`).
  Index latents = 32;
  /// Exactly this many latents are active in every sample (ignored when `rate > 0` or `dense`).
  Index active = 3;
  /// When > 0: each latent is active independently with this probability (Bernoulli activity),
  /// instead of exactly `active` per sample. Must lie in [0, 1].
  double rate = 0;
  /// Active values are drawn from U[value_min, value_max]; requires 0 <= value_min <= value_max.
  double value_min = 0.5;
  /// Upper end of the active-value range.
  double value_max = 1.5;
  /// Standard deviation of i.i.d. Gaussian noise added to every entry of `x` (0 = noiseless).
  double noise = 0;
  /// Atoms are rejection-sampled until the largest |cos| between two atoms is <= this value.
  /// 1 disables the check. When the bound is not reached within `coherence_attempts` draws per
  /// atom, the best draw found is kept and `SparseLinearData::coherence` reports what was reached.
  double max_coherence = 1;
  /// Draws per atom allowed by the coherence rejection sampler.
  int coherence_attempts = 1000;
  /// Negative control: every latent is active in every sample (dense codes, values from
  /// U[value_min, value_max], or N(0, 1) when `gaussian_dense` is set). No sparsity to exploit.
  bool dense = false;
  /// With `dense`: draw codes from N(0, 1) instead of U[value_min, value_max].
  bool gaussian_dense = false;
  /// Seed of every random choice; the same options give the same bytes.
  std::uint64_t seed = 0;

  /// Checks the options. @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using detail::describe_value;
    using detail::invalid_field;
    constexpr std::string_view type = "SparseLinearOptions";
    if (samples < 1) return invalid_field(type, "samples", "be >= 1", samples);
    if (features < 1) return invalid_field(type, "features", "be >= 1", features);
    if (latents < 1) return invalid_field(type, "latents", "be >= 1", latents);
    if (!dense && !(rate > 0) && (active < 0 || active > latents)) {
      return invalid_field(type, "active", "lie in [0, latents=" + std::to_string(latents) + "]",
                           active);
    }
    if (!(rate >= 0 && rate <= 1)) return invalid_field(type, "rate", "lie in [0, 1]", rate);
    if (!(std::isfinite(value_min) && std::isfinite(value_max) && value_min >= 0 &&
          value_min <= value_max)) {
      return detail::invalid_field_described(
          type, "value_min", "satisfy 0 <= value_min <= value_max (both finite)",
          describe_value(value_min) + " (value_max = " + describe_value(value_max) + ")");
    }
    if (!(noise >= 0 && std::isfinite(noise))) {
      return invalid_field(type, "noise", "be finite and >= 0", noise);
    }
    if (!(max_coherence > 0 && max_coherence <= 1)) {
      return invalid_field(type, "max_coherence", "lie in (0, 1]", max_coherence);
    }
    if (coherence_attempts < 1) {
      return invalid_field(type, "coherence_attempts", "be >= 1", coherence_attempts);
    }
    return std::nullopt;
  }
};

/// Data and ground truth drawn by `sparse_linear()`.
/// @tparam Scalar element type of the matrices.
template <class Scalar>
struct SparseLinearData {
  /// Observations, n × d: `x = codes · atoms + noise`.
  RowMatrix<Scalar> x;
  /// True codes, n × m, non-negative (Gaussian in the dense-Gaussian control).
  RowMatrix<Scalar> codes;
  /// True atoms, m × d, each row of unit Euclidean norm.
  RowMatrix<Scalar> atoms;
  /// Largest |cos| between two distinct atoms actually reached (0 when m = 1).
  double coherence = 0;
};

/// Draws sparse linear mixing data with planted codes and atoms.
///
/// Random streams: atoms, codes and noise come from independent sub-streams of `seed`, so
/// changing `noise` leaves atoms and codes unchanged.
///
/// @tparam Scalar element type of the returned matrices (float or double).
/// @param[in] options sizes, sparsity, value range, noise, coherence and seed.
/// @returns `x` n × d, `codes` n × m, `atoms` m × d (unit rows) and the coherence reached.
/// @throws invalid_argument if `options.validate()` fails.
/// Complexity: O(n·k·d) for k-sparse codes (O(n·m·d) when dense) plus O(m²·d·attempts) for the
/// atoms.
template <class Scalar = double>
[[nodiscard]] SparseLinearData<Scalar> sparse_linear(const SparseLinearOptions& options) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  const Index n = options.samples, d = options.features, m = options.latents;
  const Random root(options.seed);
  Random atom_rng = root.stream(0), code_rng = root.stream(1), noise_rng = root.stream(2);

  SparseLinearData<Scalar> data;
  RowMatrix<double> atoms;
  data.coherence = detail::draw_unit_atoms(m, d, options.max_coherence, options.coherence_attempts,
                                           atom_rng, atoms);
  data.atoms = atoms.cast<Scalar>();

  data.codes.setZero(n, m);
  data.x.setZero(n, d);
  const double lo = options.value_min, hi = options.value_max;
  if (options.dense) {
    for (Index i = 0; i < n; ++i) {
      for (Index j = 0; j < m; ++j) {
        data.codes(i, j) = static_cast<Scalar>(options.gaussian_dense ? code_rng.normal()
                                                                      : code_rng.uniform(lo, hi));
      }
    }
    data.x.noalias() = data.codes * data.atoms;
  } else {
    // Exactly-k activity: a partial Fisher–Yates shuffle of the latent indices per sample.
    std::vector<Index> order(static_cast<std::size_t>(m));
    for (Index j = 0; j < m; ++j) order[static_cast<std::size_t>(j)] = j;
    for (Index i = 0; i < n; ++i) {
      if (options.rate > 0) {
        for (Index j = 0; j < m; ++j) {
          if (code_rng.bernoulli(options.rate)) {
            data.codes(i, j) = static_cast<Scalar>(code_rng.uniform(lo, hi));
          }
        }
      } else {
        for (Index t = 0; t < options.active; ++t) {
          const auto pick =
              t + static_cast<Index>(code_rng.uniform_index(static_cast<std::uint64_t>(m - t)));
          std::swap(order[static_cast<std::size_t>(t)], order[static_cast<std::size_t>(pick)]);
          const Index j = order[static_cast<std::size_t>(t)];
          // Strictly positive even when value_min = 0, so that "active" means non-zero.
          double value = code_rng.uniform(lo, hi);
          while (!(value > 0) && hi > 0) value = code_rng.uniform(lo, hi);
          data.codes(i, j) = static_cast<Scalar>(value);
        }
      }
      for (Index j = 0; j < m; ++j) {
        const Scalar c = data.codes(i, j);
        if (c != Scalar(0)) data.x.row(i) += c * data.atoms.row(j);
      }
    }
  }
  if (options.noise > 0) {
    for (Index i = 0; i < n; ++i) {
      for (Index j = 0; j < d; ++j)
        data.x(i, j) += static_cast<Scalar>(options.noise * noise_rng.normal());
    }
  }
  return data;
}

}  // namespace hilm

#endif  // HILM_SYNTH_SPARSE_LINEAR_HPP
