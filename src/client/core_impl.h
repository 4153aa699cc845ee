#pragma once
// ClientCore's state, shared by the files that implement it:
//   client_core.cc          public API, user requests, environment changes
//   client_connection.cc    connection attempts, failures, backoff, timers
//   client_inbound.cc       frames from the transport (Engine.IO, Socket.IO)
//   client_notifications.cc deferred delivery of callbacks, status
//
// Invariants:
// - transport_live is true exactly while an OpenTransport has not been
//   followed by CloseTransport or on_transport_closed; inputs of a transport
//   that is not live are ignored.
// - phase == connected  <=>  status.status == connected.
// - acks are pending only while connected: every way out of `connected`
//   fails them (closed or connection_lost), so no ack crosses transports.
// - Callbacks run only from settle(), at the end of the outermost input,
//   never while state is half-updated.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ack_registry.h"
#include "backoff.h"
#include "event_dispatcher.h"
#include "heartbeat.h"
#include "notification.h"
#include "outbound_queue.h"
#include "scansync/client/client_core.h"
#include "scansync/proto/engine_io.h"
#include "scansync/proto/socket_io.h"
#include "timer_set.h"

namespace scansync::client {

enum class Phase {
  idle,            // no transport; status disconnected
  opening,         // OpenTransport asked, waiting for on_transport_open
  handshaking,     // transport open, waiting for the Engine.IO OPEN packet
  authenticating,  // Socket.IO CONNECT sent, waiting for the ack or CONNECT_ERROR
  connected,       // CONNECT acked
  backing_off,     // no transport; the reconnect timer runs
};

enum TimerSlot : std::size_t { kConnectTimer, kReconnectTimer, kHeartbeatTimer, kAckTimer, kTimerSlots };

struct ClientCore::Impl {
  Impl(ClientOptions options, TokenProvider tokens, NowFn now);

  // ---- Inputs (each public entry point runs inside run_input) ----
  template <class F>
  void run_input(F&& f) {
    {
      DepthGuard guard(depth);
      f();
    }
    if (depth == 0) settle();
  }
  void connect();
  void disconnect();
  void emit(std::string_view event, std::string_view args_json, AckHandler ack);
  void set_online(bool value);
  void set_foreground(bool value);
  void transport_open();
  void transport_text(std::string_view frame);
  void transport_binary(std::string_view frame);
  void transport_closed(std::string_view why);
  void timer();

  // ---- Connection lifecycle (client_connection.cc) ----
  bool wants_connection() const { return wanted && online && foreground; }
  void start_fresh();                                 // backoff reset, status connecting, attempt
  void attempt();                                     // new token, OpenTransport, connect timeout
  void close_transport();                             // CloseTransport if live; per-transport state reset
  void connection_failed(std::string_view reason);    // lost or failed: backoff, or gave_up
  void go_idle(DisconnectReason reason, std::string_view disconnect_reason, std::error_code ack_error);
  void end_session(bool was_connected, std::string_view reason, std::error_code ack_error);
  void on_connect_ack(std::string_view data);
  void on_connect_error(std::string_view data);
  void refuse(std::string_view code, std::string_view message);  // disconnected(unauthorized)

  // ---- Inbound (client_inbound.cc) ----
  void on_engine_packet(const eio::PacketView& packet);
  void on_socket_packet(std::string_view text);
  void on_event(const sio::PacketView& packet, std::vector<std::string_view>& items);
  void on_ack(const sio::PacketView& packet, const std::vector<std::string_view>& items);
  void protocol_error(std::string_view message);
  void refuse_binary();

  // ---- Outbound ----
  void send_engine(eio::PacketType type, std::string_view data = {});
  void send_socket(sio::PacketType type, std::optional<std::uint64_t> id, std::string_view data);
  void send_emit(QueuedEmit emit);
  void join_room();
  void on_join_ack(std::uint64_t for_session, std::error_code ec, const std::vector<std::string_view>& args);
  void flush_queue();

