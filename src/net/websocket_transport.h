#pragma once
// One WebSocket connection to the gateway, over TCP or TLS (Boost.Beast).
// This header stays free of Beast so that only websocket_transport.cc pays
// for compiling it.
//
// Threading: every method must be called on the executor given to the
// connector (a strand), and every handler runs there. A transport never
// invokes a handler from inside one of its own methods.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "scansync/client/native_client.h"
#include "scansync/result.h"

namespace scansync::net {

struct TransportHandlers {
  std::function<void()> on_open;                      // WebSocket handshake done
  std::function<void(std::string_view)> on_text;      // one text message; the view dies on return
  std::function<void(std::string_view)> on_binary;    // one binary message; likewise
  // Called once, when the transport fails or the server closes it; never
  // after close() or abort().
  std::function<void(std::string_view why)> on_closed;
};

class WebSocketTransport {
 public:
  virtual ~WebSocketTransport() = default;
  // Queued; messages go out in order, one write in flight at a time.
  virtual void send(std::string text) = 0;
  // Sends what is queued, then the close handshake. No handler runs after this call.
  virtual void close() = 0;
  // Drops the connection at once. No handler runs after this call.
  virtual void abort() = 0;
};

// Opens transports to one server. Pending operations keep a transport alive
// after the caller drops its pointer, until they complete.
class WebSocketConnector {
 public:
  static Result<std::unique_ptr<WebSocketConnector>> create(boost::asio::any_io_executor executor,
                                                            client::ServerUrl url, client::TlsOptions tls,
                                                            std::size_t max_payload);
  virtual ~WebSocketConnector() = default;
  // Resolves, connects, (TLS handshake with SNI and host name check,)
  // WebSocket handshake on "<path>?<query>[&<url query>]".
  virtual std::shared_ptr<WebSocketTransport> open(std::string_view query, TransportHandlers handlers) = 0;
};

}  // namespace scansync::net
