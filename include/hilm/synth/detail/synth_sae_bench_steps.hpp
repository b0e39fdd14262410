/// @file
/// The steps of `hilm::make_synth_sae_bench` and `hilm::SynthSaeBenchSampler`
/// (`hilm/synth/synth_sae_bench.hpp`). Each step that draws random numbers has its own stream.
/// Comments cite the SAELens function whose rule a step follows (SAELens `sae_lens/synthetic/`,
/// Chanin & Garriga-Alonso 2026, arXiv 2602.14687); the code is hilm's own.
#ifndef HILM_SYNTH_DETAIL_SYNTH_SAE_BENCH_STEPS_HPP
#define HILM_SYNTH_DETAIL_SYNTH_SAE_BENCH_STEPS_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/parallel.hpp>
#include <hilm/core/distributions.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/synth/synth_sae_bench_types.hpp>

namespace hilm::detail {

/// Zipf probabilities: w_k = k^-a for k = 1 … m, mapped affinely so that w_1 ↦ p_max and
/// w_m ↦ p_min (SAELens `zipfian_firing_probabilities`; m = 1 gives p_max).
inline Vector<double> zipf_probabilities(const SynthSaeBenchOptions& o) {
  const Index m = o.features;
  Vector<double> p(m);
  if (m == 1) {
    p(0) = o.p_max;
    return p;
  }
  const double w_min = std::pow(static_cast<double>(m), -o.zipf_exponent);
  for (Index k = 0; k < m; ++k) {
    const double w = std::pow(static_cast<double>(k + 1), -o.zipf_exponent);
    p(k) = o.p_min + (o.p_max - o.p_min) * (w - w_min) / (1.0 - w_min);
  }
  return p;
}

/// Parent of every feature for `roots` trees, `branching` children per parent, `depth` levels
/// below the roots, features handed out breadth-first over the whole forest: first all roots,
/// then the children of root 0, of root 1, …, then the grandchildren (SAELens
/// `generate_hierarchy`). Stops when the features run out; later features have no parent.
inline std::vector<Index> forest_parents(const SynthSaeBenchOptions& o) {
  std::vector<Index> parents(static_cast<std::size_t>(o.features), -1);
  Index next = std::min(o.hierarchy_roots, o.features);
  std::vector<Index> level;
  for (Index r = 0; r < next; ++r) level.push_back(r);
  for (Index d = 0; d < o.hierarchy_depth && next < o.features; ++d) {
    std::vector<Index> below;
    for (const Index parent : level) {
      for (Index c = 0; c < o.branching && next < o.features; ++c) {
        parents[static_cast<std::size_t>(next)] = parent;
        below.push_back(next++);
      }
    }
    level.swap(below);
  }
  return parents;
}

/// First child and number of children of every feature (children are consecutive).
struct ChildRanges {
  std::vector<Index> first;
  std::vector<Index> count;
};

inline ChildRanges child_ranges(const std::vector<Index>& parents) {
  const auto m = parents.size();
  ChildRanges r{std::vector<Index>(m, 0), std::vector<Index>(m, 0)};
  for (std::size_t i = 0; i < m; ++i) {
    const Index p = parents[i];
    if (p < 0) continue;
    const auto pi = static_cast<std::size_t>(p);
    if (r.count[pi] == 0) r.first[pi] = static_cast<Index>(i);
    ++r.count[pi];
  }
  return r;
}

/// Sampling probabilities with SAELens' compensation (`compute_probability_correction_factors`):
/// a child c of parent P gets the factor 1/p_P; when siblings exclude each other (and there are
/// at least two), also the factor 1 + (Σ_siblings p − p_c)/p_P. The product p_c · factor is
/// clipped to 1 (SAELens clamps too). Roots keep p.
inline Vector<double> compensated_probabilities(const SynthSaeBenchOptions& o,
                                                const Vector<double>& p,
                                                const std::vector<Index>& parents) {
  Vector<double> q = p;
  if (!o.compensate_probabilities) return q;
  const ChildRanges ranges = child_ranges(parents);
  for (std::size_t parent = 0; parent < parents.size(); ++parent) {
    const Index count = ranges.count[parent];
    if (count == 0) continue;
    const Index first = ranges.first[parent];
    const double p_parent = p(static_cast<Index>(parent));
    const double total = p.segment(first, count).sum();
    for (Index c = first; c < first + count; ++c) {
      double factor = 1.0 / p_parent;
      if (o.mutually_exclusive && count >= 2) {
        factor *= 1.0 + std::max(0.0, total - p(c)) / p_parent;
      }
      q(c) = std::min(1.0, p(c) * factor);
    }
  }
  return q;
}

/// Low-rank correlation factor (SAELens `generate_random_low_rank_correlation_matrix`): F has
/// i.i.d. N(0, scale²) entries; when some row has ‖F_i‖² > 1 − 0.01, F is scaled down so that the
/// largest row norm² is 0.99 (SAELens' minimum diagonal 0.01); diag_i = 1 − ‖F_i‖².
inline void correlation_factor(const SynthSaeBenchOptions& o, Random& rng, RowMatrix<double>& f,
                               Vector<double>& diag) {
  const Index m = o.features;
  const Index r = o.correlation_scale > 0 ? o.correlation_rank : 0;
  f.resize(m, r);
  for (Index i = 0; i < m; ++i) {
    for (Index k = 0; k < r; ++k) f(i, k) = o.correlation_scale * rng.normal();
  }
  constexpr double min_diag = 0.01;
  Vector<double> norms = f.rowwise().squaredNorm();
  if (r > 0 && norms.maxCoeff() > 1 - min_diag) {
    f *= std::sqrt((1 - min_diag) / norms.maxCoeff());
    norms = f.rowwise().squaredNorm();
  }
  diag = (1.0 - norms.array()).matrix();
}

/// Random unit rows: i.i.d. normal entries, each row normalised (SAELens `FeatureDictionary`).
inline RowMatrix<float> random_unit_rows(Index m, Index d, Random& rng) {
  RowMatrix<float> v(m, d);
  for (Index i = 0; i < m; ++i) {
    double norm = 0;
    do {
      for (Index j = 0; j < d; ++j) v(i, j) = static_cast<float>(rng.normal());
      norm = v.row(i).template cast<double>().norm();
    } while (!(norm > 0));
    v.row(i) /= static_cast<float>(norm);
  }
  return v;
}

/// Pushes the rows of `v` apart (SAELens `orthogonalize_embeddings`): Adam (β = 0.9, 0.999,
/// ε = 1e-8, PyTorch's defaults) on L(V) = Σ_{i≠j} (v_i·v_j)² + m · Σ_i (‖v_i‖² − 1)², whose
/// gradient is 4·(G − diag G)·V + 4m·diag(‖v_i‖² − 1)·V with G = V·Vᵀ; rows are renormalised at
/// the end. G is formed in blocks of 256 rows, so memory stays O(256 · m). SAELens' chunked
/// variant is assumed to compute the same gradient (its chunking is for memory only).
inline void orthogonalize_rows(RowMatrix<float>& v, int steps, double lr) {
  const Index m = v.rows(), d = v.cols();
  if (steps <= 0 || m < 2) return;
  constexpr Index block = 256;
  constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  RowMatrix<float> grad(m, d), moment1 = RowMatrix<float>::Zero(m, d),
                               moment2 = RowMatrix<float>::Zero(m, d);
  const Index blocks = (m + block - 1) / block;
  for (int t = 1; t <= steps; ++t) {
    // Blocks of rows in parallel, each block's products on one thread (Eigen does not thread a
    // product inside a parallel region): the sums are then formed in the same order whatever the
    // thread count, so the truth does not depend on it.
    ParallelGuard guard;
#pragma omp parallel for schedule(dynamic)
    for (Index b = 0; b < blocks; ++b) {
      guard.run([&] {
        const Index b0 = b * block, nb = std::min(block, m - b0);
        RowMatrix<float> gram = v.middleRows(b0, nb) * v.transpose();
        for (Index k = 0; k < nb; ++k) gram(k, b0 + k) = 0;
        grad.middleRows(b0, nb).noalias() = 4.0f * gram * v;
        for (Index k = 0; k < nb; ++k) {
          const Index i = b0 + k;
          const float excess = v.row(i).squaredNorm() - 1.0f;
          grad.row(i) += (4.0f * static_cast<float>(m) * excess) * v.row(i);
        }
      });
    }
    guard.rethrow();
    const auto c1 = static_cast<float>(1 - std::pow(beta1, t));
    const auto c2 = static_cast<float>(1 - std::pow(beta2, t));
    moment1 = static_cast<float>(beta1) * moment1 + static_cast<float>(1 - beta1) * grad;
    moment2.array() = static_cast<float>(beta2) * moment2.array() +
                      static_cast<float>(1 - beta2) * grad.array().square();
    v.array() -= static_cast<float>(lr) * (moment1.array() / c1) /
                 ((moment2.array() / c2).sqrt() + static_cast<float>(eps));
  }
  for (Index i = 0; i < m; ++i) {
    const float norm = v.row(i).norm();
    if (norm > 0) v.row(i) /= norm;
  }
}

/// P(feature i's magnitude survives the ReLU) = P(mean + std·Z > 0).
inline double magnitude_alive(double mean, double std) noexcept {
  if (!(std > 0)) return mean > 0 ? 1.0 : 0.0;
  return normal_cdf(mean / std);
}

/// Exact firing rate of every feature when the features are drawn independently (no
/// correlation): a root fires with q_i · alive_i; a child with rate(parent) · q_c · alive_c ·
/// E[1/(1 + K)], where K is the number of its siblings that fire (exclusion keeps one of the
/// 1 + K uniformly), computed from the distribution of K by dynamic programming.
inline Vector<double> independent_firing_rates(const SynthSaeBenchModel& model) {
  const Index m = model.features();
  Vector<double> on(m), rate(m);
  for (Index i = 0; i < m; ++i) {
    on(i) = model.sampling_probabilities(i) *
            magnitude_alive(model.mean_magnitudes(i), model.magnitude_stds(i));
  }
  const ChildRanges ranges = child_ranges(model.parents);
  std::vector<double> dist;
  for (Index i = 0; i < m; ++i) {
    const Index parent = model.parents[static_cast<std::size_t>(i)];
    if (parent < 0) {
      rate(i) = on(i);
      continue;
    }
    double keep = 1.0;
    const auto pi = static_cast<std::size_t>(parent);
    if (model.options.mutually_exclusive && ranges.count[pi] >= 2) {
      dist.assign(1, 1.0);  // distribution of the number of other siblings that fire
      for (Index s = ranges.first[pi]; s < ranges.first[pi] + ranges.count[pi]; ++s) {
        if (s == i) continue;
        dist.push_back(0.0);
        for (std::size_t k = dist.size() - 1; k > 0; --k) {
          dist[k] = dist[k] * (1 - on(s)) + dist[k - 1] * on(s);
        }
        dist[0] *= 1 - on(s);
      }
      keep = 0;
      for (std::size_t k = 0; k < dist.size(); ++k) keep += dist[k] / static_cast<double>(k + 1);
    }
    rate(i) = rate(parent) * on(i) * keep;
  }
  return rate;
}

}  // namespace hilm::detail

#endif  // HILM_SYNTH_DETAIL_SYNTH_SAE_BENCH_STEPS_HPP
