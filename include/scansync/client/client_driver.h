#pragma once
// ClientDriver: the portable action loop around ClientCore. It executes the
// core's actions (open or close the transport, send a frame, arm or cancel
// the timer) through a Platform the application brings, and feeds the
// Platform's reports (transport opened, text, closed; timer fired) back. One
// driver serves every adapter: Beast natively (NativeClient), the browser's
// WebSocket under WebAssembly, a phone's OkHttp or URLSession.
//
// Threading: not thread-safe. Every call into the driver, and every call the
// driver makes into the Platform and its Transports, happens on one executor
// (a strand, the browser's event loop, a phone's main or serial queue). A
// platform whose WebSocket reports on other threads hops onto that executor
// before calling the driver.
//
// Re-entrancy: any call into the driver may come from inside one of its
// callbacks (a handler emitting or disconnecting) or from inside a Platform
// or Transport method (a transport that fails synchronously in
// open_transport() and reports transport_closed at once). The call reaches
// the core at once; the actions it causes are executed by the pump already
// running, in order, after those taken before; it never starts a second pump.
//
// Lifetime: the Platform must outlive the driver. The driver may be destroyed
// from inside one of its own callbacks: the destructor aborts the live
// transport and cancels the timer at once, no callback of the driver runs
// afterwards (ack handlers included), and the rest of its state is released
// when the outermost call into the driver returns.
//
// Adapter contract (Platform and Transport):
// - open_transport(query, id) starts a WebSocket to
//   "<server path>?<query>[&<the URL's own query>]" and returns at once; the
//   outcome is reported later with that id: transport_opened(id) once the
//   handshake is done, transport_text / transport_binary(id, …) for each
//   message, transport_closed(id, why) once if it fails or the server closes
//   it. Reports with an id the driver no longer uses are ignored, so an
//   adapter need not filter late completions. open_transport may also report
//   synchronously, or return nullptr, which counts as closed at once.
// - After Transport::close() (graceful: send what is queued, then the close
//   handshake) or abort() (drop at once), the transport reports nothing more;
//   reports that still come are ignored. The driver destroys a Transport only
//   after close() or abort() and never while one of its inputs is on the
//   stack below a call from that transport: retired transports are released
//   when the outermost call into the driver returns (or by the destructor).
// - send(frame): one WebSocket text message; messages go out in order.
// - arm_timer(deadline) replaces the one timer's deadline (absolute, on
//   now()'s clock); call timer_fired() when it passes. cancel_timer():
//   nothing is due. A timer_fired() after cancel_timer() is ignored; one that
//   comes early or for a replaced deadline is harmless (the core re-arms).
// - now() is the clock of every deadline (steady, monotonic).
//
// Battery rule (from the core): while offline (set_online(false)) or in the
// background (set_foreground(false)) the driver arms no timer and opens no
// transport; online and in the foreground again it connects at once.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "scansync/client/types.h"

namespace scansync::client {

// Names one transport the driver opened; never reused within a driver.
using TransportId = std::uint64_t;

// Why the transport failed or closed, e.g. "tls handshake: certificate verify failed".
using TransportErrorHandler = std::function<void(std::string_view why)>;

class Transport {
 public:
  virtual ~Transport() = default;
  // One text message, queued behind those sent before.
  virtual void send(std::string frame) = 0;
  // Sends what is queued, then the close handshake. Reports nothing more.
  virtual void close() = 0;
  // Drops the connection at once. Reports nothing more.
  virtual void abort() = 0;
};

class Platform {
 public:
  virtual ~Platform() = default;
  virtual std::unique_ptr<Transport> open_transport(std::string_view query, TransportId id) = 0;
  virtual void arm_timer(TimePoint deadline) = 0;
  virtual void cancel_timer() = 0;
  virtual TimePoint now() = 0;
};

class ClientDriver {
 public:
  // `platform` must outlive the driver. `tokens` is asked at every (re)connect.
  ClientDriver(ClientOptions options, TokenProvider tokens, Platform& platform);
  ~ClientDriver();
  ClientDriver(const ClientDriver&) = delete;
  ClientDriver& operator=(const ClientDriver&) = delete;

  // ---- User requests and environment (as ClientCore's) ----
  void connect();
  void disconnect();
  // `args_json` is a JSON array of the arguments, e.g. R"([{"seq":0}])".
  void emit(std::string_view event, std::string_view args_json, AckHandler ack = {});
  void set_online(bool online);
  void set_foreground(bool foreground);

  // ---- Reports from the Platform, tagged with the id from open_transport ----
  void transport_opened(TransportId id);
  void transport_text(TransportId id, std::string_view frame);
  void transport_binary(TransportId id, std::string_view frame);
  void transport_closed(TransportId id, std::string_view why);  // error or orderly close alike
  void timer_fired();

  // ---- Subscriptions ("connect", "disconnect", "error", "scan:created", … or "*") ----
  // The ids are the driver's own, one sequence for all three kinds.
  SubscriptionId on(std::string event, EventHandler handler);
  SubscriptionId on_status(StatusHandler handler);
  // Called with `why` whenever a transport reports transport_closed.
  SubscriptionId on_transport_error(TransportErrorHandler handler);
  void off(SubscriptionId id);

  // ---- Observers ----
  const StatusInfo& status() const;
  bool recovered() const;
  std::uint64_t dropped_count() const;
  std::size_t queued_count() const;
  const std::string& last_transport_error() const;  // empty until a transport closed

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace scansync::client
