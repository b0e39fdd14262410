/// @file
/// The text side of `graph.json` (graph/json.hpp): string escaping, the one writer of the format
/// (`graph_json_text`), and a minimal JSON value with a recursive-descent parser that
/// `from_json` reads the format with.
#ifndef HILM_GRAPH_DETAIL_JSON_HPP
#define HILM_GRAPH_DETAIL_JSON_HPP

#include <cstddef>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hilm/core/error.hpp>
#include <hilm/graph/graph.hpp>

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

// The one writer of the `graph.json` text (graph/json.hpp): `nodes` with ids 0 … n−1 in order,
// then `edges` in the order given. `to_json(const Graph&)` passes `Graph::edges()`; the ground
// truth of a generator (synth/graph.hpp) passes its own edge list.
[[nodiscard]] inline std::string graph_json_text(const std::vector<Node>& nodes,
                                                 const std::vector<Edge>& edges) {
  std::string out = "{\"nodes\": [";
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (i > 0) out += ", ";
    out += "{\"id\": " + std::to_string(i) + ", \"name\": ";
    json_escape(out, n.name);
    out += std::string(", \"observed\": ") + (n.observed ? "true" : "false");
    out += ", \"level\": " + std::to_string(n.level);
    out += ", \"cardinality\": " + (n.cardinality > 0 ? std::to_string(n.cardinality) : "null");
    out += "}";
  }
  out += "], \"edges\": [";
  bool first = true;
  for (const Edge& e : edges) {
    if (!first) out += ", ";
    first = false;
    out += "{\"from\": " + std::to_string(e.from) + ", \"to\": " + std::to_string(e.to) +
           ", \"mark\": \"" + to_string(e.mark) + "\"}";
  }
  out += "]}";
  return out;
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

#endif  // HILM_GRAPH_DETAIL_JSON_HPP
