/// @file
/// Number formatting and row selection of the side-effect report's text and JSON forms
/// (`format_text`, `format_json` in hilm/steer/side_effects.hpp).
#ifndef HILM_STEER_DETAIL_REPORT_FORMAT_HPP
#define HILM_STEER_DETAIL_REPORT_FORMAT_HPP

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <hilm/core/types.hpp>

namespace hilm::detail {

/// A double as JSON in its shortest round-trip form (`std::to_chars`); NaN and ±∞ become null.
inline std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
  return std::string(buffer, end);
}

/// Fixed-width cell for the text table; ∞ prints as "inf".
inline std::string text_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%12.5g", v);
  return buffer;
}

/// Rows shown by the formatters of a `SideEffectReport`: every edited latent, then the largest
/// side effects, `max_rows` in all (every row when `max_rows < 0`).
template <class Report>
std::vector<Index> shown_rows(const Report& report, Index max_rows) {
  std::vector<Index> out;
  for (const auto& r : report.rows) {
    if (r.edited) out.push_back(r.latent);
  }
  const Index room = max_rows < 0 ? static_cast<Index>(report.rows.size())
                                  : std::max<Index>(0, max_rows - static_cast<Index>(out.size()));
  for (Index j : report.largest_side_effects(room)) out.push_back(j);
  return out;
}

}  // namespace hilm::detail

#endif  // HILM_STEER_DETAIL_REPORT_FORMAT_HPP
