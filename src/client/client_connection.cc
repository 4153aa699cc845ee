// Connection attempts and how they end: token, transport, CONNECT answer,
// failures through the backoff, and the timers that drive them.
#include <utility>

#include "connect_auth.h"
#include "core_impl.h"

namespace scansync::client {

void ClientCore::Impl::start_fresh() {
  backoff.reset();
  expired_retry_used = false;
  close_transport();
  timers.clear(kReconnectTimer);
  set_status(StatusInfo{Status::connecting, 0, Millis{0}, DisconnectReason::none});
  attempt();
}

void ClientCore::Impl::attempt() {
  close_transport();  // an attempt always starts on a fresh transport
  ++session;
  phase = Phase::opening;
  // Asked at every attempt, so a refreshed token is always used.
  token = tokens ? tokens() : std::string{};
  transport_live = true;
  actions.push_back(OpenTransport{handshake_query(token, token_in_query)});
  if (options.connect_timeout.count() > 0) {
    timers.set(kConnectTimer, now() + options.connect_timeout);
  } else {
    timers.clear(kConnectTimer);
  }
}

void ClientCore::Impl::close_transport() {
  if (transport_live) actions.emplace_back(std::in_place_type<CloseTransport>);
  transport_live = false;
  heartbeat.stop();
  timers.clear(kConnectTimer);
  joined = false;
  binary_frames_to_skip = 0;
  early_events.clear();
}

// A failed attempt or a lost connection. socket.io-client semantics: the
// manager reconnects with backoff; a connected session ending reports
// "disconnect" with the reason.
void ClientCore::Impl::connection_failed(std::string_view reason) {
  const bool was_connected = phase == Phase::connected;
  close_transport();
  auto delay = backoff.next();
  if (!delay) {
    phase = Phase::idle;
    timers.clear(kReconnectTimer);
    set_status(StatusInfo{Status::disconnected, 0, Millis{0}, DisconnectReason::gave_up});
  } else {
    phase = Phase::backing_off;
    timers.set(kReconnectTimer, now() + *delay);
    set_status(StatusInfo{Status::reconnecting, backoff.attempts(), *delay, DisconnectReason::none});
  }
  end_session(was_connected, reason, make_error_code(errc::connection_lost));
}

void ClientCore::Impl::go_idle(DisconnectReason reason, std::string_view disconnect_reason,
                               std::error_code ack_error) {
  const bool was_connected = phase == Phase::connected;
  close_transport();
  timers.clear(kReconnectTimer);
  phase = Phase::idle;
  set_status(StatusInfo{Status::disconnected, 0, Millis{0}, reason});
  end_session(was_connected, disconnect_reason.empty() ? "io client disconnect" : disconnect_reason, ack_error);
}

void ClientCore::Impl::end_session(bool was_connected, std::string_view reason, std::error_code ack_error) {
  if (was_connected) {
    const std::string quoted = "\"" + std::string(reason) + "\"";  // reasons are plain ASCII
    notify_event("disconnect", {quoted});
  }
  fail_all_acks(ack_error);
}

void ClientCore::Impl::on_connect_ack(std::string_view data) {
  auto accepted = parse_connect_ack(data);
  if (!accepted) {
    protocol_error("CONNECT ack without a sid");
    return;
  }
  recovered = accepted->pid && pid && *accepted->pid == *pid;
  pid = std::move(accepted->pid);
  timers.clear(kConnectTimer);
  phase = Phase::connected;
  backoff.reset();
  expired_retry_used = false;
  joined = !options.join_room;
  set_status(StatusInfo{Status::connected, 0, Millis{0}, DisconnectReason::none});
  notify_event("connect", {});
  for (auto& text : std::exchange(early_events, {})) {
    if (auto early = sio::decode(text, elements); early.ok()) on_event(*early, elements);
  }
  if (options.join_room) {
    join_room();
  } else {
    flush_queue();
  }
}

void ClientCore::Impl::on_connect_error(std::string_view data) {
  const ConnectRefused refused = parse_connect_error(data);
  switch (refused.kind) {
    case Refusal::token_expired:
      if (!expired_retry_used) {
        // Once, at once, with a fresh token; the status does not change.
        expired_retry_used = true;
        attempt();
      } else {
        refuse(refused.code, "token still expired after a refresh");
      }
      return;
    case Refusal::token_missing:
      // The token went in the auth object but the server did not see it: it
      // may read only the handshake query. Switch once, for good.
      if (!token.empty() && !token_in_query) {
        token_in_query = true;
        attempt();
      } else {
        refuse(refused.code, refused.message.empty() ? "unauthorized" : refused.message);
      }
      return;
    case Refusal::token_invalid:
    case Refusal::unauthorized:
      refuse(refused.code, refused.message.empty() ? "unauthorized" : refused.message);
      return;
    case Refusal::other:
      // A middleware refusal that is not about the token: reported, and
      // retried through the backoff like any failed attempt.
      notify_error(refused.code, refused.message);
      connection_failed("connect error");
      return;
  }
}

void ClientCore::Impl::refuse(std::string_view code, std::string_view message) {
  wanted = false;  // no retry loop: only connect() tries again
  go_idle(DisconnectReason::unauthorized, {}, make_error_code(errc::connection_lost));
  notify_error(code, message);
}

void ClientCore::Impl::timer() {
  timers.fired();
  const TimePoint t = now();
  for (auto& handler : acks.take_expired(t)) notify_ack(std::move(handler), make_error_code(errc::ack_timeout));
  if (heartbeat.expired(t) && transport_live) {
    connection_failed("ping timeout");
  }
  if (timers.due(kConnectTimer, t) && transport_live && phase != Phase::connected) {
    connection_failed("connect timeout");
  }
  if (timers.due(kReconnectTimer, t) && phase == Phase::backing_off) {
    timers.clear(kReconnectTimer);
    attempt();
  }
}

}  // namespace scansync::client
