#pragma once
// One load-generator connection: a Boost.Beast WebSocket to
// /socket.io/?EIO=4&transport=websocket that performs the scansync handshake
// (Engine.IO OPEN, CONNECT with the token, room:join) and then hands every
// text frame to its handler. Engine.IO pings are answered internally.
//
// All connections of a run share one single-threaded io_context; nothing here
// is thread-safe, and nothing needs to be.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace scansync::bench {

struct ConnTarget {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string source_address;  // local address to bind (127.0.0.x), empty = any
  std::string token;
};

class WsConn {
 public:
  // ok=false: why says which step failed.
  using ReadyHandler = std::function<void(bool ok, std::string_view why)>;
  // The whole Engine.IO frame, e.g. `42["scan:created",{…}]` or `431[{…}]`.
  // The view is valid during the call only.
  using TextHandler = std::function<void(std::string_view frame)>;
  using ClosedHandler = std::function<void(std::string_view why)>;

  static std::shared_ptr<WsConn> start(boost::asio::io_context& io, const ConnTarget& target, ReadyHandler on_ready);
  virtual ~WsConn() = default;

  virtual void on_text(TextHandler handler) = 0;
  virtual void on_closed(ClosedHandler handler) = 0;
  // Queued and written in order, one WebSocket text message each.
  virtual void send(std::string frame) = 0;
  // Closes the TCP connection at once (no closing handshake).
  virtual void close() = 0;
  virtual bool ready() const = 0;
};

}  // namespace scansync::bench
