#pragma once
// The sans-I/O Socket.IO client: inputs in (transport events, timer ticks,
// network and app-lifecycle changes, user requests), actions out (open or
// close the transport, send a frame, arm or cancel the timer) and events to
// subscribers. No I/O, no threads; the clock is injected.
//
// Threading: not thread-safe; adapters call it from one executor.
// Re-entrancy: handlers may call back into the core (emit, disconnect, off);
// such calls take effect after the current input has been processed.
// (Precisely: callbacks are delivered only once an input has brought the
// core's state to rest; a call made from a handler is processed at once
// against that consistent state, and the callbacks it causes are delivered
// after those already pending. disconnect() from a handler drops every
// pending status/event callback and stops the dispatch in progress; ack
// handlers are still each called exactly once.)
//
// Adapter contract:
// - Execute take_actions() in order after every input.
// - OpenTransport always means a fresh transport (the core has sent
//   CloseTransport for any earlier one first). After CloseTransport, report
//   nothing more about that transport: no on_transport_closed for it.
// - on_transport_closed is reported once for a transport the core did not
//   close itself (error or orderly close alike).
// - ArmTimer replaces the one timer's deadline (absolute, on NowFn's clock);
//   call on_timer() when it passes. CancelTimer: nothing is due any more.
//
// Behaviour choices (docs/contract.md "Client behaviour" leaves them open):
// - Status: connecting (connect(), online/foreground again), connected,
//   reconnecting{attempt, next_delay} from a failure until the next success
//   (unchanged while an attempt is in flight), disconnected{reason}. A status
//   is published only when it changes.
// - Reconnection: a failed first connect or a lost connection waits the
//   backoff delay of attempt 1 (1 s), and so on; after max_attempts failed
//   reconnect attempts: disconnected(gave_up). gave_up revives on an
//   offline->online or background->foreground transition, or connect().
// - CONNECT_ERROR: token_expired -> one immediate retry with a fresh token
//   (again -> unauthorized); token_missing after the token went in the auth
//   object -> one immediate retry with ?token= (sticky for the core's life);
//   token_invalid, any other code with message "unauthorized", or a second
//   token_missing -> disconnected(unauthorized) + "error" event, no retries
//   until connect(). Any other refusal -> "error" event {"code":"connect_error"}
//   and a failed attempt (backoff).
// - Server DISCONNECT ("41") -> disconnected(server), final until connect().
// - A malformed frame -> "error" {"code":"protocol_error"}, then the
//   connection is closed and retried like a lost one (socket.io-client's
//   "parse error"). Binary packets -> "error" {"code":"binary_unsupported"},
//   packet ignored, connection kept.
// - "connect" (args []) after every CONNECT ack, then room:join {} with an
//   ack; the outbound queue is flushed after the join is acked (also when it
//   says ok:false, which is reported as "error" {"code":"room_join_failed"}).
//   A join not acked within ack_timeout -> "error" room_join_failed and
//   reconnect. "disconnect" (args ["<reason>"]) when a connected session ends:
//   "transport close", "ping timeout", "parse error", "room join timeout",
//   "io server disconnect", "io client disconnect" (disconnect(), offline,
//   background).
// - Server events that ask for an ack get an empty ack "43<id>[]" after the
//   handlers ran, if the connection is still up.
// - Acks: the timeout runs from when the packet is sent (a queued emit's
//   clock starts at the flush). An ack never outlives its transport: a lost
//   connection, offline, background or server disconnect fail pending acks
//   with errc::connection_lost; disconnect() with errc::closed. Queued emits
//   are the user's data and stay queued across disconnect().
// - An emit whose frame exceeds the server's maxPayload (from the last
//   handshake) is not sent: its ack fails with errc::too_large and "error"
//   {"code":"too_large","size":N,"maxPayload":M} is reported. Sent, it would
//   make the server close the connection, at every reconnection's flush.
// - disconnect() sends "41" only when connected; offline/background just
//   close the transport, so a recovery-enabled server keeps the session.
// - Subscribers of "*" receive every event, "connect", "disconnect" and
//   "error" included. "error" args: [{"code":"...","message":"..."}].
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
