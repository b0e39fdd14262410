/// @file
/// The hierarchical selection model of Kong et al. (2025, "causal minimality"): sparse level-1
/// concepts; each higher-level concept a logical or threshold function of a few concepts one level
/// down (the arrows point up: higher concepts are common effects); the data are *selected* on the
/// top-level values (a prompt), which makes the level-1 parents of a selected concept dependent;
/// the observation is a linear or injective nonlinear mixing of the level-1 concepts.
/// DESIGN.md checks T10 (disjoint triples) and T11 (20 level-1, 6 level-2, selection on level 2)
/// use it.
///
/// The options (`SelectionHierarchyOptions`) and the result (`SelectionHierarchyData`) are in
/// `hilm/synth/selection_hierarchy_types.hpp`, which this header includes.
#ifndef HILM_SYNTH_SELECTION_HIERARCHY_HPP
#define HILM_SYNTH_SELECTION_HIERARCHY_HPP

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/synth/detail/selection_hierarchy_steps.hpp>
#include <hilm/synth/selection_hierarchy_types.hpp>

namespace hilm {

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
  SelectionHierarchyData<Scalar> data;
  detail::draw_selection_graph(options, graph_rng, data);
  detail::draw_selected_samples(options, sample_rng, data);
  detail::observe_selection_level_one(options, obs_rng, noise_rng, data);
  return data;
}

}  // namespace hilm

#endif  // HILM_SYNTH_SELECTION_HIERARCHY_HPP
