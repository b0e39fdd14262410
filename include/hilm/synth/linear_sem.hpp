/// @file
/// Linear structural equation models on a `SynthGraph`: each node is a weighted sum of its
/// parents plus independent noise. With latent nodes this is the linear latent hierarchy of
/// Huang et al. (2022, "Latent hierarchical causal structure discovery with rank constraints")
/// and Dong et al. (2024, "A versatile causal discovery framework to allow causally-related
/// hidden variables", RLCD), whose experiments draw weights from Uniform[−10, 10] (and ±[0.5, 1.5]
/// in the earlier rank-constraint papers); without latents it is the linear-Gaussian DAG used to
/// check Fisher-z tests and PC (Kalisch & Bühlmann 2007).
#ifndef HILM_SYNTH_LINEAR_SEM_HPP
#define HILM_SYNTH_LINEAR_SEM_HPP

#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/synth/graph.hpp>

namespace hilm {

/// Distribution of the exogenous noise of each node (all scaled to variance noise_scale²).
enum class NoiseDistribution {
  Gaussian,    ///< N(0, s²).
  Uniform,     ///< U[−√3 s, √3 s] (non-Gaussian, light tails).
  Laplace,     ///< Laplace with scale s/√2 (non-Gaussian, heavy tails).
  Exponential  ///< s·(Exp(1) − 1) (skewed).
};

/// Options of `linear_sem()`.
struct LinearSemOptions {
  /// Number of samples n.
  Index samples = 1000;
  /// Edge weights are drawn from U[weight_low, weight_high] ...
  double weight_low = 0.5;
  /// ... upper end of that range ...
  double weight_high = 1.5;
  /// ... and multiplied by a random sign when set (±[0.5, 1.5] by default). For RLCD's
  /// Uniform[−10, 10] use {.weight_low = -10, .weight_high = 10, .random_sign = false}.
  bool random_sign = true;
  /// Noise distribution of every node.
  NoiseDistribution noise = NoiseDistribution::Gaussian;
  /// Noise standard deviation of every node.
  double noise_scale = 1;
  /// Seed of weights and samples.
  std::uint64_t seed = 0;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    constexpr std::string_view type = "LinearSemOptions";
    if (samples < 0) return detail::invalid_field(type, "samples", "be >= 0", samples);
    if (!(std::isfinite(weight_low) && std::isfinite(weight_high) && weight_low <= weight_high)) {
      return detail::invalid_field_described(
          type, "weight_low", "be finite and <= weight_high (finite)",
          detail::describe_value(weight_low) +
              " (weight_high = " + detail::describe_value(weight_high) + ")");
    }
    if (!(noise_scale > 0 && std::isfinite(noise_scale))) {
      return detail::invalid_field(type, "noise_scale", "be finite and > 0", noise_scale);
    }
    return std::nullopt;
  }
};

/// Data and truth drawn by `linear_sem()`.
template <class Scalar>
struct LinearSemData {
  /// The graph (observed nodes first by the generators' convention).
  SynthGraph graph;
  /// nodes × nodes weights: `weights(i, j)` is the coefficient of i in j's equation (0 if no
  /// edge i → j).
  Matrix<double> weights;
  /// nodes × nodes exact population covariance of all nodes, Σ = Mᵀ D M with M = (I − W)⁻¹
  /// (total effects) and D the noise variances.
  Matrix<double> covariance;
  /// n × nodes values of every node (column v is node v).
  RowMatrix<Scalar> values;
  /// n × p values of the observed nodes (in increasing id order: the data a method sees).
  RowMatrix<Scalar> x;
  /// The ids of the columns of `x`.
  std::vector<Index> observed;
};

