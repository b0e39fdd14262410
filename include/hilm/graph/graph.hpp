/// @file
/// `hilm::Graph`: a mixed graph over observed and latent nodes with the edge marks of
/// causal discovery (`->`, `--`, `<->`), node levels, cardinalities and names. It is the common
/// currency of PC, the latent-hierarchy search and the concept graphs, and what `graph.json`
/// (DESIGN.md §3) serialises.
///
/// Storage follows the endpoint-matrix idea of Tetrad and causal-learn (an n × n matrix of
/// endpoint marks), which keeps adjacency and orientation queries O(1) for the graph sizes causal
/// discovery handles (up to a few thousand nodes).
#ifndef HILM_GRAPH_GRAPH_HPP
#define HILM_GRAPH_GRAPH_HPP

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>

namespace hilm {

/// Adjacency matrix with the encoding used by every graph metric: `a(i, j) = 1` and `a(j, i) = 0`
/// means i → j; `a(i, j) = a(j, i) = 1` means an undirected edge i — j (as in a CPDAG); both 0
/// means no edge. Diagonal entries are 0.
using Adjacency = Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic>;

/// The mark of an edge as `graph.json` writes it.
enum class Mark : std::uint8_t {
  Directed,    ///< `from -> to`
  Undirected,  ///< `from -- to`
  Bidirected,  ///< `from <-> to`
};

/// `"->"`, `"--"` or `"<->"`.
[[nodiscard]] constexpr const char* to_string(Mark mark) noexcept {
  switch (mark) {
    case Mark::Directed:
      return "->";
    case Mark::Undirected:
      return "--";
    case Mark::Bidirected:
      return "<->";
  }
  return "?";
}

/// One edge as listed by `Graph::edges()`: for a directed edge `from → to`; for the symmetric
/// marks `from < to`.
struct Edge {
  Index from = 0;
  Index to = 0;
  Mark mark = Mark::Directed;
  friend bool operator==(const Edge&, const Edge&) = default;
};

/// Attributes of a node.
struct Node {
  /// Display name (`X1`, `L1`, a column header, ...).
  std::string name{};
  /// True for a measured variable (a data column), false for a latent one.
  bool observed = true;
  /// Level in a hierarchy, counting up from the observed layer (0).
  int level = 0;
  /// Number of states of a discrete variable; 0 when continuous or unknown.
  int cardinality = 0;
};

/// A mixed graph with at most one edge between two nodes.
///
/// Node ids are 0 … size()−1 in insertion order. The usual convention (DESIGN.md §3): observed
/// nodes first, in data-column order, latent nodes after them.
class Graph {
 public:
  /// Mark at one end of an edge: `endpoint(i, j)` is the mark at j's end of the edge i – j.
  enum class Endpoint : std::int8_t { None = 0, Tail = 1, Arrow = 2 };

  /// An empty graph.
  Graph() = default;

  /// `observed` observed nodes named X1 … Xp (causal-learn's default names), no edges.
  explicit Graph(Index observed) {
    if (observed < 0) detail::raise<invalid_argument>("Graph: the node count must be >= 0");
    for (Index i = 0; i < observed; ++i) nodes_.push_back(Node{prefixed('X', i + 1), true, 0, 0});
    ends_.setZero(observed, observed);
  }

  /// Observed nodes with the given names, no edges.
  explicit Graph(const std::vector<std::string>& names) {
    for (const auto& name : names) nodes_.push_back(Node{name, true, 0, 0});
    ends_.setZero(size(), size());
  }

  /// Appends a node and returns its id. (O(size²): to build a large graph, construct it with
  /// its observed nodes first.)
  Index add_node(Node node) {
    const Index n = size();
    nodes_.push_back(std::move(node));
    ends_.conservativeResize(n + 1, n + 1);
    ends_.row(n).setZero();
    ends_.col(n).setZero();
    return n;
  }

  /// Number of nodes.
  [[nodiscard]] Index size() const noexcept { return static_cast<Index>(nodes_.size()); }

  /// Attributes of node `i`. @throws invalid_argument when `i` is out of range.
  [[nodiscard]] const Node& node(Index i) const {
    check(i, "node");
    return nodes_[static_cast<std::size_t>(i)];
  }
  /// Mutable attributes of node `i`.
  [[nodiscard]] Node& node(Index i) {
    check(i, "node");
    return nodes_[static_cast<std::size_t>(i)];
  }
  /// All nodes in id order.
  [[nodiscard]] const std::vector<Node>& nodes() const noexcept { return nodes_; }

