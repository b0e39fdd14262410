/// @file
/// Implementation details of `hilm/io/delimited.hpp`: the steps of `parse_delimited` after the
/// first line is found — header detection, the numeric pass over the rows and the coding of
/// categorical columns. Public API: `hilm/io/delimited.hpp`.
#ifndef HILM_IO_DETAIL_DELIMITED_TABLE_HPP
#define HILM_IO_DETAIL_DELIMITED_TABLE_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hilm/core/assert.hpp>
#include <hilm/core/error.hpp>
#include <hilm/io/detail/delimited_text.hpp>

namespace hilm::detail {

/// Whether the first non-blank line, split into `first`, is a header under `Header::Detect`: one
/// of its cells is not a number, and (with `categorical`) no such cell appears again further down
/// its column. `after_first` is the cursor just past the first line.
[[nodiscard]] inline bool first_line_is_header(const std::vector<Cell>& first,
                                               const LineCursor& after_first, char delimiter,
                                               bool categorical, const std::string& path) {
  const std::size_t k = first.size();
  std::vector<bool> first_is_text(k, false);
  bool any_text = false;
  for (std::size_t j = 0; j < k; ++j) {
    double v = 0;
    first_is_text[j] = parse_cell_number(first[j].text, v) == CellKind::Text;
    any_text = any_text || first_is_text[j];
  }
  if (!any_text) return false;
  bool header = true;
  if (categorical) {  // a first-line string repeated below its column means data
    LineCursor probe = after_first;
    std::string_view line;
    std::vector<Cell> cells;
    while (header && probe.next(line)) {
      if (is_blank_line(line, delimiter)) continue;
      split_line(line, delimiter, cells, path, probe.number());
      for (std::size_t j = 0; j < k && j < cells.size(); ++j) {
        if (first_is_text[j] && cell_string(cells[j]) == cell_string(first[j])) {
          header = false;
          break;
        }
      }
    }
  }
  return header;
}

/// The data rows of a delimited text, as both passes of `parse_delimited` visit them.
struct DelimitedRows {
  const std::vector<Cell>& first;         ///< the first non-blank line, split
  bool header = false;                    ///< whether `first` is the header
  LineCursor after_first;                 ///< cursor just past the first line
  char delimiter = ',';                   ///< the delimiter in use
  const std::string& path;                ///< file named in messages
  const std::vector<std::string>& names;  ///< column names; empty without a header

  /// Calls `visit(cells, line_number)` for the first line unless it is the header, then for every
  /// following non-blank line. (A line of tabs is blank before the delimiter is known, a row of
  /// empty cells after it, so both passes must go through here rather than restart from the top.)
  template <class Visit>
  void for_each(Visit&& visit) const {
    if (!header) visit(first, after_first.number());
    LineCursor rest = after_first;
    std::string_view line;
    std::vector<Cell> cells;
    while (rest.next(line)) {
      if (is_blank_line(line, delimiter)) continue;
      split_line(line, delimiter, cells, path, rest.number());
      visit(cells, rest.number());
    }
  }

