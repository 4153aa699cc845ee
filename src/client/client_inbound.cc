// Frames from the transport: Engine.IO packets, then the Socket.IO packets
// they carry. A frame that does not parse is a protocol error: reported as an
// "error" event and the connection is closed and retried (socket.io-client
// closes with "parse error" on a decoder error, then reconnects).
#include <string>
#include <utility>

#include "connect_auth.h"
#include "core_impl.h"
#include "json_object.h"
#include "scansync/proto/json_text.h"

namespace scansync::client {

void ClientCore::Impl::transport_open() {
  if (!transport_live || phase != Phase::opening) return;  // stale or duplicate
  phase = Phase::handshaking;
}

void ClientCore::Impl::transport_text(std::string_view frame) {
  if (!transport_live) return;
  if (phase == Phase::opening) phase = Phase::handshaking;  // an adapter that skipped on_transport_open
  auto packet = eio::decode_text(frame);
  if (!packet.ok()) {
    protocol_error("malformed Engine.IO packet: " + packet.error().message());
    return;
  }
  on_engine_packet(*packet);
}

void ClientCore::Impl::transport_binary(std::string_view) {
  if (!transport_live) return;
  if (binary_frames_to_skip > 0) {
    --binary_frames_to_skip;  // an attachment of a binary packet already refused
    return;
  }
  refuse_binary();
}

void ClientCore::Impl::transport_closed(std::string_view) {
  if (!transport_live) return;  // we closed it ourselves
  transport_live = false;       // nothing to close any more
  connection_failed("transport close");
}

void ClientCore::Impl::on_engine_packet(const eio::PacketView& packet) {
  using eio::PacketType;
  if (phase == Phase::handshaking && packet.type != PacketType::open) {
    protocol_error("expected the Engine.IO OPEN packet first");
    return;
  }
  switch (packet.type) {
    case PacketType::open: {
      if (phase != Phase::handshaking) {
        protocol_error("unexpected Engine.IO OPEN packet");
        return;
      }
      auto hs = eio::parse_handshake(packet.data);
      if (!hs.ok()) {
        protocol_error("malformed Engine.IO handshake: " + hs.error().message());
        return;
      }
      heartbeat.start(Millis{hs->ping_interval_ms}, Millis{hs->ping_timeout_ms}, now());
      max_payload = hs->max_payload;
      phase = Phase::authenticating;
      send_socket(sio::PacketType::connect, std::nullopt, auth_object(token, pid, offset));
      return;
    }
    case PacketType::close:
      connection_failed("transport close");
      return;
    case PacketType::ping:
      heartbeat.on_ping(now());
      send_engine(PacketType::pong, packet.data);
      return;
    case PacketType::message:
      if (packet.binary) {
        refuse_binary();
        return;
      }
      on_socket_packet(packet.data);
      return;
    case PacketType::pong:
    case PacketType::upgrade:
    case PacketType::noop:
      return;  // nothing to do on a WebSocket-only client
  }
}

void ClientCore::Impl::on_socket_packet(std::string_view text) {
  // One validation pass also finds the elements of an EVENT's or ACK's array.
  auto decoded = sio::decode(text, elements);
  if (!decoded.ok()) {
    protocol_error("malformed Socket.IO packet: " + decoded.error().message());
    return;
  }
  const sio::PacketView& p = *decoded;
  if (p.nsp != options.nsp) return;  // one namespace per core; others are not ours
  switch (p.type) {
    case sio::PacketType::connect:
      if (phase == Phase::authenticating) on_connect_ack(p.data);
      return;  // a duplicate CONNECT while connected is ignored
    case sio::PacketType::connect_error:
      if (phase == Phase::authenticating) on_connect_error(p.data);
      return;
    case sio::PacketType::disconnect: {
      // Server-side disconnect is final, as in socket.io-client.
      wanted = false;
      const bool was_connected = phase == Phase::connected;
      close_transport();
      timers.clear(kReconnectTimer);
      phase = Phase::idle;
      set_status(StatusInfo{Status::disconnected, 0, Millis{0}, DisconnectReason::server});
      end_session(was_connected, "io server disconnect", make_error_code(errc::connection_lost));
      return;
    }
    case sio::PacketType::event:
      if (phase == Phase::connected) {
        on_event(p, elements);
      } else if (phase == Phase::authenticating && early_events.size() < kMaxEarlyEvents) {
        early_events.emplace_back(text);
      }
      return;
    case sio::PacketType::ack:
      if (phase == Phase::connected) on_ack(p, elements);
      return;
    case sio::PacketType::binary_event:
    case sio::PacketType::binary_ack:
      binary_frames_to_skip = p.attachments;
      refuse_binary();
      return;
  }
}

// `items`: the packet's validated array (sio::decode checked that the first
// element is a string literal); used as the argument list in place.
void ClientCore::Impl::on_event(const sio::PacketView& p, std::vector<std::string_view>& items) {
  if (items.empty()) {
    protocol_error("EVENT without a name");
    return;
  }
  // A validated literal without escapes reads as its contents: no decoding.
  std::string unescaped;
  auto name = json::literal_text(items.front(), unescaped);
  if (!name.ok()) {
    protocol_error("EVENT name is not a string");
    return;
  }
  items.erase(items.begin());
  // Connection state recovery: the server appends the packet's offset as a
  // last string argument; it is ours to keep, not the application's.
  if (pid && !items.empty() && json_object::is_string_literal(items.back())) {
    if (offset) offset->assign(items.back()); else offset.emplace(items.back());
    items.pop_back();
  }
  notify_event(*name, items, p.id);
}

void ClientCore::Impl::on_ack(const sio::PacketView& p, const std::vector<std::string_view>& items) {
  if (!p.id) {
    protocol_error("ACK without an id");
    return;
  }
  auto handler = acks.take(*p.id);
  if (!handler) return;  // late (timed out) or unknown: ignored like socket.io-client
  notify_ack(std::move(*handler), {}, items);
}

void ClientCore::Impl::protocol_error(std::string_view message) {
  notify_error("protocol_error", message);
  connection_failed("parse error");
}

void ClientCore::Impl::refuse_binary() {
  notify_error("binary_unsupported", "binary packets are not supported; the packet was ignored");
}

// ---- Outbound ----

void ClientCore::Impl::send_engine(eio::PacketType type, std::string_view data) {
  actions.push_back(SendText{eio::encode_text(type, data)});
}

void ClientCore::Impl::send_socket(sio::PacketType type, std::optional<std::uint64_t> id, std::string_view data) {
  sio::PacketView p;
  p.type = type;
  p.nsp = options.nsp;
  p.id = id;
  p.data = data;
  send_engine(eio::PacketType::message, sio::encode(p));
}

// Ack timeouts count from the moment the packet is sent: a queued emit's
// clock starts when the queue is flushed.
//
// A frame over the server's maxPayload is refused here, not sent: the server
// would close the connection on it, and a queued one would then end every
// reconnection at its flush.
void ClientCore::Impl::send_emit(QueuedEmit emit) {
  std::optional<std::uint64_t> id;
  if (emit.ack) id = acks.next_id();  // an id spent on a refused emit is harmless: ids need only be unique
  const std::size_t frame_size = 2 + (id ? std::to_string(*id).size() : 0) + emit.data.size();  // "42" id data
  if (frame_size > max_payload) {
    notify_error("too_large", "the event is larger than the server's maxPayload and was not sent",
                 "\"size\":" + std::to_string(frame_size) + ",\"maxPayload\":" + std::to_string(max_payload));
    if (emit.ack) notify_ack(std::move(emit.ack), make_error_code(errc::too_large));
    return;
  }
  if (emit.ack) {
    std::optional<TimePoint> deadline;
    if (options.ack_timeout.count() > 0) deadline = now() + options.ack_timeout;
    acks.add(*id, std::move(emit.ack), deadline);
  }
  send_socket(sio::PacketType::event, id, emit.data);
}

void ClientCore::Impl::join_room() {
  QueuedEmit e;
  e.data = R"(["room:join",{}])";
  e.ack = [this, s = session](std::error_code ec, const std::vector<std::string_view>& args) {
    on_join_ack(s, ec, args);
  };
  send_emit(std::move(e));
}

// The queue is flushed after the join is acked even when the server refused
// it: the emits are the user's data and do not depend on room membership.
// No ack in time means the server is not serving us: reconnect.
void ClientCore::Impl::on_join_ack(std::uint64_t for_session, std::error_code ec,
                                   const std::vector<std::string_view>& args) {
  if (for_session != session || phase != Phase::connected) return;  // an earlier connection's
  if (ec) {
    notify_error("room_join_failed", "room:join was not acknowledged in time");
    connection_failed("room join timeout");
    return;
  }
  const std::string_view reply = args.empty() ? std::string_view("{}") : args.front();
  if (json_object::find_bool(reply, "ok") != true) {
    auto why = json_object::find_string(reply, "error").value_or("room:join refused");
    notify_error("room_join_failed", why);
  }
  joined = true;
  flush_queue();
}

void ClientCore::Impl::flush_queue() {
  for (auto& e : queue.take_all()) send_emit(std::move(e));
}

}  // namespace scansync::client
