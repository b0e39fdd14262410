#include "svg_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <utility>

namespace hilm::cli {
namespace {

// Bounds beyond which ranges are clamped, so that spans and steps stay finite.
constexpr double kHuge = 1e300;
constexpr double kTiny = 1e-300;
constexpr std::array<int, 3> kMantissas = {1, 2, 5};

std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
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
      default:
        out += c;
    }
  }
  return out;
}

// A pixel coordinate; never prints nan/inf (callers only pass finite values, this is a backstop).
std::string coord(double v) {
  if (!std::isfinite(v)) v = 0;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  std::string s = buffer;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

double pow10(int k) { return std::pow(10.0, static_cast<double>(k)); }

// m × 10^k computed so that negative k divides by an exact power of ten (0.3, not 0.30000000004).
double scaled(double m, int k) { return k >= 0 ? m * pow10(k) : m / pow10(-k); }

std::string superscript(int e) {
  static constexpr std::array<const char*, 10> kDigits = {"⁰", "¹", "²", "³", "⁴",
                                                          "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string out = e < 0 ? "⁻" : "";
  for (const char c : std::to_string(std::abs(e)))
    out += kDigits[static_cast<std::size_t>(c - '0')];
  return out;
}

// `v` with `decimals` digits after the point, a typographic minus, never "-0".
std::string fixed(double v, int decimals) {
  char buffer[400];
  std::snprintf(buffer, sizeof buffer, "%.*f", std::clamp(decimals, 0, 30), v);
  std::string s = buffer;
  if (s.front() == '-') {
    if (s.find_first_not_of("-0.") == std::string::npos) return s.substr(1);
    s = "−" + s.substr(1);
  }
  return s;
}

// Label of the tick `value` on a linear axis whose step is m × 10^k and whose largest |tick| is
// `magnitude`.
std::string linear_label(double value, int k, double magnitude) {
  if (std::abs(value) < 1e-9 * pow10(k)) return "0";
  if (magnitude >= 1e5 && magnitude < 1e15) {
    static constexpr std::array<const char*, 4> kSuffixes = {"k", "M", "G", "T"};
    const int e = 3 * static_cast<int>(std::floor(std::log10(magnitude) / 3));
    return fixed(value / pow10(e), std::max(0, e - k)) +
           kSuffixes[static_cast<std::size_t>(e / 3 - 1)];
  }
  if (magnitude < 1e-3 || magnitude >= 1e15) {
    const int e = static_cast<int>(std::floor(std::log10(magnitude)));
    return fixed(value / pow10(e), std::max(0, e - k)) + "×10" + superscript(e);
  }
  return fixed(value, std::max(0, -k));
}

// Label of m × 10^d on a log axis, as a plain number or as a power of ten.
std::string log_label(int m, int d, bool plain) {
  if (plain) return fixed(scaled(m, d), std::max(0, -d));
  return (m == 1 ? std::string() : std::to_string(m) + "×") + "10" + superscript(d);
}

// Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008, "Color universal design").
constexpr std::array<const char*, 8> kColours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                 "#E69F00", "#56B4E9", "#F0E442", "#000000"};

}  // namespace

double text_width(const std::string& text, double font_size) {
  std::size_t code_points = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++code_points;
  }
  return 0.6 * font_size * static_cast<double>(code_points);
}

Axis linear_axis(double lo, double hi, int max_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  lo = std::clamp(lo, -kHuge, kHuge);
  hi = std::clamp(hi, -kHuge, kHuge);
  const double magnitude = std::max(std::abs(lo), std::abs(hi));
  if (hi - lo <= 1e-9 * magnitude || hi - lo < kTiny) {
    // Constant (or numerically constant) data: widen by 10 % of the value, or ±1 around 0.
    const double centre = lo / 2 + hi / 2;
    const double half = centre == 0 ? 1.0 : std::max(0.1 * std::abs(centre), kTiny);
    lo = centre - half;
    hi = centre + half;
  }
  max_ticks = std::max(max_ticks, 3);
  const double span = hi - lo;
  // Start one decade below the step that would give exactly max_ticks ticks and take the first
  // (smallest) 1-2-5 step that needs no more than max_ticks ticks. A step ≥ span always does.
  const int k0 = static_cast<int>(std::floor(std::log10(span / (max_ticks - 1)))) - 1;
  Axis axis;
  for (int k = k0; k <= k0 + 4 && axis.ticks.empty(); ++k) {
    for (const int m : kMantissas) {
      const double step = scaled(m, k);
      // The 1e-9 absorbs rounding (0.3 / 0.1 = 2.9999999999999996 must not start at 0.2).
      const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
      if (last - first + 1 > max_ticks) continue;
      const double magnitude_ticks = std::max(std::abs(first), std::abs(last)) * step;
      for (int j = 0; j <= static_cast<int>(last - first); ++j) {
        const double value = scaled((first + j) * m, k);
        axis.ticks.push_back({value, linear_label(value, k, magnitude_ticks), true});
      }
      break;
    }
  }
  if (axis.ticks.empty()) {  // not reachable for finite input; keeps the contract anyway
    axis.ticks = {{lo, fixed(lo, 3), true}, {hi, fixed(hi, 3), true}};
  }
  axis.lo = std::min(lo, axis.ticks.front().value);
  axis.hi = std::max(hi, axis.ticks.back().value);
  return axis;
}

