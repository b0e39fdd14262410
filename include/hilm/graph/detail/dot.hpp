/// @file
/// The steps of the Graphviz DOT export (graph/dot.hpp): quoting and HTML escaping, the edge
/// styles of a drawing compared with a truth, the legend table, and the node, rank and edge
/// lines that `to_dot` puts together.
#ifndef HILM_GRAPH_DETAIL_DOT_HPP
#define HILM_GRAPH_DETAIL_DOT_HPP

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>

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

// Counts of the three edge classes of a drawing compared with a truth (`EdgeComparison`).
struct DotEdgeCounts {
  std::size_t true_edges = 0;
  std::size_t false_edges = 0;
  std::size_t missed_edges = 0;
};

// The legend (`DotOptions::legend`) as a Graphviz HTML-like table: with `counts`, the three edge
// classes in their styles, then precision, recall and F1; without, one row per edge mark of `g`.
// Then the node shapes when `g` has latent nodes, then `notes`.
//
// Legend rows: a two-column table, line or shape samples left, texts right. Notes go in the
// text column too: a cell spanning both would stretch the sample column (Graphviz spreads a
// wide cell's extra width over every column it spans).
inline std::string dot_legend(const Graph& g, const DotEdgeCounts* counts,
                              const std::vector<std::string>& notes) {
  std::string legend;
  auto count = [](std::size_t n) { return std::to_string(n); };
  auto text_row = [](std::string_view text) {
    return "<TR><TD></TD><TD ALIGN=\"LEFT\">" + dot_html_escape(text) + "</TD></TR>\n";
  };
  if (counts != nullptr) {
    const auto t = counts->true_edges, f = counts->false_edges, m = counts->missed_edges;
    legend += dot_legend_edge_row(kDotTrueStyle, Mark::Directed,
                                  "true (found, in the truth): " + count(t));
    legend += dot_legend_edge_row(kDotFalseStyle, Mark::Directed,
                                  "false (found, not in the truth): " + count(f));
    legend += dot_legend_edge_row(kDotMissedStyle, Mark::Directed,
                                  "missed (in the truth, not found): " + count(m));
    // Same figures as `EdgeComparison`, but "n/a" where a ratio has nothing to count.
    const double hits = static_cast<double>(t), found = static_cast<double>(t + f),
                 real = static_cast<double>(t + m);
    legend += text_row("precision " + dot_ratio(hits, found) + ", recall " + dot_ratio(hits, real) +
                       ", F1 " + dot_ratio(2 * hits, found + real));
  } else {
    std::map<Mark, std::size_t> marks;
    for (const Edge& e : g.edges()) ++marks[e.mark];
    for (const auto& [mark, n] : marks) {
      const char* what = mark == Mark::Directed     ? "directed (->): "
                         : mark == Mark::Undirected ? "undirected (--): "
                                                    : "bidirected (<->): ";
      legend += dot_legend_edge_row(kDotPlainStyle, mark, what + count(n));
    }
  }
  bool latent = false;
  for (const Node& n : g.nodes()) latent = latent || !n.observed;
  if (latent) {
    legend += dot_legend_node_row(true, "observed variable");
    legend += dot_legend_node_row(false, "latent variable");
  }
  for (const std::string& note : notes) legend += text_row(note);
  if (legend.empty()) legend = text_row("no edges");
  // Graphviz sizes the box with Helvetica's widths; a viewer that substitutes a wider font
  // (DejaVu Sans is ~10 % wider) would let the longest text touch the border. An empty third
  // column of ~0.8 pt per character of the longest text leaves room for that.
  std::size_t longest = 40;  // the fixed rows above are shorter than this
  for (const std::string& note : notes) {
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
  return legend;
}

// The graph's title and the opening of the legend cluster (`legend`: the table of `dot_legend`,
// or null for none; `nodes`: the number of nodes of the drawn graph).
inline std::string dot_title_and_legend(std::string_view title, const std::string* legend,
                                        Index nodes) {
  // The title is the graph's label; the legend is the label of a borderless cluster holding the
  // whole graph, so it sits between title and graph (two labels, not one table: a nested table
  // would be stretched to the title's width). With rankdir=BT a cluster's labelloc=b is the top.
  std::string out;
  if (!title.empty() || legend != nullptr) {
    out += "  fontname=\"Helvetica\";\n  labelloc=t;\n  labeljust=l;\n";
  }
  if (!title.empty()) {
    out += "  label=<<FONT POINT-SIZE=\"16\"><B>" + dot_html_escape(title) + "</B></FONT>>;\n";
  }
  if (legend != nullptr) {
    out += "  subgraph cluster_legend {\n    peripheries=0;\n    labelloc=b;\n    label=<" +
           *legend + ">;\n";
    // An empty cluster is not drawn; an invisible node keeps the legend of an empty graph.
    if (nodes == 0) out += "    legend_anchor [shape=point, style=invis];\n";
  }
  return out;
}

// One line per node (label, shape by observed/latent), appended to `out`; returns the node ids
// grouped by level.
inline std::map<int, std::vector<Index>> dot_nodes(const Graph& g, bool show_cardinality,
                                                   const std::string& indent, std::string& out) {
  std::map<int, std::vector<Index>> levels;
  for (Index i = 0; i < g.size(); ++i) {
    const Node& n = g.node(i);
    std::string label = n.name;
    if (show_cardinality && n.cardinality > 0) {
      label += " (k=" + std::to_string(n.cardinality) + ")";
    }
    out += indent + "n" + std::to_string(i) + " [label=" + dot_quote(label);
    out += n.observed ? ", shape=box" : ", shape=ellipse, style=dashed, color=gray40";
    out += "];\n";
    levels[n.level].push_back(i);
  }
  return levels;
}

// Rows of components (`DotOptions::components_per_row`): each (row, level) is a rank of its own.
struct DotRows {
  std::vector<Index> row;  // per node: its row
  Index count = 1;         // number of rows
};

// Connected components of `g` plus the `missed` edges, numbered by their smallest node id and
// dealt into rows of `per_row` (one row when `per_row` <= 0).
inline DotRows dot_component_rows(const Graph& g, const std::vector<Edge>& missed, int per_row) {
  DotRows rows;
  rows.row.assign(static_cast<std::size_t>(g.size()), 0);
  if (per_row > 0) {
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
    for (const Edge& e : missed) join(e);
    std::map<Index, Index> component;  // root → index, in order of the smallest node id
    for (Index i = 0; i < g.size(); ++i) {
      const Index c =
          component.emplace(root(i), static_cast<Index>(component.size())).first->second;
      rows.row[static_cast<std::size_t>(i)] = c / per_row;
    }
    rows.count = (static_cast<Index>(component.size()) + per_row - 1) / per_row;
  }
  return rows;
}

// `{rank=same; …}` per (row, level), then the invisible edges that stack the rows, appended to
// `out`.
inline void dot_ranks(const Graph& g, const std::map<int, std::vector<Index>>& levels,
                      const DotRows& rows, const std::string& indent, std::string& out) {
  for (Index r = 0; r < rows.count; ++r) {
    for (const auto& [level, ids] : levels) {
      std::string members;
      for (const Index i : ids) {
        if (rows.row[static_cast<std::size_t>(i)] == r) members += " n" + std::to_string(i) + ";";
      }
      if (members.empty()) continue;
      out += indent + "{ rank=same;" + members + " }  // ";
      out += rows.count > 1 ? "row " + std::to_string(r) + ", " : std::string();
      out += "level " + std::to_string(level) + "\n";
    }
  }
  // Row r hangs below row r − 1: an invisible edge from a top node of row r to a bottom node
  // of row r − 1 (with rankdir=BT the head is drawn above the tail), two ranks long so that an
  // empty rank separates the rows more than a level separates the nodes of one component.
  for (Index r = 1; r < rows.count; ++r) {
    Index top = -1, bottom = -1;
    for (Index i = 0; i < g.size(); ++i) {
      const int level = g.node(i).level;
      if (rows.row[static_cast<std::size_t>(i)] == r && (top < 0 || level > g.node(top).level)) {
        top = i;
      }
      if (rows.row[static_cast<std::size_t>(i)] == r - 1 &&
          (bottom < 0 || level < g.node(bottom).level)) {
        bottom = i;
      }
    }
    out += indent + "n" + std::to_string(top) + " -> n" + std::to_string(bottom) +
           " [style=invis, minlen=2];  // row " + std::to_string(r) + " below row " +
           std::to_string(r - 1) + "\n";
  }
}

// One line per edge of `g`, appended to `out`; with a `truth`, each styled by its class and the
// `missed` edges added.
inline void dot_edges(const Graph& g, const Graph* truth, const std::vector<Edge>& missed,
                      const std::string& indent, std::string& out) {
  auto edge_line = [&indent](const Edge& e, const DotEdgeStyle* style) {
    return indent + "n" + std::to_string(e.from) + " -> n" + std::to_string(e.to) +
           dot_edge_attributes(e.mark, style) + ";\n";
  };
  if (truth == nullptr) {
    for (const Edge& e : g.edges()) out += edge_line(e, nullptr);
  } else {
    // Found edges in `g.edges()` order, each styled by its class; then the missed ones.
    for (const Edge& e : g.edges()) {
      out += edge_line(e, dot_has_edge(*truth, e) ? &kDotTrueStyle : &kDotFalseStyle);
    }
    if (!missed.empty()) out += indent + "// missed: in the truth, not found\n";
    for (const Edge& e : missed) {
      out += edge_line(e, &kDotMissedStyle);
    }
  }
}

}  // namespace hilm::detail

#endif  // HILM_GRAPH_DETAIL_DOT_HPP
