#include "svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "mcp_warden/report/html_report.h"

namespace mcp_warden::report::internal {
namespace {

constexpr double kWidth = 880, kHeight = 260;
constexpr double kLeft = 48, kRight = 12, kTop = 16, kBottom = 34;
constexpr double kMaxBarWidth = 56;

std::string num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", v);
  return text;
}

// 1, 2, 5, 10, 20, 50, ... at or above `v`.
double nice_ceiling(double v) {
  if (v <= 1) return 1;
  double magnitude = std::pow(10, std::floor(std::log10(v)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * magnitude >= v) return step * magnitude;
  }
  return 10 * magnitude;
}

std::string open_svg(const std::string& title) {
  return "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " + num(kWidth) +
         " " + num(kHeight) + "\" width=\"" + num(kWidth) + "\" height=\"" + num(kHeight) + "\"><title>" +
         html_escape(title) + "</title>";
}

std::string y_axis(double y_min, double y_max, int ticks) {
  std::string out;
  double plot = kHeight - kTop - kBottom;
  for (int i = 0; i <= ticks; ++i) {
    double value = y_min + (y_max - y_min) * i / ticks;
    double y = kTop + plot - plot * i / ticks;
    out += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kWidth - kRight) + "\" y1=\"" + num(y) + "\" y2=\"" +
           num(y) + "\" class=\"grid\"/>";
    char label[32];
    std::snprintf(label, sizeof label, "%g", value);
    out += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + num(y + 4) + "\" class=\"axis\" text-anchor=\"end\">" +
           label + "</text>";
  }
  return out;
}

std::string x_label(double x, const std::string& text, const char* anchor) {
  return "<text x=\"" + num(x) + "\" y=\"" + num(kHeight - 12) + "\" class=\"axis\" text-anchor=\"" + anchor +
         "\">" + html_escape(text) + "</text>";
}

}  // namespace

std::string palette_color(std::size_t n) {
  static const char* kPalette[] = {"#2563eb", "#d97706", "#059669", "#db2777",
                                   "#7c3aed", "#0891b2", "#65a30d", "#dc2626"};
  return kPalette[n % (sizeof kPalette / sizeof kPalette[0])];
}

std::string svg_stacked_bars(const BarChart& chart) {
  std::size_t buckets = chart.bucket_labels.size();
  std::vector<double> totals(buckets, 0);
  for (const Series& s : chart.series) {
    for (std::size_t i = 0; i < buckets && i < s.values.size(); ++i) totals[i] += s.values[i];
  }
  double top = nice_ceiling(totals.empty() ? 1 : *std::max_element(totals.begin(), totals.end()));
  double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  double slot = buckets ? plot_w / static_cast<double>(buckets) : plot_w;
  double bar = std::clamp(slot * 0.8, 1.0, kMaxBarWidth);
  std::string out = open_svg(chart.title) + y_axis(0, top, 4);
  for (std::size_t i = 0; i < buckets; ++i) {
    double y = kTop + plot_h;
    for (const Series& s : chart.series) {
      double v = i < s.values.size() ? s.values[i] : 0;
      if (v <= 0) continue;
      double h = plot_h * v / top;
      y -= h;
      out += "<rect x=\"" + num(kLeft + slot * i + (slot - bar) / 2) + "\" y=\"" + num(y) + "\" width=\"" +
             num(bar) + "\" height=\"" + num(h) + "\" fill=\"" + s.color + "\"><title>" +
             html_escape(s.name + ": " + std::to_string(static_cast<int64_t>(v)) + " call(s), " +
                         chart.bucket_titles[i]) +
             "</title></rect>";
    }
  }
  std::size_t every = std::max<std::size_t>(1, buckets / 8);
  for (std::size_t i = 0; i < buckets; i += every) {
    out += x_label(kLeft + slot * i + slot / 2, chart.bucket_labels[i], "middle");
  }
  return out + "</svg>";
}

std::string svg_lines(const LineChart& chart) {
  double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + plot_w * x; };
  auto py = [&](double y) { return kTop + plot_h - plot_h * (y - chart.y_min) / (chart.y_max - chart.y_min); };
  std::string out = open_svg(chart.title) + y_axis(chart.y_min, chart.y_max, 4);
  for (const LineSeries& s : chart.series) {
    std::string points;
    for (const auto& [x, y] : s.points) points += num(px(x)) + "," + num(py(y)) + " ";
    out += "<polyline fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"2\" points=\"" + points + "\"/>";
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      out += "<circle cx=\"" + num(px(s.points[i].first)) + "\" cy=\"" + num(py(s.points[i].second)) +
             "\" r=\"3\" fill=\"" + s.color + "\"><title>" + html_escape(s.point_titles[i]) + "</title></circle>";
    }
  }
  out += x_label(kLeft, chart.x_start_label, "start") + x_label(kWidth - kRight, chart.x_end_label, "end");
  return out + "</svg>";
}

}  // namespace mcp_warden::report::internal