Axis log_axis(double lo, double hi, int max_ticks) {
  if (!(lo > 0) || !(hi > 0) || !std::isfinite(lo) || !std::isfinite(hi)) lo = 1, hi = 10;
  if (lo > hi) std::swap(lo, hi);
  lo = std::clamp(lo, kTiny, kHuge);
  hi = std::clamp(hi, kTiny, kHuge);
  if (hi / lo < 1 + 1e-9) lo /= 2, hi *= 2;  // constant data: a factor of two either side
  max_ticks = std::max(max_ticks, 3);
  Axis axis;
  axis.log = true;
  struct Mark {
    int m;
    int d;
    bool labelled;
  };
  std::vector<Mark> marks;
  const double span = std::log10(hi) - std::log10(lo);
  if (span < 2) {
    // Under two decades: the 1-2-5 values, from the largest one ≤ lo to the smallest one ≥ hi.
    const int d0 = static_cast<int>(std::floor(std::log10(lo))) - 1;
    const int d1 = static_cast<int>(std::ceil(std::log10(hi))) + 1;
    int first = -1, last = -1;
    std::vector<Mark> grid;
    for (int d = d0; d <= d1; ++d) {
      for (const int m : kMantissas) grid.push_back({m, d, true});
    }
    for (std::size_t i = 0; i < grid.size(); ++i) {
      const double v = scaled(grid[i].m, grid[i].d);
      if (v <= lo * (1 + 1e-12)) first = static_cast<int>(i);
      if (last < 0 && v >= hi * (1 - 1e-12)) last = static_cast<int>(i);
    }
    first = std::max(first, 0);
    if (last < 0) last = static_cast<int>(grid.size()) - 1;
    marks.assign(grid.begin() + first, grid.begin() + last + 1);
    // Too many for the space: keep the 2s as unlabelled minor ticks.
    if (static_cast<int>(marks.size()) > max_ticks) {
      for (auto& mark : marks) mark.labelled = mark.m != 2;
    }
  } else {
    // Two decades or more: whole decades, every `stride`-th one labelled.
    const int d0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
    int d1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
    const int stride = std::max(1, (d1 - d0 + max_ticks - 2) / (max_ticks - 1));
    d1 = d0 + stride * ((d1 - d0 + stride - 1) / stride);
    for (int d = d0; d <= d1; d += stride) {
      marks.push_back({1, d, true});
      if (stride == 1 && d < d1) {
        for (int m = 2; m <= 9; ++m) marks.push_back({m, d, false});
      }
    }
  }
  bool plain = true;
  for (const auto& mark : marks) {
    if (mark.labelled && (mark.d < -3 || mark.d > 4 || (mark.d == 4 && mark.m > 1))) plain = false;
  }
  for (const auto& mark : marks) {
    axis.ticks.push_back({scaled(mark.m, mark.d),
                          mark.labelled ? log_label(mark.m, mark.d, plain) : "",
                          mark.m == 1 || mark.labelled});
  }
  axis.lo = std::min(lo, axis.ticks.front().value);
  axis.hi = std::max(hi, axis.ticks.back().value);
  return axis;
}

