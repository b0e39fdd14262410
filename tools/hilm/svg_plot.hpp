// A minimal SVG line-plot writer for the CLI's reports (training curves of `hilm demo`). It draws
// axes with a few labelled ticks, one polyline per series and a legend; no dependency.
#ifndef HILM_TOOLS_SVG_PLOT_HPP
#define HILM_TOOLS_SVG_PLOT_HPP

#include <string>
#include <vector>

namespace hilm::cli {

/// One curve: (x, y) points in drawing order.
struct PlotSeries {
  std::string label;
  std::vector<double> x;
  std::vector<double> y;
};

/// Options of `line_plot_svg`.
struct PlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_y = false;  ///< Logarithmic y axis (non-positive values are skipped).
  int width = 640;
  int height = 400;
};

/// Renders the series as an SVG document (a string). Empty or all-skipped series still give a
/// valid document with the axes and the title.
std::string line_plot_svg(const std::vector<PlotSeries>& series, const PlotOptions& options);

}  // namespace hilm::cli

#endif  // HILM_TOOLS_SVG_PLOT_HPP
