/// @file
/// Implementation details of `hilm/io/delimited.hpp`: line cursor, field splitting with quotes,
/// locale-free number parsing. Public API: `hilm/io/delimited.hpp`.
#ifndef HILM_IO_DETAIL_DELIMITED_TEXT_HPP
#define HILM_IO_DETAIL_DELIMITED_TEXT_HPP

#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <hilm/core/error.hpp>

namespace hilm::detail {

/// Whitespace mode: fields are separated by runs of spaces and tabs.
inline constexpr char whitespace_delimiter = ' ';

/// One field of a line. `text` excludes surrounding quotes; `escaped` means it holds doubled
/// quotes (`""`) that `cell_string` turns into single ones.
struct Cell {
  std::string_view text;
  bool quoted = false;
  bool escaped = false;
};

/// The field's value as a string (quotes removed, `""` → `"`).
[[nodiscard]] inline std::string cell_string(const Cell& c) {
  if (!c.escaped) return std::string(c.text);
  std::string out;
  out.reserve(c.text.size());
  for (std::size_t i = 0; i < c.text.size(); ++i) {
    out += c.text[i];
    if (c.text[i] == '"') ++i;  // skip the second quote of a pair
  }
  return out;
}

/// Cell text for error messages: at most 40 characters, control bytes shown as '?'.
[[nodiscard]] inline std::string cell_for_message(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  if (s.size() > 40) out += "...";
  return out;
}

/// Walks the lines of a text: '\n' ends a line, one '\r' before it is dropped (CRLF files), a
/// final line without '\n' counts, and the empty remainder after a final '\n' does not.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : text_(text) {}

  /// Next line into `line`; false at the end. `number()` is then its 1-based line number.
  bool next(std::string_view& line) {
    if (pos_ >= text_.size()) return false;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++number_;
    return true;
  }

  [[nodiscard]] std::size_t number() const noexcept { return number_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
};

[[nodiscard]] constexpr bool is_blank(char c, char delimiter) noexcept {
  return c == ' ' || (c == '\t' && delimiter != '\t') || c == '\r';
}

/// A blank line holds only spaces and tabs and no delimiter; blank lines are skipped everywhere.
/// (In tab mode "\t\t" is a row of empty cells, not a blank line.)
[[nodiscard]] inline bool is_blank_line(std::string_view line, char delimiter) noexcept {
  for (char c : line) {
    if (!is_blank(c, delimiter)) return false;
  }
  return true;
}

/// Picks the delimiter from a sample line: ',' if it holds a comma outside quotes, else '\t' if
/// it holds a tab, else whitespace mode.
[[nodiscard]] inline char detect_delimiter(std::string_view line) noexcept {
  bool in_quotes = false;
  bool tab = false;
  for (char c : line) {
    if (c == '"') in_quotes = !in_quotes;
    if (in_quotes) continue;
    if (c == ',') return ',';
    if (c == '\t') tab = true;
  }
  return tab ? '\t' : whitespace_delimiter;
}

/// Splits `line` into `out` (cleared first). Cells are trimmed of surrounding spaces (and tabs
/// unless tab is the delimiter); a cell may be double-quoted (RFC 4180: `""` inside is a quote).
/// @throws io_error naming the line and column for an unterminated quote or text after a
///   closing quote.
inline void split_line(std::string_view line, char delimiter, std::vector<Cell>& out,
                       const std::string& path, std::size_t line_no) {
  out.clear();
  const std::size_t n = line.size();
  auto fail = [&](const std::string& problem) {
    hilm::detail::raise<io_error>(path, std::string("line ") + std::to_string(line_no) +
                                            ", column " + std::to_string(out.size() + 1) + ": " +
                                            problem);
  };
  const bool whitespace = delimiter == whitespace_delimiter;
  std::size_t pos = 0;
  while (true) {
    while (pos < n && is_blank(line[pos], delimiter)) ++pos;
    if (whitespace && pos == n) return;
    Cell cell;
    if (pos < n && line[pos] == '"') {
      std::size_t i = pos + 1;
      while (true) {
        if (i >= n) fail("unterminated quoted field");
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            cell.escaped = true;
            i += 2;
            continue;
          }
          break;
        }
        ++i;
      }
      cell.text = line.substr(pos + 1, i - pos - 1);
      cell.quoted = true;
      pos = i + 1;
      if (whitespace) {
        if (pos < n && !is_blank(line[pos], delimiter))
          fail("unexpected text after a closing quote");
      } else {
        while (pos < n && is_blank(line[pos], delimiter)) ++pos;
        if (pos < n && line[pos] != delimiter) fail("unexpected text after a closing quote");
      }
    } else {
      std::size_t end = pos;
      if (whitespace) {
        while (end < n && !is_blank(line[end], delimiter)) ++end;
      } else {
        end = line.find(delimiter, pos);
        if (end == std::string_view::npos) end = n;
      }
      std::size_t last = end;
      while (last > pos && is_blank(line[last - 1], delimiter)) --last;
      cell.text = line.substr(pos, last - pos);
      pos = end;
    }
    out.push_back(cell);
    if (whitespace) continue;
    if (pos >= n) return;
    ++pos;  // past the delimiter; a delimiter at the very end leaves one more (empty) field
  }
}

/// What a cell holds.
enum class CellKind {
  Number,      ///< a number, including inf/infinity/nan in any case
  Missing,     ///< empty, or R's "NA": read as NaN
  Text,        ///< anything else
  OutOfRange,  ///< a number beyond ±double's range
};

/// True if the decimal number in `s` (from_chars syntax, no leading '+') has magnitude below 1;
/// used to tell underflow from overflow when from_chars reports result_out_of_range.
[[nodiscard]] inline bool decimal_below_one(std::string_view s) noexcept {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  long long magnitude = 0;  // decimal exponent of the leading significant digit
  bool found = false;
  long long integer_digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (found || s[i] != '0') {
      found = true;
      ++integer_digits;
    }
  }
  if (found) {
    magnitude = integer_digits - 1;
  } else if (i < s.size() && s[i] == '.') {
    long long zeros = 0;
    for (++i; i < s.size() && s[i] == '0'; ++i) ++zeros;
    magnitude = -(zeros + 1);
  }
  while (i < s.size() && s[i] != 'e' && s[i] != 'E') ++i;
  long long exponent = 0;
  if (i < s.size()) {
    ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (s[i] - '0');
    }
    if (negative) exponent = -exponent;
  }
  return magnitude + exponent < 0;
}

/// Parses a cell as a double with `std::from_chars` (locale-free): decimal and scientific
/// notation, an optional leading '+', inf/infinity/nan in any case. The whole cell must be
/// consumed. Underflow gives a signed zero (as strtod); overflow is `OutOfRange`.
[[nodiscard]] inline CellKind parse_cell_number(std::string_view s, double& out) noexcept {
  if (s.empty() || s == "NA") {
    out = std::numeric_limits<double>::quiet_NaN();
    return CellKind::Missing;
  }
  if (s.front() == '+') {
    s.remove_prefix(1);
    if (s.empty() || s.front() == '+' || s.front() == '-') return CellKind::Text;
  }
  const char* first = s.data();
  const char* last = first + s.size();
  const auto [ptr, ec] = std::from_chars(first, last, out);
  if (ptr != last) return CellKind::Text;
  if (ec == std::errc::result_out_of_range) {
    if (!decimal_below_one(s)) return CellKind::OutOfRange;
    out = s.front() == '-' ? -0.0 : 0.0;
    return CellKind::Number;
  }
  return ec == std::errc() ? CellKind::Number : CellKind::Text;
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_DELIMITED_TEXT_HPP
