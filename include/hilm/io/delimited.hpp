/// @file
/// Reading numeric tables from delimited text: CSV, TSV and whitespace-separated files such as
/// those written by pandas (`to_csv`), R (`write.csv`, `write.table`), numpy (`savetxt`) and the
/// causal-learn / pcalg / bnlearn test data.
///
/// Rules, in the order they apply:
/// - A UTF-8 byte-order mark is skipped. Lines end at '\n'; a '\r' before it is dropped (CRLF);
///   the last line needs no newline. Blank lines (only spaces/tabs, no delimiter) are skipped
///   anywhere, so trailing blank lines are harmless. Line numbers in messages count every
///   physical line, 1-based.
/// - Delimiter: `DelimitedOptions::delimiter`, or detected from the first non-blank line: ','
///   if it holds a comma outside quotes, else '\t' if it holds a tab, else whitespace mode
///   (fields separated by runs of spaces and tabs; reported as ' ').
/// - Fields: surrounding spaces are trimmed (and tabs, unless tab is the delimiter); a field may
///   be double-quoted, with `""` standing for a quote inside (RFC 4180); quoted fields cannot span
///   lines. Every row must have as many fields as the first row.
/// - Header: with `Header::Detect`, the first non-blank line is a header when one of its cells is
///   not a number (empty cells and `NA` count as numbers here, so a data row with missing values
///   is not mistaken for a header). With `categorical`, a non-numeric first-line cell that appears
///   again further down its column marks the first line as data instead. A header-only file
///   gives a 0 × k table; an empty file is an error.
/// - Numbers: `std::from_chars` (locale-free) — decimal and scientific notation (`1e-3`), an
///   optional leading `+`, `-0`, `inf`/`infinity`/`nan` in any case. Missing values are empty
///   cells (pandas) and `NA` (R); they read as NaN. Underflow reads as a signed zero; values
///   beyond the range of `Scalar` are errors.
/// - `allow_nan = false` rejects NaN, ±Inf and missing values, naming line and column.
/// - `categorical = true` codes each column that holds a non-numeric cell as integers: its
///   distinct strings are sorted byte-wise (R's factor levels in the C locale) and replaced by
///   0 … k−1; missing cells (empty, `NA`, `nan`) stay NaN. `levels[j]` lists the strings.
///   Without it, a non-numeric cell is an error.
///
/// Errors are `hilm::io_error` whose message names the file, the line, the column (and its header
/// name when there is one): "data.csv: line 3, column 2 (X2): 'abc' is not a number".
#ifndef HILM_IO_DELIMITED_HPP
#define HILM_IO_DELIMITED_HPP

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include <hilm/core/assert.hpp>
#include <hilm/core/detail/validate.hpp>
#include <hilm/core/error.hpp>
#include <hilm/core/types.hpp>
#include <hilm/io/detail/delimited_table.hpp>
#include <hilm/io/detail/delimited_text.hpp>
#include <hilm/io/detail/npy_file.hpp>

namespace hilm {

/// How to read a delimited text file.
struct DelimitedOptions {
  /// Field separator; 0 detects it (',' then '\t' then whitespace), ' ' selects whitespace mode
  /// (runs of spaces and tabs).
  char delimiter = 0;

  /// Whether the first non-blank line holds column names.
  enum class Header {
    Detect,   ///< a header if one of its cells is not a number (see the file comment)
    Present,  ///< always a header
    Absent    ///< always data
  };
  Header header = Header::Detect;  ///< see `Header`

  /// Accept NaN, ±Inf and missing values (empty, `NA`); if false they are errors.
  bool allow_nan = true;

  /// Code non-numeric columns as sorted levels 0 … k−1 instead of failing on them.
  bool categorical = false;

  /// Reason the options are unusable, or empty.
  [[nodiscard]] std::optional<std::string> validate() const {
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
      return detail::invalid_field_described(
          "DelimitedOptions", "delimiter", "not be a quote or a line break",
          delimiter == '"' ? "'\"'" : (delimiter == '\n' ? "'\\n'" : "'\\r'"));
    }
    return std::nullopt;
  }
};

