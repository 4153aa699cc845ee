#pragma once
// What an HTTP or WebSocket connection of the gateway may ask of the server
// that accepted it: the seam between the Boost.Beast adapters
// (http_session.cc, ws_session.cc, and the TLS handshake in tls_stream.cc)
// and Gateway::Impl, the composition root that owns the sessions, the
// application, the limits and the reporting.
//
// Why an interface: the adapters are thin. They parse, frame and write
// bytes and hand everything else to their host, so they need these few
// calls, not the Impl's fields; what the gateway is assembled from can
// change without recompiling the heaviest translation units, and a test
// can serve a connection with a host of its own, without a Gateway.
//
// Threading: every call is made on the gateway's event-loop (io) thread,
// and every callback given to the host runs there too. A connection holds
// its host by shared_ptr: the host outlives every connection it serves.
//
// No Beast and no Asio here: the header is included by the heaviest
// translation units, and says only what crosses the seam.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/application.h"
#include "gateway/engine_session.h"
#include "gateway/http_routes.h"

namespace scansync::gateway {

class CorsPolicy;
class GatewayObserver;
class SessionHost;
class WebRoot;
struct Readiness;

// An open connection the host closes when the gateway stops.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void shutdown() = 0;
};

// The bounds a connection applies itself, fixed for the gateway's life.
struct ConnectionLimits {
  std::uint64_t max_payload = 0;    // a WebSocket message; a REST body may be up to max(this, 1 MiB)
  Millis write_timeout{0};          // every write must leave within it, or the connection closes
  Millis tls_handshake_timeout{0};  // an accepted TLS connection must finish its handshake within it
};

class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;

  // --- the connection itself

  virtual const ConnectionLimits& limits() const = 0;
  // stop() has begun: new sessions and REST calls are refused (503), and an
  // answer closes its connection instead of keeping it alive.
  virtual bool stopping() const = 0;
  // Registers a connection for stop() (which calls its shutdown()) and for
  // the connection count; `untrack` with the id it returns when it ends.
  virtual std::uint64_t track(std::weak_ptr<Closable> connection) = 0;
  virtual void untrack(std::uint64_t id) = 0;
  // Where a connection reports (the log and the metrics listen).
  virtual GatewayObserver& observer() = 0;
  // The failed TLS handshake of a peer at `remote`; the host decides how
  // often such a line is worth logging (a scan of the port fails many).
  virtual void tls_handshake_failed(std::string_view remote, std::string_view detail) = 0;

  // --- what a request asks for

  // The route of a request path (the conformance mode has routes of its own).
  virtual Route route_of(std::string_view path) const = 0;
  // Which origins may read the answers and open WebSockets.
  virtual const CorsPolicy& cors_policy() const = 0;
  // The /healthz body.
  virtual std::string health() const = 0;
  // /readyz; `done` may run later in this event-loop turn.
  virtual void check_readiness(std::function<void(Readiness)> done) = 0;
  // The /metrics body.
  virtual std::string metrics_text() const = 0;
  // A REST call from `remote`; `done` runs with the answer, maybe later in
  // this event-loop turn (a change is answered once its batch is committed).
  virtual void handle_api(std::string_view method, std::string_view target, const RestCredentials& credentials,
                          std::string_view body, std::string_view remote, std::function<void(HttpAnswer)> done) = 0;
  // The folder the web page is served from; null when it is not served, and
  // then web_page_unavailable() says why (for the 404).
  virtual const WebRoot* web_page() const = 0;
  virtual std::string_view web_page_unavailable() const = 0;

  // --- Engine.IO sessions

  // The open session `sid`, or null.
  virtual std::shared_ptr<SessionHost> find_session(std::string_view sid) = 0;
  // A new session for a peer at `remote_address`; null when the
  // pending-handshake caps are reached (the caller answers 503).
  // `ws_channel`: the WebSocket it starts on (0: long-polling).
  // `engine_only`: the conformance raw Engine.IO echo, not Socket.IO.
  virtual std::shared_ptr<SessionHost> create_session(TransportKind kind, std::uint64_t ws_channel,
                                                      HandshakeInfo handshake, bool engine_only,
                                                      std::string_view remote_address) = 0;
  // A channel number for a new WebSocket, unique in this gateway.
  virtual std::uint64_t next_channel() = 0;
};

}  // namespace scansync::gateway
