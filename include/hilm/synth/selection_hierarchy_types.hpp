/// @file
/// Options and result of `hilm::selection_hierarchy` (`hilm/synth/selection_hierarchy.hpp`, which
/// includes this header): the concept functions, the selection mechanism, the observation map.
#ifndef HILM_SYNTH_SELECTION_HIERARCHY_TYPES_HPP
#define HILM_SYNTH_SELECTION_HIERARCHY_TYPES_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/types.hpp>
#include <hilm/synth/mlp.hpp>

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
    using detail::describe_value;
    using detail::invalid_field;
    using detail::invalid_field_described;
    using std::to_string;
    constexpr std::string_view type = "SelectionHierarchyOptions";
    if (samples < 1) return invalid_field(type, "samples", "be >= 1", samples);
    if (widths.size() < 2) {
      return invalid_field_described(type, "widths", "have at least 2 levels (level 1 and above)",
                                     to_string(widths.size()) + " levels");
    }
    for (std::size_t l = 0; l < widths.size(); ++l) {
      if (widths[l] < 1) {
        return invalid_field(type, "widths[" + to_string(l) + "]", "be >= 1", widths[l]);
      }
    }
    if (fan_in_min < 1 || fan_in_max < fan_in_min) {
      return invalid_field_described(
          type, "fan_in_min", "satisfy 1 <= fan_in_min <= fan_in_max",
          describe_value(fan_in_min) + " (fan_in_max = " + describe_value(fan_in_max) + ")");
    }
    if (parents.empty()) {
      for (std::size_t l = 1; l < widths.size(); ++l) {
        const Index need = disjoint_parents ? fan_in_min * widths[l] : fan_in_min;
        if (widths[l - 1] < need) {
          return invalid_field(type, "widths[" + to_string(l - 1) + "]",
                               "be >= " + to_string(need) + " (level " + to_string(l) +
                                   " must cover the fan-in of level " + to_string(l + 1) + ")",
                               widths[l - 1]);
        }
      }
    } else {
      if (parents.size() != widths.size() - 1) {
        return invalid_field_described(
            type, "parents",
            "have one entry per level above level 1 (" + to_string(widths.size() - 1) + ")",
            to_string(parents.size()) + " entries");
      }
      for (std::size_t l = 0; l < parents.size(); ++l) {
        const std::string field = "parents[" + to_string(l) + "]";
        if (static_cast<Index>(parents[l].size()) != widths[l + 1]) {
          return invalid_field_described(
              type, field, "list parents for each of the " + to_string(widths[l + 1]) + " concepts",
              to_string(parents[l].size()) + " parent sets");
        }
        for (std::size_t j = 0; j < parents[l].size(); ++j) {
          const auto& set = parents[l][j];
          const std::string set_field = field + "[" + to_string(j) + "]";
          if (set.empty()) return invalid_field_described(type, set_field, "be non-empty", "{}");
          for (const Index u : set) {
            if (u < 0 || u >= widths[l]) {
              return invalid_field(type, set_field,
                                   "hold indices in [0, " + to_string(widths[l]) + ")", u);
            }
          }
        }
      }
    }
    if (!(rate > 0 && rate <= 1)) return invalid_field(type, "rate", "lie in (0, 1]", rate);
    if (!(value_min > 0 && value_min <= value_max)) {
      return invalid_field_described(
          type, "value_min", "satisfy 0 < value_min <= value_max",
          describe_value(value_min) + " (value_max = " + describe_value(value_max) + ")");
    }
    if (selection_min_active < 1 || selection_min_active > widths.back()) {
      return invalid_field(type, "selection_min_active",
                           "lie in [1, top width=" + to_string(widths.back()) + "]",
                           selection_min_active);
    }
    if (!(selection_strength >= 0)) {
      return invalid_field(type, "selection_strength", "be >= 0", selection_strength);
    }
    if (features < 1) return invalid_field(type, "features", "be >= 1", features);
    if (observation == Observation::Mlp && features < widths.front()) {
      return invalid_field(type, "features",
                           "be >= widths[0]=" + to_string(widths.front()) + " for an injective MLP",
                           features);
    }
    if (!(noise >= 0)) return invalid_field(type, "noise", "be >= 0", noise);
    if (!(max_draws_factor >= 1)) {
      return invalid_field(type, "max_draws_factor", "be >= 1", max_draws_factor);
    }
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

}  // namespace hilm

#endif  // HILM_SYNTH_SELECTION_HIERARCHY_TYPES_HPP
