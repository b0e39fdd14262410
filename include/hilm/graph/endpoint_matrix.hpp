/// @file
/// Conversion between `hilm::Graph` and the endpoint matrix of causal-learn's
/// `GeneralGraph` (`cg.G.graph`), the encoding its PC/FCI result fixtures are saved in.
///
/// causal-learn (after Tetrad) stores in entry (i, j) the mark at **i's** end of the edge i – j:
/// −1 tail, 1 arrow, 0 no edge (2 circle, unused by PC). So i → j is m(i, j) = −1, m(j, i) = 1;
/// i — j is m(i, j) = m(j, i) = −1; i ↔ j is m(i, j) = m(j, i) = 1. (hilm's
/// `Graph::endpoint(i, j)` is the mark at j's end, i.e. the transpose.)
#ifndef HILM_GRAPH_ENDPOINT_MATRIX_HPP
#define HILM_GRAPH_ENDPOINT_MATRIX_HPP

#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm {

/// Integer matrix type of the causal-learn encoding.
using EndpointMatrix = Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>;

/// The causal-learn endpoint matrix of `g` (see the file comment).
/// @returns n × n matrix with entries in {−1, 0, 1}.
[[nodiscard]] inline EndpointMatrix to_causal_learn_matrix(const Graph& g) {
  const Index n = g.size();
  EndpointMatrix m = EndpointMatrix::Zero(n, n);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < n; ++j) {
      if (i == j) continue;
      switch (g.endpoint(j, i)) {  // mark at i's end of the edge j – i
        case Graph::Endpoint::Tail:
          m(i, j) = -1;
          break;
        case Graph::Endpoint::Arrow:
          m(i, j) = 1;
          break;
        case Graph::Endpoint::None:
          break;
      }
    }
  }
  return m;
}

/// Builds a graph (observed nodes X1 … Xn) from a causal-learn endpoint matrix.
/// @param[in] m n × n matrix with entries in {−1, 0, 1}.
/// @throws invalid_argument if `m` is not square, has another code (circles, multi-edges), a
///         non-zero diagonal, or an edge with a mark at one end only.
template <class Derived>
[[nodiscard]] Graph from_causal_learn_matrix(const Eigen::MatrixBase<Derived>& m) {
  if (m.rows() != m.cols()) {
    hilm::detail::raise<invalid_argument>("from_causal_learn_matrix: the matrix must be square");
  }
  const Index n = m.rows();
  Graph g(n);
  auto code = [&](Index i, Index j) {
    const auto v = static_cast<int>(m(i, j));
    if (v < -1 || v > 1) {
      hilm::detail::raise<invalid_argument>("from_causal_learn_matrix: entry (" +
                                            std::to_string(i) + ", " + std::to_string(j) +
                                            ") = " + std::to_string(v) + " is not -1, 0 or 1");
    }
    return v == -1  ? Graph::Endpoint::Tail
           : v == 1 ? Graph::Endpoint::Arrow
                    : Graph::Endpoint::None;
  };
  for (Index i = 0; i < n; ++i) {
    if (m(i, i) != 0) {
      hilm::detail::raise<invalid_argument>("from_causal_learn_matrix: non-zero diagonal entry " +
                                            std::to_string(i));
    }
    for (Index j = i + 1; j < n; ++j) {
      const auto at_i = code(i, j);
      const auto at_j = code(j, i);
      if ((at_i == Graph::Endpoint::None) != (at_j == Graph::Endpoint::None)) {
        hilm::detail::raise<invalid_argument>("from_causal_learn_matrix: the edge " +
                                              std::to_string(i) + " - " + std::to_string(j) +
                                              " has a mark at one end only");
      }
      if (at_i != Graph::Endpoint::None) g.set_ends(i, j, at_i, at_j);
    }
  }
  return g;
}

}  // namespace hilm

#endif  // HILM_GRAPH_ENDPOINT_MATRIX_HPP
