/// @file
/// Discrete Bayesian networks with planted structure: random full-rank CPTs, ancestral sampling
/// and EXACT probability tables for any split of the variables (for population rank checks).
///
/// Reproduces the set-up of Kong et al. (2024, "Learning discrete concepts in latent hierarchical
/// models"): a discrete latent DAG (trees, several paths, skipped levels) whose bottom discrete
/// variables d, together with continuous exogenous c, generate x = g(d, c) with g injective.
/// Identification there rests on ranks of joint tables P(A, B); `DiscreteModel::joint_table`
/// gives them exactly (variable elimination, Zhang & Poole 1994), so tests can compare a rank
/// estimate with the population value.
#ifndef HILM_SYNTH_DISCRETE_HPP
#define HILM_SYNTH_DISCRETE_HPP

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SVD>

#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/synth/detail/factor.hpp>
#include <hilm/synth/graph.hpp>
#include <hilm/synth/mlp.hpp>

namespace hilm {

/// A discrete Bayesian network: a graph whose every node is discrete, and one conditional
/// probability table per node.
struct DiscreteModel {
  /// The DAG; every `graph.cardinality` entry is >= 2.
  SynthGraph graph;
  /// Per node v: its CPT, a (∏ parent cardinalities) × cardinality(v) matrix whose rows sum to 1.
  /// Row r is the parent configuration in mixed radix over `graph.parents(v)` (increasing id), the
  /// LAST parent varying fastest; a root has a single row (its marginal).
  std::vector<Matrix<double>> cpt;

  /// Checks the graph, the CPT shapes, and that every row is a probability vector (to 1e-9).
  [[nodiscard]] std::optional<std::string> validate() const {
    if (auto problem = graph.validate()) return problem;
    constexpr std::string_view type = "DiscreteModel";
    if (cpt.size() != static_cast<std::size_t>(graph.nodes)) {
      return detail::invalid_field(
          type, "cpt", "hold one table per node (" + std::to_string(graph.nodes) + ")", cpt.size());
    }
    for (Index v = 0; v < graph.nodes; ++v) {
      const int card = graph.cardinality[static_cast<std::size_t>(v)];
      if (card < 2) {
        return detail::invalid_field(type, "graph.cardinality[" + std::to_string(v) + "]",
                                     "be >= 2", card);
      }
      Index rows = 1;
      for (const Index u : graph.parents(v)) rows *= graph.cardinality[static_cast<std::size_t>(u)];
      const auto& t = cpt[static_cast<std::size_t>(v)];
      const std::string field = "cpt[" + std::to_string(v) + "]";
      if (t.rows() != rows || t.cols() != card) {
        return detail::invalid_field_described(
            type, field, "be " + std::to_string(rows) + " × " + std::to_string(card),
            std::to_string(t.rows()) + " × " + std::to_string(t.cols()));
      }
      if ((t.array() < 0).any() || ((t.rowwise().sum().array() - 1).abs() > 1e-9).any()) {
        return detail::invalid_field_described(
            type, field, "have probability vectors as rows (>= 0, summing to 1)",
            "a row that is not");
      }
    }
    return std::nullopt;
  }

