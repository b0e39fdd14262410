/// @file
/// The hierarchical selection model of Kong et al. (2025, "causal minimality"): sparse level-1
/// concepts; each higher-level concept a logical or threshold function of a few concepts one level
/// down (the arrows point up: higher concepts are common effects); the data are *selected* on the
/// top-level values (a prompt), which makes the level-1 parents of a selected concept dependent;
/// the observation is a linear or injective nonlinear mixing of the level-1 concepts.
/// DESIGN.md checks T10 (disjoint triples) and T11 (20 level-1, 6 level-2, selection on level 2)
/// use it.
#ifndef HILM_SYNTH_SELECTION_HIERARCHY_HPP
#define HILM_SYNTH_SELECTION_HIERARCHY_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/synth/mlp.hpp>
#include <hilm/synth/sparse_linear.hpp>

namespace hilm {

/// How a higher-level concept is computed from its parents' activity (a parent is active when
/// its value is non-zero).
enum class ConceptFunction {
  And,        ///< 1 when every parent is active.
  Or,         ///< 1 when some parent is active.
  Threshold,  ///< 1 when Σ_p w_p·value_p > τ, weights w_p ~ U[0.5, 1.5] and τ = ½ · Σ_p w_p · μ
              ///< with μ the typical active parent value ((value_min + value_max)/2 for level-1
              ///< parents, 1 above): roughly "a weighted half of the parents are on".
  Mixed  ///< Each concept draws one of And, Or, Threshold uniformly (generation option only).
};

/// How samples are selected on the top-level concepts.
enum class Selection {
  None,   ///< No selection: all samples are kept (the independence control of T11).
  Keep,   ///< Keep a sample only if at least `selection_min_active` top concepts are on.
  Weight  ///< Keep a sample with probability exp(−strength · fraction of top concepts inactive)
          ///< (soft selection: every sample can be kept, active tops are favoured).
};

/// The observation map from level-1 concepts to x.
enum class Observation {
  Linear,  ///< x = level-1 values · atoms (unit rows) + noise.
  Mlp      ///< x = g(level-1 values) + noise, g a random injective leaky-ReLU MLP.
};

/// Options of `selection_hierarchy()`.
struct SelectionHierarchyOptions {
  /// Number of samples kept after selection.
  Index samples = 10000;
  /// Concepts per level, BOTTOM first: {20, 6} is 20 level-1 concepts and 6 level-2 concepts.
  std::vector<Index> widths = {20, 6};
  /// Each higher concept draws between fan_in_min and fan_in_max parents one level down.
  Index fan_in_min = 2;
  /// Upper end of the fan-in.
  Index fan_in_max = 3;
  /// Parents of the concepts of one level are disjoint (needs width_below >= fan_in · width);
  /// T10 uses disjoint triples.
  bool disjoint_parents = false;
  /// Explicit parent sets instead of random ones: parents[l][j] lists the parents (indices into
  /// level l) of concept j of level l + 1. Empty = draw at random.
  std::vector<std::vector<std::vector<Index>>> parents{};
  /// Function of the higher concepts.
  ConceptFunction function = ConceptFunction::Mixed;
  /// Probability that a level-1 concept is active in a sample.
  double rate = 0.25;
  /// Active level-1 values are drawn from U[value_min, value_max] (> 0).
  double value_min = 0.5;
  /// Upper end of the active-value range.
  double value_max = 1.5;
  /// Selection mechanism on the top level.
  Selection selection = Selection::Keep;
  /// With `Keep`: minimum number of active top concepts.
  Index selection_min_active = 1;
  /// With `Weight`: strength of the soft selection.
  double selection_strength = 2;
  /// Observation map.
  Observation observation = Observation::Linear;
  /// Width of x.
  Index features = 64;
  /// Affine layers of the MLP (Observation::Mlp).
  int mlp_layers = 2;
  /// Leaky-ReLU slope of the MLP.
  double mlp_slope = 0.2;
  /// Standard deviation of Gaussian noise added to x.
  double noise = 0;
  /// Draws before selection allowed, as a multiple of `samples` (guards against a selection
  /// event that is almost never met).
  double max_draws_factor = 1000;
  /// Seed of graph, functions, samples and observation (independent streams).
  std::uint64_t seed = 0;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (samples < 1) return "SelectionHierarchyOptions::samples must be >= 1";
    if (widths.size() < 2) {
      return "SelectionHierarchyOptions::widths needs at least 2 levels (level 1 and above)";
    }
    for (const Index w : widths) {
      if (w < 1) return "SelectionHierarchyOptions::widths entries must be >= 1";
    }
    if (fan_in_min < 1 || fan_in_max < fan_in_min) {
      return "SelectionHierarchyOptions::fan_in_min/fan_in_max must satisfy 1 <= min <= max";
    }
    if (parents.empty()) {
      for (std::size_t l = 1; l < widths.size(); ++l) {
        const Index need = disjoint_parents ? fan_in_min * widths[l] : fan_in_min;
        if (widths[l - 1] < need) {
          return "SelectionHierarchyOptions::widths: level " + std::to_string(l) + " has " +
                 std::to_string(widths[l - 1]) + " concepts, too few for the fan-in of level " +
                 std::to_string(l + 1);
        }
      }
    } else {
      if (parents.size() != widths.size() - 1) {
        return "SelectionHierarchyOptions::parents must have one entry per level above level 1";
      }
      for (std::size_t l = 0; l < parents.size(); ++l) {
        if (static_cast<Index>(parents[l].size()) != widths[l + 1]) {
          return "SelectionHierarchyOptions::parents[" + std::to_string(l) +
                 "] must list parents for each of the " + std::to_string(widths[l + 1]) +
                 " concepts";
        }
        for (const auto& set : parents[l]) {
          if (set.empty()) return "SelectionHierarchyOptions::parents: empty parent set";
          for (const Index u : set) {
            if (u < 0 || u >= widths[l]) {
              return "SelectionHierarchyOptions::parents: index out of range";
            }
          }
        }
      }
    }
    if (!(rate > 0 && rate <= 1)) return "SelectionHierarchyOptions::rate must lie in (0, 1]";
    if (!(value_min > 0 && value_min <= value_max)) {
      return "SelectionHierarchyOptions::value_min/value_max must satisfy 0 < min <= max";
    }
    if (selection_min_active < 1 || selection_min_active > widths.back()) {
      return "SelectionHierarchyOptions::selection_min_active must lie in [1, top width]";
    }
    if (!(selection_strength >= 0)) {
      return "SelectionHierarchyOptions::selection_strength must be >= 0";
    }
    if (features < 1) return "SelectionHierarchyOptions::features must be >= 1";
    if (observation == Observation::Mlp && features < widths.front()) {
      return "SelectionHierarchyOptions::features must be >= widths[0] for an injective MLP";
    }
    if (!(noise >= 0)) return "SelectionHierarchyOptions::noise must be >= 0";
    if (!(max_draws_factor >= 1)) return "SelectionHierarchyOptions::max_draws_factor must be >= 1";
    return std::nullopt;
  }
};

