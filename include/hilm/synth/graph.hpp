/// @file
/// A minimal DAG description for the generators (`SynthGraph`) and the random graph families they
/// draw: multi-level latent hierarchies (trees, several paths, skipped levels) and Erdős–Rényi
/// DAGs without latents. The full graph type with d-separation and CPDAGs lives in `graph/`; this
/// one only carries what a generator needs and converts to an adjacency matrix that the graph
/// metrics (`metrics/graph_metrics.hpp`) read, to a `Graph` (`to_graph`) and to `graph.json`
/// (`to_json`). synth/ builds on graph/, never the reverse.
#ifndef HILM_SYNTH_GRAPH_HPP
#define HILM_SYNTH_GRAPH_HPP

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/random.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/graph/json.hpp>

namespace hilm {

/// A directed acyclic graph over nodes 0 … nodes−1 with per-node attributes.
///
/// Convention of every generator in synth/: the observed nodes come first (ids 0 … p−1, the
/// columns of the generated data in order) and the latent nodes follow, as in `graph.json`
/// (DESIGN.md §3). Levels count upwards from the observed layer (level 0).
struct SynthGraph {
  /// Number of nodes.
  Index nodes = 0;
  /// Directed edges (parent, child).
  std::vector<std::pair<Index, Index>> edges{};
  /// Per node: true when the node is observed (a column of the data).
  std::vector<bool> observed{};
  /// Per node: its level (0 = observed layer, 1 = the latents just above it, ...).
  std::vector<int> level{};
  /// Per node: number of states of a discrete node; 0 for a continuous node.
  std::vector<int> cardinality{};