  /// Exact joint distribution of `vars` (distinct node ids), by variable elimination over the
  /// ancestors of `vars` (other nodes are barren and sum to 1).
  /// @param[in] vars the variables, in the order that defines the output layout.
  /// @returns a vector of length ∏ card(vars): entry index is the configuration in mixed radix over
  ///   `vars` as given, the LAST variable fastest (numpy C order of an array with axes `vars`).
  /// @throws invalid_argument on out-of-range or repeated ids.
  [[nodiscard]] Vector<double> joint(std::span<const Index> vars) const {
    std::vector<Index> query(vars.begin(), vars.end());
    for (const Index v : query) {
      if (v < 0 || v >= graph.nodes) {
        hilm::detail::raise<invalid_argument>("DiscreteModel::joint: node " + std::to_string(v) +
                                              " is out of range");
      }
    }
    std::vector<Index> sorted = query;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      hilm::detail::raise<invalid_argument>("DiscreteModel::joint: repeated node id");
    }
    // Ancestral closure of the query.
    std::vector<char> keep(static_cast<std::size_t>(graph.nodes), 0);
    std::vector<Index> stack = query;
    while (!stack.empty()) {
      const Index v = stack.back();
      stack.pop_back();
      if (keep[static_cast<std::size_t>(v)]) continue;
      keep[static_cast<std::size_t>(v)] = 1;
      for (const Index u : graph.parents(v)) stack.push_back(u);
    }
    std::vector<detail::Factor> factors;
    for (Index v = 0; v < graph.nodes; ++v) {
      if (keep[static_cast<std::size_t>(v)]) factors.push_back(cpt_factor(v));
    }
    // Greedy elimination: repeatedly remove the non-query variable whose combined factor is
    // smallest (min-size heuristic).
    for (;;) {
      Index best_var = -1;
      double best_size = std::numeric_limits<double>::infinity();
      for (Index v = 0; v < graph.nodes; ++v) {
        if (!keep[static_cast<std::size_t>(v)] ||
            std::binary_search(sorted.begin(), sorted.end(), v)) {
          continue;
        }
        std::vector<Index> scope;
        for (const auto& f : factors) {
          if (std::binary_search(f.vars.begin(), f.vars.end(), v)) {
            scope.insert(scope.end(), f.vars.begin(), f.vars.end());
          }
        }
        std::sort(scope.begin(), scope.end());
        scope.erase(std::unique(scope.begin(), scope.end()), scope.end());
        double size = 1;
        for (const Index u : scope) size *= graph.cardinality[static_cast<std::size_t>(u)];
        if (size < best_size) {
          best_size = size;
          best_var = v;
        }
      }
      if (best_var < 0) break;
      detail::Factor combined{{}, {}, {1.0}};
      std::vector<detail::Factor> rest;
      for (auto& f : factors) {
        if (std::binary_search(f.vars.begin(), f.vars.end(), best_var)) {
          combined = detail::multiply(combined, f);
        } else {
          rest.push_back(std::move(f));
        }
      }
      rest.push_back(detail::sum_out(combined, best_var));
      factors = std::move(rest);
      keep[static_cast<std::size_t>(best_var)] = 0;
    }
    detail::Factor all{{}, {}, {1.0}};
    for (const auto& f : factors) all = detail::multiply(all, f);
    // Re-lay the result out in the caller's order, last variable fastest.
    Index total = 1;
    for (const Index v : query) total *= graph.cardinality[static_cast<std::size_t>(v)];
    Vector<double> out(total);
    const auto strides = detail::strides_in(all, query);
    std::vector<Index> state(query.size(), 0);
    Index source = 0;
    for (Index t = 0; t < total; ++t) {
      out(t) = all.values[static_cast<std::size_t>(source)];
      for (std::size_t k = query.size(); k-- > 0;) {
        const Index card = graph.cardinality[static_cast<std::size_t>(query[k])];
        if (++state[k] < card) {
          source += strides[k];
          break;
        }
        source -= strides[k] * (card - 1);
        state[k] = 0;
      }
    }
    return out;
  }

  /// Exact joint probability table P(A, B) of two disjoint variable sets.
  /// @param[in] a the row variables; rows enumerate their configurations, last variable fastest.
  /// @param[in] b the column variables; columns likewise.
  /// @returns |A-states| × |B-states| matrix summing to 1.
  /// @throws invalid_argument if a or b is empty, they overlap, or an id is out of range.
  [[nodiscard]] Matrix<double> joint_table(std::span<const Index> a,
                                           std::span<const Index> b) const {
    if (a.empty() || b.empty()) {
      hilm::detail::raise<invalid_argument>(
          "DiscreteModel::joint_table: a and b must be non-empty");
    }
    std::vector<Index> both(a.begin(), a.end());
    both.insert(both.end(), b.begin(), b.end());
    const Vector<double> flat = joint(both);  // throws on overlap (repeated id)
    Index rows = 1;
    for (const Index v : a) rows *= graph.cardinality[static_cast<std::size_t>(v)];
    const Index cols = flat.size() / rows;
    // Flat index = row * cols + col (A slower than B).
    Matrix<double> table(rows, cols);
    for (Index r = 0; r < rows; ++r) {
      for (Index c = 0; c < cols; ++c) table(r, c) = flat(r * cols + c);
    }
    return table;
  }

