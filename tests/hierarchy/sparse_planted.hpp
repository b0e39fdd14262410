// A planted model of sparse codes at SAE sizes, for the tests and benchmark of
// sparse_concept_graph(): lower codes with exactly k active latents per row (a TopK SAE), and
// upper latents of which a fraction are threshold functions of 2–3 lower latents (active when
// the weighted sum of their parents' values exceeds a threshold: an OR of strong activations that
// weak ones alone do not trigger, with dropout and spontaneous firing), the rest independent
// sparse noise. `independent` makes every upper latent noise at the same activity rate (the
// negative control).
#ifndef HILM_TESTS_HIERARCHY_SPARSE_PLANTED_HPP
#define HILM_TESTS_HIERARCHY_SPARSE_PLANTED_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <Eigen/SparseCore>

#include <hilm/core/random.hpp>
#include <hilm/core/sparse_types.hpp>
#include <hilm/core/types.hpp>

namespace hilm::test {

struct PlantedSparseOptions {
  Index rows = 5000;
  Index lower = 1024;
  Index upper = 1024;
  Index k_lower = 32;
  Index planted_every = 4;      // upper u is planted when u % planted_every == 0
  double noise_rate = 0.01;     // activity probability of a noise upper latent
  double dropout = 0.05;        // a planted upper misses a triggered row
  double spontaneous = 0.0005;  // a planted upper fires without its parents
  bool independent = false;
  double frequency_spread = 0;  // > 0: lower latents fire at log-normal rates (sigma), as real
                                // SAE latents do (a few dense ones, a long tail of rare ones)
  std::uint64_t seed = 1;
};

struct PlantedSparseCodes {
  SparseRowMatrix<float> lower, upper;
  std::vector<std::vector<Index>> parents;  // per upper latent, increasing; empty for noise
};

inline PlantedSparseCodes planted_sparse_codes(const PlantedSparseOptions& o) {
  Random rng(o.seed);
  PlantedSparseCodes out;
  out.parents.resize(static_cast<std::size_t>(o.upper));
  std::vector<std::vector<double>> weights(static_cast<std::size_t>(o.upper));
  std::vector<std::vector<Index>> children(static_cast<std::size_t>(o.lower));
  std::vector<Index> noise;
  for (Index u = 0; u < o.upper; ++u) {
    if (o.independent || u % o.planted_every != 0) {
      noise.push_back(u);
      continue;
    }
    auto& p = out.parents[static_cast<std::size_t>(u)];
    const Index size = 2 + static_cast<Index>(rng.uniform_index(2));
    while (static_cast<Index>(p.size()) < size) {
      const auto j = static_cast<Index>(rng.uniform_index(static_cast<std::uint64_t>(o.lower)));
      if (std::find(p.begin(), p.end(), j) == p.end()) p.push_back(j);
    }
    std::sort(p.begin(), p.end());
    for (const Index j : p) {
      children[static_cast<std::size_t>(j)].push_back(u);
      weights[static_cast<std::size_t>(u)].push_back(rng.uniform(0.6, 1.4));
    }
  }
  // Planted uppers fire at roughly k·|S|/L; noise uppers of the control match that rate.
  const double rate = o.independent
                          ? 2.5 * static_cast<double>(o.k_lower) / static_cast<double>(o.lower)
                          : o.noise_rate;
  std::vector<double> cumulative;  // of the lower latents' firing weights
  double total = 0;
  for (Index j = 0; j < o.lower; ++j) {
    total += o.frequency_spread > 0 ? std::exp(o.frequency_spread * rng.normal()) : 1.0;
    cumulative.push_back(total);
  }
  std::vector<Eigen::Triplet<float, Index>> lt, ut;
  std::vector<Index> active;
  std::vector<double> value(static_cast<std::size_t>(o.lower), 0.0);
  std::vector<Index> touched_uppers;
  std::vector<double> drive(static_cast<std::size_t>(o.upper), 0.0);
  const double log_keep = std::log1p(-rate);
  // Noise uppers by geometric skips over the (row, noise latent) grid.
  std::int64_t next_noise = -1;
  auto skip = [&] {
    return static_cast<std::int64_t>(std::floor(std::log1p(-rng.uniform()) / log_keep));
  };
  next_noise = skip();
  const auto noise_count = static_cast<std::int64_t>(noise.size());
  for (Index i = 0; i < o.rows; ++i) {
    active.clear();
    while (static_cast<Index>(active.size()) < o.k_lower) {
      const auto j = static_cast<Index>(
          std::upper_bound(cumulative.begin(), cumulative.end() - 1, rng.uniform() * total) -
          cumulative.begin());
      if (std::find(active.begin(), active.end(), j) == active.end()) active.push_back(j);
    }
    std::sort(active.begin(), active.end());
    touched_uppers.clear();
    for (const Index j : active) {
      const double v = 0.3 + rng.exponential();
      value[static_cast<std::size_t>(j)] = v;
      lt.emplace_back(i, j, static_cast<float>(v));
      for (const Index u : children[static_cast<std::size_t>(j)]) {
        const auto& p = out.parents[static_cast<std::size_t>(u)];
        const auto t = std::find(p.begin(), p.end(), j) - p.begin();
        if (drive[static_cast<std::size_t>(u)] == 0.0) touched_uppers.push_back(u);
        drive[static_cast<std::size_t>(u)] +=
            weights[static_cast<std::size_t>(u)][static_cast<std::size_t>(t)] * v;
      }
    }
    std::vector<std::pair<Index, double>> row;
    for (const Index u : touched_uppers) {
      const double d = drive[static_cast<std::size_t>(u)];
      drive[static_cast<std::size_t>(u)] = 0.0;
      if (d > 0.7 && !rng.bernoulli(o.dropout)) {
        row.emplace_back(u, std::max(0.05, d - 0.5 + 0.1 * rng.normal()));
      }
    }
    for (Index u = 0; u < o.upper && o.spontaneous > 0 && !o.independent; u += o.planted_every) {
      if (rng.bernoulli(o.spontaneous)) row.emplace_back(u, 0.3 + rng.exponential());
    }
    const std::int64_t row_end = (static_cast<std::int64_t>(i) + 1) * noise_count;
    while (next_noise < row_end) {
      const Index u = noise[static_cast<std::size_t>(next_noise % noise_count)];
      row.emplace_back(u, 0.3 + rng.exponential());
      next_noise += 1 + skip();
    }
    std::sort(row.begin(), row.end());
    row.erase(std::unique(row.begin(), row.end(),
                          [](const auto& a, const auto& b) { return a.first == b.first; }),
              row.end());
    for (const auto& [u, v] : row) ut.emplace_back(i, u, static_cast<float>(v));
  }
  out.lower.resize(o.rows, o.lower);
  out.lower.setFromTriplets(lt.begin(), lt.end());
  out.upper.resize(o.rows, o.upper);
  out.upper.setFromTriplets(ut.begin(), ut.end());
  return out;
}

/// Precision/recall/F1 of found edges (lower, upper) against the planted parents.
struct EdgeScore {
  Index tp = 0, fp = 0, fn = 0;
  [[nodiscard]] double f1() const {
    return tp == 0 ? 0.0 : 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn);
  }
};

template <class Edges>
EdgeScore score_edges(const Edges& edges, const std::vector<std::vector<Index>>& truth) {
  EdgeScore s;
  for (const auto& e : edges) {
    const auto& p = truth[static_cast<std::size_t>(e.upper)];
    if (std::find(p.begin(), p.end(), e.lower) != p.end()) {
      ++s.tp;
    } else {
      ++s.fp;
    }
  }
  Index planted = 0;
  for (const auto& p : truth) planted += static_cast<Index>(p.size());
  s.fn = planted - s.tp;
  return s;
}

}  // namespace hilm::test

#endif  // HILM_TESTS_HIERARCHY_SPARSE_PLANTED_HPP
