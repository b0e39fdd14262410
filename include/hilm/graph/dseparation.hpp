/// @file
/// d-separation in a DAG by the reachability ("Bayes-ball") algorithm (Shachter, "Bayes-Ball:
/// The rational pastime", UAI 1998; the linear-time form is Koller & Friedman, *Probabilistic
/// Graphical Models*, 2009, Algorithm 3.1), and a `CiTest` that answers from a DAG, so that PC
/// and the hierarchy search can be run against the truth (an "oracle").
#ifndef HILM_GRAPH_DSEPARATION_HPP
#define HILM_GRAPH_DSEPARATION_HPP

#include <span>
#include <string>
#include <vector>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/detail/dseparation.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm {

/// True when the node sets `xs` and `ys` are d-separated by `zs` in the DAG `dag`.
///
/// Runs in O(nodes + edges) after an O(nodes²) scan of the endpoint matrix.
/// @param[in] dag a graph whose edges are all directed (acyclicity is assumed, not checked).
/// @param[in] xs,ys,zs node ids; `xs` and `ys` must not meet `zs`.
/// @throws invalid_argument for an out-of-range id, a non-directed edge, or xs/ys meeting zs.
[[nodiscard]] inline bool d_separated(const Graph& dag, std::span<const Index> xs,
                                      std::span<const Index> ys, std::span<const Index> zs) {
  const auto lists = hilm::detail::dag_lists(dag, "d_separated");
  hilm::detail::check_node_set(xs, dag.size(), "d_separated");
  hilm::detail::check_node_set(ys, dag.size(), "d_separated");
  hilm::detail::check_node_set(zs, dag.size(), "d_separated");
  for (const Index z : zs) {
    for (const Index v : xs) {
      if (v == z) hilm::detail::raise<invalid_argument>("d_separated: xs and zs intersect");
    }
    for (const Index v : ys) {
      if (v == z) hilm::detail::raise<invalid_argument>("d_separated: ys and zs intersect");
    }
  }
  const auto reach = hilm::detail::d_reachable(lists, xs, zs);
  for (const Index y : ys) {
    if (reach[static_cast<std::size_t>(y)]) return false;
  }
  return true;
}

/// True when nodes `x` and `y` are d-separated by `zs` in `dag` (see the set overload).
[[nodiscard]] inline bool d_separated(const Graph& dag, Index x, Index y,
                                      std::span<const Index> zs) {
  const Index xs[1] = {x};
  const Index ys[1] = {y};
  return d_separated(dag, std::span<const Index>(xs), std::span<const Index>(ys), zs);
}

/// A conditional-independence "test" that answers from a DAG (models `hilm::CiTest`): p = 1
/// when X_x and X_y are d-separated by X_z, 0 otherwise (statistic and dof 0). With it, PC
/// returns the CPDAG of the DAG (faithfulness holds by construction).
///
/// The DAG is copied into parent/child lists at construction; `test` is const and thread-safe.
class DSeparationOracle {
 public:
  /// @param[in] dag a graph whose edges are all directed.
  /// @param[in] variables number of leading nodes exposed as test variables (default: all;
  ///            pass the number of observed nodes to hide trailing latent ones).
  /// @throws invalid_argument for a non-directed edge or `variables` out of range.
  explicit DSeparationOracle(const Graph& dag, Index variables = -1)
      : lists_(hilm::detail::dag_lists(dag, "DSeparationOracle")),
        variables_(variables < 0 ? dag.size() : variables) {
    if (variables_ > dag.size()) {
      hilm::detail::raise<invalid_argument>("DSeparationOracle: variables exceeds the node count");
    }
  }

  /// p = 1 when d-separated, else 0.
  /// @throws invalid_argument on out-of-range ids, x == y, or x/y in z.
  [[nodiscard]] CiResult test(Index x, Index y, std::span<const Index> z) const {
    const Index xs[1] = {x};
    hilm::detail::check_node_set(std::span<const Index>(xs), variables_, "DSeparationOracle");
    const Index ys[1] = {y};
    hilm::detail::check_node_set(std::span<const Index>(ys), variables_, "DSeparationOracle");
    hilm::detail::check_node_set(z, variables_, "DSeparationOracle");
    if (x == y) hilm::detail::raise<invalid_argument>("DSeparationOracle: x and y must differ");
    for (const Index v : z) {
      if (v == x || v == y) {
        hilm::detail::raise<invalid_argument>("DSeparationOracle: z contains x or y");
      }
    }
    const auto reach = hilm::detail::d_reachable(lists_, std::span<const Index>(xs), z);
    CiResult r;
    r.p_value = reach[static_cast<std::size_t>(y)] ? 0.0 : 1.0;
    return r;
  }

  /// Number of variables that may be tested.
  [[nodiscard]] Index num_variables() const noexcept { return variables_; }

 private:
  hilm::detail::DagLists lists_;
  Index variables_;
};

}  // namespace hilm

#endif  // HILM_GRAPH_DSEPARATION_HPP