  /// Draws n samples by ancestral sampling.
  /// @param[in] samples number of rows n.
  /// @param[in] seed random seed.
  /// @returns n × nodes matrix of states in 0 … card − 1 (column v is node v).
  [[nodiscard]] RowMatrix<int> sample(Index samples, std::uint64_t seed) const {
    if (samples < 0) hilm::detail::raise<invalid_argument>("DiscreteModel::sample: samples < 0");
    Random rng(seed);
    const auto order = graph.topological_order();
    std::vector<std::vector<Index>> parents(static_cast<std::size_t>(graph.nodes));
    for (Index v = 0; v < graph.nodes; ++v) parents[static_cast<std::size_t>(v)] = graph.parents(v);
    RowMatrix<int> values(samples, graph.nodes);
    for (Index i = 0; i < samples; ++i) {
      for (const Index v : order) {
        Index row = 0;
        for (const Index u : parents[static_cast<std::size_t>(v)]) {
          row = row * graph.cardinality[static_cast<std::size_t>(u)] + values(i, u);
        }
        const auto& t = cpt[static_cast<std::size_t>(v)];
        const double u01 = rng.uniform();
        double cumulative = 0;
        int state = static_cast<int>(t.cols()) - 1;
        for (Index s = 0; s < t.cols(); ++s) {
          cumulative += t(row, s);
          if (u01 < cumulative) {
            state = static_cast<int>(s);
            break;
          }
        }
        values(i, v) = state;
      }
    }
    return values;
  }

 private:
  /// The CPT of node v as a factor over {v} ∪ parents(v).
  [[nodiscard]] detail::Factor cpt_factor(Index v) const {
    const auto pa = graph.parents(v);
    detail::Factor f;
    f.vars = pa;
    f.vars.push_back(v);
    std::sort(f.vars.begin(), f.vars.end());
    for (const Index u : f.vars) f.cards.push_back(graph.cardinality[static_cast<std::size_t>(u)]);
    f.values.resize(static_cast<std::size_t>(f.size()));
    const auto& t = cpt[static_cast<std::size_t>(v)];
    const auto strides = detail::strides_in(f, f.vars);  // identity layout strides
    for (Index r = 0; r < t.rows(); ++r) {
      // Decode the CPT row into parent states (last parent fastest).
      Index rest = r, offset = 0;
      for (std::size_t k = pa.size(); k-- > 0;) {
        const Index card = graph.cardinality[static_cast<std::size_t>(pa[k])];
        const auto pos = static_cast<std::size_t>(std::find(f.vars.begin(), f.vars.end(), pa[k]) -
                                                  f.vars.begin());
        offset += (rest % card) * strides[pos];
        rest /= card;
      }
      const auto self =
          static_cast<std::size_t>(std::find(f.vars.begin(), f.vars.end(), v) - f.vars.begin());
      for (Index s = 0; s < t.cols(); ++s) {
        f.values[static_cast<std::size_t>(offset + s * strides[self])] = t(r, s);
      }
    }
    return f;
  }
};

/// Options of `random_cpts()`.
struct CptOptions {
  /// Concentration of the symmetric Dirichlet each CPT row is drawn from (1 = uniform on the
  /// simplex; smaller = more peaked rows, stronger dependence).
  double dirichlet_alpha = 1;
  /// Full-rank check: every CPT with more than one row is redrawn until
  /// σ_min / σ_max >= this (σ over min(rows, cols) singular values). 0 disables the check.
  double min_singular_ratio = 0.05;
  /// Every CPT entry must be at least this (redraw otherwise); 0 disables.
  double min_probability = 0;
  /// Redraws allowed per CPT before giving up.
  int max_attempts = 10000;
  /// Seed of the CPT draws.
  std::uint64_t seed = 0;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    using detail::invalid_field;
    constexpr std::string_view type = "CptOptions";
    if (!(dirichlet_alpha > 0))
      return invalid_field(type, "dirichlet_alpha", "be > 0", dirichlet_alpha);
    if (!(min_singular_ratio >= 0 && min_singular_ratio < 1)) {
      return invalid_field(type, "min_singular_ratio", "lie in [0, 1)", min_singular_ratio);
    }
    if (!(min_probability >= 0 && min_probability < 0.5)) {
      return invalid_field(type, "min_probability", "lie in [0, 0.5)", min_probability);
    }
    if (max_attempts < 1) return invalid_field(type, "max_attempts", "be >= 1", max_attempts);
    return std::nullopt;
  }
};

