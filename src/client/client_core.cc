// ClientCore: public API and the user's requests (connect, disconnect, emit)
// and environment changes (online, foreground). The state machine around
// connection attempts lives in client_connection.cc.
#include "scansync/client/client_core.h"

#include <utility>

#include "core_impl.h"
#include "scansync/proto/json_text.h"

namespace scansync::client {

ClientCore::Impl::Impl(ClientOptions opts, TokenProvider provider, NowFn clock)
    : options(std::move(opts)),
      tokens(std::move(provider)),
      now(clock ? std::move(clock) : NowFn([] { return Clock::now(); })),
      backoff(options.backoff, options.seed),
      queue(options.queue_capacity) {
  if (options.nsp.empty() || options.nsp.front() != '/') options.nsp.insert(options.nsp.begin(), '/');
  status.status = Status::disconnected;
  status.reason = DisconnectReason::none;
}

void ClientCore::Impl::connect() {
  wanted = true;
  if (!online) {
    go_idle(DisconnectReason::offline, {}, make_error_code(errc::connection_lost));
    return;
  }
  if (!foreground) {
    go_idle(DisconnectReason::background, {}, make_error_code(errc::connection_lost));
    return;
  }
  switch (phase) {
    case Phase::idle:
      start_fresh();
      return;
    case Phase::backing_off:
      // "Retry now": the attempt counter keeps counting.
      timers.clear(kReconnectTimer);
      attempt();
      return;
    case Phase::opening:
    case Phase::handshaking:
    case Phase::authenticating:
    case Phase::connected:
      return;  // already on its way
  }
}

void ClientCore::Impl::disconnect() {
  wanted = false;
  // Nothing recorded before the disconnect reaches the user any more (acks
  // excepted: each ack handler is called exactly once), and a dispatch in
  // progress stops after the handler that called us.
  drop_stale_notifications();
  dispatcher.interrupt();
  const bool was_connected = phase == Phase::connected;
  // Tell the server it is intentional (no session kept for recovery).
  if (was_connected && transport_live) send_socket(sio::PacketType::disconnect, std::nullopt, {});
  go_idle(DisconnectReason::user, "io client disconnect", make_error_code(errc::closed));
}

void ClientCore::Impl::emit(std::string_view event, std::string_view args_json, AckHandler ack) {
  auto args = json::split_array(args_json);
  // Names socket.io-client refuses to emit: they mean something else on the wire.
  const bool reserved = event == "connect" || event == "connect_error" || event == "disconnect" ||
                        event == "disconnecting" || event == "newListener" || event == "removeListener";
  if (!args.ok() || reserved) {
    if (ack) notify_ack(std::move(ack), make_error_code(errc::bad_arguments));
    return;
  }
  QueuedEmit e;
  e.data.reserve(args_json.size() + event.size() + 4);
  e.data += '[';
  e.data += json::quote(event);
  for (auto a : *args) {
    e.data += ',';
    e.data += a;
  }
  e.data += ']';
  e.ack = std::move(ack);

  if (phase == Phase::connected && joined) {
    send_emit(std::move(e));
    return;
  }
  if (queue.capacity() == 0) {
    if (e.ack) notify_ack(std::move(e.ack), make_error_code(errc::not_connected));
    return;
  }
  auto dropped = queue.push(std::move(e));
  if (dropped) {
    if (dropped->ack) notify_ack(std::move(dropped->ack), make_error_code(errc::dropped));
    notify_error("queue_overflow", "outbound queue full: the oldest emit was dropped",
                 "\"dropped\":" + std::to_string(queue.dropped_count()));
  }
}

void ClientCore::Impl::set_online(bool value) {
  if (online == value) return;
  online = value;
  if (!wanted) return;
  if (!online) {
    // No "41": the network is gone, and a transport close lets the server
    // keep the session for recovery.
    go_idle(DisconnectReason::offline, "io client disconnect", make_error_code(errc::connection_lost));
  } else if (!foreground) {
    go_idle(DisconnectReason::background, {}, make_error_code(errc::connection_lost));
  } else {
    start_fresh();
  }
}

void ClientCore::Impl::set_foreground(bool value) {
  if (foreground == value) return;
  foreground = value;
  if (!wanted || !online) return;
  if (!foreground) {
    go_idle(DisconnectReason::background, "io client disconnect", make_error_code(errc::connection_lost));
  } else {
    start_fresh();
  }
}

// ---- ClientCore ----

ClientCore::ClientCore(ClientOptions options, TokenProvider tokens, NowFn now)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(tokens), std::move(now))) {}

// Destruction delivers nothing: pending notifications and ack handlers are
// dropped uncalled.
ClientCore::~ClientCore() = default;

void ClientCore::connect() {
  impl_->run_input([&] { impl_->connect(); });
}
void ClientCore::disconnect() {
  impl_->run_input([&] { impl_->disconnect(); });
}
void ClientCore::emit(std::string_view event, std::string_view args_json, AckHandler ack) {
  impl_->run_input([&] { impl_->emit(event, args_json, std::move(ack)); });
}
void ClientCore::set_online(bool online) {
  impl_->run_input([&] { impl_->set_online(online); });
}
void ClientCore::set_foreground(bool foreground) {
  impl_->run_input([&] { impl_->set_foreground(foreground); });
}
void ClientCore::on_transport_open() {
  impl_->run_input([&] { impl_->transport_open(); });
}
void ClientCore::on_transport_text(std::string_view frame) {
  Impl::FrameLoan loan(*impl_, frame);
  impl_->run_input([&] { impl_->transport_text(frame); });
}
void ClientCore::on_transport_binary(std::string_view frame) {
  impl_->run_input([&] { impl_->transport_binary(frame); });
}
void ClientCore::on_transport_closed(std::string_view why) {
  impl_->run_input([&] { impl_->transport_closed(why); });
}
void ClientCore::on_timer() {
  impl_->run_input([&] { impl_->timer(); });
}

std::vector<Action> ClientCore::take_actions() {
  if (impl_->actions.empty()) return {};  // most frames (events) cause none
  std::vector<Action> out;
  out.swap(impl_->actions);
  return out;
}

SubscriptionId ClientCore::on(std::string event, EventHandler handler) {
  return impl_->dispatcher.on(std::move(event), std::move(handler));
}
SubscriptionId ClientCore::on_status(StatusHandler handler) {
  return impl_->dispatcher.on_status(std::move(handler));
}
void ClientCore::off(SubscriptionId id) { impl_->dispatcher.off(id); }

const StatusInfo& ClientCore::status() const { return impl_->status; }
bool ClientCore::recovered() const { return impl_->recovered; }
std::uint64_t ClientCore::dropped_count() const { return impl_->queue.dropped_count(); }
std::size_t ClientCore::queued_count() const { return impl_->queue.size(); }

}  // namespace scansync::client
