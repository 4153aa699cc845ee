#pragma once
// SessionHost: one Engine.IO session (EngineSession and the Socket.IO or
// echo layer above it) on the event loop, and the transports that carry it:
// a parked long-polling GET (PollWaiter) and the WebSockets (WsPort) of
// http_session.cc and ws_session.cc.
//
// A session reaches the gateway only through SessionOwner, so that it can
// be hosted without one (a test's owner, another server's). Everything here
// runs on the owner's event-loop thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/application.h"
#include "gateway/engine_session.h"

namespace scansync::gateway {

class GatewayObserver;
class SioClient;

// What a session needs from the server that holds it. The owner outlives
// its sessions' use of it (a session holds it by shared_ptr); every call is
// made on the owner's event-loop thread.
class SessionOwner {
 public:
  virtual ~SessionOwner() = default;
  // The loop the session's timer and its posted pumps run on.
  virtual boost::asio::io_context& event_loop() = 0;
  virtual const EngineConfig& engine_config() const = 0;
  // A Socket.IO session without its CONNECT by then is closed.
  virtual Millis connect_timeout() const = 0;
  // The Socket.IO application the session's sockets talk to.
  virtual Application& application() = 0;
  virtual GatewayObserver& observer() = 0;
  // The session of a peer at `remote_address` was admitted, or closed
  // before: it no longer counts against the pending-handshake caps.
  virtual void handshake_ended(std::string_view remote_address) = 0;
  // The session `sid` is closed and finished: the owner forgets it (which
  // may drop the last reference but the caller's).
  virtual void session_ended(const std::string& sid) = 0;
};

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

class SessionHost : public std::enable_shared_from_this<SessionHost> {
 public:
  // engine_only: the conformance /engine.io/ endpoint (raw echo), else Socket.IO.
  // `pending_address`: the remote address counted as a pending handshake
  // until the session is admitted or closes (empty: not counted).
  SessionHost(std::shared_ptr<SessionOwner> owner, std::string sid, TransportKind kind, std::uint64_t ws_channel,
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

  std::shared_ptr<SessionOwner> owner_;
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

}  // namespace scansync::gateway