/// σ_min / σ_max of a CPT (1 for a single row).
[[nodiscard]] inline double cpt_singular_ratio(const Matrix<double>& cpt) {
  if (cpt.rows() < 2) return 1;
  const Eigen::JacobiSVD<Matrix<double>> svd(cpt);
  const auto& s = svd.singularValues();
  return s(0) > 0 ? s(s.size() - 1) / s(0) : 0;
}

/// Draws Dirichlet CPTs for every node of `graph` with the full-rank check of `options`.
/// @param[in] graph a DAG whose every node has cardinality >= 2.
/// @param[in] options Dirichlet concentration, rank and probability floors, seed.
/// @returns the model (graph copied in).
/// @throws invalid_argument on a bad graph or options; numerical_error if some CPT cannot meet
///   the checks within `max_attempts` (e.g. more parent configurations than states is fine, but
///   a 0.99 ratio is not reachable).
[[nodiscard]] inline DiscreteModel random_cpts(const SynthGraph& graph, const CptOptions& options) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  if (auto problem = graph.validate()) hilm::detail::raise<invalid_argument>(*problem);
  Random rng(options.seed);
  DiscreteModel model;
  model.graph = graph;
  std::vector<double> row;
  for (Index v = 0; v < graph.nodes; ++v) {
    const int card = graph.cardinality[static_cast<std::size_t>(v)];
    if (card < 2) {
      hilm::detail::raise<invalid_argument>("random_cpts: node " + std::to_string(v) +
                                            " has cardinality " + std::to_string(card) +
                                            ", need >= 2");
    }
    Index rows = 1;
    for (const Index u : graph.parents(v)) rows *= graph.cardinality[static_cast<std::size_t>(u)];
    Matrix<double> t(rows, card);
    row.resize(static_cast<std::size_t>(card));
    bool ok = false;
    for (int attempt = 0; attempt < options.max_attempts && !ok; ++attempt) {
      for (Index r = 0; r < rows; ++r) {
        rng.dirichlet(options.dirichlet_alpha, row);
        for (Index s = 0; s < card; ++s) t(r, s) = row[static_cast<std::size_t>(s)];
      }
      ok = t.minCoeff() >= options.min_probability &&
           (options.min_singular_ratio == 0 || cpt_singular_ratio(t) >= options.min_singular_ratio);
    }
    if (!ok) {
      hilm::detail::raise<numerical_error>("random_cpts: no CPT for node " + std::to_string(v) +
                                           " met the full-rank / probability floor within " +
                                           std::to_string(options.max_attempts) + " draws");
    }
    model.cpt.push_back(std::move(t));
  }
  return model;
}

/// Continuous observation `x = g(d, c)` of the observed-layer discrete variables d.
struct DiscreteObservationOptions {
  /// Produce x (false: only the discrete values).
  bool enabled = false;
  /// Width of x (must be >= Σ card(d) + exogenous).
  Index features = 10;
  /// Width of the exogenous c ~ U[−1, 1]^exogenous.
  Index exogenous = 2;
  /// Scale of the one-hot code of d fed to g (larger = better separated clusters).
  double separation = 3;
  /// Affine layers of the injective leaky-ReLU MLP g.
  int layers = 2;
  /// Leaky-ReLU negative slope.
  double slope = 0.2;
  /// Standard deviation of Gaussian noise added to x.
  double noise = 0;
};

