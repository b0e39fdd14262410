/// @file
/// d-separation in a DAG by the reachability ("Bayes-ball") algorithm (Shachter, "Bayes-Ball:
/// The rational pastime", UAI 1998; the linear-time form is Koller & Friedman, *Probabilistic
/// Graphical Models*, 2009, Algorithm 3.1), and a `CiTest` that answers from a DAG, so that PC
/// and the hierarchy search can be run against the truth (an "oracle").
#ifndef HILM_GRAPH_DSEPARATION_HPP
#define HILM_GRAPH_DSEPARATION_HPP

#include <span>
#include <string>
#include <utility>
#include <vector>

#include <hilm/concepts/ci_test.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>

namespace hilm::detail {

// Parent and child lists of a graph whose edges must all be directed.
struct DagLists {
  std::vector<std::vector<Index>> parents, children;
};

inline DagLists dag_lists(const Graph& g, const char* where) {
  DagLists l;
  const auto n = static_cast<std::size_t>(g.size());
  l.parents.resize(n);
  l.children.resize(n);
  for (const auto& e : g.edges()) {
    if (e.mark != Mark::Directed) {
      raise<invalid_argument>(std::string(where) + ": the graph has a non-directed edge " +
                              std::to_string(e.from) + " " + to_string(e.mark) + " " +
                              std::to_string(e.to) + " (d-separation needs a DAG)");
    }
    l.parents[static_cast<std::size_t>(e.to)].push_back(e.from);
    l.children[static_cast<std::size_t>(e.from)].push_back(e.to);
  }
  return l;
}

inline void check_node_set(std::span<const Index> s, Index n, const char* where) {
  for (const Index v : s) {
    if (v < 0 || v >= n) {
      raise<invalid_argument>(std::string(where) + ": node id " + std::to_string(v) +
                              " is out of range [0, " + std::to_string(n) + ")");
    }
  }
}

// Nodes reachable from `sources` by an active trail given `given` (Koller & Friedman Alg. 3.1).
inline std::vector<char> d_reachable(const DagLists& l, std::span<const Index> sources,
                                     std::span<const Index> given) {
  const std::size_t n = l.parents.size();
  std::vector<char> in_z(n, 0), anc(n, 0);
  std::vector<Index> stack;
  for (const Index z : given) {
    in_z[static_cast<std::size_t>(z)] = 1;
    stack.push_back(z);
  }
  // Phase 1: ancestors of Z (Z included): a collider is open iff it is in this set.
  while (!stack.empty()) {
    const auto v = static_cast<std::size_t>(stack.back());
    stack.pop_back();
    if (anc[v]) continue;
    anc[v] = 1;
    for (const Index p : l.parents[v]) stack.push_back(p);
  }
  // Phase 2: breadth over (node, direction); up = entered from a child, down = from a parent.
  std::vector<char> seen_up(n, 0), seen_down(n, 0), reach(n, 0);
  std::vector<std::pair<Index, bool>> todo;  // (node, up?)
  for (const Index s : sources) todo.emplace_back(s, true);
  while (!todo.empty()) {
    const auto [node, up] = todo.back();
    todo.pop_back();
    const auto v = static_cast<std::size_t>(node);
    if (up ? seen_up[v] : seen_down[v]) continue;
    (up ? seen_up[v] : seen_down[v]) = 1;
    if (!in_z[v]) reach[v] = 1;
    if (up && !in_z[v]) {
      for (const Index p : l.parents[v]) todo.emplace_back(p, true);
      for (const Index c : l.children[v]) todo.emplace_back(c, false);
    } else if (!up) {
      if (!in_z[v]) {
        for (const Index c : l.children[v]) todo.emplace_back(c, false);
      }
      if (anc[v]) {
        for (const Index p : l.parents[v]) todo.emplace_back(p, true);
      }
    }
  }
  return reach;
}

}  // namespace hilm::detail

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
