/// @file
/// Multi-seed stability of sparse-autoencoder latents: train the same SAE with several seeds and
/// measure, for every latent, whether the other runs learn it too. A latent that only one seed
/// finds is an artefact of the initialisation; a latent every run reproduces (matched decoder
/// cosine near 1) is a property of the data. Identifiability theory (DESIGN.md §1) predicts the
/// second kind exactly when the sparsity conditions hold (Paulo & Belrose 2025, "Sparse
/// autoencoders trained on the same data learn different features", make the empirical case).
#ifndef HILM_SAE_STABILITY_HPP
#define HILM_SAE_STABILITY_HPP

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/concepts/activation_source.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/metrics/hungarian.hpp>
#include <hilm/sae/sparse_autoencoder.hpp>

namespace hilm {

/// Result of `sae_stability`.
template <class Scalar>
struct SaeStability {
  /// The r trained models (run i used seed `seeds[i]`).
  std::vector<SaeWeights<Scalar>> models;
  /// The training results, one per run.
  std::vector<SaeResult> results;
  /// r × m: entry (a, j) is the mean, over the other runs b, of the cosine between decoder row j
  /// of run a and the row of run b matched to it one-to-one (Hungarian matching on cosines).
  Matrix<double> agreement;
  /// r × r: mean matched cosine between every pair of runs (1 on the diagonal).
  Matrix<double> pairwise;
  /// Mean of `agreement`.
  double mean = 0;
  /// Fraction of the latents of run 0 whose agreement is at least `threshold`.
  double stable_fraction = 0;
};

/// Trains `options` once per seed on `source` and scores every latent's reproducibility.
///
/// @param[in,out] source the training data (rewound between runs).
/// @param[in] options SAE options; `seed` is replaced by each entry of `seeds`.
/// @param[in] seeds r >= 2 seeds.
/// @param[in] threshold agreement at or above which a latent counts as stable.
/// @returns models, per-latent agreement (r × m), pairwise run similarity.
/// @throws invalid_argument if fewer than 2 seeds, or as `SparseAutoencoder::fit`.
template <class Scalar = float, ActivationSource Source>
[[nodiscard]] SaeStability<Scalar> sae_stability(Source& source, const SaeOptions& options,
                                                 const std::vector<std::uint64_t>& seeds,
                                                 double threshold = 0.9) {
  const auto r = static_cast<Index>(seeds.size());
  if (r < 2) {
    detail::raise<invalid_argument>("sae_stability: need at least 2 seeds, got " +
                                    std::to_string(r));
  }
  SaeStability<Scalar> out;
  std::vector<Matrix<double>> unit;
  for (const std::uint64_t seed : seeds) {
    SaeOptions o = options;
    o.seed = seed;
    SparseAutoencoder<Scalar> sae(o);
    out.results.push_back(sae.fit(source));
    out.models.push_back(sae.weights());
    Matrix<double> u = sae.weights().w_dec.template cast<double>();
    for (Index j = 0; j < u.rows(); ++j) {
      const double n = u.row(j).norm();
      if (n > 0) u.row(j) /= n;
    }
    unit.push_back(std::move(u));
  }
  const Index m = options.latents;
  out.agreement = Matrix<double>::Zero(r, m);
  out.pairwise = Matrix<double>::Identity(r, r);
  for (Index a = 0; a < r; ++a) {
    for (Index b = a + 1; b < r; ++b) {
      const Matrix<double> cosine =
          unit[static_cast<std::size_t>(a)] * unit[static_cast<std::size_t>(b)].transpose();
      const auto match = linear_sum_assignment(cosine, true);
      double total = 0;
      for (Index j = 0; j < m; ++j) {
        const Index k = match.col_of_row(j);
        const double c = k >= 0 ? cosine(j, k) : 0.0;
        out.agreement(a, j) += c;
        if (k >= 0) out.agreement(b, k) += c;
        total += c;
      }
      out.pairwise(a, b) = out.pairwise(b, a) = total / static_cast<double>(m);
    }
  }
  out.agreement /= static_cast<double>(r - 1);
  out.mean = out.agreement.mean();
  out.stable_fraction = static_cast<double>((out.agreement.row(0).array() >= threshold).count()) /
                        static_cast<double>(m);
  return out;
}

}  // namespace hilm

#endif  // HILM_SAE_STABILITY_HPP