/// Options of `discrete_hierarchy()`.
struct DiscreteHierarchyOptions {
  /// Number of samples.
  Index samples = 10000;
  /// The latent hierarchy (cardinalities must be >= 2; defaults: binary latents, ternary leaves).
  HierarchyGraphOptions graph{
      .widths = {2, 6}, .observed_per_leaf = 2, .latent_cardinality = 2, .observed_cardinality = 3};
  /// CPT draws.
  CptOptions cpts{};
  /// Optional continuous observation of the observed layer.
  DiscreteObservationOptions observation{};
  /// Master seed: graph, CPTs, samples and observation use independent streams of it (the
  /// seeds inside `graph` and `cpts` are ignored).
  std::uint64_t seed = 0;
};

/// Data and truth drawn by `discrete_hierarchy()`.
template <class Scalar>
struct DiscreteHierarchyData {
  /// The model: graph (observed nodes first) and CPTs; exact tables via `model.joint_table`.
  DiscreteModel model;
  /// n × nodes states of every node (observed columns first).
  RowMatrix<int> values;
  /// n × features continuous observation x = g(d, c) (empty unless enabled).
  RowMatrix<Scalar> x;
  /// n × exogenous c (empty unless enabled).
  RowMatrix<Scalar> exogenous;
  /// The injective map g (input: [separation · one-hot(d) for each observed node, c]).
  InjectiveMlp g;
};

/// Draws a discrete latent hierarchy, its samples and (optionally) a continuous observation.
///
/// @tparam Scalar element type of x.
/// @throws invalid_argument on bad options; numerical_error if the CPT checks cannot be met.
template <class Scalar = double>
[[nodiscard]] DiscreteHierarchyData<Scalar> discrete_hierarchy(
    const DiscreteHierarchyOptions& options) {
  if (options.samples < 1) {
    hilm::detail::raise<invalid_argument>("DiscreteHierarchyOptions::samples must be >= 1");
  }
  if (options.graph.latent_cardinality < 2 || options.graph.observed_cardinality < 2) {
    hilm::detail::raise<invalid_argument>(
        "DiscreteHierarchyOptions::graph: latent_cardinality and observed_cardinality must be >= "
        "2");
  }
  const Random root(options.seed);
  HierarchyGraphOptions graph_options = options.graph;
  graph_options.seed = root.stream(0)();
  CptOptions cpt_options = options.cpts;
  cpt_options.seed = root.stream(1)();
  DiscreteHierarchyData<Scalar> data;
  data.model = random_cpts(random_hierarchy(graph_options), cpt_options);
  data.values = data.model.sample(options.samples, root.stream(2)());
  const auto& obs = options.observation;
  if (obs.enabled) {
    const auto observed = data.model.graph.observed_nodes();
    Index onehot = 0;
    for (const Index v : observed)
      onehot += data.model.graph.cardinality[static_cast<std::size_t>(v)];
    const Index input = onehot + obs.exogenous;
    if (obs.exogenous < 0 || obs.features < input || !(obs.separation > 0) || !(obs.noise >= 0)) {
      hilm::detail::raise<invalid_argument>(
          "DiscreteObservationOptions: need exogenous >= 0, separation > 0, noise >= 0 and "
          "features >= " +
          std::to_string(input) + " (one-hot width + exogenous), got features " +
          std::to_string(obs.features));
    }
    Random rng = root.stream(3);
    data.g = random_injective_mlp(input, obs.features, obs.layers, obs.slope, rng);
    RowMatrix<double> z = RowMatrix<double>::Zero(options.samples, input);
    RowMatrix<double> c(options.samples, obs.exogenous);
    for (Index i = 0; i < options.samples; ++i) {
      Index offset = 0;
      for (const Index v : observed) {
        z(i, offset + data.values(i, v)) = obs.separation;
        offset += data.model.graph.cardinality[static_cast<std::size_t>(v)];
      }
      for (Index j = 0; j < obs.exogenous; ++j) c(i, j) = z(i, onehot + j) = rng.uniform(-1, 1);
    }
    RowMatrix<double> x = data.g.apply(z);
    if (obs.noise > 0) {
      for (Index i = 0; i < x.size(); ++i) x.data()[i] += obs.noise * rng.normal();
    }
    data.x = x.cast<Scalar>();
    data.exogenous = c.cast<Scalar>();
  }
  return data;
}

}  // namespace hilm

#endif  // HILM_SYNTH_DISCRETE_HPP