/// Draws weights for the edges of `graph` and n samples of the linear SEM
/// `v_j = Σ_{i → j} w_ij v_i + e_j`.
/// @tparam Scalar element type of the samples.
/// @throws invalid_argument on a bad graph or options.
template <class Scalar = double>
[[nodiscard]] LinearSemData<Scalar> linear_sem(const SynthGraph& graph,
                                               const LinearSemOptions& options) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  if (auto problem = graph.validate()) hilm::detail::raise<invalid_argument>(*problem);
  const Random root(options.seed);
  Random weight_rng = root.stream(0), noise_rng = root.stream(1);
  const Index p = graph.nodes, n = options.samples;
  LinearSemData<Scalar> data;
  data.graph = graph;
  data.observed = graph.observed_nodes();
  data.weights = Matrix<double>::Zero(p, p);
  for (const auto& [from, to] : graph.edges) {
    double w = weight_rng.uniform(options.weight_low, options.weight_high);
    if (options.random_sign && weight_rng.bernoulli(0.5)) w = -w;
    data.weights(from, to) = w;
  }
  const auto order = graph.topological_order();
  // Total effects M = (I − W)⁻¹, column by column in topological order.
  Matrix<double> total = Matrix<double>::Identity(p, p);
  for (const Index v : order) {
    for (const Index u : graph.parents(v)) total.col(v) += data.weights(u, v) * total.col(u);
  }
  const double variance = options.noise_scale * options.noise_scale;
  data.covariance = variance * (total.transpose() * total);
  // Samples, node by node in topological order (column-major work buffer).
  Matrix<double> values(n, p);
  const double s = options.noise_scale;
  for (const Index v : order) {
    for (Index i = 0; i < n; ++i) {
      double e = 0;
      switch (options.noise) {
        case NoiseDistribution::Gaussian:
          e = s * noise_rng.normal();
          break;
        case NoiseDistribution::Uniform:
          e = std::sqrt(3.0) * s * noise_rng.uniform(-1, 1);
          break;
        case NoiseDistribution::Laplace: {
          const double b = s / std::numbers::sqrt2;
          e = noise_rng.bernoulli(0.5) ? b * noise_rng.exponential() : -b * noise_rng.exponential();
          break;
        }
        case NoiseDistribution::Exponential:
          e = s * (noise_rng.exponential() - 1);
          break;
      }
      values(i, v) = e;
    }
    for (const Index u : graph.parents(v)) values.col(v) += data.weights(u, v) * values.col(u);
  }
  data.values = values.cast<Scalar>();
  data.x.resize(n, static_cast<Index>(data.observed.size()));
  for (std::size_t j = 0; j < data.observed.size(); ++j) {
    data.x.col(static_cast<Index>(j)) = data.values.col(data.observed[j]);
  }
  return data;
}

/// Options of `linear_latent_hierarchy()`.
struct LinearLatentHierarchyOptions {
  /// The hierarchy (continuous: cardinalities are ignored). Default: a latent tree with 2 top
  /// latents over 4 latents, 3 observed children each.
  HierarchyGraphOptions graph{};
  /// The SEM. Default weights: RLCD's Uniform[−10, 10].
  LinearSemOptions sem{.weight_low = -10, .weight_high = 10, .random_sign = false};
  /// Master seed: graph and SEM use independent streams (their own seeds are ignored).
  std::uint64_t seed = 0;
};

/// Draws a linear latent hierarchy (RLCD set-up): a random latent hierarchy graph and a linear
/// SEM on it. Only the observed columns (`x`) are what a method sees; `values` has everything.
/// @throws invalid_argument on bad options.
template <class Scalar = double>
[[nodiscard]] LinearSemData<Scalar> linear_latent_hierarchy(
    const LinearLatentHierarchyOptions& options) {
  const Random root(options.seed);
  HierarchyGraphOptions g = options.graph;
  g.seed = root.stream(0)();
  g.latent_cardinality = 0;
  g.observed_cardinality = 0;
  LinearSemOptions sem = options.sem;
  sem.seed = root.stream(1)();
  return linear_sem<Scalar>(random_hierarchy(g), sem);
}

}  // namespace hilm

#endif  // HILM_SYNTH_LINEAR_SEM_HPP
