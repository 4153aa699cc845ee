#pragma once
// The sans-I/O Socket.IO client: inputs in (transport events, timer ticks,
// network and app-lifecycle changes, user requests), actions out (open or
// close the transport, send a frame, arm or cancel the timer) and events to
// subscribers. No I/O, no threads; the clock is injected.
//
// Threading: not thread-safe; adapters call it from one executor.
// Re-entrancy: handlers may call back into the core (emit, disconnect, off);
// such calls take effect after the current input has been processed.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scansync/client/types.h"

namespace scansync::client {

class ClientCore {
 public:
  using NowFn = std::function<TimePoint()>;
  ClientCore(ClientOptions options, TokenProvider tokens, NowFn now);
  ~ClientCore();
  ClientCore(const ClientCore&) = delete;
  ClientCore& operator=(const ClientCore&) = delete;

  // ---- User requests ----
  void connect();
  void disconnect();  // status disconnected(user); cancels the timer; pending acks fail with errc::closed
  // `args_json` is a JSON array of the event arguments, e.g. R"([{"id":"…"}])".
  // While not connected the emit waits in the bounded outbound queue.
  void emit(std::string_view event, std::string_view args_json, AckHandler ack = {});

  // ---- Environment ----
  void set_online(bool online);          // offline: disconnect(offline), no retries; online: connect at once, backoff reset
  void set_foreground(bool foreground);  // background: disconnect(background); foreground: reconnect

  // ---- Transport and timer inputs from the adapter ----
  void on_transport_open();
  void on_transport_text(std::string_view frame);
  void on_transport_binary(std::string_view frame);
  void on_transport_closed(std::string_view why);  // error or orderly close alike
  void on_timer();                                 // the armed deadline passed

  // ---- Output ----
  std::vector<Action> take_actions();

  // ---- Subscriptions ("connect", "disconnect", "error", "scan:created", … or "*" for all) ----
  SubscriptionId on(std::string event, EventHandler handler);
  SubscriptionId on_status(StatusHandler handler);
  void off(SubscriptionId id);

  // ---- Observers ----
  const StatusInfo& status() const;
  bool recovered() const;               // the last connect restored the session (pid/offset)
  std::uint64_t dropped_count() const;  // emits dropped from the full outbound queue
  std::size_t queued_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scansync::client
