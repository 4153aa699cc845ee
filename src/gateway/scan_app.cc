#include "gateway/scan_app.h"

#include <nlohmann/json.hpp>

#include "gateway/scan_service.h"
#include "gateway/sio_client.h"
#include "scansync/proto/json_text.h"

namespace scansync::gateway {
namespace {

std::string room_of(std::string_view user) { return "user:" + std::string(user); }

}  // namespace

std::string unauthorized_payload(std::error_code ec) {
  std::string body = R"({"message":"unauthorized","data":{"code":)";
  body += json::quote(auth::wire_code(ec));
  body += "}}";
  return body;
}

std::string token_of(std::string_view auth, const HandshakeInfo& handshake) {
  if (!auth.empty()) {
    auto parsed = nlohmann::json::parse(auth, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) {
      auto it = parsed.find("token");
      if (it != parsed.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
        return it->get<std::string>();
    }
  }
  auto q = handshake.query.find("token");
  return q == handshake.query.end() ? std::string{} : q->second;
}

ScanApp::ScanApp(ScanService& service, auth::VerifierOptions verifier, std::function<std::int64_t()> now_unix_s,
                 ScanAppLimits limits)
    : service_(service),
      verifier_(std::move(verifier)),
      now_unix_s_(std::move(now_unix_s)),
      event_limiter_(limits.events_per_s, limits.event_burst) {}

std::optional<std::string> ScanApp::authorize(SioSocket& socket, std::string_view auth,
                                              const HandshakeInfo& handshake) {
  auto claims = auth::verify_hs256(token_of(auth, handshake), verifier_, now_unix_s_());
  if (!claims) return unauthorized_payload(claims.error());
  socket.user = claims->sub;
  return std::nullopt;
}

void ScanApp::join_room(SioSocket& socket, const IncomingEvent& event) {
  const std::string own = room_of(socket.user);
  std::string reply;
  auto payload = event.args.empty() ? nlohmann::json::object()
                                    : nlohmann::json::parse(event.args.front(), nullptr, false);
  if (!payload.is_object()) {
    reply = R"({"ok":false,"error":"invalid","detail":"room:join takes an object"})";
  } else {
    auto it = payload.find("room");
    if (it == payload.end() || (it->is_string() && it->get_ref<const std::string&>() == own)) {
      rooms_.join(own, &socket);
      reply = R"({"ok":true,"room":)" + json::quote(own) + "}";
    } else {
      reply = R"({"ok":false,"error":"forbidden"})";
    }
  }
  if (event.ack_id) socket.ack(*event.ack_id, reply);
}

void ScanApp::on_event(SioSocket& socket, const IncomingEvent& event) {
  // Every event costs a token, acked or not: one user flooding must not slow
  // the loop for the others (9,210 creates/s raised another user's p99 80x).
  if (!event_limiter_.allow(socket.user, event.now)) {
    if (event.ack_id) socket.ack(*event.ack_id, R"({"ok":false,"error":"rate_limited"})");
    return;
  }
  if (event.name == "room:join") return join_room(socket, event);
  if (event.name == "scan:create" || event.name == "scan:delete" || event.name == "sync:since") {
    std::string_view payload = event.args.empty() ? std::string_view("null") : event.args.front();
    Reply reply = service_.handle_event(socket.user, event.name, payload);
    if (event.ack_id) socket.ack(*event.ack_id, reply.body);
    if (!reply.broadcast_event.empty()) {
      // Encoded once; every socket of the room queues the same buffer.
      Frame frame = encode_event("/", reply.broadcast_event, reply.broadcast_payload);
      rooms_.broadcast(room_of(socket.user), frame);
    }
    return;
  }
  if (event.ack_id) socket.ack(*event.ack_id, R"({"ok":false,"error":"unknown_event"})");
}

void ScanApp::broadcast_to_user(std::string_view user, const Frame& frame) { rooms_.broadcast(room_of(user), frame); }

void ScanApp::on_disconnect(SioSocket& socket) { rooms_.leave_all(&socket); }

}  // namespace scansync::gateway
