// The CLI's SVG line plots (tools/hilm/svg_plot.cpp, compiled into this test): 1-2-5 ticks that
// cover the range with labels that read back exactly, log axes at decades, the "(log scale)"
// title, a legend above the plot area, a y title clear of the tick labels, and valid output for
// empty, constant and single-point series.
#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "support/catch.hpp"

using hilm::cli::Axis;
using hilm::cli::PlotOptions;
using hilm::cli::PlotSeries;

namespace {

// Replaces every occurrence of `from` in `s` by `to`.
std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// Reads a tick label back: "−0.25", "1500", "200k", "1.5M", "2×10⁻⁴", "10⁻⁵". Returns the
// value and the number of digits after the decimal point of the mantissa, and the scale the
// mantissa is in (1, 10³, …, or the power of ten).
struct Parsed {
  double value = std::numeric_limits<double>::quiet_NaN();
  int decimals = 0;
  double scale = 1;
};

Parsed parse_label(std::string label) {
  label = replace_all(label, "−", "-");
  const char* digits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  Parsed p;
  std::string mantissa = label;
  const std::size_t power = label.find("10");
  // "10" followed by a superscript (multi-byte UTF-8), not "10k" or "100".
  const bool pure_power =
      label.rfind("10", 0) == 0 && label.size() > 2 && static_cast<unsigned char>(label[2]) >= 0x80;
  const std::size_t times = label.find("×10");
  if (times != std::string::npos || pure_power) {
    std::string exponent = label.substr(times != std::string::npos ? times + 4 : power + 2);
    exponent = replace_all(exponent, "⁻", "-");
    for (int d = 0; d < 10; ++d) exponent = replace_all(exponent, digits[d], std::to_string(d));
    p.scale = std::pow(10.0, std::stod(exponent));
    mantissa = times != std::string::npos ? label.substr(0, times) : "1";
  } else if (!label.empty() && std::string("kMGT").find(label.back()) != std::string::npos) {
    p.scale =
        std::pow(10.0, 3.0 * (1 + static_cast<double>(std::string("kMGT").find(label.back()))));
    mantissa = label.substr(0, label.size() - 1);
  }
  const std::size_t point = mantissa.find('.');
  p.decimals = point == std::string::npos ? 0 : static_cast<int>(mantissa.size() - point - 1);
  p.value = std::stod(mantissa) * p.scale;
  return p;
}

// Mantissa m of a 1-2-5 step m × 10^k (0 when `step` is not one).
int mantissa_125(double step) {
  const double k = std::floor(std::log10(step) + 1e-9);
  const double m = step / std::pow(10.0, k);
  for (const int candidate : {1, 2, 5}) {
    if (std::abs(m - candidate) < 1e-6) return candidate;
  }
  return 0;
}

// Number of ticks a step needs to cover [lo, hi].
double ticks_needed(double lo, double hi, double step) {
  return std::ceil(hi / step - 1e-9) - std::floor(lo / step + 1e-9) + 1;
}

// The next smaller 1-2-5 step.
double smaller_step(double step) {
  const double k = std::floor(std::log10(step) + 1e-9);
  switch (mantissa_125(step)) {
    case 5:
      return 2 * std::pow(10.0, k);
    case 2:
      return std::pow(10.0, k);
    default:
      return 5 * std::pow(10.0, k - 1);
  }
}

// Attributes of the elements matching `pattern` (one capture group per wanted field).
std::vector<std::smatch> all_matches(const std::string& text, const std::regex& pattern) {
  std::vector<std::smatch> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    out.push_back(*it);
  }
  return out;
}

