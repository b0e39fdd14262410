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

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/io/atomic_file.hpp>

namespace hilm::detail {

inline std::string dot_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  out += '"';
  return out;
}

// Text inside a Graphviz HTML-like label.
inline std::string dot_html_escape(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\n':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Edge styles of the comparison drawing (colour, DOT style). Solid dark / red dashed / grey
// dotted stay distinct in grey-scale print and for colour-blind readers (the dash pattern
// carries the class, the colour repeats it).
struct DotEdgeStyle {
  const char* colour;
  const char* style;  // DOT `style` and HTML-table border style
};
inline constexpr DotEdgeStyle kDotPlainStyle{"#222222", "solid"};
inline constexpr DotEdgeStyle kDotTrueStyle{"#222222", "solid"};
inline constexpr DotEdgeStyle kDotFalseStyle{"#d62728", "dashed"};
inline constexpr DotEdgeStyle kDotMissedStyle{"#8c8c8c", "dotted"};

// Attribute list of one drawn edge: its mark (arrowheads) and, when compared, its class style.
inline std::string dot_edge_attributes(Mark mark, const DotEdgeStyle* style) {
  std::string attributes;
  auto add = [&](const std::string& a) { attributes += (attributes.empty() ? "" : ", ") + a; };
  if (mark == Mark::Undirected) add("dir=none");
  if (mark == Mark::Bidirected) add("dir=both");
  if (style != nullptr) {
    add("color=\"" + std::string(style->colour) + "\"");
    if (std::string_view(style->style) != "solid") add("style=" + std::string(style->style));
    add("penwidth=1.5");
  }
  return attributes.empty() ? std::string() : " [" + attributes + "]";
}

// One legend row: a line sample in `style` (arrowheads as the mark draws them), then `text`.
inline std::string dot_legend_edge_row(const DotEdgeStyle& style, Mark mark,
                                       std::string_view text) {
  const std::string colour = style.colour;
  auto head = [&](const char* glyph) {
    return "<TD ROWSPAN=\"2\" FIXEDSIZE=\"TRUE\" WIDTH=\"9\" HEIGHT=\"16\"><FONT COLOR=\"" +
           colour + "\" POINT-SIZE=\"10\">" + glyph + "</FONT></TD>";
  };
  std::string sample =
      "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"0\"><TR>";
  // The line is the bottom border of the upper of two 8-point cells, so it sits mid-row;
  // arrowheads are glyphs in cells spanning both rows. Fixed cell sizes keep the sample compact
  // whatever width Graphviz estimates for the glyphs.
  if (mark == Mark::Bidirected) sample += head("&#9664;");
  sample += "<TD SIDES=\"B\" BORDER=\"2\" STYLE=\"" + std::string(style.style) + "\" COLOR=\"" +
            colour + "\" FIXEDSIZE=\"TRUE\" WIDTH=\"36\" HEIGHT=\"8\"></TD>";
  if (mark != Mark::Undirected) sample += head("&#9654;");
  sample +=
      "<TD ROWSPAN=\"2\" FIXEDSIZE=\"TRUE\" WIDTH=\"6\" HEIGHT=\"16\"></TD></TR><TR><TD "
      "FIXEDSIZE=\"TRUE\" WIDTH=\"36\" HEIGHT=\"8\"></TD></TR></TABLE>";
  return "<TR><TD ALIGN=\"LEFT\">" + sample + "</TD><TD ALIGN=\"LEFT\">" + dot_html_escape(text) +
         "</TD></TR>\n";
}

// One legend row with a node-shape sample (a small box, solid or dashed) and `text`.
inline std::string dot_legend_node_row(bool observed, std::string_view text) {
  const std::string border =
      observed ? "STYLE=\"solid\" COLOR=\"#000000\"" : "STYLE=\"dashed\" COLOR=\"#666666\"";
  return "<TR><TD ALIGN=\"LEFT\"><TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" "
         "CELLPADDING=\"0\"><TR><TD " +
         border + " WIDTH=\"30\" HEIGHT=\"14\"></TD></TR></TABLE></TD><TD ALIGN=\"LEFT\">" +
         dot_html_escape(text) + "</TD></TR>\n";
}

// True when `g` has the edge `e` with the same mark (and, for `->`, the same direction).
inline bool dot_has_edge(const Graph& g, const Edge& e) {
  switch (e.mark) {
    case Mark::Directed:
      return g.is_directed(e.from, e.to);
    case Mark::Undirected:
      return g.is_undirected(e.from, e.to);
    case Mark::Bidirected:
      return g.is_bidirected(e.from, e.to);
  }
  return false;
}

inline std::string dot_ratio(double numerator, double denominator) {
  if (denominator <= 0) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", numerator / denominator);
  return buffer;
}

}  // namespace hilm::detail

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
  using hilm::detail::dot_quote;
  std::string out = "digraph " + dot_quote(options.name) + " {\n";
  out += "  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n";
  EdgeComparison comparison;
  if (options.truth != nullptr) comparison = compare_edges(g, *options.truth);

  // Legend rows: a two-column table, line or shape samples left, texts right. Notes go in the
  // text column too: a cell spanning both would stretch the sample column (Graphviz spreads a
  // wide cell's extra width over every column it spans).
  std::string legend;
  if (options.legend) {
    using hilm::detail::dot_legend_edge_row;
    auto count = [](std::size_t n) { return std::to_string(n); };
    auto text_row = [](std::string_view text) {
      return "<TR><TD></TD><TD ALIGN=\"LEFT\">" + hilm::detail::dot_html_escape(text) +
             "</TD></TR>\n";
    };
    if (options.truth != nullptr) {
      const auto t = comparison.true_edges.size(), f = comparison.false_edges.size(),
                 m = comparison.missed_edges.size();
      legend += dot_legend_edge_row(hilm::detail::kDotTrueStyle, Mark::Directed,
                                    "true (found, in the truth): " + count(t));
      legend += dot_legend_edge_row(hilm::detail::kDotFalseStyle, Mark::Directed,
                                    "false (found, not in the truth): " + count(f));
      legend += dot_legend_edge_row(hilm::detail::kDotMissedStyle, Mark::Directed,
                                    "missed (in the truth, not found): " + count(m));
      // Same figures as `EdgeComparison`, but "n/a" where a ratio has nothing to count.
      using hilm::detail::dot_ratio;
      const double hits = static_cast<double>(t), found = static_cast<double>(t + f),
                   real = static_cast<double>(t + m);
      legend += text_row("precision " + dot_ratio(hits, found) + ", recall " +
                         dot_ratio(hits, real) + ", F1 " + dot_ratio(2 * hits, found + real));
    } else {
      std::map<Mark, std::size_t> marks;
      for (const Edge& e : g.edges()) ++marks[e.mark];
      for (const auto& [mark, n] : marks) {
        const char* what = mark == Mark::Directed     ? "directed (->): "
                           : mark == Mark::Undirected ? "undirected (--): "
                                                      : "bidirected (<->): ";
        legend += dot_legend_edge_row(hilm::detail::kDotPlainStyle, mark, what + count(n));
      }
    }
    bool latent = false;
    for (const Node& n : g.nodes()) latent = latent || !n.observed;
    if (latent) {
      legend += hilm::detail::dot_legend_node_row(true, "observed variable");
      legend += hilm::detail::dot_legend_node_row(false, "latent variable");
    }
    for (const std::string& note : options.legend_notes) legend += text_row(note);
    if (legend.empty()) legend = text_row("no edges");
    // Graphviz sizes the box with Helvetica's widths; a viewer that substitutes a wider font
    // (DejaVu Sans is ~10 % wider) would let the longest text touch the border. An empty third
    // column of ~0.8 pt per character of the longest text leaves room for that.
    std::size_t longest = 40;  // the fixed rows above are shorter than this
    for (const std::string& note : options.legend_notes) {
      std::size_t code_points = 0;
      for (const char c : note) code_points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      longest = std::max(longest, code_points);
    }
    legend +=
        "<TR><TD CELLPADDING=\"0\"></TD><TD CELLPADDING=\"0\"></TD><TD CELLPADDING=\"0\" "
        "WIDTH=\"" +
        std::to_string((longest * 4 + 4) / 5) + "\" HEIGHT=\"1\"></TD></TR>\n";
    legend =
        "<TABLE BORDER=\"1\" COLOR=\"#bbbbbb\" STYLE=\"rounded\" CELLBORDER=\"0\" "
        "CELLSPACING=\"0\" CELLPADDING=\"3\">\n" +
        legend + "</TABLE>";
  }
  // The title is the graph's label; the legend is the label of a borderless cluster holding the
  // whole graph, so it sits between title and graph (two labels, not one table: a nested table
  // would be stretched to the title's width). With rankdir=BT a cluster's labelloc=b is the top.
  const std::string indent = options.legend ? "    " : "  ";
  if (!options.title.empty() || options.legend) {
    out += "  fontname=\"Helvetica\";\n  labelloc=t;\n  labeljust=l;\n";
  }
  if (!options.title.empty()) {
    out += "  label=<<FONT POINT-SIZE=\"16\"><B>" + hilm::detail::dot_html_escape(options.title) +
           "</B></FONT>>;\n";
  }
  if (options.legend) {
    out += "  subgraph cluster_legend {\n    peripheries=0;\n    labelloc=b;\n    label=<" +
           legend + ">;\n";
    // An empty cluster is not drawn; an invisible node keeps the legend of an empty graph.
    if (g.size() == 0) out += "    legend_anchor [shape=point, style=invis];\n";
  }

  std::map<int, std::vector<Index>> levels;
  for (Index i = 0; i < g.size(); ++i) {
    const Node& n = g.node(i);
    std::string label = n.name;
    if (options.show_cardinality && n.cardinality > 0) {
      label += " (k=" + std::to_string(n.cardinality) + ")";
    }
    out += indent + "n" + std::to_string(i) + " [label=" + dot_quote(label);
    out += n.observed ? ", shape=box" : ", shape=ellipse, style=dashed, color=gray40";
    out += "];\n";
    levels[n.level].push_back(i);
  }
  // Rows of components (components_per_row): each (row, level) is a rank of its own.
  std::vector<Index> row(static_cast<std::size_t>(g.size()), 0);
  Index rows = 1;
  if (options.components_per_row > 0 && options.rank_by_level && levels.size() > 1) {
    std::vector<Index> parent(static_cast<std::size_t>(g.size()));
    for (Index i = 0; i < g.size(); ++i) parent[static_cast<std::size_t>(i)] = i;
    auto root = [&](Index v) {
      while (parent[static_cast<std::size_t>(v)] != v) v = parent[static_cast<std::size_t>(v)];
      return v;
    };
    auto join = [&](const Edge& e) {
      const Index a = root(e.from), b = root(e.to);
      parent[static_cast<std::size_t>(std::max(a, b))] = std::min(a, b);  // root = smallest id
    };
    for (const Edge& e : g.edges()) join(e);
    for (const Edge& e : comparison.missed_edges) join(e);
    std::map<Index, Index> component;  // root → index, in order of the smallest node id
    for (Index i = 0; i < g.size(); ++i) {
      const Index c =
          component.emplace(root(i), static_cast<Index>(component.size())).first->second;
      row[static_cast<std::size_t>(i)] = c / options.components_per_row;
    }
    rows = (static_cast<Index>(component.size()) + options.components_per_row - 1) /
           options.components_per_row;
  }
  if (options.rank_by_level && levels.size() > 1) {
    for (Index r = 0; r < rows; ++r) {
      for (const auto& [level, ids] : levels) {
        std::string members;
        for (const Index i : ids) {
          if (row[static_cast<std::size_t>(i)] == r) members += " n" + std::to_string(i) + ";";
        }
        if (members.empty()) continue;
        out += indent + "{ rank=same;" + members + " }  // ";
        out += rows > 1 ? "row " + std::to_string(r) + ", " : std::string();
        out += "level " + std::to_string(level) + "\n";
      }
    }
    // Row r hangs below row r − 1: an invisible edge from a top node of row r to a bottom node
    // of row r − 1 (with rankdir=BT the head is drawn above the tail), two ranks long so that an
    // empty rank separates the rows more than a level separates the nodes of one component.
    for (Index r = 1; r < rows; ++r) {
      Index top = -1, bottom = -1;
      for (Index i = 0; i < g.size(); ++i) {
        const int level = g.node(i).level;
        if (row[static_cast<std::size_t>(i)] == r && (top < 0 || level > g.node(top).level)) {
          top = i;
        }
        if (row[static_cast<std::size_t>(i)] == r - 1 &&
            (bottom < 0 || level < g.node(bottom).level)) {
          bottom = i;
        }
      }
      out += indent + "n" + std::to_string(top) + " -> n" + std::to_string(bottom) +
             " [style=invis, minlen=2];  // row " + std::to_string(r) + " below row " +
             std::to_string(r - 1) + "\n";
    }
  }
  auto edge_line = [&indent](const Edge& e, const hilm::detail::DotEdgeStyle* style) {
    return indent + "n" + std::to_string(e.from) + " -> n" + std::to_string(e.to) +
           hilm::detail::dot_edge_attributes(e.mark, style) + ";\n";
  };
  if (options.truth == nullptr) {
    for (const Edge& e : g.edges()) out += edge_line(e, nullptr);
  } else {
    // Found edges in `g.edges()` order, each styled by its class; then the missed ones.
    for (const Edge& e : g.edges()) {
      out += edge_line(e, hilm::detail::dot_has_edge(*options.truth, e)
                              ? &hilm::detail::kDotTrueStyle
                              : &hilm::detail::kDotFalseStyle);
    }
    if (!comparison.missed_edges.empty()) out += indent + "// missed: in the truth, not found\n";
    for (const Edge& e : comparison.missed_edges) {
      out += edge_line(e, &hilm::detail::kDotMissedStyle);
    }
  }
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
