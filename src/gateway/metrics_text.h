#pragma once
// A writer of the Prometheus text exposition format, version 0.0.4
// (Content-Type "text/plain; version=0.0.4; charset=utf-8"): per family a
// "# HELP" and a "# TYPE" line, then its samples `name{label="value",…} v`.
// Help text escapes '\' and newline; label values escape '\', '"' and
// newline. Histograms are written as cumulative _bucket{le="…"} samples
// ending with le="+Inf", then _sum and _count. No I/O; names are the
// caller's constants (metric_name_ok() says whether one is valid).
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scansync::gateway {

using MetricLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Observations counted per upper bound (inclusive, as Prometheus's `le`).
class Histogram {
 public:
  // `bounds` strictly increasing; the +Inf bucket is implicit.
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Observations in bucket i alone (not cumulative); the last is above every bound.
  const std::vector<std::uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

class MetricsText {
 public:
  enum class Type { counter, gauge, histogram };

  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // Starts a family: its HELP and TYPE lines. Its samples follow.
  void family(std::string_view name, Type type, std::string_view help);
  void sample(std::string_view name, MetricLabels labels, double value);
  void sample(std::string_view name, double value) { sample(name, {}, value); }
  // name_bucket{labels…,le="…"} for each bound and +Inf, name_sum, name_count.
  void histogram(std::string_view name, MetricLabels labels, const Histogram& h);

  const std::string& text() const { return text_; }
  std::string take() { return std::move(text_); }

 private:
  void labels(MetricLabels labels, std::string_view le = {});
  std::string text_;
};

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool metric_name_ok(std::string_view name);
// A sample value as Prometheus writes it: integers without a fraction,
// others in the shortest form that reads back exactly; +Inf, -Inf, NaN.
std::string format_metric_value(double v);

}  // namespace scansync::gateway