  /// "line L, column J (name): " for messages about a cell.
  [[nodiscard]] std::string where(std::size_t line_no, std::size_t j) const {
    std::string s =
        std::string("line ") + std::to_string(line_no) + ", column " + std::to_string(j + 1);
    if (header) s += std::string(" (") + cell_for_message(names[j]) + ")";
    return s + ": ";
  }
};

/// Pass 1 of `parse_delimited`: reads every cell of `rows` (k columns) as a number into `values`
/// (row-major). In `categorical` mode a text cell marks its column in `is_categorical` (its value
/// stays NaN until pass 2) instead of failing, and problems of numeric cells are remembered per
/// column until we know the column is numeric; then the earliest problem of a column that stayed
/// numeric is raised.
/// @throws io_error for a ragged row, a text cell (unless `categorical`), a number out of the
///   range of `Scalar`, or NaN/Inf/missing when `allow_nan` is false.
template <class Scalar>
void read_delimited_numbers(const DelimitedRows& rows, std::size_t k, bool allow_nan,
                            bool categorical, std::vector<Scalar>& values,
                            std::vector<bool>& is_categorical) {
  const std::string& path = rows.path;
  const std::string scalar_name = sizeof(Scalar) == 4 ? "float32" : "float64";
  struct Problem {
    std::size_t line = 0;  // 0 = none
    std::string message;
  };
  std::vector<Problem> problems(k);
  is_categorical.assign(k, false);
  auto report = [&](std::size_t j, std::size_t line_no, std::string message) {
    if (!categorical) hilm::detail::raise<io_error>(path, std::move(message));
    if (problems[j].line == 0) problems[j] = {line_no, std::move(message)};
  };
  auto add_row = [&](const std::vector<Cell>& row, std::size_t line_no) {
    if (row.size() != k) {
      hilm::detail::raise<io_error>(path, std::string("line ") + std::to_string(line_no) + " has " +
                                              std::to_string(row.size()) + std::string(" field") +
                                              (row.size() == 1 ? "" : "s") + ", expected " +
                                              std::to_string(k));
    }
    for (std::size_t j = 0; j < k; ++j) {
      double v = 0;
      const CellKind kind = parse_cell_number(row[j].text, v);
      if (kind == CellKind::Text) {
        if (!categorical) {
          hilm::detail::raise<io_error>(path, rows.where(line_no, j) + "'" +
                                                  cell_for_message(row[j].text) +
                                                  "' is not a number (set "
                                                  "DelimitedOptions::categorical to code strings)");
        }
        is_categorical[j] = true;
        values.push_back(std::numeric_limits<Scalar>::quiet_NaN());
        continue;
      }
      if (kind == CellKind::OutOfRange ||
          (std::isfinite(v) &&
           std::abs(v) > static_cast<double>(std::numeric_limits<Scalar>::max()))) {
        report(j, line_no,
               rows.where(line_no, j) + "'" + cell_for_message(row[j].text) +
                   std::string("' is out of range for ") + scalar_name);
        values.push_back(std::numeric_limits<Scalar>::quiet_NaN());
        continue;
      }
      if (!allow_nan && !std::isfinite(v)) {
        report(j, line_no,
               rows.where(line_no, j) +
                   (kind == CellKind::Missing
                        ? std::string("missing value ('") + cell_for_message(row[j].text) + "')"
                        : std::string("'") + cell_for_message(row[j].text) + "' is not finite") +
                   " and NaN/Inf are not allowed");
      }
      values.push_back(static_cast<Scalar>(v));
    }
  };
  rows.for_each(add_row);

  // The earliest problem in a column that stayed numeric.
  const Problem* earliest = nullptr;
  for (std::size_t j = 0; j < k; ++j) {
    if (!is_categorical[j] && problems[j].line != 0 &&
        (earliest == nullptr || problems[j].line < earliest->line)) {
      earliest = &problems[j];
    }
  }
  if (earliest) hilm::detail::raise<io_error>(path, earliest->message);
}

/// Pass 2 of `parse_delimited`: codes each categorical column of the n × k `values` by its sorted
/// level strings (every non-missing cell is a level string, numbers included; missing cells stay
/// NaN) and stores the strings in `levels[j]`. Does nothing when no column is categorical.
/// @throws io_error for a missing cell of a categorical column when `allow_nan` is false.
template <class Scalar>
void code_categorical_columns(const DelimitedRows& rows, std::size_t k, std::size_t n,
                              bool allow_nan, const std::vector<bool>& is_categorical,
                              std::vector<Scalar>& values,
                              std::vector<std::vector<std::string>>& levels) {
  if (std::find(is_categorical.begin(), is_categorical.end(), true) == is_categorical.end()) {
    return;
  }
  std::vector<std::vector<std::string>> strings(k);
  for (std::size_t j = 0; j < k; ++j) {
    if (is_categorical[j]) strings[j].resize(n);
  }
  std::size_t r = 0;
  rows.for_each([&](const std::vector<Cell>& row, std::size_t line_no) {
    HILM_ASSERT(r < n && row.size() == k);
    for (std::size_t j = 0; j < k; ++j) {
      if (!is_categorical[j]) continue;
      double v = 0;
      const CellKind kind = parse_cell_number(row[j].text, v);
      if (kind == CellKind::Missing || (kind == CellKind::Number && std::isnan(v))) {
        if (!allow_nan) {
          hilm::detail::raise<io_error>(rows.path, rows.where(line_no, j) + "missing value ('" +
                                                       cell_for_message(row[j].text) +
                                                       "') and NaN/Inf are not allowed");
        }
        continue;  // stays NaN (an empty string below)
      }
      strings[j][r] = cell_string(row[j]);  // never empty: "" is missing
    }
    ++r;
  });
  for (std::size_t j = 0; j < k; ++j) {
    if (!is_categorical[j]) continue;
    std::vector<std::string> column_levels;
    for (const auto& s : strings[j]) {
      if (!s.empty()) column_levels.push_back(s);
    }
    std::sort(column_levels.begin(), column_levels.end());
    column_levels.erase(std::unique(column_levels.begin(), column_levels.end()),
                        column_levels.end());
    for (std::size_t i = 0; i < n; ++i) {
      const std::string& s = strings[j][i];
      values[i * k + j] = s.empty() ? std::numeric_limits<Scalar>::quiet_NaN()
                                    : static_cast<Scalar>(std::lower_bound(column_levels.begin(),
                                                                           column_levels.end(), s) -
                                                          column_levels.begin());
    }
    levels[j] = std::move(column_levels);
  }
}

}  // namespace hilm::detail

#endif  // HILM_IO_DETAIL_DELIMITED_TABLE_HPP
