/// @file
/// Adjacency-matrix helpers of `hilm/metrics/graph_metrics.hpp`: the 0/1 input check and the
/// edge mark of a node pair.
#ifndef HILM_METRICS_DETAIL_ADJACENCY_HPP
#define HILM_METRICS_DETAIL_ADJACENCY_HPP

#include <string>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm::detail {

/// Throws `invalid_argument` naming `function` and `name` unless `a` is a square 0/1 matrix with a
/// zero diagonal.
template <class Derived>
void check_adjacency(const Eigen::MatrixBase<Derived>& a, const char* function, const char* name) {
  if (a.rows() != a.cols()) {
    hilm::detail::raise<invalid_argument>(std::string(function) + ": " + name +
                                          " must be square, got " + std::to_string(a.rows()) +
                                          " × " + std::to_string(a.cols()));
  }
  for (Index i = 0; i < a.rows(); ++i) {
    for (Index j = 0; j < a.cols(); ++j) {
      const auto v = static_cast<long long>(a(i, j));
      if ((v != 0 && v != 1) || (i == j && v != 0)) {
        hilm::detail::raise<invalid_argument>(std::string(function) + ": " + name + "(" +
                                              std::to_string(i) + ", " + std::to_string(j) +
                                              ") must be 0 or 1 (0 on the diagonal)");
      }
    }
  }
}

/// Mark of the pair (i, j), i < j: 0 none, 1 i → j, 2 j → i, 3 undirected.
template <class Derived>
int pair_mark(const Eigen::MatrixBase<Derived>& a, Index i, Index j) {
  const bool ij = a(i, j) != 0, ji = a(j, i) != 0;
  return ij && ji ? 3 : ij ? 1 : ji ? 2 : 0;
}

}  // namespace hilm::detail

#endif  // HILM_METRICS_DETAIL_ADJACENCY_HPP
