/// @file
/// Graphviz DOT export of a `Graph`: observed nodes as boxes, latent nodes as dashed grey
/// ellipses, nodes of one level on one rank (level 0 at the bottom, since arrows of a latent
/// hierarchy point down to the observed layer), `--` edges without arrowheads and `<->` with
/// both. Rendering (`dot -Tsvg`) is left to the caller; the library never spawns processes.
#ifndef HILM_GRAPH_DOT_HPP
#define HILM_GRAPH_DOT_HPP

#include <map>
#include <string>
#include <string_view>
#include <vector>

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

}  // namespace hilm::detail

namespace hilm::graph {

/// Options of `to_dot`.
struct DotOptions {
  /// Graph name written after `digraph`.
  std::string name = "hilm";
  /// Group nodes of one level on one rank (`{rank=same; …}`) when more than one level exists.
  bool rank_by_level = true;
  /// Append the cardinality of discrete nodes to their label ("L1 (k=3)").
  bool show_cardinality = true;
};

/// The DOT text of `g` (node ids as DOT ids `n0`, `n1`, …, names as labels).
[[nodiscard]] inline std::string to_dot(const Graph& g, const DotOptions& options = {}) {
  using hilm::detail::dot_quote;
  std::string out = "digraph " + dot_quote(options.name) + " {\n";
  out += "  rankdir=BT;\n  node [fontname=\"Helvetica\"];\n";
  std::map<int, std::vector<Index>> levels;
  for (Index i = 0; i < g.size(); ++i) {
    const Node& n = g.node(i);
    std::string label = n.name;
    if (options.show_cardinality && n.cardinality > 0) {
      label += " (k=" + std::to_string(n.cardinality) + ")";
    }
    out += "  n" + std::to_string(i) + " [label=" + dot_quote(label);
    out += n.observed ? ", shape=box" : ", shape=ellipse, style=dashed, color=gray40";
    out += "];\n";
    levels[n.level].push_back(i);
  }
  if (options.rank_by_level && levels.size() > 1) {
    for (const auto& [level, ids] : levels) {
      out += "  { rank=same;";
      for (const Index i : ids) out += " n" + std::to_string(i) + ";";
      out += " }  // level " + std::to_string(level) + "\n";
    }
  }
  for (const Edge& e : g.edges()) {
    out += "  n" + std::to_string(e.from) + " -> n" + std::to_string(e.to);
    if (e.mark == Mark::Undirected) out += " [dir=none]";
    if (e.mark == Mark::Bidirected) out += " [dir=both]";
    out += ";\n";
  }
  out += "}\n";
  return out;
}

/// Writes `to_dot(g, options)` to `path` atomically.
/// @throws hilm::io_error when the file cannot be written.
inline void write_dot(const Graph& g, const std::string& path, const DotOptions& options = {}) {
  hilm::io::write_file_atomically(path, [&](std::ostream& os) { os << to_dot(g, options); });
}

}  // namespace hilm::graph

#endif  // HILM_GRAPH_DOT_HPP