std::string line_plot_svg(const std::vector<PlotSeries>& series, const PlotOptions& options) {
  const double w = std::max(options.width, 240), h = std::max(options.height, 180);
  const double font = 12, title_font = 15;
  auto usable = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!options.log_y || y > 0);
  };

  // Data range.
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : series) {
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!usable(s.x[i], s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  }
  const bool has_data = x0 <= x1;
  if (!has_data) {
    x0 = 0, x1 = 1;
    y0 = options.log_y ? 1 : 0;
    y1 = options.log_y ? 10 : 1;
  }

  // Vertical layout: title, legend box (above the plot area, so it never covers a curve), plot,
  // x tick labels, x title.
  double top = options.title.empty() ? 12 : 34;
  struct LegendItem {
    std::size_t series;
    double x;  // offset inside its row
    int row;
  };
  std::vector<LegendItem> legend;
  const double swatch = 24, legend_gap = 18, row_height = 18, legend_pad = 8;
  double legend_width = 0;
  int legend_rows = 0;
  {
    const double max_row = w - 40 - 2 * legend_pad;
    double cursor = 0;
    for (std::size_t i = 0; i < series.size(); ++i) {
      if (series[i].label.empty()) continue;
      const double item = swatch + 6 + text_width(series[i].label, font);
      if (legend_rows == 0) legend_rows = 1;
      if (cursor > 0 && cursor + legend_gap + item > max_row) {
        ++legend_rows;
        cursor = 0;
      }
      if (cursor > 0) cursor += legend_gap;
      legend.push_back({i, cursor, legend_rows - 1});
      cursor += item;
      legend_width = std::max(legend_width, cursor);
    }
  }
  const double legend_top = top;
  const double legend_height = legend_rows > 0 ? legend_rows * row_height + legend_pad : 0;
  if (legend_rows > 0) top += legend_height + 10;
  const double bottom = options.x_label.empty() ? 30 : 50;
  const double plot_h = std::max(40.0, h - top - bottom);

  // y axis: at most one tick per ~36 px; the left margin fits the widest tick label and, left of
  // it, the rotated title.
  const Axis ya = options.log_y
                      ? log_axis(y0, y1, std::clamp(static_cast<int>(plot_h / 36) + 1, 3, 9))
                      : linear_axis(y0, y1, std::clamp(static_cast<int>(plot_h / 36) + 1, 3, 9));
  double y_label_width = 0;
  for (const auto& t : ya.ticks) y_label_width = std::max(y_label_width, text_width(t.label, font));
  const std::string y_title = options.y_label.empty()
                                  ? std::string()
                                  : options.y_label + (options.log_y ? " (log scale)" : "");
  const double tick_gap = 8;  // tick labels end this far left of the axis
  const double left = 10 + (y_title.empty() ? 0 : font + 12) + y_label_width + tick_gap;

  // x axis: fewer ticks until the widest label fits between neighbours with 12 px to spare.
  Axis xa;
  double plot_w = 0, right = 16;
  for (int max_ticks = std::clamp(static_cast<int>((w - left - right) / 60) + 1, 3, 11);;
       --max_ticks) {
    xa = linear_axis(x0, x1, max_ticks);
    double widest = 0;
    for (const auto& t : xa.ticks) widest = std::max(widest, text_width(t.label, font));
    right = std::max(16.0, text_width(xa.ticks.back().label, font) / 2 + 6);
    plot_w = std::max(40.0, w - left - right);
    const double spacing =
        plot_w / static_cast<double>(std::max<std::size_t>(1, xa.ticks.size() - 1));
    if (widest + 12 <= spacing || max_ticks <= 3) break;
  }

  auto fy = [&](double y) { return ya.log ? std::log10(y) : y; };
  const double fy0 = fy(ya.lo), fy1 = fy(ya.hi);
  auto px = [&](double x) { return left + (x - xa.lo) / (xa.hi - xa.lo) * plot_w; };
  auto py = [&](double y) { return top + (1 - (fy(y) - fy0) / (fy1 - fy0)) * plot_h; };
  const double plot_bottom = top + plot_h, plot_right = left + plot_w;

  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << coord(w) << "\" height=\""
      << coord(h) << "\" viewBox=\"0 0 " << coord(w) << ' ' << coord(h)
      << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"" << coord(font) << "\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!options.title.empty()) {
    out << "<text x=\"" << coord(w / 2) << "\" y=\"23\" text-anchor=\"middle\" font-size=\""
        << coord(title_font) << "\" font-weight=\"bold\">" << escape(options.title) << "</text>\n";
  }

  // Grid lines first (under everything), then the frame, ticks and labels.
  out << "<g class=\"grid\" stroke-width=\"1\">\n";
  for (const auto& t : ya.ticks) {
    const double sy = py(t.value);
    out << "<line x1=\"" << coord(left) << "\" y1=\"" << coord(sy) << "\" x2=\""
        << coord(plot_right) << "\" y2=\"" << coord(sy) << "\" stroke=\""
        << (t.major ? "#dddddd" : "#f0f0f0") << "\"/>\n";
  }
  for (const auto& t : xa.ticks) {
    const double sx = px(t.value);
    out << "<line x1=\"" << coord(sx) << "\" y1=\"" << coord(top) << "\" x2=\"" << coord(sx)
        << "\" y2=\"" << coord(plot_bottom) << "\" stroke=\"#dddddd\"/>\n";
  }
  out << "</g>\n";
  out << "<rect x=\"" << coord(left) << "\" y=\"" << coord(top) << "\" width=\"" << coord(plot_w)
      << "\" height=\"" << coord(plot_h) << "\" fill=\"none\" stroke=\"#333\"/>\n";
  out << "<g class=\"x-axis\">\n";
  for (const auto& t : xa.ticks) {
    const double sx = px(t.value);
    out << "<line x1=\"" << coord(sx) << "\" y1=\"" << coord(plot_bottom) << "\" x2=\"" << coord(sx)
        << "\" y2=\"" << coord(plot_bottom + 5) << "\" stroke=\"#333\"/>\n"
        << "<text x=\"" << coord(sx) << "\" y=\"" << coord(plot_bottom + 18)
        << "\" text-anchor=\"middle\">" << escape(t.label) << "</text>\n";
  }
  if (!options.x_label.empty()) {
    out << "<text x=\"" << coord(left + plot_w / 2) << "\" y=\"" << coord(plot_bottom + 38)
        << "\" text-anchor=\"middle\">" << escape(options.x_label) << "</text>\n";
  }
  out << "</g>\n<g class=\"y-axis\">\n";
  for (const auto& t : ya.ticks) {
    const double sy = py(t.value);
    out << "<line x1=\"" << coord(left - (t.major ? 5 : 3)) << "\" y1=\"" << coord(sy) << "\" x2=\""
        << coord(left) << "\" y2=\"" << coord(sy) << "\" stroke=\"#333\"/>\n";
    if (!t.label.empty()) {
      out << "<text x=\"" << coord(left - tick_gap) << "\" y=\"" << coord(sy + 4)
          << "\" text-anchor=\"end\">" << escape(t.label) << "</text>\n";
    }
  }
  if (!y_title.empty()) {
    // Rotated by −90°: the glyphs extend left of the baseline by the ascent (≈ 0.75 em) and right
    // of it by the descent (≈ 0.25 em), so a baseline at 10 + font keeps them inside the picture
    // and 9 px clear of the tick labels, which start at 10 + font + 12.
    out << "<text transform=\"translate(" << coord(10 + font) << ',' << coord(top + plot_h / 2)
        << ") rotate(-90)\" text-anchor=\"middle\">" << escape(y_title) << "</text>\n";
  }
  out << "</g>\n";

  if (!has_data) {
    out << "<text x=\"" << coord(left + plot_w / 2) << "\" y=\"" << coord(top + plot_h / 2)
        << "\" text-anchor=\"middle\" fill=\"#888\">no data</text>\n";
  }

  // Series: one polyline per unbroken run of usable points; lone points as dots.
  for (std::size_t index = 0; index < series.size(); ++index) {
    const auto& s = series[index];
    const char* colour = kColours[index % kColours.size()];
    std::vector<std::vector<std::pair<double, double>>> runs(1);
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!usable(s.x[i], s.y[i])) {
        if (!runs.back().empty()) runs.emplace_back();
        continue;
      }
      runs.back().emplace_back(px(s.x[i]), py(s.y[i]));
    }
    out << "<g class=\"series\" stroke=\"" << colour << "\" fill=\"" << colour << "\">\n";
    for (const auto& run : runs) {
      if (run.size() == 1) {
        out << "<circle cx=\"" << coord(run[0].first) << "\" cy=\"" << coord(run[0].second)
            << "\" r=\"3\"/>\n";
      } else if (run.size() > 1) {
        out << "<polyline fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"";
        for (const auto& [sx, sy] : run) out << coord(sx) << ',' << coord(sy) << ' ';
        out << "\"/>\n";
      }
    }
    out << "</g>\n";
  }

  // Legend: a box centred above the plot area.
  if (legend_rows > 0) {
    const double box_w = legend_width + 2 * legend_pad;
    const double box_x = left + plot_w / 2 - box_w / 2 < 4 ? 4 : left + plot_w / 2 - box_w / 2;
    out << "<g class=\"legend\">\n<rect x=\"" << coord(box_x) << "\" y=\"" << coord(legend_top)
        << "\" width=\"" << coord(box_w) << "\" height=\"" << coord(legend_height)
        << "\" fill=\"white\" stroke=\"#bbbbbb\" rx=\"3\"/>\n";
    for (const auto& item : legend) {
      const char* colour = kColours[item.series % kColours.size()];
      const double lx = box_x + legend_pad + item.x;
      const double ly = legend_top + legend_pad / 2 + row_height * (item.row + 0.5);
      out << "<line x1=\"" << coord(lx) << "\" y1=\"" << coord(ly) << "\" x2=\""
          << coord(lx + swatch) << "\" y2=\"" << coord(ly) << "\" stroke=\"" << colour
          << "\" stroke-width=\"2\"/>\n"
          << "<text x=\"" << coord(lx + swatch + 6) << "\" y=\"" << coord(ly + 4) << "\">"
          << escape(series[item.series].label) << "</text>\n";
    }
    out << "</g>\n";
  }
  out << "</svg>\n";
  return out.str();
}

}  // namespace hilm::cli
