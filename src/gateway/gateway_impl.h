#pragma once
// Internals shared by the gateway's translation units: Gateway::Impl (the
// server state on the event loop), SessionHost (one Engine.IO session and its
// transports), and the two ports through which a host reaches the Beast
// adapters (http_session.cc, ws_session.cc) without including Beast or
// OpenSSL (tls_stream.cc).
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

#include "auth/api_keyring.h"
#include "gateway/application.h"
#include "gateway/cors_policy.h"
#include "gateway/engine_session.h"
#include "gateway/gateway_log.h"
#include "gateway/gateway_metrics.h"
#include "gateway/gateway_observer.h"
#include "gateway/http_routes.h"
#include "gateway/pending_handshakes.h"
#include "gateway/rate_limiter.h"
#include "gateway/rest_auth.h"
#include "gateway/readiness.h"
#include "gateway/web_root.h"
#include "scansync/auth/jwt.h"
#include "scansync/gateway/gateway.h"

namespace scansync::gateway {

class ScanApp;
class SioClient;
class TlsContext;
class TlsStream;

// A parked long-polling GET, waiting for something to send.
class PollWaiter {
 public:
  virtual ~PollWaiter() = default;
  virtual void complete(std::string body) = 0;
};

// A WebSocket carrying (or probing for) a session.
class WsPort {
 public:
  virtual ~WsPort() = default;
  // Frames may be waiting in the session, or the channel should close.
  virtual void pump() = 0;
};

// An open TCP connection the gateway closes on stop().
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void shutdown() = 0;
};

class SessionHost : public std::enable_shared_from_this<SessionHost> {
 public:
  // engine_only: the conformance /engine.io/ endpoint (raw echo), else Socket.IO.
  // `pending_address`: the remote address counted in Impl::pending until the
  // session is admitted or closes (empty: not counted).
  SessionHost(std::shared_ptr<Gateway::Impl> impl, std::string sid, TransportKind kind, std::uint64_t ws_channel,
              HandshakeInfo handshake, bool engine_only, std::string pending_address);
  ~SessionHost();
  void start();  // wires callbacks (needs shared_from_this)

  EngineSession& engine() { return engine_; }
  void park_poll(std::shared_ptr<PollWaiter> waiter) { parked_ = std::move(waiter); }
  void drop_poll() { parked_.reset(); }
  void add_ws(std::uint64_t channel, std::weak_ptr<WsPort> port);
  // Moves output to the transports, finishes a closed session, rearms the timer.
  void pump();
  void schedule_pump();
  void shutdown(std::string_view reason);

 private:
  void rearm();
  void end_pending();

  std::shared_ptr<Gateway::Impl> impl_;
  std::string pending_address_;  // non-empty while counted as a pending handshake
  EngineSession engine_;
  std::unique_ptr<EngineUpper> upper_;  // declared after engine_: destroyed first
  SioClient* sio_ = nullptr;            // upper_ when it is Socket.IO
  boost::asio::steady_timer timer_;
  std::optional<TimePoint> armed_;
  std::shared_ptr<PollWaiter> parked_;
  std::vector<std::pair<std::uint64_t, std::weak_ptr<WsPort>>> ports_;
  bool pump_scheduled_ = false;
  bool finished_ = false;
};

class Gateway::Impl : public std::enable_shared_from_this<Gateway::Impl> {
 public:
  Impl(boost::asio::io_context& io, GatewayOptions opts);
  ~Impl();

  boost::asio::io_context& io;
  GatewayOptions opts;
  EngineConfig engine_config;
  std::shared_ptr<scans::ScanRepository> repository;  // null in conformance mode
  std::unique_ptr<Application> app;
  ScanApp* scan_app = nullptr;  // app, when it is the product (not conformance)
  std::uint16_t bound_port = 0;
  auth::VerifierOptions verifier;
  auth::ApiKeyring api_keys;        // from opts.api_keys (digests only)
  RestRateLimits rest_limits;       // REST requests per user, and per API key (429 past it)
  std::vector<bool> api_key_used;   // per key: used since start (logged once, for rotations)
  PendingHandshakes pending;  // sessions not admitted yet, by remote address
  CorsPolicy cors;            // from opts.cors_origins
  std::optional<WebRoot> web_root;  // none: the page is not served
  std::string web_unavailable;      // why web_root is none (for the 404 and the log)
  std::shared_ptr<TlsContext> tls;  // none: plain HTTP and WebSocket
  std::optional<TimePoint> last_tls_failure_log;
  std::size_t max_connections = 0;
  boost::asio::ip::tcp::acceptor acceptor;
  boost::asio::steady_timer accept_pause;  // out of descriptors: accepting resumes when it fires
  bool accept_paused = false;
  bool stopped = false;
  // Where every part reports (gateway_observer.h): the log and the metrics listen.
  GatewayLog logger;
  GatewayMetrics metrics;
  ObserverFanout observer;
  double process_start_time_s = 0;  // Unix seconds, read once at start (0: unknown)

  std::shared_ptr<SessionHost> find(std::string_view sid);
  // A new Engine.IO session for a peer at `remote_address`; nullptr when the
  // pending-handshake caps are reached (the caller answers 503).
  std::shared_ptr<SessionHost> create_session(TransportKind kind, std::uint64_t ws_channel, HandshakeInfo handshake,
                                              bool engine_only, std::string_view remote_address);
  void remove_session(const std::string& sid);
  std::uint64_t next_channel() { return ++channel_counter_; }

  std::uint64_t track(std::weak_ptr<Closable> c);
  void untrack(std::uint64_t id) { connections_.erase(id); }

  // A REST call from `remote`; `done` runs with the answer, maybe later in
  // this event-loop turn (a change is answered once its batch is committed).
  void handle_api(std::string_view method, std::string_view target, const RestCredentials& credentials,
                  std::string_view body, std::string_view remote, std::function<void(HttpAnswer)> done);
  // Posts ScanApp::flush() to run after the input already queued on the loop.
  void request_flush();
  // The /healthz body: {"status":"ok","ok":true,"store":{…},"fanout":{…}}.
  std::string health() const;
  // /readyz: free space on the data folder, then the write probe through the
  // batch path; `done` may run later in this turn (after the commit).
  void check_readiness(std::function<void(Readiness)> done);
  // /metrics: the counters and the gauges read from the tables now.
  std::string metrics_text() const;
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
  std::unordered_map<std::string, std::shared_ptr<SessionHost>> sessions_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> connections_;
  std::uint64_t channel_counter_ = 0;
  std::uint64_t connection_counter_ = 0;
  std::optional<TimePoint> last_refusal_log_;
  std::optional<std::string> last_unready_reason_;  // the last /readyz answer was not ready, for this reason
  void note_readiness(const Readiness& r);
};

// http_session.cc: serves one accepted TCP connection, or one whose TLS
// handshake is done.
void serve_http(const std::shared_ptr<Gateway::Impl>& impl, boost::asio::ip::tcp::socket socket);
void serve_http(const std::shared_ptr<Gateway::Impl>& impl, TlsStream stream);
// tls_stream.cc: the TLS handshake of an accepted connection, then serve_http.
void serve_tls(const std::shared_ptr<Gateway::Impl>& impl, boost::asio::ip::tcp::socket socket);
// The peer's address as the caps count it (IPv4-mapped IPv6 as IPv4).
std::string remote_address_of(const boost::asio::ip::tcp::socket& socket);

}  // namespace scansync::gateway
