#pragma once
// One load-generator connection: a WebSocket to
// /socket.io/?EIO=4&transport=websocket that performs the scansync handshake
// (Engine.IO OPEN, CONNECT with the token, room:join) and then hands every
// text message to its handler. Engine.IO pings are answered internally.
//
// A minimal RFC 6455 client over a non-blocking socket on the EventLoop:
// the server's frames are parsed in place from one read() per batch, and
// everything sent during a loop turn leaves in one write() at its end (a
// creator with many creates in flight writes them together, as any
// pipelining client does).
//
// All connections of a run share one single-threaded EventLoop; nothing here
// is thread-safe, and nothing needs to be.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "event_loop.h"

namespace scansync::bench {

struct ConnTarget {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 literal
  std::uint16_t port = 0;
  std::string source_address;  // local address to bind (127.0.0.x), empty = any
  std::string token;
};

class WsConn {
 public:
  // ok=false: why says which step failed.
  using ReadyHandler = std::function<void(bool ok, std::string_view why)>;
  // The whole Engine.IO message, e.g. `42["scan:created",{…}]` or `431[{…}]`,
  // and when the read() that completed it returned. Valid during the call only.
  using TextHandler = std::function<void(std::string_view message, Clock::time_point arrived)>;
  using ClosedHandler = std::function<void(std::string_view why)>;

  static std::shared_ptr<WsConn> start(EventLoop& loop, const ConnTarget& target, ReadyHandler on_ready);
  virtual ~WsConn() = default;

  virtual void on_text(TextHandler handler) = 0;
  virtual void on_closed(ClosedHandler handler) = 0;
  // Queued; written, in order, at the end of the loop turn.
  virtual void send(std::string_view message) = 0;
  // Closes the TCP connection at once (no closing handshake).
  virtual void close() = 0;
  virtual bool ready() const = 0;
};

}  // namespace scansync::bench
