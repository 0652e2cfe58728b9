// Inline SVG charts for the HTML report (internal to the report module).
// Every label passes html_escape(); sizes are fixed so the page lays out the
// same in every browser.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mcp_warden::report::internal {

struct Series {
  std::string name;
  std::string color;
  std::vector<double> values;  // stacked bars: one per bucket
};

struct BarChart {
  std::string title;
  std::vector<std::string> bucket_labels;  // one per bucket (shown sparsely)
  std::vector<std::string> bucket_titles;  // hover text per bucket
  std::vector<Series> series;              // stacked in this order
};

struct LineSeries {
  std::string name;
  std::string color;
  std::vector<std::pair<double, double>> points;  // (x in [0,1], y in [y_min, y_max])
  std::vector<std::string> point_titles;
};

struct LineChart {
  std::string title;
  double y_min = 0, y_max = 100;
  std::string x_start_label, x_end_label;
  std::vector<LineSeries> series;
};

std::string svg_stacked_bars(const BarChart& chart);
std::string svg_lines(const LineChart& chart);
// The n-th color of the report's palette.
std::string palette_color(std::size_t n);

}  // namespace mcp_warden::report::internal