  /// Checks sizes, index ranges, self-loops, duplicate edges and acyclicity.
  /// @returns a message describing the first problem, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    const auto n = static_cast<std::size_t>(nodes);
    if (nodes < 0) return "SynthGraph::nodes must be >= 0";
    if (observed.size() != n || level.size() != n || cardinality.size() != n) {
      return "SynthGraph: observed, level and cardinality must each have one entry per node (" +
             std::to_string(nodes) + ")";
    }
    for (const auto& [from, to] : edges) {
      if (from < 0 || from >= nodes || to < 0 || to >= nodes) {
        return "SynthGraph: edge (" + std::to_string(from) + ", " + std::to_string(to) +
               ") is out of range";
      }
      if (from == to) return "SynthGraph: self-loop on node " + std::to_string(from);
    }
    auto sorted = edges;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      return "SynthGraph: duplicate edge";
    }
    if (!topological_order_or_empty().has_value()) return "SynthGraph: the graph has a cycle";
    return std::nullopt;
  }

  /// Parents of `node`, in increasing id order.
  [[nodiscard]] std::vector<Index> parents(Index node) const {
    std::vector<Index> out;
    for (const auto& [from, to] : edges) {
      if (to == node) out.push_back(from);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  /// Children of `node`, in increasing id order.
  [[nodiscard]] std::vector<Index> children(Index node) const {
    std::vector<Index> out;
    for (const auto& [from, to] : edges) {
      if (from == node) out.push_back(to);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  /// Ids of the observed nodes, increasing.
  [[nodiscard]] std::vector<Index> observed_nodes() const {
    std::vector<Index> out;
    for (Index i = 0; i < nodes; ++i) {
      if (observed[static_cast<std::size_t>(i)]) out.push_back(i);
    }
    return out;
  }

  /// Ids of the latent nodes, increasing.
  [[nodiscard]] std::vector<Index> latent_nodes() const {
    std::vector<Index> out;
    for (Index i = 0; i < nodes; ++i) {
      if (!observed[static_cast<std::size_t>(i)]) out.push_back(i);
    }
    return out;
  }

  /// A topological order (parents before children; ties by increasing id).
  /// @throws invalid_argument if the graph has a cycle.
  [[nodiscard]] std::vector<Index> topological_order() const {
    auto order = topological_order_or_empty();
    if (!order) hilm::detail::raise<invalid_argument>("SynthGraph: the graph has a cycle");
    return *order;
  }

  /// The nodes × nodes adjacency matrix (`a(i, j) = 1` for each edge i → j).
  [[nodiscard]] Adjacency adjacency() const {
    Adjacency a = Adjacency::Zero(nodes, nodes);
    for (const auto& [from, to] : edges) a(from, to) = 1;
    return a;
  }

 private:
  [[nodiscard]] std::optional<std::vector<Index>> topological_order_or_empty() const {
    const auto n = static_cast<std::size_t>(nodes);
    std::vector<Index> indegree(n, 0), order;
    std::vector<std::vector<Index>> out(n);
    for (const auto& [from, to] : edges) {
      if (from < 0 || from >= nodes || to < 0 || to >= nodes) return std::nullopt;
      ++indegree[static_cast<std::size_t>(to)];
      out[static_cast<std::size_t>(from)].push_back(to);
    }
    // Kahn's algorithm with the smallest ready id first, so the order is deterministic.
    std::vector<Index> ready;
    for (Index i = nodes - 1; i >= 0; --i) {
      if (indegree[static_cast<std::size_t>(i)] == 0) ready.push_back(i);
    }
    while (!ready.empty()) {
      std::sort(ready.begin(), ready.end(), std::greater<>());
      const Index v = ready.back();
      ready.pop_back();
      order.push_back(v);
      for (const Index w : out[static_cast<std::size_t>(v)]) {
        if (--indegree[static_cast<std::size_t>(w)] == 0) ready.push_back(w);
      }
    }
    if (order.size() != n) return std::nullopt;
    return order;
  }
};

/// The `Graph` of a generator's ground truth: nodes with their observed flag, level and
/// cardinality (observed nodes named X1…, latent ones L1…, each in id order), every edge directed.
/// @throws invalid_argument if `truth.validate()` fails.
[[nodiscard]] inline Graph to_graph(const SynthGraph& truth) {
  if (const auto problem = truth.validate()) {
    hilm::detail::raise<invalid_argument>("to_graph: " + *problem);
  }
  Graph g;
  Index observed = 0;
  Index latent = 0;
  for (Index i = 0; i < truth.nodes; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const bool obs = truth.observed[k];
    std::string name(1, obs ? 'X' : 'L');  // no operator+ on a temporary: g++ 12 -Wrestrict
    name += std::to_string(obs ? ++observed : ++latent);
    g.add_node(Node{std::move(name), obs, truth.level[k], truth.cardinality[k]});
  }
  for (const auto& [from, to] : truth.edges) g.add_edge(from, to, Mark::Directed);
  return g;
}

/// `graph.json` text (DESIGN.md §3, as `to_json(const Graph&)` writes it) of a generator's ground
/// truth: the nodes of `to_graph(truth)`, the edges `->` in `truth.edges` order.
/// @throws invalid_argument if `truth.validate()` fails.
[[nodiscard]] inline std::string to_json(const SynthGraph& truth) {
  const Graph g = to_graph(truth);
  std::vector<Edge> edges;
  edges.reserve(truth.edges.size());
  for (const auto& [from, to] : truth.edges) edges.push_back({from, to, Mark::Directed});
  return hilm::detail::graph_json_text(g.nodes(), edges);
}

/// Options of `random_hierarchy()`: a multi-level latent hierarchy over an observed layer.
struct HierarchyGraphOptions {
  /// Latent nodes per level, TOP level first (e.g. {2, 6}: 2 top latents above 6 latents).
  std::vector<Index> widths = {2, 4};
  /// Observed children of each bottom-level latent (pure measurement: one latent parent each).
  Index observed_per_leaf = 3;
  /// Parents from the level above per latent node: 1 gives a tree (forest); more gives several
  /// paths. Each node draws between 1 and this many parents.
  Index max_parents = 1;
  /// Probability that a latent node two or more levels below the top gets one extra parent
  /// from two levels up (a skipped level).
  double skip_probability = 0;
  /// Cardinality of every latent node (0 = continuous).
  int latent_cardinality = 0;
  /// Cardinality of every observed node (0 = continuous).
  int observed_cardinality = 0;
  /// Seed of the random graph.
  std::uint64_t seed = 0;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (widths.empty()) return "HierarchyGraphOptions::widths must not be empty";
    for (const Index w : widths) {
      if (w < 1) return "HierarchyGraphOptions::widths entries must be >= 1";
    }
    if (observed_per_leaf < 1) return "HierarchyGraphOptions::observed_per_leaf must be >= 1";
    if (max_parents < 1) return "HierarchyGraphOptions::max_parents must be >= 1";
    if (!(skip_probability >= 0 && skip_probability <= 1)) {
      return "HierarchyGraphOptions::skip_probability must lie in [0, 1]";
    }
    if (latent_cardinality < 0 || latent_cardinality == 1 || observed_cardinality < 0 ||
        observed_cardinality == 1) {
      return "HierarchyGraphOptions::latent_cardinality/observed_cardinality must be 0 "
             "(continuous) or >= 2";
    }
    return std::nullopt;
  }
};

/// Draws a latent hierarchy: `widths` latent levels (top first) above an observed layer where
/// each bottom latent has `observed_per_leaf` observed children.
///
/// Every latent below the top gets 1 … `max_parents` parents from the level above; parents are
/// dealt round-robin over a shuffled order first, so that every upper node has at least
/// ⌊lower width / upper width⌋ children, then extra parents are drawn at random. With
/// `skip_probability` some nodes also get a parent two levels up. This reproduces the graph
/// families of Huang et al. (2022, "Latent hierarchical causal structure discovery with rank
/// constraints") and Dong et al. (2024, RLCD): trees, multi-path DAGs and skipped levels.
///
/// Node ids: observed nodes 0 … p−1 (grouped by their latent parent), then the latents from the
/// bottom level up. Levels: observed 0, bottom latents 1, …, top `widths.size()`.
/// @throws invalid_argument if `options.validate()` fails.
[[nodiscard]] inline SynthGraph random_hierarchy(const HierarchyGraphOptions& options) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  Random rng(options.seed);
  const auto levels = static_cast<Index>(options.widths.size());
  // Level l (1 = bottom latents) has widths[levels - l] nodes.
  auto width = [&](Index l) { return options.widths[static_cast<std::size_t>(levels - l)]; };
  const Index p = width(1) * options.observed_per_leaf;
  SynthGraph g;
  std::vector<std::vector<Index>> ids(static_cast<std::size_t>(levels + 1));
  Index next = 0;
  for (Index i = 0; i < p; ++i) ids[0].push_back(next++);
  for (Index l = 1; l <= levels; ++l) {
    for (Index i = 0; i < width(l); ++i) ids[static_cast<std::size_t>(l)].push_back(next++);
  }
  g.nodes = next;
  g.observed.assign(static_cast<std::size_t>(next), false);
  g.level.assign(static_cast<std::size_t>(next), 0);
  g.cardinality.assign(static_cast<std::size_t>(next), 0);
  for (Index l = 0; l <= levels; ++l) {
    for (const Index v : ids[static_cast<std::size_t>(l)]) {
      g.observed[static_cast<std::size_t>(v)] = l == 0;
      g.level[static_cast<std::size_t>(v)] = static_cast<int>(l);
      g.cardinality[static_cast<std::size_t>(v)] =
          l == 0 ? options.observed_cardinality : options.latent_cardinality;
    }
  }
  // Measurement edges: bottom latent j → its observed_per_leaf observed children.
  for (Index j = 0; j < width(1); ++j) {
    for (Index t = 0; t < options.observed_per_leaf; ++t) {
      g.edges.emplace_back(ids[1][static_cast<std::size_t>(j)],
                           ids[0][static_cast<std::size_t>(j * options.observed_per_leaf + t)]);
    }
  }
  // Structural edges between latent levels.
  for (Index l = 1; l < levels; ++l) {
    const auto& lower = ids[static_cast<std::size_t>(l)];
    const auto& upper = ids[static_cast<std::size_t>(l + 1)];
    std::vector<Index> deal(lower.size());
    for (std::size_t i = 0; i < deal.size(); ++i) deal[i] = static_cast<Index>(i);
    rng.shuffle(deal.begin(), deal.end());
    std::vector<std::vector<Index>> chosen(lower.size());
    for (std::size_t t = 0; t < deal.size(); ++t) {
      chosen[static_cast<std::size_t>(deal[t])].push_back(upper[t % upper.size()]);
    }
    for (std::size_t i = 0; i < lower.size(); ++i) {
      const auto target = static_cast<std::size_t>(
          1 + rng.uniform_index(static_cast<std::uint64_t>(
                  std::min<Index>(options.max_parents, static_cast<Index>(upper.size())))));
      while (chosen[i].size() < target) {
        const Index candidate = upper[rng.uniform_index(upper.size())];
        if (std::find(chosen[i].begin(), chosen[i].end(), candidate) == chosen[i].end()) {
          chosen[i].push_back(candidate);
        }
      }
      for (const Index parent : chosen[i]) g.edges.emplace_back(parent, lower[i]);
      if (l + 2 <= levels && rng.bernoulli(options.skip_probability)) {
        const auto& skip = ids[static_cast<std::size_t>(l + 2)];
        g.edges.emplace_back(skip[rng.uniform_index(skip.size())], lower[i]);
      }
    }
  }
  std::sort(g.edges.begin(), g.edges.end());
  return g;
}

/// Options of `random_dag()`: a DAG without latents (all nodes observed).
struct RandomDagOptions {
  /// Number of nodes.
  Index nodes = 10;
  /// Expected number of neighbours per node; each of the n(n−1)/2 pairs is an edge with
  /// probability expected_degree / (n − 1) (Erdős–Rényi over a random causal order).
  double expected_degree = 2;
  /// Cardinality of every node (0 = continuous).
  int cardinality = 0;
  /// Seed of the random graph.
  std::uint64_t seed = 0;

  /// @returns a message naming the offending field, or nothing when valid.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (nodes < 1) return "RandomDagOptions::nodes must be >= 1";
    if (!(expected_degree >= 0)) return "RandomDagOptions::expected_degree must be >= 0";
    if (cardinality < 0 || cardinality == 1) {
      return "RandomDagOptions::cardinality must be 0 (continuous) or >= 2";
    }
    return std::nullopt;
  }
};