std::string between(const std::string& s, const std::string& open, const std::string& close) {
  const std::size_t a = s.find(open);
  if (a == std::string::npos) return {};
  const std::size_t b = s.find(close, a);
  return s.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

TEST_CASE("svg plot: linear ticks are 1-2-5 steps that cover the range and read back exactly",
          "[cli][plot]") {
  const auto [lo, hi] = GENERATE(table<double, double>({
      {100, 1563},       // the demo's steps
      {0.13, 0.61},      // fractions
      {0.8456, 0.8457},  // narrow
      {1e-9, 3.7e-9},    // tiny
      {0, 3.2e12},       // huge
      {123456, 987654},  // thousands
      {-7.3, -2.1},      // negative
      {-0.37, 0.81},     // across zero
      {5, 5},            // constant
      {0, 0},            // constant zero
      {-1e-12, -1e-12},  // constant, tiny, negative
      {3, 1},            // reversed
  }));
  const int max_ticks = GENERATE(3, 5, 7, 10);
  INFO("range [" << lo << ", " << hi << "], at most " << max_ticks << " ticks");
  const Axis axis = hilm::cli::linear_axis(lo, hi, max_ticks);
  const double dmin = std::min(lo, hi), dmax = std::max(lo, hi);
  REQUIRE(axis.ticks.size() >= 2);
  CHECK(axis.ticks.size() <= static_cast<std::size_t>(max_ticks));
  CHECK(!axis.log);
  const double step = axis.ticks[1].value - axis.ticks[0].value;
  CHECK(mantissa_125(step) != 0);
  for (std::size_t i = 0; i < axis.ticks.size(); ++i) {
    const auto& t = axis.ticks[i];
    INFO("tick " << t.value << " labelled " << t.label);
    if (i > 0)
      CHECK_THAT(t.value - axis.ticks[i - 1].value, Catch::Matchers::WithinRel(step, 1e-9));
    CHECK_THAT(t.value / step, Catch::Matchers::WithinAbs(std::round(t.value / step), 1e-6));
    CHECK(t.major);
    // The label reads back to the tick, with no more decimals than the step needs.
    const Parsed p = parse_label(t.label);
    CHECK_THAT(p.value, Catch::Matchers::WithinAbs(t.value, 1e-6 * step));
    const int needed =
        std::max(0, -static_cast<int>(std::floor(std::log10(step / p.scale) + 1e-9)));
    CHECK(p.decimals <= needed);
  }
  // The ticks cover the data and the drawn range is the ticks' range.
  CHECK(axis.ticks.front().value <= dmin + 1e-9 * step);
  CHECK(axis.ticks.back().value >= dmax - 1e-9 * step);
  CHECK(axis.lo <= dmin);
  CHECK(axis.hi >= dmax);
  CHECK_THAT(axis.lo, Catch::Matchers::WithinAbs(axis.ticks.front().value, 1e-9 * step));
  CHECK_THAT(axis.hi, Catch::Matchers::WithinAbs(axis.ticks.back().value, 1e-9 * step));
  // The step is the smallest 1-2-5 step within the budget (for a real range).
  if (dmax > dmin) CHECK(ticks_needed(dmin, dmax, smaller_step(step)) > max_ticks);
  // Constant data is widened into a real range around the value.
  if (dmax == dmin) CHECK((axis.lo < dmin && axis.hi > dmax));
}

TEST_CASE("svg plot: log axes are labelled at powers of ten and cover the range", "[cli][plot]") {
  const auto [lo, hi] = GENERATE(table<double, double>({
      {0.00101, 0.8456},  // the demo's unexplained variance
      {1e-12, 1e5},       // many decades: every few decades labelled
      {3, 4e6},
      {2e-7, 9e-3},
      {1, 100},
  }));
  const int max_ticks = GENERATE(4, 7);
  INFO("range [" << lo << ", " << hi << "], at most " << max_ticks << " labels");
  const Axis axis = hilm::cli::log_axis(lo, hi, max_ticks);
  CHECK(axis.log);
  CHECK(axis.lo <= lo);
  CHECK(axis.hi >= hi);
  std::vector<double> decades;
  for (const auto& t : axis.ticks) {
    INFO("tick " << t.value << " labelled " << t.label);
    if (t.label.empty()) {
      CHECK(!t.major);
      continue;
    }
    const double d = std::log10(t.value);
    CHECK_THAT(d, Catch::Matchers::WithinAbs(std::round(d), 1e-9));  // a power of ten
    CHECK_THAT(parse_label(t.label).value, Catch::Matchers::WithinRel(t.value, 1e-9));
    decades.push_back(std::round(d));
  }
  REQUIRE(decades.size() >= 2);
  CHECK(decades.size() <= static_cast<std::size_t>(max_ticks));
  CHECK(std::pow(10.0, decades.front()) <= lo * (1 + 1e-12));
  CHECK(std::pow(10.0, decades.back()) >= hi * (1 - 1e-12));
  for (std::size_t i = 2; i < decades.size(); ++i) {
    CHECK(decades[i] - decades[i - 1] == decades[1] - decades[0]);  // evenly spaced decades
  }
  // Plain numbers (ASCII only) inside [10⁻³, 10⁴], powers of ten (superscripts) beyond.
  const bool plain = decades.front() >= -3 && decades.back() <= 4;
  for (const auto& t : axis.ticks) {
    const bool ascii = std::all_of(t.label.begin(), t.label.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (!t.label.empty()) CHECK(ascii == plain);
  }
}

TEST_CASE("svg plot: log axes under two decades use the 1-2-5 values", "[cli][plot]") {
  const auto [lo, hi] =
      GENERATE(table<double, double>({{0.3, 0.8}, {0.15, 14.9}, {1, 1}, {7, 7}, {2.5e-6, 9e-6}}));
  INFO("range [" << lo << ", " << hi << "]");
  const Axis axis = hilm::cli::log_axis(lo, hi, 9);
  CHECK(axis.lo <= lo);
  CHECK(axis.hi >= hi);
  CHECK(axis.lo < axis.hi);
  int labelled = 0;
  for (const auto& t : axis.ticks) {
    INFO("tick " << t.value << " labelled " << t.label);
    CHECK(mantissa_125(t.value) != 0);
    CHECK(t.value >= axis.lo);
    CHECK(t.value <= axis.hi);
    if (t.label.empty()) continue;
    ++labelled;
    CHECK_THAT(parse_label(t.label).value, Catch::Matchers::WithinRel(t.value, 1e-9));
  }
  CHECK(labelled >= 2);
  CHECK_THAT(axis.ticks.front().value, Catch::Matchers::WithinRel(axis.lo, 1e-12));
  CHECK_THAT(axis.ticks.back().value, Catch::Matchers::WithinRel(axis.hi, 1e-12));
}

TEST_CASE("svg plot: the log axis is titled and labelled, the legend sits above the plot",
          "[cli][plot]") {
  std::vector<PlotSeries> series(2);
  series[0].label = "layer 1 (64-d)";
  series[1].label = "layer 2 (32-d)";
  for (int step = 100; step <= 1600; step += 100) {
    series[0].x.push_back(step);
    series[0].y.push_back(0.8 * std::pow(0.65, step / 200.0));
    series[1].x.push_back(step);
    series[1].y.push_back(0.7 * std::pow(0.5, step / 100.0) + 0.004);
  }
  const std::string svg = hilm::cli::line_plot_svg(
      series, {.title = "training", .x_label = "step", .y_label = "1 − R²", .log_y = true});
  CHECK(svg.find(">1 − R² (log scale)</text>") != std::string::npos);
  CHECK(lower(svg).find("nan") == std::string::npos);

  // The data span 0.004 … 0.65: the y tick labels are the decades 0.001 … 1, as plain numbers.
  const std::string y_axis = between(svg, "<g class=\"y-axis\">", "</g>");
  std::vector<std::string> labels;
  for (const auto& m : all_matches(y_axis, std::regex(R"(text-anchor="end">([^<]*)</text>)"))) {
    labels.push_back(m[1]);
  }
  double y_min = 1e300, y_max = 0;
  for (const auto& s : series) {
    y_min = std::min(y_min, *std::min_element(s.y.begin(), s.y.end()));
    y_max = std::max(y_max, *std::max_element(s.y.begin(), s.y.end()));
  }
  std::vector<std::string> expected;
  for (int d = static_cast<int>(std::floor(std::log10(y_min)));
       d <= static_cast<int>(std::ceil(std::log10(y_max))); ++d) {
    expected.push_back(d >= 0 ? std::to_string(static_cast<long>(std::pow(10, d)))
                              : "0." + std::string(static_cast<std::size_t>(-d - 1), '0') + "1");
  }
  CHECK(labels == expected);

  // Legend: one entry per series, its box entirely above the plot frame.
  const std::string legend = between(svg, "<g class=\"legend\">", "</g>");
  REQUIRE(!legend.empty());
  for (const auto& s : series) CHECK(legend.find(">" + s.label + "</text>") != std::string::npos);
  const std::regex rect(
      R"re(<rect x="([-\d.]+)" y="([-\d.]+)" width="([-\d.]+)" height="([-\d.]+)")re");
  const auto legend_box = all_matches(legend, rect);
  REQUIRE(legend_box.size() == 1);
  const std::string frame_text = between(svg, "</g>\n<rect x=", "/>");
  const auto frame = all_matches(frame_text, std::regex(R"re(y="([-\d.]+)")re"));
  REQUIRE(!frame.empty());
  CHECK(std::stod(legend_box[0][2]) + std::stod(legend_box[0][4]) < std::stod(frame[0][1]));
}

TEST_CASE("svg plot: the y title stands left of the tick labels, x labels do not overlap",
          "[cli][plot]") {
  const double scale = GENERATE(1e-6, 1.0, 123456.0, 3e9);
  const bool log_y = GENERATE(false, true);
  INFO("y values around " << scale << (log_y ? ", log axis" : ""));
  PlotSeries s{"loss", {}, {}};
  for (int i = 0; i <= 20; ++i) {
    s.x.push_back(1000.0 * i);
    s.y.push_back(scale * (1.0 + 0.37 * i));
  }
  const std::string svg = hilm::cli::line_plot_svg(
      {s}, {.title = "t", .x_label = "x", .y_label = "a y title", .log_y = log_y});
  CHECK(lower(svg).find("nan") == std::string::npos);
  const std::string y_axis = between(svg, "<g class=\"y-axis\">", "</g>");
  double leftmost = 1e300;
  for (const auto& m : all_matches(
           y_axis,
           std::regex(R"re(<text x="([-\d.]+)" y="[-\d.]+" text-anchor="end">([^<]*)<)re"))) {
    leftmost = std::min(leftmost, std::stod(m[1]) - hilm::cli::text_width(m[2], 12));
  }
  REQUIRE(leftmost < 1e300);
  const auto title = all_matches(y_axis, std::regex(R"re(translate\(([-\d.]+),)re"));
  REQUIRE(title.size() == 1);
  const double baseline = std::stod(title[0][1]);
  // Rotated −90°: the glyphs span [baseline − ascent, baseline + descent] horizontally.
  CHECK(baseline + 0.25 * 12 < leftmost);
  CHECK(baseline - 0.8 * 12 >= 0);

  const std::string x_axis = between(svg, "<g class=\"x-axis\">", "</g>");
  std::vector<std::pair<double, double>> spans;
  for (const auto& m : all_matches(
           x_axis,
           std::regex(R"re(<text x="([-\d.]+)" y="[-\d.]+" text-anchor="middle">([^<]*)<)re"))) {
    if (m[2] == "x") continue;  // the axis title
    const double centre = std::stod(m[1]), half = hilm::cli::text_width(m[2], 12) / 2;
    spans.emplace_back(centre - half, centre + half);
  }
  REQUIRE(spans.size() >= 2);
  for (std::size_t i = 1; i < spans.size(); ++i) CHECK(spans[i - 1].second < spans[i].first);
  CHECK(spans.back().second <= 640);
}

TEST_CASE("svg plot: empty, constant, single-point and non-finite series give a clean document",
          "[cli][plot]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<std::string, std::vector<PlotSeries>>> cases = {
      {"no series", {}},
      {"empty series", {{"empty", {}, {}}}},
      {"single point", {{"one", {3}, {0.5}}}},
      {"constant", {{"flat", {1, 2, 3, 4}, {2, 2, 2, 2}}}},
      {"constant zero", {{"zero", {1, 2, 3}, {0, 0, 0}}}},
      {"same x", {{"vertical", {5, 5, 5}, {1, 2, 3}}}},
      {"non-finite", {{"holes", {1, 2, 3, 4, inf}, {1, nan, 3, inf, 2}}}},
      {"all non-finite", {{"nothing", {nan, 1}, {1, inf}}}},
      {"mismatched sizes", {{"short", {1, 2, 3}, {1, 2}}}},
      {"non-positive on log", {{"signs", {1, 2, 3}, {-1, 0, 2}}}},
  };
  for (const bool log_y : {false, true}) {
    for (const auto& [name, series] : cases) {
      INFO(name << (log_y ? " (log)" : ""));
      const std::string svg = hilm::cli::line_plot_svg(
          series, {.title = "t", .x_label = "x", .y_label = "y", .log_y = log_y, .width = 0});
      CHECK(svg.rfind("<svg", 0) == 0);
      CHECK(svg.find("</svg>") != std::string::npos);
      const std::string low = lower(svg);
      CHECK(low.find("nan") == std::string::npos);
      CHECK(low.find("inf") == std::string::npos);
      CHECK(svg.find("width=\"240\"") != std::string::npos);  // raised to the minimum
      bool usable = false;
      for (const auto& s : series) {
        for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
          usable =
              usable || (std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && (!log_y || s.y[i] > 0));
        }
      }
      CHECK((svg.find(">no data</text>") != std::string::npos) == !usable);
      if (name == "single point") CHECK(svg.find("<circle") != std::string::npos);
      if (name == "non-finite") {
        // The hole splits the curve: points 1 and 3 are lone dots, nothing joins across NaN.
        CHECK(svg.find("<polyline") == std::string::npos);
        CHECK(all_matches(svg, std::regex("<circle")).size() == 2);
      }
    }
  }
}
