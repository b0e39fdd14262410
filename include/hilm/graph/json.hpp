/// @file
/// `graph.json` (DESIGN.md §3) writer and reader, dependency-free:
///
/// ```json
/// {"nodes": [{"id": 0, "name": "X1", "observed": true, "level": 0, "cardinality": null}],
///  "edges": [{"from": 0, "to": 3, "mark": "->"}]}
/// ```
/// `cardinality` is `null` when 0 (continuous or unknown). Node ids are 0 … n−1 in order. The
/// reader accepts any JSON with that shape (whitespace, key order and extra keys are free) and
/// rejects anything else with `hilm::invalid_argument` naming the problem.
#ifndef HILM_GRAPH_JSON_HPP
#define HILM_GRAPH_JSON_HPP

#include <cmath>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/detail/json.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/detail/npy_file.hpp>

namespace hilm {

/// Serialises `g` as `graph.json` (one line, no trailing newline). Edges are listed as
/// `Graph::edges()` orders them.
[[nodiscard]] inline std::string to_json(const Graph& g) {
  return hilm::detail::graph_json_text(g.nodes(), g.edges());
}

/// Writes `to_json(g)` plus a newline to `path` atomically.
/// @throws hilm::io_error when the file cannot be written.
inline void write_json(const Graph& g, const std::string& path) {
  hilm::write_file_atomically(path, [&](std::ostream& os) { os << to_json(g) << '\n'; });
}

/// Parses `graph.json` text.
/// @returns the graph (node attributes and edges as written).
/// @throws invalid_argument on malformed JSON, a missing field, an id out of order, an unknown
///         mark or an edge naming a missing node.
[[nodiscard]] inline Graph from_json(std::string_view text) {
  using hilm::detail::JsonValue;
  const JsonValue root = hilm::detail::JsonParser(text).parse();
  auto fail = [](const std::string& what) {
    hilm::detail::raise<invalid_argument>("graph JSON: " + what);
  };
  auto integer = [&](const JsonValue* v, const std::string& what) -> Index {
    if (v == nullptr || v->kind != JsonValue::Kind::Number || v->number != std::floor(v->number)) {
      fail(what + " must be an integer");
    }
    return static_cast<Index>(v->number);
  };
  if (root.kind != JsonValue::Kind::Object) fail("the top level must be an object");
  const JsonValue* nodes = root.get("nodes");
  const JsonValue* edges = root.get("edges");
  if (nodes == nullptr || nodes->kind != JsonValue::Kind::Array) fail("missing \"nodes\" array");
  if (edges == nullptr || edges->kind != JsonValue::Kind::Array) fail("missing \"edges\" array");
  Graph g;
  for (std::size_t i = 0; i < nodes->array.size(); ++i) {
    const JsonValue& n = nodes->array[i];
    const std::string where = "node " + std::to_string(i);
    if (n.kind != JsonValue::Kind::Object) fail(where + " must be an object");
    if (integer(n.get("id"), where + ": \"id\"") != static_cast<Index>(i)) {
      fail(where + ": ids must be 0, 1, 2, ... in order");
    }
    Node node;
    if (const JsonValue* name = n.get("name")) {
      if (name->kind != JsonValue::Kind::String) fail(where + ": \"name\" must be a string");
      node.name = name->string;
    } else {
      node.name = "X" + std::to_string(i + 1);
    }
    if (const JsonValue* obs = n.get("observed")) {
      if (obs->kind != JsonValue::Kind::Bool) fail(where + ": \"observed\" must be true/false");
      node.observed = obs->boolean;
    }
    if (const JsonValue* level = n.get("level")) {
      node.level = static_cast<int>(integer(level, where + ": \"level\""));
    }
    if (const JsonValue* card = n.get("cardinality");
        card != nullptr && card->kind != JsonValue::Kind::Null) {
      node.cardinality = static_cast<int>(integer(card, where + ": \"cardinality\""));
      if (node.cardinality < 0) fail(where + ": \"cardinality\" must be >= 0 or null");
    }
    g.add_node(std::move(node));
  }
  for (std::size_t k = 0; k < edges->array.size(); ++k) {
    const JsonValue& e = edges->array[k];
    const std::string where = "edge " + std::to_string(k);
    if (e.kind != JsonValue::Kind::Object) fail(where + " must be an object");
    const Index from = integer(e.get("from"), where + ": \"from\"");
    const Index to = integer(e.get("to"), where + ": \"to\"");
    if (from < 0 || to < 0 || from >= g.size() || to >= g.size() || from == to) {
      fail(where + ": node ids out of range or equal");
    }
    const JsonValue* mark = e.get("mark");
    if (mark == nullptr || mark->kind != JsonValue::Kind::String) {
      fail(where + ": \"mark\" must be a string");
    }
    if (mark->string == "->") {
      g.add_edge(from, to, Mark::Directed);
    } else if (mark->string == "--") {
      g.add_edge(from, to, Mark::Undirected);
    } else if (mark->string == "<->") {
      g.add_edge(from, to, Mark::Bidirected);
    } else {
      fail(where + ": unknown mark \"" + mark->string + "\"");
    }
  }
  return g;
}

/// Reads a `graph.json` file.
/// @throws hilm::io_error when the file cannot be read; invalid_argument as `from_json`.
[[nodiscard]] inline Graph read_json(const std::string& path) {
  return from_json(detail::read_text_file(path));
}

}  // namespace hilm

#endif  // HILM_GRAPH_JSON_HPP