/// A table read from delimited text.
/// @tparam Scalar  float or double.
template <class Scalar>
struct DelimitedTable {
  RowMatrix<Scalar> data;          ///< n × k values, one row per data line.
  std::vector<std::string> names;  ///< k column names from the header; empty without a header.
  bool had_header = false;         ///< true if the first non-blank line was read as names.
  char delimiter = ',';            ///< the delimiter used (' ' for whitespace mode).
  /// One entry per column: the sorted level strings of a categorical column (code i ↔ levels[i]),
  /// empty for numeric columns. Only non-empty with `DelimitedOptions::categorical`.
  std::vector<std::vector<std::string>> levels;
};

/// Parses delimited text held in memory (see the file comment for the rules).
/// @tparam Scalar  float or double.
/// @param text     the file contents.
/// @param options  delimiter, header and NaN policy.
/// @param path     file name used in error messages (may be empty).
/// @returns        the n × k table.
/// @throws io_error naming `path`, the line and the column for malformed text (ragged rows,
///   non-numeric cells, out-of-range numbers, NaN when not allowed, bad quotes, empty input).
/// @throws invalid_argument if `options.validate()` fails.
template <class Scalar>
[[nodiscard]] DelimitedTable<Scalar> parse_delimited(std::string_view text,
                                                     const DelimitedOptions& options = {},
                                                     const std::string& path = "") {
  static_assert(std::floating_point<Scalar>,
                "hilm::parse_delimited: Scalar must be float or double (NaN marks missing "
                "values)");
  if (const auto problem = options.validate()) hilm::detail::raise<invalid_argument>(*problem);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);

  // The first non-blank line fixes the delimiter and the number of columns.
  detail::LineCursor cursor(text);
  std::string_view line;
  // Before the delimiter is known, blank means spaces and tabs only (is_blank_line with 0 treats
  // tabs as blank). Note: spelling this as `d ? d : ' '` next to the `?:` below made g++ 12.2 -O2
  // drop the detect_delimiter call (a miscompile seen here, avoided by -fno-tree-vrp); keep the
  // two expressions independent.
  bool found = false;
  while (cursor.next(line)) {
    if (!detail::is_blank_line(line, options.delimiter)) {
      found = true;
      break;
    }
  }
  if (!found) hilm::detail::raise<io_error>(path, "no data: the file is empty");
  const char delimiter = options.delimiter ? options.delimiter : detail::detect_delimiter(line);
  std::vector<detail::Cell> first;
  detail::split_line(line, delimiter, first, path, cursor.number());
  const std::size_t k = first.size();
  const detail::LineCursor after_first = cursor;
  bool header = options.header == DelimitedOptions::Header::Present;
  if (options.header == DelimitedOptions::Header::Detect) {
    header = detail::first_line_is_header(first, after_first, delimiter, options.categorical, path);
  }

  DelimitedTable<Scalar> table;
  table.delimiter = delimiter;
  table.had_header = header;
  table.levels.resize(k);
  if (header) {
    table.names.reserve(k);
    for (const auto& c : first) table.names.push_back(detail::cell_string(c));
  }
  const detail::DelimitedRows rows{first, header, after_first, delimiter, path, table.names};

  // Pass 1: numbers (text cells mark categorical columns when `categorical`). Pass 2: codes of
  // the categorical columns.
  std::vector<Scalar> values;
  std::vector<bool> is_categorical;
  detail::read_delimited_numbers(rows, k, options.allow_nan, options.categorical, values,
                                 is_categorical);
  const std::size_t n = k == 0 ? 0 : values.size() / k;
  detail::code_categorical_columns(rows, k, n, options.allow_nan, is_categorical, values,
                                   table.levels);

  table.data.resize(static_cast<Index>(n), static_cast<Index>(k));
  std::copy(values.begin(), values.end(), table.data.data());
  return table;
}

/// Reads a delimited text file (see the file comment for the rules).
/// @tparam Scalar  float or double.
/// @param path     the file; must be a regular file.
/// @param options  delimiter, header and NaN policy.
/// @returns        the n × k table.
/// @throws io_error naming `path` if it cannot be read or is malformed (line and column named).
/// @throws invalid_argument if `options.validate()` fails.
template <class Scalar>
[[nodiscard]] DelimitedTable<Scalar> read_delimited(const std::string& path,
                                                    const DelimitedOptions& options = {}) {
  return parse_delimited<Scalar>(detail::read_text_file(path), options, path);
}

}  // namespace hilm

#endif  // HILM_IO_DELIMITED_HPP
