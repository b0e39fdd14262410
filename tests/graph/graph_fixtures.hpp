// Shared fixtures of the graph tests.
#ifndef HILM_TESTS_GRAPH_GRAPH_FIXTURES_HPP
#define HILM_TESTS_GRAPH_GRAPH_FIXTURES_HPP

#include <cstdint>

#include <hilm/core/random.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/synth/graph.hpp>

namespace hilm::test {

/// A random DAG on n nodes (hilm::random_dag: random causal order, each pair joined with
/// probability `density`), its seed drawn from `rng`.
inline hilm::Graph random_dag(Random& rng, Index n, double density) {
  const auto seed = static_cast<std::uint64_t>(rng.uniform_index(Index{1} << 40));
  return hilm::to_graph(hilm::random_dag(
      {.nodes = n, .expected_degree = density * static_cast<double>(n - 1), .seed = seed}));
}

}  // namespace hilm::test

#endif  // HILM_TESTS_GRAPH_GRAPH_FIXTURES_HPP
