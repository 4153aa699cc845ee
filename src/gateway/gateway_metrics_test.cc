#include "gateway/gateway_metrics.h"

#include <gtest/gtest.h>

#include <sstream>

#include "store/store_errors.h"

namespace scansync::gateway {
namespace {

// The value of the sample line that starts with `series ` (name and labels
// as written), or -1 when there is none.
double value_of(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(GatewayMetrics, CountersStartAtZeroAndMove) {
  GatewayMetrics m;
  const std::string before = m.render({});
  EXPECT_EQ(value_of(before, R"(scansync_tokens_refused_total{via="socket",code="token_expired"})"), 0);
  EXPECT_EQ(value_of(before, R"(scansync_rest_requests_total{class="2xx"})"), 0);
  EXPECT_EQ(value_of(before, "scansync_scans_created_total"), 0);
  EXPECT_EQ(value_of(before, R"(scansync_store_commit_seconds_bucket{le="+Inf"})"), 0);

  m.token_refused(TokenRefused{"socket", "token_expired", "::1", {}, {}});
  m.request_done(RequestDone{"POST", "/api/scans", 201, 1, "::1", "a"});
  m.request_done(RequestDone{"GET", "/api/scans", 401, 1, "::1", {}});
  m.scan_changed(ScanChange::created);
  m.scan_changed(ScanChange::deleted);
  m.events_delivered(3);
  m.events_delivered(2);
  m.ack_sent(AckSent{"scan:create", "ok", "a", "s"});
  m.ack_sent(AckSent{"scan:create", "ok", "a", "s"});
  m.ack_sent(AckSent{"scan:delete", "not_found", "a", "s"});
  m.batch_committed(BatchCommitted{0.0004, 2});
  m.batch_committed(BatchCommitted{0.2, 1, true, "disk full"});
  m.session_opened("s", "websocket", "::1");
  m.session_closed(SessionClosed{"s", "a", "websocket", "transport close"});
  m.connection_refused(ConnectionRefused{"max_connections", {}, {}});

  const std::string after = m.render({});
  EXPECT_EQ(value_of(after, R"(scansync_tokens_refused_total{via="socket",code="token_expired"})"), 1);
  EXPECT_EQ(value_of(after, R"(scansync_tokens_refused_total{via="rest",code="token_expired"})"), 0);
  EXPECT_EQ(value_of(after, R"(scansync_rest_requests_total{class="2xx"})"), 1);
  EXPECT_EQ(value_of(after, R"(scansync_rest_requests_total{class="4xx"})"), 1);
  EXPECT_EQ(value_of(after, "scansync_scans_created_total"), 1);
  EXPECT_EQ(value_of(after, "scansync_scans_deleted_total"), 1);
  EXPECT_EQ(value_of(after, "scansync_events_delivered_total"), 5);
  EXPECT_EQ(value_of(after, R"(scansync_acks_total{event="scan:create",result="ok"})"), 2);
  EXPECT_EQ(value_of(after, R"(scansync_acks_total{event="scan:delete",result="not_found"})"), 1);
  EXPECT_EQ(value_of(after, R"(scansync_store_commit_seconds_bucket{le="0.0005"})"), 1);
  EXPECT_EQ(value_of(after, R"(scansync_store_commit_seconds_bucket{le="0.25"})"), 2);
  EXPECT_EQ(value_of(after, "scansync_store_commit_seconds_count"), 2);
  EXPECT_EQ(value_of(after, "scansync_store_commit_failures_total"), 1);
  EXPECT_EQ(value_of(after, R"(scansync_sessions_opened_total{transport="websocket"})"), 1);
  EXPECT_EQ(value_of(after, R"(scansync_sessions_closed_total{reason="transport close"})"), 1);
  EXPECT_EQ(value_of(after, R"(scansync_connections_refused_total{limit="max_connections"})"), 1);
}

TEST(GatewayMetrics, GaugesComeFromTheScrape) {
  GatewayMetrics m;
  MetricsGauges g;
  g.sessions_websocket = 4;
  g.sessions_polling = 1;
  g.tcp_connections = 6;
  g.sockets_joined = 3;
  g.process_start_time_s = 1.8e9;
  g.resident_memory_bytes = 12345678;
  const std::string text = m.render(g);
  EXPECT_EQ(value_of(text, R"(scansync_sessions_open{transport="websocket"})"), 4);
  EXPECT_EQ(value_of(text, R"(scansync_sessions_open{transport="polling"})"), 1);
  EXPECT_EQ(value_of(text, "scansync_connections_open"), 6);
  EXPECT_EQ(value_of(text, "scansync_sockets_joined"), 3);
  EXPECT_EQ(value_of(text, "process_start_time_seconds"), 1.8e9);
  EXPECT_EQ(value_of(text, "process_resident_memory_bytes"), 12345678);
  EXPECT_EQ(value_of(m.render({}), "process_resident_memory_bytes"), -1) << "unknown: left out";
}

TEST(GatewayMetrics, EveryFamilyHasHelpAndTypeAndAValidName) {
  GatewayMetrics m;
  std::istringstream in(m.render({}));
  std::string line, last_type;
  int families = 0;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(metric_name_ok(name)) << name;
      ASSERT_TRUE(std::getline(in, line));
      EXPECT_EQ(line.rfind("# TYPE " + name + " ", 0), 0u) << line;
      ++families;
    }
  }
  EXPECT_GE(families, 14);
}

}  // namespace
}  // namespace scansync::gateway
