#pragma once
// The native Socket.IO client: a ClientDriver (client_driver.h) whose
// Platform is Asio and a Boost.Beast WebSocket (TCP, or TLS with OpenSSL).
//
// Threading: each client has one strand; every callback (status, events,
// acks, transport errors) runs on it, never two at once. The public methods
// are safe from any thread: they post onto the strand, so their effect is
// asynchronous but ordered. The observers (status(), recovered(), …) read a
// snapshot taken after the last input the core processed.
//
// Lifetime: destroying the client closes the socket and cancels the timer;
// once the destructor returns no callback of this client runs any more. The
// destructor waits for a callback that is running on another thread to
// finish, so a callback must not block on a thread that destroys the client.
// Destroying the client from inside its own callback is allowed.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "scansync/client/client_driver.h"  // TransportErrorHandler
#include "scansync/client/types.h"
#include "scansync/result.h"

namespace boost::asio {
class io_context;
}

namespace scansync::client {

// Where the gateway is: ws://, wss://, http:// (= ws) or https:// (= wss).
struct ServerUrl {
  bool tls = false;
  std::string host;          // IPv6 literals without brackets
  std::uint16_t port = 0;    // the scheme's default when the URL has none
  std::string path;          // always ends in '/'; "/socket.io/" when the URL names none
  std::string query;         // the URL's own query without '?', sent along with the Engine.IO query
};

enum class native_errc {
  bad_url = 1,
  bad_ca_file,    // the ca_file could not be loaded as PEM certificates
  tls_setup,      // OpenSSL refused the TLS context
};
const std::error_category& native_category();
inline std::error_code make_error_code(native_errc e) { return {static_cast<int>(e), native_category()}; }

Result<ServerUrl> parse_server_url(std::string_view url);

struct TlsOptions {
  // A PEM file of CA certificates trusted in addition to the system store.
  std::string ca_file;
  // Accept any server certificate. Only for local experiments: anyone on the
  // path can read and change the traffic, tokens included.
  bool insecure_skip_verify_dangerous = false;
};

struct NativeClientOptions {
  std::string url;
  TokenProvider tokens;          // asked at every (re)connect, on the client's strand
  ClientOptions core;
  TlsOptions tls;
  std::size_t max_payload = 1'000'000;  // largest WebSocket message accepted (Engine.IO maxPayload)
};

class NativeClient {
 public:
  // Runs on `io`, which the caller runs (on any number of threads) and keeps
  // alive longer than the client.
  static Result<std::unique_ptr<NativeClient>> create(boost::asio::io_context& io, NativeClientOptions options);
  // Runs on a thread of its own, joined by the destructor.
  static Result<std::unique_ptr<NativeClient>> create(NativeClientOptions options);

  ~NativeClient();
  NativeClient(const NativeClient&) = delete;
  NativeClient& operator=(const NativeClient&) = delete;

  void connect();
  void disconnect();
  // `args_json` is a JSON array of the arguments, e.g. R"([{"seq":0}])".
  void emit(std::string event, std::string args_json, AckHandler ack = {});
  void set_online(bool online);
  void set_foreground(bool foreground);

  // Subscriptions take effect in order with the other calls made from the
  // same thread; the ids are this client's own (any thread may off() them).
  SubscriptionId on(std::string event, EventHandler handler);
  SubscriptionId on_status(StatusHandler handler);
  SubscriptionId on_transport_error(TransportErrorHandler handler);
  void off(SubscriptionId id);

  StatusInfo status() const;
  bool recovered() const;
  std::uint64_t dropped_count() const;
  std::size_t queued_count() const;
  std::string last_transport_error() const;

  struct Impl;

 private:
  explicit NativeClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace scansync::client

template <>
struct std::is_error_code_enum<scansync::client::native_errc> : std::true_type {};