/// Draws an Erdős–Rényi DAG: a random causal order, then each pair is joined (earlier → later)
/// with probability expected_degree / (nodes − 1), capped at 1. The usual benchmark family for PC
/// (Kalisch & Bühlmann 2007, "Estimating high-dimensional DAGs with the PC-algorithm").
/// @throws invalid_argument if `options.validate()` fails.
[[nodiscard]] inline SynthGraph random_dag(const RandomDagOptions& options) {
  if (auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  Random rng(options.seed);
  const Index n = options.nodes;
  SynthGraph g;
  g.nodes = n;
  g.observed.assign(static_cast<std::size_t>(n), true);
  g.level.assign(static_cast<std::size_t>(n), 0);
  g.cardinality.assign(static_cast<std::size_t>(n), options.cardinality);
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  rng.shuffle(order.begin(), order.end());
  const double p = n > 1 ? std::min(1.0, options.expected_degree / static_cast<double>(n - 1)) : 0;
  for (Index a = 0; a < n; ++a) {
    for (Index b = a + 1; b < n; ++b) {
      if (rng.bernoulli(p)) {
        g.edges.emplace_back(order[static_cast<std::size_t>(a)],
                             order[static_cast<std::size_t>(b)]);
      }
    }
  }
  std::sort(g.edges.begin(), g.edges.end());
  return g;
}

}  // namespace hilm

#endif  // HILM_SYNTH_GRAPH_HPP
