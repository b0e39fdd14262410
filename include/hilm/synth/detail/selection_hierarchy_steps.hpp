/// @file
/// The steps of `hilm::selection_hierarchy` (`hilm/synth/selection_hierarchy.hpp`): the concept
/// graph and functions, the samples drawn with selection on the top level, and the observation of
/// level 1. Each step draws from its own random stream, so the steps do not share draws.
#ifndef HILM_SYNTH_DETAIL_SELECTION_HIERARCHY_STEPS_HPP
#define HILM_SYNTH_DETAIL_SELECTION_HIERARCHY_STEPS_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/synth/detail/unit_atoms.hpp>
#include <hilm/synth/mlp.hpp>
#include <hilm/synth/selection_hierarchy_types.hpp>

namespace hilm::detail {

/// Step 1: the parent sets (drawn, or copied from `options.parents`; sorted), the function of
/// every concept above level 1 and, for threshold concepts, the parent weights and τ. Draws from
/// `graph_rng` only.
template <class Scalar>
void draw_selection_graph(const SelectionHierarchyOptions& options, Random& graph_rng,
                          SelectionHierarchyData<Scalar>& data) {
  const auto levels = options.widths.size();
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
}

/// Step 2: draws level-1 values and propagates them up until `options.samples` samples pass the
/// selection on the top level; fills `data.levels` and `data.draws`. Draws from `sample_rng` only.
/// @throws invalid_argument when too few samples pass within `max_draws_factor · samples` draws.
template <class Scalar>
void draw_selected_samples(const SelectionHierarchyOptions& options, Random& sample_rng,
                           SelectionHierarchyData<Scalar>& data) {
  const auto levels = options.widths.size();
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
}

/// Step 3: the observation x of level 1 (linear with unit atoms, or an injective MLP) plus
/// Gaussian noise; fills `data.x` and `data.atoms` or `data.g`. Draws from `obs_rng` and
/// `noise_rng` only.
template <class Scalar>
void observe_selection_level_one(const SelectionHierarchyOptions& options, Random& obs_rng,
                                 Random& noise_rng, SelectionHierarchyData<Scalar>& data) {
  const RowMatrix<double> z = data.levels[0].template cast<double>();
  RowMatrix<double> x;
  if (options.observation == Observation::Linear) {
    RowMatrix<double> atoms;
    (void)draw_unit_atoms(options.widths[0], options.features, 1.0, 1, obs_rng, atoms);
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
}

}  // namespace hilm::detail

#endif  // HILM_SYNTH_DETAIL_SELECTION_HIERARCHY_STEPS_HPP