  /// Number of observed nodes.
  [[nodiscard]] Index num_observed() const noexcept {
    Index count = 0;
    for (const auto& n : nodes_) count += n.observed ? 1 : 0;
    return count;
  }

  /// Adds (or replaces) the edge between `from` and `to` with `mark`.
  /// @throws invalid_argument for an out-of-range id or a self-loop.
  void add_edge(Index from, Index to, Mark mark = Mark::Directed) {
    check(from, "add_edge");
    check(to, "add_edge");
    if (from == to) {
      detail::raise<invalid_argument>("Graph::add_edge: self-loop on node " + std::to_string(from));
    }
    switch (mark) {
      case Mark::Directed:
        set_ends(from, to, Endpoint::Tail, Endpoint::Arrow);
        break;
      case Mark::Undirected:
        set_ends(from, to, Endpoint::Tail, Endpoint::Tail);
        break;
      case Mark::Bidirected:
        set_ends(from, to, Endpoint::Arrow, Endpoint::Arrow);
        break;
    }
  }

  /// Removes the edge between `i` and `j` if there is one.
  void remove_edge(Index i, Index j) {
    check(i, "remove_edge");
    check(j, "remove_edge");
    ends_(i, j) = 0;
    ends_(j, i) = 0;
  }

  /// Makes the edge between `from` and `to` (which must exist) directed `from → to`.
  void orient(Index from, Index to) {
    if (!adjacent(from, to)) {
      detail::raise<invalid_argument>("Graph::orient: no edge between " + std::to_string(from) +
                                      " and " + std::to_string(to));
    }
    set_ends(from, to, Endpoint::Tail, Endpoint::Arrow);
  }

  /// Mark at `j`'s end of the edge `i` – `j` (None when not adjacent).
  [[nodiscard]] Endpoint endpoint(Index i, Index j) const {
    return static_cast<Endpoint>(ends_(i, j));
  }
  /// Sets both endpoint marks of the edge `i` – `j` directly (mark at i, mark at j).
  void set_ends(Index i, Index j, Endpoint at_i, Endpoint at_j) {
    if ((at_i == Endpoint::None) != (at_j == Endpoint::None)) {
      detail::raise<invalid_argument>("Graph::set_ends: an edge needs a mark at both ends");
    }
    ends_(j, i) = static_cast<std::int8_t>(at_i);
    ends_(i, j) = static_cast<std::int8_t>(at_j);
  }

  /// True when there is an edge of any kind between `i` and `j`.
  [[nodiscard]] bool adjacent(Index i, Index j) const { return ends_(i, j) != 0; }
  /// True for `from → to`.
  [[nodiscard]] bool is_directed(Index from, Index to) const {
    return endpoint(from, to) == Endpoint::Arrow && endpoint(to, from) == Endpoint::Tail;
  }
  /// True for `i — j`.
  [[nodiscard]] bool is_undirected(Index i, Index j) const {
    return endpoint(i, j) == Endpoint::Tail && endpoint(j, i) == Endpoint::Tail;
  }
  /// True for `i ↔ j`.
  [[nodiscard]] bool is_bidirected(Index i, Index j) const {
    return endpoint(i, j) == Endpoint::Arrow && endpoint(j, i) == Endpoint::Arrow;
  }

  /// Nodes adjacent to `i`, increasing.
  [[nodiscard]] std::vector<Index> neighbors(Index i) const {
    return select(i, [&](Index j) { return adjacent(i, j); });
  }
  /// Parents of `i` (j → i), increasing.
  [[nodiscard]] std::vector<Index> parents(Index i) const {
    return select(i, [&](Index j) { return is_directed(j, i); });
  }
  /// Children of `i` (i → j), increasing.
  [[nodiscard]] std::vector<Index> children(Index i) const {
    return select(i, [&](Index j) { return is_directed(i, j); });
  }
  /// Undirected neighbours of `i` (i — j), increasing.
  [[nodiscard]] std::vector<Index> undirected_neighbors(Index i) const {
    return select(i, [&](Index j) { return is_undirected(i, j); });
  }

  /// Number of edges.
  [[nodiscard]] Index num_edges() const {
    Index count = 0;
    for (Index j = 0; j < size(); ++j) {
      for (Index i = 0; i < j; ++i) count += adjacent(i, j) ? 1 : 0;
    }
    return count;
  }

