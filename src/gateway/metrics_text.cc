#include "gateway/metrics_text.h"

#include <charconv>
#include <cmath>

namespace scansync::gateway {

void Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

bool metric_name_ok(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  // The shortest text that reads back exactly; fixed notation for the
  // magnitudes of seconds and bytes ("0.0005", not "5e-04").
  char buf[400];
  const double a = std::fabs(v);
  const auto fmt = a >= 1e-6 && a < 1e15 ? std::chars_format::fixed : std::chars_format::scientific;
  auto r = std::to_chars(buf, buf + sizeof buf, v, fmt);
  return std::string(buf, r.ptr);
}

namespace {

void append_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

std::string_view type_name(MetricsText::Type t) {
  switch (t) {
    case MetricsText::Type::counter: return "counter";
    case MetricsText::Type::gauge: return "gauge";
    case MetricsText::Type::histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

void MetricsText::family(std::string_view name, Type type, std::string_view help) {
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  append_help(text_, help);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type_name(type);
  text_ += '\n';
}

void MetricsText::labels(MetricLabels labels, std::string_view le) {
  if (labels.size() == 0 && le.empty()) return;
  text_ += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) text_ += ',';
    first = false;
    text_ += k;
    text_ += "=\"";
    append_label_value(text_, v);
    text_ += '"';
  }
  if (!le.empty()) {
    if (!first) text_ += ',';
    text_ += "le=\"";
    text_ += le;
    text_ += '"';
  }
  text_ += '}';
}

void MetricsText::sample(std::string_view name, MetricLabels l, double value) {
  text_ += name;
  labels(l);
  text_ += ' ';
  text_ += format_metric_value(value);
  text_ += '\n';
}

void MetricsText::histogram(std::string_view name, MetricLabels l, const Histogram& h) {
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= h.bounds().size(); ++i) {
    cumulative += h.counts()[i];
    const std::string le = i < h.bounds().size() ? format_metric_value(h.bounds()[i]) : "+Inf";
    text_ += bucket;
    labels(l, le);
    text_ += ' ';
    text_ += std::to_string(cumulative);
    text_ += '\n';
  }
  sample(std::string(name) + "_sum", l, h.sum());
  sample(std::string(name) + "_count", l, static_cast<double>(h.count()));
}

}  // namespace scansync::gateway