  // ---- Notifications (client_notifications.cc) ----
  void set_status(const StatusInfo& next);
  void notify_event(std::string_view name, const std::vector<std::string_view>& args,
                    std::optional<std::uint64_t> reply_ack_id = std::nullopt);
  void notify_error(std::string_view code, std::string_view message, std::string_view extra_members = {});
  void notify_ack(AckHandler handler, std::error_code ec, const std::vector<std::string_view>& args = {});
  void fail_all_acks(std::error_code ec);
  void drop_stale_notifications();  // a disconnect(): nothing queued before it is delivered, except acks
  void settle();
  void deliver(Notification& n);
  // Every text lies inside lent_frame (an empty one needs no frame).
  bool lent(std::string_view name, const std::vector<std::string_view>& args) const;
  void own_borrowed_notes();
  void sync_timer();

  // Lends the frame of an input to the notes it causes (see notification.h):
  // they may point into it, and whatever is still queued when the input
  // returns (normally nothing: settle() drained it) is made to own its texts.
  // Runs on exceptions from handlers too.
  struct FrameLoan {
    FrameLoan(Impl& i, std::string_view frame) : impl(i), previous(i.lent_frame) { impl.lent_frame = frame; }
    ~FrameLoan() {
      if (!impl.notes.empty()) impl.own_borrowed_notes();
      impl.lent_frame = previous;
    }
    FrameLoan(const FrameLoan&) = delete;
    FrameLoan& operator=(const FrameLoan&) = delete;
    Impl& impl;
    std::string_view previous;
  };

  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    int& depth;
  };

  // ---- Configuration ----
  ClientOptions options;
  TokenProvider tokens;
  NowFn now;

  // ---- Intent and environment ----
  bool wanted = false;      // connect() called and not undone by disconnect() or a final refusal
  bool online = true;
  bool foreground = true;

  // ---- Connection ----
  Phase phase = Phase::idle;
  StatusInfo status;
  bool transport_live = false;
  std::uint64_t session = 0;  // incremented by every attempt; stale internal acks compare it
  bool joined = false;        // room:join acked (or not wanted): emits go out at once
  std::uint32_t binary_frames_to_skip = 0;
  std::uint64_t max_payload = 1'000'000;  // the server's, from the last handshake (Engine.IO's default until then)
  // EVENT packets that came before the CONNECT ack: socket.io 4.x sends a
  // recovered session's missed packets first. Delivered after "connect".
  // Bounded: a server that floods before accepting cannot exhaust memory
  // (the reference keeps at most its session's buffer, far below this).
  static constexpr std::size_t kMaxEarlyEvents = 10000;
  std::vector<std::string> early_events;
  // Elements of the EVENT or ACK array being decoded (sio::decode fills it);
  // a member so its capacity is reused from frame to frame.
  std::vector<std::string_view> elements;

  // ---- Authentication ----
  std::string token;                 // of the current attempt
  bool token_in_query = false;       // sticky once the server asked for it (token_missing)
  bool expired_retry_used = false;   // token_expired retried once since the last success
  std::optional<std::string> pid;    // connection state recovery: session id from the last CONNECT ack
  std::optional<std::string> offset; // ... and the last event offset (a raw JSON string literal)
  bool recovered = false;

  // ---- Parts ----
  Backoff backoff;
  OutboundQueue queue;
  AckRegistry acks;
  HeartbeatWatchdog heartbeat;
  TimerSet timers{kTimerSlots};
  EventDispatcher dispatcher;

  // ---- Output ----
  std::vector<Action> actions;
  NoteQueue notes;
  std::string_view lent_frame;  // the frame notes may borrow from (FrameLoan)
  // The arguments handed to the handler being called: deliver() is never
  // nested (handlers run with depth > 0, and only depth 0 settles), so one
  // vector serves every delivery and keeps its capacity.
  std::vector<std::string_view> delivery_args;
  int depth = 0;  // > 0 while an input or a callback runs
};

}  // namespace scansync::client