/// Data and truth drawn by `selection_hierarchy()`.
template <class Scalar>
struct SelectionHierarchyData {
  /// n × features observations of the kept samples.
  RowMatrix<Scalar> x;
  /// Per level (bottom first): n × width values of the kept samples. Level 1 holds sparse
  /// non-negative values; higher levels hold 0/1.
  std::vector<RowMatrix<Scalar>> levels;
  /// parents[l][j]: parents (indices into level l) of concept j of level l + 1 (sorted).
  std::vector<std::vector<std::vector<Index>>> parents{};
  /// functions[l][j]: the function of concept j of level l + 1 (never Mixed).
  std::vector<std::vector<ConceptFunction>> functions;
  /// thresholds[l][j]: for Threshold concepts, the parent weights (aligned with parents[l][j])
  /// followed by τ as the last entry; empty otherwise.
  std::vector<std::vector<std::vector<double>>> thresholds;
  /// Linear observation: width(1) × features atoms (unit rows); empty for Mlp.
  RowMatrix<Scalar> atoms;
  /// Mlp observation: the injective map g; empty for Linear.
  InjectiveMlp g;
  /// Number of samples drawn before selection (n / draws is the acceptance rate).
  Index draws = 0;
};

/// Draws a hierarchical selection model.
/// @tparam Scalar element type of the outputs.
/// @throws invalid_argument on bad options, or when fewer than `samples` samples pass the
///   selection within `max_draws_factor · samples` draws.
template <class Scalar = double>
[[nodiscard]] SelectionHierarchyData<Scalar> selection_hierarchy(
    const SelectionHierarchyOptions& options) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  const Random root(options.seed);
  Random graph_rng = root.stream(0), sample_rng = root.stream(1), obs_rng = root.stream(2),
         noise_rng = root.stream(3);
  const auto levels = options.widths.size();
  SelectionHierarchyData<Scalar> data;
  // Graph and functions.
  data.parents.resize(levels - 1);
  data.functions.resize(levels - 1);
  data.thresholds.resize(levels - 1);
  for (std::size_t l = 0; l + 1 < levels; ++l) {
    const Index below = options.widths[l], above = options.widths[l + 1];
    auto& sets = data.parents[l];
    if (!options.parents.empty()) {
      sets = options.parents[l];
    } else {
      std::vector<Index> pool(static_cast<std::size_t>(below));
      for (Index i = 0; i < below; ++i) pool[static_cast<std::size_t>(i)] = i;
      graph_rng.shuffle(pool.begin(), pool.end());
      std::size_t cursor = 0;
      for (Index j = 0; j < above; ++j) {
        const Index span = options.fan_in_max - options.fan_in_min + 1;
        Index fan = options.fan_in_min +
                    static_cast<Index>(graph_rng.uniform_index(static_cast<std::uint64_t>(span)));
        std::vector<Index> set;
        if (options.disjoint_parents) {
          // Never take more than leaves enough for the remaining concepts' minimum fan-in.
          const auto left = static_cast<Index>(pool.size() - cursor);
          fan = std::min(fan, left - options.fan_in_min * (above - j - 1));
          for (Index t = 0; t < fan; ++t) set.push_back(pool[cursor++]);
        } else {
          fan = std::min(fan, below);
          std::vector<Index> choice = pool;
          graph_rng.shuffle(choice.begin(), choice.end());
          set.assign(choice.begin(), choice.begin() + fan);
        }
        sets.push_back(std::move(set));
      }
    }
    for (auto& set : sets) std::sort(set.begin(), set.end());
    for (std::size_t j = 0; j < sets.size(); ++j) {
      ConceptFunction f = options.function;
      if (f == ConceptFunction::Mixed) {
        f = static_cast<ConceptFunction>(graph_rng.uniform_index(3));
      }
      data.functions[l].push_back(f);
      std::vector<double> weights;
      if (f == ConceptFunction::Threshold) {
        double sum = 0;
        for (std::size_t t = 0; t < sets[j].size(); ++t) {
          weights.push_back(graph_rng.uniform(0.5, 1.5));
          sum += weights.back();
        }
        const double typical = l == 0 ? 0.5 * (options.value_min + options.value_max) : 1.0;
        weights.push_back(0.5 * sum * typical);
      }
      data.thresholds[l].push_back(std::move(weights));
    }
  }
  // Samples with rejection on the top level.
  const Index n = options.samples;
  for (std::size_t l = 0; l < levels; ++l) data.levels.emplace_back(n, options.widths[l]);
  const auto max_draws = static_cast<double>(n) * options.max_draws_factor;
  std::vector<std::vector<double>> current(levels);
  for (std::size_t l = 0; l < levels; ++l) {
    current[l].resize(static_cast<std::size_t>(options.widths[l]));
  }
  Index kept = 0;
  while (kept < n) {
    if (static_cast<double>(data.draws) >= max_draws) {
      hilm::detail::raise<invalid_argument>(
          "selection_hierarchy: only " + std::to_string(kept) + " of " + std::to_string(n) +
          " samples passed the selection in " + std::to_string(data.draws) +
          " draws; loosen the selection or raise SelectionHierarchyOptions::max_draws_factor");
    }
    ++data.draws;
    for (auto& v : current[0]) {
      v = sample_rng.bernoulli(options.rate)
              ? sample_rng.uniform(options.value_min, options.value_max)
              : 0.0;
    }
    for (std::size_t l = 0; l + 1 < levels; ++l) {
      for (std::size_t j = 0; j < data.parents[l].size(); ++j) {
        const auto& set = data.parents[l][j];
        Index on = 0;
        double weighted = 0;
        for (std::size_t t = 0; t < set.size(); ++t) {
          const double value = current[l][static_cast<std::size_t>(set[t])];
          on += value != 0 ? 1 : 0;
          if (data.functions[l][j] == ConceptFunction::Threshold) {
            weighted += data.thresholds[l][j][t] * value;
          }
        }
        bool active = false;
        switch (data.functions[l][j]) {
          case ConceptFunction::And:
            active = on == static_cast<Index>(set.size());
            break;
          case ConceptFunction::Or:
            active = on > 0;
            break;
          case ConceptFunction::Threshold:
          case ConceptFunction::Mixed:
            active = weighted > data.thresholds[l][j].back();
            break;
        }
        current[l + 1][j] = active ? 1.0 : 0.0;
      }
    }
    Index top_on = 0;
    for (const double v : current.back()) top_on += v != 0 ? 1 : 0;
    bool keep = true;
    switch (options.selection) {
      case Selection::None:
        break;
      case Selection::Keep:
        keep = top_on >= options.selection_min_active;
        break;
      case Selection::Weight: {
        const auto inactive = static_cast<double>(options.widths.back() - top_on) /
                              static_cast<double>(options.widths.back());
        keep = sample_rng.uniform() < std::exp(-options.selection_strength * inactive);
        break;
      }
    }
    if (!keep) continue;
    for (std::size_t l = 0; l < levels; ++l) {
      for (std::size_t j = 0; j < current[l].size(); ++j) {
        data.levels[l](kept, static_cast<Index>(j)) = static_cast<Scalar>(current[l][j]);
      }
    }
    ++kept;
  }
  // Observation of level 1.
  const RowMatrix<double> z = data.levels[0].template cast<double>();
  RowMatrix<double> x;
  if (options.observation == Observation::Linear) {
    RowMatrix<double> atoms;
    (void)detail::draw_unit_atoms(options.widths[0], options.features, 1.0, 1, obs_rng, atoms);
    x = z * atoms;
    data.atoms = atoms.cast<Scalar>();
  } else {
    data.g = random_injective_mlp(options.widths[0], options.features, options.mlp_layers,
                                  options.mlp_slope, obs_rng);
    x = data.g.apply(z);
  }
  if (options.noise > 0) {
    for (Index i = 0; i < x.size(); ++i) x.data()[i] += options.noise * noise_rng.normal();
  }
  data.x = x.cast<Scalar>();
  return data;
}

}  // namespace hilm

#endif  // HILM_SYNTH_SELECTION_HIERARCHY_HPP