  /// Every edge once, ordered by (min id, max id). Directed edges are listed `from → to`;
  /// undirected and bidirected ones with `from < to`.
  [[nodiscard]] std::vector<Edge> edges() const {
    std::vector<Edge> out;
    for (Index i = 0; i < size(); ++i) {
      for (Index j = i + 1; j < size(); ++j) {
        if (!adjacent(i, j)) continue;
        if (is_directed(i, j)) {
          out.push_back({i, j, Mark::Directed});
        } else if (is_directed(j, i)) {
          out.push_back({j, i, Mark::Directed});
        } else if (is_bidirected(i, j)) {
          out.push_back({i, j, Mark::Bidirected});
        } else {
          out.push_back({i, j, Mark::Undirected});
        }
      }
    }
    return out;
  }

  /// The adjacency encoding of the graph metrics (`metrics/graph_metrics.hpp`): a(i, j) = 1 only
  /// for i → j, both entries 1 for an undirected edge. Bidirected edges are reported as
  /// undirected (the metrics have no code for them).
  [[nodiscard]] Adjacency adjacency() const {
    Adjacency a = Adjacency::Zero(size(), size());
    for (const Edge& e : edges()) {
      a(e.from, e.to) = 1;
      if (e.mark != Mark::Directed) a(e.to, e.from) = 1;
    }
    return a;
  }

  /// The sub-adjacency among the observed nodes only.
  [[nodiscard]] Adjacency observed_adjacency() const {
    std::vector<Index> keep;
    for (Index i = 0; i < size(); ++i) {
      if (nodes_[static_cast<std::size_t>(i)].observed) keep.push_back(i);
    }
    const Adjacency full = adjacency();
    const auto p = static_cast<Index>(keep.size());
    Adjacency a(p, p);
    for (Index r = 0; r < p; ++r) {
      for (Index c = 0; c < p; ++c) {
        a(r, c) = full(keep[static_cast<std::size_t>(r)], keep[static_cast<std::size_t>(c)]);
      }
    }
    return a;
  }

  /// Builds a graph from the metrics' adjacency encoding (nodes observed, named X1 … Xn).
  template <class Derived>
  [[nodiscard]] static Graph from_adjacency(const Eigen::MatrixBase<Derived>& a) {
    if (a.rows() != a.cols()) {
      detail::raise<invalid_argument>("Graph::from_adjacency: the matrix must be square");
    }
    Graph g(a.rows());
    for (Index i = 0; i < a.rows(); ++i) {
      for (Index j = i + 1; j < a.cols(); ++j) {
        const bool ij = a(i, j) != 0;
        const bool ji = a(j, i) != 0;
        if (ij && ji) {
          g.add_edge(i, j, Mark::Undirected);
        } else if (ij) {
          g.add_edge(i, j, Mark::Directed);
        } else if (ji) {
          g.add_edge(j, i, Mark::Directed);
        }
      }
    }
    return g;
  }

  /// Equal nodes (all attributes) and equal edges with equal marks.
  friend bool operator==(const Graph& a, const Graph& b) {
    if (a.nodes_.size() != b.nodes_.size()) return false;
    for (std::size_t i = 0; i < a.nodes_.size(); ++i) {
      const Node& x = a.nodes_[i];
      const Node& y = b.nodes_[i];
      if (x.name != y.name || x.observed != y.observed || x.level != y.level ||
          x.cardinality != y.cardinality) {
        return false;
      }
    }
    return a.ends_ == b.ends_;
  }

 private:
  // "X12" (written without operator+ on a temporary: g++ 12 -O3 reports a false -Wrestrict).
  static std::string prefixed(char letter, Index number) {
    std::string name(1, letter);
    name += std::to_string(number);
    return name;
  }

  void check(Index i, const char* where) const {
    if (i < 0 || i >= size()) {
      detail::raise<invalid_argument>(std::string("Graph::") + where + ": node id " +
                                      std::to_string(i) + " is out of range [0, " +
                                      std::to_string(size()) + ")");
    }
  }

  template <class Pred>
  [[nodiscard]] std::vector<Index> select(Index i, Pred pred) const {
    check(i, "neighbors");
    std::vector<Index> out;
    for (Index j = 0; j < size(); ++j) {
      if (j != i && pred(j)) out.push_back(j);
    }
    return out;
  }

  std::vector<Node> nodes_{};
  // ends_(i, j): mark at j's end of the edge i – j (an Endpoint value).
  Eigen::Matrix<std::int8_t, Eigen::Dynamic, Eigen::Dynamic> ends_{};
};

}  // namespace hilm

#endif  // HILM_GRAPH_GRAPH_HPP
