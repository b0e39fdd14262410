// A minimal SVG line-plot writer for the CLI's reports (training curves of `hilm demo`); no
// dependency. It draws "nice" axes (ticks on a 1-2-5 × 10^k grid, or at decades on a log axis,
// labelled without spurious digits), light grid lines, one polyline per series and a legend box
// above the plot area, so the legend never covers a curve. Text widths are estimated from the
// number of characters (no font metrics), generously, so labels do not overlap.
#ifndef HILM_TOOLS_SVG_PLOT_HPP
#define HILM_TOOLS_SVG_PLOT_HPP

#include <string>
#include <vector>

namespace hilm::cli {

/// One curve: (x, y) points in drawing order. Points with a non-finite coordinate (or y ≤ 0 on a
/// log axis) are skipped and break the line there.
struct PlotSeries {
  std::string label;  ///< Legend text; series with an empty label get no legend entry.
  std::vector<double> x;
  std::vector<double> y;
};

/// Options of `line_plot_svg`.
struct PlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;  ///< Drawn rotated left of the tick labels; "(log scale)" is appended
                        ///< when `log_y` is set.
  bool log_y = false;   ///< Logarithmic y axis (non-positive values are skipped).
  int width = 640;      ///< Pixels; values below 240 are raised to 240.
  int height = 400;     ///< Pixels; values below 180 are raised to 180.
};

/// One tick of an axis.
struct AxisTick {
  double value = 0;
  std::string label;  ///< Empty for an unlabelled minor tick (the 2…9 × 10^k of a log axis).
  bool major = true;  ///< False for minor ticks (drawn shorter, with a fainter grid line).
};

/// An axis: its drawn range [lo, hi] and its ticks in increasing order. The range always
/// contains the data range passed in; on a linear axis its ends are the first and last tick.
struct Axis {
  double lo = 0;
  double hi = 1;
  bool log = false;
  std::vector<AxisTick> ticks;
};

/// A linear axis covering [lo, hi]: ticks at multiples of a step 1, 2 or 5 × 10^k, the smallest
/// such step that needs at most `max_ticks` ticks (at least 3 are allowed), labelled with exactly
/// the decimals the step needs ("0.2", "1500"); values of 10⁵ and more as "200k", "1.5M", …,
/// values below 10⁻³ as "2×10⁻⁴". A constant range (lo == hi) is widened around the value,
/// non-finite bounds give [0, 1], and lo > hi are swapped.
Axis linear_axis(double lo, double hi, int max_ticks = 7);

/// A logarithmic axis covering the positive range [lo, hi]. When the data span two decades or
/// more, the range is widened to whole decades and the labelled ticks are the powers of ten
/// (every n-th decade when more than `max_ticks` would be needed; unlabelled minor ticks at
/// 2…9 × 10^k when every decade is labelled). Under two decades the labelled ticks are the
/// 1-2-5 values and the range is widened to the nearest of them. Labels are plain numbers
/// ("0.01", "1000") when every label lies in [10⁻³, 10⁴], powers of ten ("10⁻⁵", "2×10⁻⁵")
/// otherwise. A non-positive or non-finite lo or hi gives [1, 10].
Axis log_axis(double lo, double hi, int max_ticks = 7);

/// Approximate width in pixels of `text` in a sans-serif font of `font_size` pixels (0.6 em per
/// character, counting UTF-8 code points, so "−" and "⁻" count once).
double text_width(const std::string& text, double font_size);

/// Renders the series as an SVG document (a string). Empty, constant and single-point series
/// give a valid document with axes, title and legend (single points are drawn as dots; with no
/// usable point at all the plot area says "no data"); no coordinate is ever NaN or infinite.
std::string line_plot_svg(const std::vector<PlotSeries>& series, const PlotOptions& options);

}  // namespace hilm::cli

#endif  // HILM_TOOLS_SVG_PLOT_HPP
