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
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/graph/graph.hpp>
#include <hilm/io/atomic_file.hpp>
#include <hilm/io/detail/npy_file.hpp>

namespace hilm::detail {

inline void json_escape(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// A minimal JSON value and recursive-descent parser (RFC 8259 subset: no surrogate pairs
// beyond the BMP are combined; numbers as double).
struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
  bool boolean = false;
  double number = 0.0;
  std::string string{};
  std::vector<JsonValue> array{};
  std::vector<std::pair<std::string, JsonValue>> object{};

  [[nodiscard]] const JsonValue* get(std::string_view key) const {
    for (const auto& [k, v] : object) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : s_(text) {}

  JsonValue parse() {
    JsonValue v = value(0);
    skip();
    if (pos_ != s_.size()) fail("unexpected trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    raise<invalid_argument>("graph JSON: " + what + " at offset " + std::to_string(pos_));
  }
  void skip() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool eat(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }

  JsonValue value(int nesting) {
    if (nesting > 64) fail("nesting too deep");
    skip();
    if (pos_ >= s_.size()) fail("unexpected end of input");
    JsonValue v;
    const char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      v.kind = JsonValue::Kind::Object;
      if (eat('}')) return v;
      do {
        skip();
        if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a key string");
        std::string key = string();
        expect(':');
        v.object.emplace_back(std::move(key), value(nesting + 1));
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      ++pos_;
      v.kind = JsonValue::Kind::Array;
      if (eat(']')) return v;
      do {
        v.array.push_back(value(nesting + 1));
      } while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.kind = JsonValue::Kind::String;
      v.string = string();
    } else if (literal("true")) {
      v.kind = JsonValue::Kind::Bool;
      v.boolean = true;
    } else if (literal("false")) {
      v.kind = JsonValue::Kind::Bool;
    } else if (literal("null")) {
      v.kind = JsonValue::Kind::Null;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const std::size_t start = pos_;
      while (pos_ < s_.size() &&
             std::string_view("+-.eE0123456789").find(s_[pos_]) != std::string_view::npos) {
        ++pos_;
      }
      const std::string number(s_.substr(start, pos_ - start));
      std::size_t used = 0;
      try {
        v.number = std::stod(number, &used);
      } catch (const std::exception&) {
        fail("malformed number '" + number + "'");
      }
      if (used != number.size()) fail("malformed number '" + number + "'");
      v.kind = JsonValue::Kind::Number;
    } else {
      fail(std::string("unexpected character '") + c + "'");
    }
    return v;
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          if (pos_ + 4 > s_.size()) fail("short \\u escape");
          unsigned code = 0;
          for (int k = 0; k < 4; ++k) {
            const char h = s_[pos_++];
            code <<= 4;
            if (h >= '0' && h <= '9') {
              code |= static_cast<unsigned>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
              code |= static_cast<unsigned>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
              code |= static_cast<unsigned>(h - 'A' + 10);
            } else {
              fail("bad \\u escape");
            }
          }
          // UTF-8 encode (BMP).
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default:
          fail("bad escape");
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace hilm::detail

namespace hilm {

/// Serialises `g` as `graph.json` (one line, no trailing newline). Edges are listed as
/// `Graph::edges()` orders them.
[[nodiscard]] inline std::string to_json(const Graph& g) {
  std::string out = "{\"nodes\": [";
  for (Index i = 0; i < g.size(); ++i) {
    const Node& n = g.node(i);
    if (i > 0) out += ", ";
    out += "{\"id\": " + std::to_string(i) + ", \"name\": ";
    hilm::detail::json_escape(out, n.name);
    out += std::string(", \"observed\": ") + (n.observed ? "true" : "false");
    out += ", \"level\": " + std::to_string(n.level);
    out += ", \"cardinality\": " + (n.cardinality > 0 ? std::to_string(n.cardinality) : "null");
    out += "}";
  }
  out += "], \"edges\": [";
  bool first = true;
  for (const Edge& e : g.edges()) {
    if (!first) out += ", ";
    first = false;
    out += "{\"from\": " + std::to_string(e.from) + ", \"to\": " + std::to_string(e.to) +
           ", \"mark\": \"" + to_string(e.mark) + "\"}";
  }
  out += "]}";
  return out;
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
