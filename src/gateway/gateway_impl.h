#pragma once
// Gateway::Impl: the server state on the event loop, and the composition
// root. It is assembled in Gateway::start() from its parts (the application,
// the repository, the auth, the limits, the reporting) and is what the
// adapters are served by, through the two narrow interfaces it implements:
// ConnectionHost (connection_host.h) for an HTTP or WebSocket connection,
// SessionOwner (session_host.h) for an Engine.IO session. Only gateway.cc
// includes this header.
//
// Everything here runs on the gateway's single event-loop thread.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/accepted_connection.h"
#include "gateway/application.h"
#include "gateway/connection_host.h"
#include "gateway/cors_policy.h"
#include "gateway/engine_session.h"
#include "gateway/gateway_log.h"
#include "gateway/gateway_metrics.h"
#include "gateway/gateway_observer.h"
#include "gateway/http_routes.h"
#include "gateway/pending_handshakes.h"
#include "gateway/readiness.h"
#include "gateway/scan_product.h"
#include "gateway/session_host.h"
#include "gateway/web_root.h"
#include "scansync/gateway/gateway.h"

namespace scansync::gateway {

class TlsContext;

class Gateway::Impl final : public ConnectionHost,
                            public SessionOwner,
                            public std::enable_shared_from_this<Gateway::Impl> {
 public:
  Impl(boost::asio::io_context& io, GatewayOptions opts);
  ~Impl() override;

  boost::asio::io_context& io;
  GatewayOptions opts;
  // What it serves: the scansync product (its app, repository, fan-out and
  // REST auth: scan_product.h), or in conformance mode the protocol suites' app.
  std::unique_ptr<ScanProduct> product;
  std::unique_ptr<Application> conformance_app;
  std::uint16_t bound_port = 0;
  PendingHandshakes pending;  // sessions not admitted yet, by remote address
  CorsPolicy cors;            // from opts.cors_origins
  std::optional<WebRoot> web_root;  // none: the page is not served
  std::string web_unavailable;      // why web_root is none (for the 404 and the log)
  std::shared_ptr<TlsContext> tls;  // none: plain HTTP and WebSocket
  std::size_t max_connections = 0;
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer accept_pause;  // out of descriptors: accepting resumes when it fires
  bool accept_paused = false;
  bool stopped = false;
  // Where every part reports (gateway_observer.h): the log and the metrics listen.
  GatewayLog logger;
  GatewayMetrics metrics;
  ObserverFanout observers;
  double process_start_time_s = 0;  // Unix seconds, read once at start (0: unknown)

  // --- ConnectionHost (an HTTP or WebSocket connection)
  const ConnectionLimits& limits() const override { return limits_; }
  bool stopping() const override { return stopped; }
  std::uint64_t track(std::weak_ptr<Closable> c) override;
  void untrack(std::uint64_t id) override { connections_.erase(id); }
  GatewayObserver& observer() override { return observers; }
  // Logged once per period: a scan of the port fails many handshakes.
  void tls_handshake_failed(std::string_view remote, std::string_view detail) override;
  Route route_of(std::string_view path) const override;
  const CorsPolicy& cors_policy() const override { return cors; }
  // The /healthz body: {"status":"ok","ok":true,"store":{…},"fanout":{…}}.
  std::string health() const override;
  // /readyz: free space on the data folder, then the write probe through the
  // batch path; `done` may run later in this turn (after the commit).
  void check_readiness(std::function<void(Readiness)> done) override;
  // /metrics: the counters and the gauges read from the tables now.
  std::string metrics_text() const override;
  void handle_api(std::string_view method, std::string_view target, const RestCredentials& credentials,
                  std::string_view body, std::string_view remote, std::function<void(HttpAnswer)> done) override;
  const WebRoot* web_page() const override { return web_root ? &*web_root : nullptr; }
  std::string_view web_page_unavailable() const override { return web_unavailable; }
  std::shared_ptr<SessionHost> find_session(std::string_view sid) override;
  std::shared_ptr<SessionHost> create_session(TransportKind kind, std::uint64_t ws_channel, HandshakeInfo handshake,
                                              bool engine_only, std::string_view remote_address) override;
  std::uint64_t next_channel() override { return ++channel_counter_; }

  // --- SessionOwner (an Engine.IO session)
  boost::asio::io_context& event_loop() override { return io; }
  const EngineConfig& engine_config() const override { return engine_config_; }
  Millis connect_timeout() const override { return Millis(opts.connect_timeout_ms); }
  Application& application() override { return product ? static_cast<Application&>(product->app()) : *conformance_app; }
  void handshake_ended(std::string_view remote_address) override { pending.end(remote_address); }
  void session_ended(const std::string& sid) override { sessions_.erase(sid); }

  // Posts ScanApp::flush() to run after the input already queued on the loop.
  void request_flush();
  std::int64_t now_unix_s() const;
  std::int64_t now_unix_ms() const;

  void stop(std::string_view reason);
  void accept();
  std::size_t open_connections() const { return connections_.size(); }
  // accept() failed for want of descriptors: retry after a pause, not at once
  // (the listen queue still holds the connection, so it would spin).
  void pause_accepting(const boost::system::error_code& why);
  // Over max_connections: answers 503 without reading and closes.
  void refuse_connection(boost::asio::ip::tcp::socket socket);
  bool drained() const { return stopped && sessions_.empty() && connections_.empty(); }

 private:
  EngineConfig engine_config_;  // from opts, for every session
  ConnectionLimits limits_;     // from opts, for every connection
  std::unordered_map<std::string, std::shared_ptr<SessionHost>> sessions_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> connections_;
  std::uint64_t channel_counter_ = 0;
  std::uint64_t connection_counter_ = 0;
  std::optional<TimePoint> last_refusal_log_;
  std::optional<TimePoint> last_tls_failure_log_;
  std::optional<std::string> last_unready_reason_;  // the last /readyz answer was not ready, for this reason
  void note_readiness(const Readiness& r);
};

}  // namespace scansync::gateway
