#include "gateway/gateway_metrics.h"

namespace scansync::gateway {

using Type = MetricsText::Type;

const std::vector<double>& GatewayMetrics::commit_buckets() {
  // From a page-cache commit (~50 µs) to a slow disk's fsync.
  static const std::vector<double> kBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                            0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
  return kBuckets;
}

GatewayMetrics::GatewayMetrics() : commit_seconds_(commit_buckets()) {
  // Series that exist from the start, so that rate() sees their first increase.
  for (const char* via : {"socket", "rest"}) {
    for (const char* code : {"token_missing", "token_invalid", "token_expired"}) tokens_refused_[{via, code}] = 0;
  }
  for (const char* c : {"2xx", "3xx", "4xx", "5xx"}) rest_requests_[c] = 0;
  for (const char* t : {"websocket", "polling"}) sessions_opened_[t] = 0;
  for (const char* l : {"max_connections", "pending_handshakes"}) connections_refused_[l] = 0;
}

void GatewayMetrics::token_refused(const TokenRefused& e) { ++tokens_refused_[{std::string(e.via), std::string(e.code)}]; }

void GatewayMetrics::request_done(const RequestDone& e) {
  const int cls = e.status / 100;
  ++rest_requests_[cls >= 1 && cls <= 5 ? std::to_string(cls) + "xx" : std::string("other")];
}

void GatewayMetrics::session_opened(std::string_view, std::string_view transport, std::string_view) {
  ++sessions_opened_[std::string(transport)];
}

void GatewayMetrics::session_closed(const SessionClosed& e) { ++sessions_closed_[std::string(e.reason)]; }

void GatewayMetrics::ack_sent(const AckSent& e) { ++acks_[{std::string(e.event), std::string(e.result)}]; }

void GatewayMetrics::scan_changed(ScanChange c) { ++(c == ScanChange::created ? scans_created_ : scans_deleted_); }

void GatewayMetrics::events_delivered(std::size_t frames) { events_delivered_ += frames; }

void GatewayMetrics::batch_committed(const BatchCommitted& e) {
  commit_seconds_.observe(e.seconds);
  if (e.failed) ++commit_failures_;
}

void GatewayMetrics::connection_refused(const ConnectionRefused& e) { ++connections_refused_[std::string(e.limit)]; }

namespace {

double d(std::uint64_t v) { return static_cast<double>(v); }

// Engine labels are fixed words ("sqlite", "postgresql", "local", "redis").
void render_store(MetricsText& m, const scans::RepositoryStatus& s) {
  const MetricLabels engine{{"engine", s.engine}};
  m.family("scansync_store_up", Type::gauge, "1 when the scan store serves (PostgreSQL: connected and migrated).");
  m.sample("scansync_store_up", engine, s.available ? 1 : 0);
  m.family("scansync_store_batches_total", Type::counter, "Batches the store completed.");
  m.sample("scansync_store_batches_total", engine, d(s.batches));
  m.family("scansync_store_failed_batches_total", Type::counter, "Batches answered with an error throughout.");
  m.sample("scansync_store_failed_batches_total", engine, d(s.failed_batches));
  m.family("scansync_store_reconnects_total", Type::counter, "Store links re-established after a loss.");
  m.sample("scansync_store_reconnects_total", engine, d(s.reconnects));
  if (s.last_latency_us >= 0) {
    m.family("scansync_store_last_batch_seconds", Type::gauge, "Round trip of the latest batch.");
    m.sample("scansync_store_last_batch_seconds", engine, static_cast<double>(s.last_latency_us) / 1e6);
  }
}

void render_fanout(MetricsText& m, const fanout::FanoutStatus& f) {
  const MetricLabels engine{{"engine", f.kind}};
  m.family("scansync_fanout_up", Type::gauge, "1 when every fan-out link is up (local: always).");
  m.sample("scansync_fanout_up", engine, f.up ? 1 : 0);
  m.family("scansync_fanout_published_total", Type::counter, "Changes published to the other nodes.");
  m.sample("scansync_fanout_published_total", engine, d(f.published));
  m.family("scansync_fanout_publish_failed_total", Type::counter, "Publishes not sent (link down) or lost in flight.");
  m.sample("scansync_fanout_publish_failed_total", engine, d(f.publish_failed));
  m.family("scansync_fanout_received_total", Type::counter, "Fan-out messages received from the link.");
  m.sample("scansync_fanout_received_total", engine, d(f.received));
  m.family("scansync_fanout_link_losses_total", Type::counter, "Fan-out links lost or failed to connect, by link.");
  m.sample("scansync_fanout_link_losses_total", {{"engine", f.kind}, {"link", "publisher"}}, d(f.publisher.losses));
  m.sample("scansync_fanout_link_losses_total", {{"engine", f.kind}, {"link", "subscriber"}}, d(f.subscriber.losses));
  m.family("scansync_fanout_subscribed_users", Type::gauge, "Users this node is subscribed for.");
  m.sample("scansync_fanout_subscribed_users", engine, d(f.subscribed_users));
  if (f.last_publish_latency) {
    m.family("scansync_fanout_last_publish_seconds", Type::gauge, "PUBLISH sent to answered, the latest one.");
    m.sample("scansync_fanout_last_publish_seconds", engine, static_cast<double>(f.last_publish_latency->count()) / 1e6);
  }
}

void render_tracker(MetricsText& m, const fanout::GapTrackerStats& t) {
  m.family("scansync_backfills_total", Type::counter, "Backfills from the store (a seq gap, a hint or a link back).");
  m.sample("scansync_backfills_total", d(t.backfills));
  m.family("scansync_backfill_failures_total", Type::counter, "Backfills the store could not answer (retried).");
  m.sample("scansync_backfill_failures_total", d(t.backfill_failures));
  m.family("scansync_backfill_recovered_total", Type::counter, "Changes delivered by backfills, not by the live fan-out.");
  m.sample("scansync_backfill_recovered_total", d(t.recovered));
  m.family("scansync_fanout_duplicates_total", Type::counter, "Deliveries dropped as already delivered (seq not newer).");
  m.sample("scansync_fanout_duplicates_total", d(t.duplicates));
}

}  // namespace

std::string GatewayMetrics::render(const MetricsGauges& g) const {
  MetricsText m;
  const auto d = [](auto v) { return static_cast<double>(v); };
  m.family("scansync_sessions_open", Type::gauge, "Engine.IO sessions open, by their current transport.");
  m.sample("scansync_sessions_open", {{"transport", "websocket"}}, d(g.sessions_websocket));
  m.sample("scansync_sessions_open", {{"transport", "polling"}}, d(g.sessions_polling));
  m.family("scansync_connections_open", Type::gauge, "TCP connections open (HTTP, polling and WebSocket).");
  m.sample("scansync_connections_open", d(g.tcp_connections));
  m.family("scansync_sockets_joined", Type::gauge, "Socket.IO sockets joined to their user's room.");
  m.sample("scansync_sockets_joined", d(g.sockets_joined));
  m.family("scansync_sessions_opened_total", Type::counter, "Engine.IO sessions opened, by first transport.");
  for (const auto& [t, n] : sessions_opened_) m.sample("scansync_sessions_opened_total", {{"transport", t}}, d(n));
  m.family("scansync_sessions_closed_total", Type::counter, "Engine.IO sessions closed, by reason.");
  for (const auto& [r, n] : sessions_closed_) m.sample("scansync_sessions_closed_total", {{"reason", r}}, d(n));
  m.family("scansync_events_delivered_total", Type::counter,
           "Broadcast frames (scan:created, scan:deleted) handed to joined sockets.");
  m.sample("scansync_events_delivered_total", d(events_delivered_));
  m.family("scansync_scans_created_total", Type::counter, "Scans created (committed; a repeated id is not counted).");
  m.sample("scansync_scans_created_total", d(scans_created_));
  m.family("scansync_scans_deleted_total", Type::counter, "Scans deleted (committed; a repeated delete is not counted).");
  m.sample("scansync_scans_deleted_total", d(scans_deleted_));
  m.family("scansync_acks_total", Type::counter, "Socket event acks, by event and result (ok or the error code).");
  for (const auto& [k, n] : acks_) m.sample("scansync_acks_total", {{"event", k.first}, {"result", k.second}}, d(n));
  m.family("scansync_store_commit_seconds", Type::histogram, "Time to commit one batch (group commit) to the store.");
  m.histogram("scansync_store_commit_seconds", {}, commit_seconds_);
  m.family("scansync_store_commit_failures_total", Type::counter, "Batches whose commit failed (every answer failed).");
  m.sample("scansync_store_commit_failures_total", d(commit_failures_));
  m.family("scansync_tokens_refused_total", Type::counter, "Tokens refused, by where they came and the wire code.");
  for (const auto& [k, n] : tokens_refused_) {
    m.sample("scansync_tokens_refused_total", {{"via", k.first}, {"code", k.second}}, d(n));
  }
  m.family("scansync_rest_requests_total", Type::counter, "REST calls under /api/scans, by status class.");
  for (const auto& [c, n] : rest_requests_) m.sample("scansync_rest_requests_total", {{"class", c}}, d(n));
  m.family("scansync_connections_refused_total", Type::counter, "Connections or handshakes refused at a limit.");
  for (const auto& [l, n] : connections_refused_) {
    m.sample("scansync_connections_refused_total", {{"limit", l}}, d(n));
  }
  if (g.store) render_store(m, *g.store);
  if (g.fanout) render_fanout(m, *g.fanout);
  if (g.tracker) render_tracker(m, *g.tracker);
  if (g.process_start_time_s) {
    m.family("process_start_time_seconds", Type::gauge, "Start time of the process since unix epoch in seconds.");
    m.sample("process_start_time_seconds", *g.process_start_time_s);
  }
  if (g.resident_memory_bytes) {
    m.family("process_resident_memory_bytes", Type::gauge, "Resident memory size in bytes.");
    m.sample("process_resident_memory_bytes", *g.resident_memory_bytes);
  }
  return m.take();
}

}  // namespace scansync::gateway
