#include "gateway/metrics_text.h"

#include <gtest/gtest.h>

#include <cmath>

namespace scansync::gateway {
namespace {

using Type = MetricsText::Type;

TEST(MetricsText, AFamilyHasHelpTypeAndSamples) {
  MetricsText m;
  m.family("scansync_acks_total", Type::counter, "Acks.");
  m.sample("scansync_acks_total", {{"event", "scan:create"}, {"result", "ok"}}, 3);
  m.sample("scansync_acks_total", 0);
  EXPECT_EQ(m.text(),
            "# HELP scansync_acks_total Acks.\n"
            "# TYPE scansync_acks_total counter\n"
            "scansync_acks_total{event=\"scan:create\",result=\"ok\"} 3\n"
            "scansync_acks_total 0\n");
}

TEST(MetricsText, HelpAndLabelValuesAreEscaped) {
  MetricsText m;
  m.family("x", Type::gauge, "a\\b\nc \"quoted\"");
  m.sample("x", {{"v", "back\\slash \"quote\"\nnewline"}}, 1);
  EXPECT_EQ(m.text(),
            "# HELP x a\\\\b\\nc \"quoted\"\n"  // HELP escapes only \ and newline
            "# TYPE x gauge\n"
            "x{v=\"back\\\\slash \\\"quote\\\"\\nnewline\"} 1\n");
}

TEST(MetricsText, ValuesAreWrittenAsPrometheusReadsThem) {
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(12345678), "12345678");
  EXPECT_EQ(format_metric_value(-2), "-2");
  EXPECT_EQ(format_metric_value(0.25), "0.25");
  EXPECT_EQ(format_metric_value(0.1), "0.1");  // shortest form that reads back exactly
  EXPECT_EQ(format_metric_value(1.7e300), "1.7e+300");
  EXPECT_EQ(format_metric_value(INFINITY), "+Inf");
  EXPECT_EQ(format_metric_value(-INFINITY), "-Inf");
  EXPECT_EQ(format_metric_value(NAN), "NaN");
}

TEST(MetricsText, AHistogramIsCumulativeBucketsThenSumAndCount) {
  Histogram h({0.001, 0.01, 0.1});
  h.observe(0.0005);
  h.observe(0.001);  // on a bound: in that bucket (le is inclusive)
  h.observe(0.05);
  h.observe(3);
  MetricsText m;
  m.family("commit_seconds", Type::histogram, "Commits.");
  m.histogram("commit_seconds", {{"db", "main"}}, h);
  EXPECT_EQ(m.text(),
            "# HELP commit_seconds Commits.\n"
            "# TYPE commit_seconds histogram\n"
            "commit_seconds_bucket{db=\"main\",le=\"0.001\"} 2\n"
            "commit_seconds_bucket{db=\"main\",le=\"0.01\"} 2\n"
            "commit_seconds_bucket{db=\"main\",le=\"0.1\"} 3\n"
            "commit_seconds_bucket{db=\"main\",le=\"+Inf\"} 4\n"
            "commit_seconds_sum{db=\"main\"} 3.0515\n"
            "commit_seconds_count{db=\"main\"} 4\n");
}

TEST(MetricsText, AnUnlabelledHistogramHasOnlyLe) {
  Histogram h({1});
  MetricsText m;
  m.histogram("h", {}, h);
  EXPECT_EQ(m.text(), "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n");
}

TEST(MetricsText, NamesFollowTheGrammar) {
  EXPECT_TRUE(metric_name_ok("scansync_acks_total"));
  EXPECT_TRUE(metric_name_ok("a:b_c9"));
  EXPECT_FALSE(metric_name_ok(""));
  EXPECT_FALSE(metric_name_ok("9lives"));
  EXPECT_FALSE(metric_name_ok("with-dash"));
  EXPECT_FALSE(metric_name_ok("space name"));
}

}  // namespace
}  // namespace scansync::gateway
