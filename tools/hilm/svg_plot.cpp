#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace hilm::cli {
namespace {

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

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return buffer;
}

// Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008, "Color universal design").
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#F0E442", "#000000"};

}  // namespace

std::string line_plot_svg(const std::vector<PlotSeries>& series, const PlotOptions& options) {
  const double left = 70, right = 20, top = 40, bottom = 50;
  const double w = options.width, h = options.height;
  const double plot_w = w - left - right, plot_h = h - top - bottom;
  auto ty = [&](double y) { return options.log_y ? std::log10(y) : y; };
  auto usable = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!options.log_y || y > 0);
  };
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : series) {
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!usable(s.x[i], s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, ty(s.y[i]));
      y1 = std::max(y1, ty(s.y[i]));
    }
  }
  if (!(x0 <= x1)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  const double pad = 0.05 * (y1 - y0);
  y0 -= pad;
  y1 += pad;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * plot_w; };
  auto py = [&](double y) { return top + (1 - (ty(y) - y0) / (y1 - y0)) * plot_h; };

  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
      << "\" viewBox=\"0 0 " << w << ' ' << h << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << w / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">"
      << escape(options.title) << "</text>\n"
      << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plot_w << "\" height=\""
      << plot_h << "\" fill=\"none\" stroke=\"#333\"/>\n";
  for (int t = 0; t <= 4; ++t) {
    const double fx = x0 + (x1 - x0) * t / 4.0;
    const double fy = y0 + (y1 - y0) * t / 4.0;
    const double sx = px(fx);
    const double sy = top + (1 - t / 4.0) * plot_h;
    out << "<line x1=\"" << sx << "\" y1=\"" << top + plot_h << "\" x2=\"" << sx << "\" y2=\""
        << top + plot_h + 5 << "\" stroke=\"#333\"/>\n"
        << "<text x=\"" << sx << "\" y=\"" << top + plot_h + 18 << "\" text-anchor=\"middle\">"
        << number(fx) << "</text>\n"
        << "<line x1=\"" << left - 5 << "\" y1=\"" << sy << "\" x2=\"" << left << "\" y2=\"" << sy
        << "\" stroke=\"#333\"/>\n"
        << "<text x=\"" << left - 8 << "\" y=\"" << sy + 4 << "\" text-anchor=\"end\">"
        << number(options.log_y ? std::pow(10.0, fy) : fy) << "</text>\n";
  }
  out << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << h - 12 << "\" text-anchor=\"middle\">"
      << escape(options.x_label) << "</text>\n"
      << "<text transform=\"translate(16," << top + plot_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << escape(options.y_label) << "</text>\n";
  std::size_t index = 0;
  for (const auto& s : series) {
    const char* colour = kColours[index % (sizeof kColours / sizeof *kColours)];
    out << "<polyline fill=\"none\" stroke=\"" << colour << "\" stroke-width=\"2\" points=\"";
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!usable(s.x[i], s.y[i])) continue;
      out << number(px(s.x[i])) << ',' << number(py(s.y[i])) << ' ';
    }
    out << "\"/>\n";
    const double ly = top + 16 + 16.0 * static_cast<double>(index);
    out << "<line x1=\"" << left + plot_w - 150 << "\" y1=\"" << ly << "\" x2=\""
        << left + plot_w - 130 << "\" y2=\"" << ly << "\" stroke=\"" << colour
        << "\" stroke-width=\"2\"/>\n"
        << "<text x=\"" << left + plot_w - 125 << "\" y=\"" << ly + 4 << "\">" << escape(s.label)
        << "</text>\n";
    ++index;
  }
  out << "</svg>\n";
  return out.str();
}

}  // namespace hilm::cli
