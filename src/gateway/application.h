#pragma once
// What the server does with Socket.IO sockets: which namespaces exist, who may
// connect, what an event does. The scansync product (scan_app.h) and the
// protocol test suites' reference behaviour (conformance_app.h) implement it.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scansync::gateway {

class SioSocket;

// The Engine.IO handshake request (its query), for the token fallback.
struct HandshakeInfo {
  std::map<std::string, std::string> query;
  std::string remote_address{};  // the peer's, for the log (set by the gateway when it makes the session)
};

struct IncomingEvent {
  std::string_view name;
  // Raw JSON of the arguments after the name (validated by the decoder).
  std::vector<std::string_view> args;
  // The arguments' text as received, from the first to the last, separators
  // included; empty when there are none. Lets an echo resend them unchanged.
  std::string_view args_text;
  std::optional<std::uint64_t> ack_id;
  // Binary attachments in order; placeholders in `args` refer to them.
  const std::vector<std::string>* attachments = nullptr;
  // When the event arrived (rate limits): time is an input, as everywhere below the adapters.
  std::chrono::steady_clock::time_point now{};
};

class Application {
 public:
  virtual ~Application() = default;
  virtual bool has_namespace(std::string_view nsp) const = 0;
  // A CONNECT to a known namespace. `auth` = the CONNECT payload (an object,
  // or empty when absent). Accept: return nullopt (the application may fill
  // socket fields). Refuse: return the CONNECT_ERROR payload (JSON object).
  virtual std::optional<std::string> authorize(SioSocket& socket, std::string_view auth,
                                               const HandshakeInfo& handshake) = 0;
  virtual void on_connect(SioSocket& socket) = 0;
  virtual void on_event(SioSocket& socket, const IncomingEvent& event) = 0;
  // The socket leaves (client DISCONNECT, connection closed, server stop). It
  // stays a valid object until its connection is destroyed.
  virtual void on_disconnect(SioSocket& socket) = 0;
};

}  // namespace scansync::gateway
