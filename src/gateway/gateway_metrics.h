#pragma once
// The metrics sink of the gateway's observer: counters and the batch-commit
// histogram, rendered in the Prometheus text format (metrics_text.h) with
// the gauges the gateway reads from its tables at scrape time. Label values
// come from fixed sets (wire codes, Engine.IO close reasons, status
// classes, the four socket events), never from what a client names, so the
// number of series stays bounded.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fanout/fanout.h"
#include "fanout/gap_tracker.h"
#include "gateway/gateway_observer.h"
#include "gateway/metrics_text.h"
#include "scans/scan_repository.h"

namespace scansync::gateway {

// What the gateway reads at scrape time (not counted by events).
struct MetricsGauges {
  std::size_t sessions_websocket = 0;  // Engine.IO sessions whose transport is the WebSocket
  std::size_t sessions_polling = 0;
  std::size_t tcp_connections = 0;     // open TCP connections of every kind
  std::size_t sockets_joined = 0;      // Socket.IO sockets in their user's room
  std::optional<double> process_start_time_s;  // Unix seconds
  std::optional<double> resident_memory_bytes;
  // The scan app's parts (absent in conformance mode).
  std::optional<scans::RepositoryStatus> store;
  std::optional<fanout::FanoutStatus> fanout;
  std::optional<fanout::GapTrackerStats> tracker;
};

class GatewayMetrics final : public GatewayObserver {
 public:
  GatewayMetrics();

  void token_refused(const TokenRefused& e) override;
  void request_done(const RequestDone& e) override;
  void session_opened(std::string_view sid, std::string_view transport, std::string_view remote) override;
  void session_closed(const SessionClosed& e) override;
  void ack_sent(const AckSent& e) override;
  void scan_changed(ScanChange c) override;
  void events_delivered(std::size_t frames) override;
  void batch_committed(const BatchCommitted& e) override;
  void connection_refused(const ConnectionRefused& e) override;

  std::string render(const MetricsGauges& gauges) const;

  // Upper bounds of the commit histogram, seconds.
  static const std::vector<double>& commit_buckets();

 private:
  using Key = std::pair<std::string, std::string>;
  std::map<Key, std::uint64_t> tokens_refused_;   // (via, code)
  std::map<std::string, std::uint64_t> rest_requests_;  // "2xx" …
  std::map<std::string, std::uint64_t> sessions_opened_;  // transport
  std::map<std::string, std::uint64_t> sessions_closed_;  // reason
  std::map<Key, std::uint64_t> acks_;             // (event, result)
  std::map<std::string, std::uint64_t> connections_refused_;  // limit
  std::uint64_t scans_created_ = 0;
  std::uint64_t scans_deleted_ = 0;
  std::uint64_t events_delivered_ = 0;
  std::uint64_t commit_failures_ = 0;
  Histogram commit_seconds_;
};

}  // namespace scansync::gateway
