#pragma once
// The scansync gateway: a Socket.IO v5 / Engine.IO v4 server (WebSocket and
// HTTP long-polling with upgrade) in front of the scan service, plus the REST
// API under /api/scans, /healthz, /readyz and /metrics.
//
// Threading: the gateway runs on the caller's io_context, which must be run by
// one thread (one event loop, like Node). start() and stop() must be called on
// that thread, or before it runs; stop() called from another thread is posted
// to the loop.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "scansync/result.h"

namespace scansync::scans {
class ScanRepository;
}
namespace scansync::fanout {
class Fanout;
class FanoutSink;
}

namespace scansync::gateway {

// How much the gateway logs: each level includes the ones after it.
enum class LogLevel { debug, info, warn, error };

struct GatewayOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;                 // 0: the system picks a free port (see Gateway::port())
  std::filesystem::path data_dir;            // holds scansync.db; unused in conformance mode
  std::string jwt_secret;                    // HS256 key; unused in conformance mode
  std::optional<std::string> issuer, audience;
  std::uint32_t ping_interval_ms = 25000;
  std::uint32_t ping_timeout_ms = 20000;
  std::uint32_t connect_timeout_ms = 45000;  // no Socket.IO CONNECT within this → connection closed
  std::uint32_t upgrade_timeout_ms = 10000;  // a WebSocket upgrade not completed within this is dropped
  std::uint64_t max_payload = 1000000;       // bytes per WebSocket message / polling POST body
  // Until its Socket.IO CONNECT is accepted a connection may send only
  // messages this small (0: max_payload).
  std::uint64_t max_pre_connect_payload = 16 * 1024;
  std::size_t max_write_queue_bytes = 4u << 20;  // a connection whose unsent output exceeds this is closed at once
  // Output that has not drained within this closes the connection and frees
  // its descriptor (a peer that stopped reading). 0: ping_timeout_ms.
  std::uint32_t write_timeout_ms = 0;
  // Open TCP connections; a new one beyond this is answered 503 and closed.
  // 0: the open-file limit (RLIMIT_NOFILE) less kDescriptorHeadroom.
  std::size_t max_connections = 0;
  static constexpr std::size_t kDescriptorHeadroom = 64;  // database, WAL, logs, listening socket
  // Engine.IO sessions whose Socket.IO CONNECT has not succeeded yet, in all
  // and per remote address; a handshake beyond either is answered 503. 0: no cap.
  std::size_t max_pending_handshakes = 1024;
  std::size_t max_pending_per_address = 64;
  // REST requests per user: this many a second on average, bursts up to
  // rest_burst; past it 429 rate_limited. 0 turns the limit off.
  double rest_rate_per_s = 100;
  double rest_burst = 200;
  // Server API keys (scansync gateway --api-key-file): a backend that
  // presents one as its REST bearer token acts for the user its
  // Scansync-User header names, as that user's own requests would (changes
  // committed and broadcast to the user's room). Empty: no API key access.
  // Never accepted on a Socket.IO CONNECT: sockets are for users.
  std::vector<std::string> api_keys;
  // REST requests made with one API key, across every user it acts for: a
  // bucket of its own (not the users'), so an import is not throttled to one
  // user's rate and does not eat the user's own budget, while a runaway
  // backend is still bounded. Past it 429 rate_limited. 0 turns it off.
  double api_key_rate_per_s = 1000;
  double api_key_burst = 2000;
  // Socket events per user, the same way; past it the ack is
  // {"ok":false,"error":"rate_limited"}. 0 turns the limit off.
  double socket_rate_per_s = 100;
  double socket_burst = 500;
  // Live scans a user may hold; a new one beyond is quota_exceeded. 0: no quota.
  std::size_t max_scans_per_user = 100000;
  // Tokens living longer than this (exp - iat, or exp - now) are refused. 0: no cap.
  std::int64_t max_token_ttl_s = 30 * 24 * 3600;
  // full: the WAL is synced before a change is acked (survives power loss);
  // normal: synced at checkpoints only (survives a killed process). Changes
  // arriving in one event-loop turn are committed together either way.
  enum class Durability { full, normal };
  Durability durability = Durability::full;
  // Browser origins on other sites allowed to use the gateway: answered with
  // CORS (polling transport, REST, preflight) and let through the WebSocket
  // handshake's Origin check. Each is an origin ("https://app.example:8443",
  // compared as RFC 6454 serialises it) or "*": any origin, answered
  // without credentials. Empty: no CORS answer, WebSocket Origin unchecked.
  // A value that is not an origin fails start() (category "scansync.cors").
  std::vector<std::string> cors_origins;
  // The folder whose files the gateway serves at / (GET and HEAD; "/" is its
  // index.html). Empty: the first folder that exists of the build tree's
  // web/ and <exe dir>/../share/scansync/web. No folder: / answers 404 and
  // start() logs one web_page_unavailable line saying why.
  std::filesystem::path web_root;
  // TLS on the gateway itself (https, wss; TLS 1.2 at least, ALPN
  // http/1.1): a PEM file holding the certificate and then any intermediate
  // certificates, and a PEM file holding its private key (no passphrase).
  // Both or neither; neither: plain HTTP and WebSocket. A missing, unreadable
  // or mismatched file fails start() (category "scansync.tls") after one
  // tls_unusable log line naming it. A TLS handshake must finish within
  // connect_timeout_ms.
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;
  // Behave like the reference servers of the protocol test suites (echo
  // events, namespaces "/" and "/custom", raw Engine.IO echo on /engine.io/),
  // without JWT or database.
  bool conformance = false;
  // One JSON object per line (no newline included); empty: no logging.
  // {"time":"<RFC 3339 UTC, ms>","level":"debug|info|warn|error","event":"…",…}
  // with context fields where known (remote, user, sid, …); see
  // src/gateway/README.md for the events. A token is never logged.
  std::function<void(std::string_view line)> log;
  // Lines below this level are not written (nor formatted). info: an access
  // line per REST call and one per closed session, nothing per frame.
  LogLevel log_level = LogLevel::info;
  // Unix time in seconds for token expiry; defaults to the system clock.
  std::function<std::int64_t()> now_unix_s;
  // The parts a deployment chooses (`scansync gateway` composes them from
  // --store and --fanout). Both run on the gateway's io_context.
  // Where the scans live (src/scans/scan_repository.h); null: the embedded
  // SQLite database in data_dir (durability and max_scans_per_user apply to it).
  std::shared_ptr<scans::ScanRepository> repository;
  // Makes the fan-out between nodes around the gateway's sink
  // (src/fanout/fanout.h); empty: this node's rooms only.
  std::function<std::unique_ptr<fanout::Fanout>(fanout::FanoutSink& sink)> make_fanout;
};

class Gateway {
 public:
  // Opens the database (unless a repository is given), binds and starts
  // accepting. Errors: the database cannot be opened, the address cannot be
  // bound, the TLS files are unusable.
  static Result<std::unique_ptr<Gateway>> start(boost::asio::io_context& io, GatewayOptions options);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  std::uint16_t port() const;
  // Stops accepting, closes every Engine.IO session (WebSocket close with
  // `reason`, a parked poll answered with CLOSE) and every idle connection,
  // closes the database. Like the reference server's close(), no Socket.IO
  // DISCONNECT is sent, so clients reconnect to the next instance. The
  // io_context runs out of gateway work once the closing handshakes finish
  // (see drained()). Idempotent.
  void stop(std::string_view reason);
  // True once stop() has run and every connection has finished closing: the
  // moment a process may exit without cutting a closing handshake short.
  bool drained() const;

  class Impl;

 private:
  explicit Gateway(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace scansync::gateway
