/// @file
/// Graphviz DOT export of a `Graph`: observed nodes as boxes, latent nodes as dashed grey
/// ellipses, nodes of one level on one rank (level 0 at the bottom, since arrows of a latent
/// hierarchy point down to the observed layer), `--` edges without arrowheads and `<->` with
/// both. Rendering (`dot -Tsvg`) is left to the caller; the library never spawns processes.
///
/// When the true graph is known (`DotOptions::truth`), every edge is drawn by its class:
/// **true** (found and in the truth) solid dark, **false** (found, not in the truth) red dashed,
/// **missed** (in the truth, not found) grey dotted. `DotOptions::legend` adds a legend above the
/// graph that shows these styles with their counts, precision, recall and F1 (or, without a
/// truth, the edge marks with their counts), the node shapes when latent nodes are drawn, and
/// free-text notes. `compare_edges` gives the same classification as data.
#ifndef HILM_GRAPH_DOT_HPP
#define HILM_GRAPH_DOT_HPP

#include <ostream>
#include <string>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/detail/dot.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/io/atomic_file.hpp>

namespace hilm {

/// Options of `to_dot`.
struct DotOptions {
  /// Graph name written after `digraph`.
  std::string name = "hilm";
  /// Group nodes of one level on one rank (`{rank=same; …}`) when more than one level exists.
  bool rank_by_level = true;
  /// Append the cardinality of discrete nodes to their label ("L1 (k=3)").
  bool show_cardinality = true;
  /// Title drawn above the graph (bold, left-aligned); empty for none.
  std::string title{};
  /// Draw a legend above the graph. With `truth`: the three edge classes in their styles with
  /// their counts ("true (found, in the truth): 10"), then precision, recall and F1 of the found
  /// edges. Without: one row per edge mark present, with its count. Then, when the graph has
  /// latent nodes, the two node shapes; then `legend_notes`.
  bool legend = false;
  /// Free-text lines appended to the legend (e.g. how to read the node names).
  std::vector<std::string> legend_notes{};
  /// When > 0 and the graph has more than one level (with `rank_by_level`): lay the connected
  /// components out in rows of this many, stacked top to bottom in the order of their smallest
  /// node id, instead of all side by side (a graph of many small components, such as a concept
  /// graph, is otherwise a long strip). Rows are held apart by invisible edges, with an empty rank
  /// between them.
  int components_per_row = 0;
  /// The true graph, when known, over the same node ids as the drawn graph (same `size()`; its
  /// node attributes are ignored). Non-owning: it must outlive the `to_dot` call. When set, edges
  /// are drawn by class (see `compare_edges`): true solid dark, false red dashed, missed grey
  /// dotted; missed edges are added to the drawing.
  const Graph* truth = nullptr;
};

/// The edges of a found graph sorted against the true graph over the same node ids.
struct EdgeComparison {
  std::vector<Edge> true_edges;    ///< In both graphs with the same mark (and direction).
  std::vector<Edge> false_edges;   ///< In `found` only (or with another mark or direction).
  std::vector<Edge> missed_edges;  ///< In `truth` only (or with another mark or direction).

  /// true / (true + false), or 0 when nothing was found.
  [[nodiscard]] double precision() const noexcept {
    const auto found = true_edges.size() + false_edges.size();
    return found == 0 ? 0.0 : static_cast<double>(true_edges.size()) / static_cast<double>(found);
  }
  /// true / (true + missed), or 0 when the truth has no edge.
  [[nodiscard]] double recall() const noexcept {
    const auto real = true_edges.size() + missed_edges.size();
    return real == 0 ? 0.0 : static_cast<double>(true_edges.size()) / static_cast<double>(real);
  }
  /// Harmonic mean of precision and recall, 0 when both are 0.
  [[nodiscard]] double f1() const noexcept {
    const double p = precision(), r = recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
};

/// Classifies the edges of `found` against `truth`. An edge is true when `truth` has the same
/// edge: same mark, and for `->` the same direction; a found edge with the wrong mark or
/// direction is therefore false *and* its true counterpart missed (as in directed-edge precision
/// and recall). Lists follow `Graph::edges()` order.
/// @param[in] found the graph drawn or estimated.
/// @param[in] truth the true graph over the same node ids.
/// @throws invalid_argument when the two graphs have a different number of nodes.
/// Complexity: O(E) after the O(n²) edge listing of each graph.
[[nodiscard]] inline EdgeComparison compare_edges(const Graph& found, const Graph& truth) {
  if (found.size() != truth.size()) {
    hilm::detail::raise<invalid_argument>(
        "compare_edges: the true graph has " + std::to_string(truth.size()) +
        " nodes, the found graph " + std::to_string(found.size()) + "; they must share node ids");
  }
  const auto has = hilm::detail::dot_has_edge;
  EdgeComparison out;
  for (const Edge& e : found.edges())
    (has(truth, e) ? out.true_edges : out.false_edges).push_back(e);
  for (const Edge& e : truth.edges()) {
    if (!has(found, e)) out.missed_edges.push_back(e);
  }
  return out;
}

/// The DOT text of `g` (node ids as DOT ids `n0`, `n1`, …, names as labels); with
/// `options.truth` the edges are drawn by class and missed edges added; with `options.legend`
/// a legend above the graph (a cluster label, so it never covers a node or an edge) and with
/// `options.title` a title above both.
/// @throws invalid_argument when `options.truth` has a different number of nodes than `g`.
[[nodiscard]] inline std::string to_dot(const Graph& g, const DotOptions& options = {}) {
  std::string out = "digraph " + hilm::detail::dot_quote(options.name) + " {\n";
  out += "  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n";
  EdgeComparison comparison;
  if (options.truth != nullptr) comparison = compare_edges(g, *options.truth);
  std::string legend;
  if (options.legend) {
    const hilm::detail::DotEdgeCounts counts{comparison.true_edges.size(),
                                             comparison.false_edges.size(),
                                             comparison.missed_edges.size()};
    legend = hilm::detail::dot_legend(g, options.truth != nullptr ? &counts : nullptr,
                                      options.legend_notes);
  }
  const std::string indent = options.legend ? "    " : "  ";
  out += hilm::detail::dot_title_and_legend(options.title, options.legend ? &legend : nullptr,
                                            g.size());
  const auto levels = hilm::detail::dot_nodes(g, options.show_cardinality, indent, out);
  if (options.rank_by_level && levels.size() > 1) {
    const auto rows =
        hilm::detail::dot_component_rows(g, comparison.missed_edges, options.components_per_row);
    hilm::detail::dot_ranks(g, levels, rows, indent, out);
  }
  hilm::detail::dot_edges(g, options.truth, comparison.missed_edges, indent, out);
  if (options.legend) out += "  }\n";
  out += "}\n";
  return out;
}

/// Writes `to_dot(g, options)` to `path` atomically.
/// @throws hilm::io_error when the file cannot be written.
/// @throws invalid_argument when `options.truth` has a different number of nodes than `g`.
inline void write_dot(const Graph& g, const std::string& path, const DotOptions& options = {}) {
  const std::string text = to_dot(g, options);
  hilm::write_file_atomically(path, [&](std::ostream& os) { os << text; });
}

}  // namespace hilm

#endif  // HILM_GRAPH_DOT_HPP
