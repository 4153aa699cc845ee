#include "gateway/scan_app.h"

#include <nlohmann/json.hpp>

#include "gateway/sio_client.h"
#include "scansync/proto/json_text.h"

namespace scansync::gateway {
namespace {

std::string room_of(std::string_view user) { return "user:" + std::string(user); }

// The event label of an ack: the four the product knows, else "other" (a
// client's made-up names must not become metric series).
std::string_view known_event(std::string_view name) {
  for (std::string_view known : {"room:join", "scan:create", "scan:delete", "sync:since"}) {
    if (name == known) return known;
  }
  return "other";
}

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
                 ScanAppLimits limits, ScanAppHooks hooks)
    : service_(service),
      verifier_(std::move(verifier)),
      now_unix_s_(std::move(now_unix_s)),
      event_limiter_(limits.events_per_s, limits.event_burst),
      hooks_(std::move(hooks)) {}

std::optional<std::string> ScanApp::authorize(SioSocket& socket, std::string_view auth,
                                              const HandshakeInfo& handshake) {
  const std::string token = token_of(auth, handshake);
  auto claims = auth::verify_hs256(token, verifier_, now_unix_s_());
  if (!claims) {
    if (hooks_.observer) {
      const auto sub = claimed_subject(token);
      hooks_.observer->token_refused(TokenRefused{"socket", auth::wire_code(claims.error()), handshake.remote_address,
                                                  sub ? std::string_view(*sub) : std::string_view(),
                                                  socket.session_id()});
    }
    return unauthorized_payload(claims.error());
  }
  socket.user = claims->sub;
  return std::nullopt;
}

void ScanApp::join_room(SioSocket& socket, const IncomingEvent& event) {
  const std::string own = room_of(socket.user);
  std::string reply;
  std::string_view result = "ok";
  auto payload = event.args.empty() ? nlohmann::json::object()
                                    : nlohmann::json::parse(event.args.front(), nullptr, false);
  if (!payload.is_object()) {
    reply = R"({"ok":false,"error":"invalid","detail":"room:join takes an object"})";
    result = "invalid";
  } else {
    auto it = payload.find("room");
    if (it == payload.end() || (it->is_string() && it->get_ref<const std::string&>() == own)) {
      rooms_.join(own, &socket);
      if (hooks_.observer) hooks_.observer->socket_joined(socket.user, socket.session_id());
      reply = R"({"ok":true,"room":)" + json::quote(own) + "}";
    } else {
      reply = R"({"ok":false,"error":"forbidden"})";
      result = "forbidden";
    }
  }
  if (event.ack_id) {
    socket.ack(*event.ack_id, reply);
    report_ack(socket, "room:join", result);
  }
}

void ScanApp::report_ack(const SioSocket& socket, std::string_view event, std::string_view result) {
  if (hooks_.observer) hooks_.observer->ack_sent(AckSent{event, result, socket.user, socket.session_id()});
}

void ScanApp::on_event(SioSocket& socket, const IncomingEvent& event) {
  // Every event costs a token, acked or not: one user flooding must not slow
  // the loop for the others (9,210 creates/s raised another user's p99 80x).
  if (!event_limiter_.allow(socket.user, event.now)) {
    if (event.ack_id) {
      socket.ack(*event.ack_id, R"({"ok":false,"error":"rate_limited"})");
      report_ack(socket, known_event(event.name), "rate_limited");
    }
    return;
  }
  if (event.name == "room:join") return join_room(socket, event);
  if (event.name == "scan:create" || event.name == "scan:delete" || event.name == "sync:since") {
    std::string_view payload = event.args.empty() ? std::string_view("null") : event.args.front();
    open_batch();
    Pending p;
    p.socket = &socket;
    p.ack_id = event.ack_id;
    p.user = socket.user;
    p.event = std::string(event.name);
    p.reply = service_.handle_event(socket.user, event.name, payload);
    hold(std::move(p));
    return;
  }
  if (event.ack_id) {
    socket.ack(*event.ack_id, R"({"ok":false,"error":"unknown_event"})");
    report_ack(socket, "other", "unknown_event");
  }
}

void ScanApp::handle_rest(std::string_view user, std::string_view method, std::string_view target,
                          std::string_view body, RestDone done) {
  open_batch();
  Pending p;
  p.rest_done = std::move(done);
  p.user = std::string(user);
  p.reply = service_.handle_http(user, method, target, body);
  hold(std::move(p));
}

void ScanApp::probe_store(ProbeDone done) {
  open_batch();
  Pending p;
  p.probe_done = std::move(done);
  p.reply.store_error = service_.probe_write();
  hold(std::move(p));
}

void ScanApp::open_batch() {
  if (!pending_.empty()) return;  // the turn's batch is open and its flush requested
  service_.begin_batch();
}

void ScanApp::hold(Pending p) {
  pending_.push_back(std::move(p));
  if (!hooks_.request_flush) return flush();  // no host loop: commit and answer now
  if (pending_.size() == 1) hooks_.request_flush();
}

void ScanApp::flush() {
  if (pending_.empty()) return;
  // Moved out first: answering may reach other code (a socket's overflow
  // closes it), and nothing may join a batch that is being released.
  std::vector<Pending> batch = std::move(pending_);
  pending_.clear();
  const TimePoint started = hooks_.now ? hooks_.now() : TimePoint{};
  const std::error_code commit_error = service_.commit_batch();
  if (hooks_.observer) {
    const TimePoint ended = hooks_.now ? hooks_.now() : TimePoint{};
    hooks_.observer->batch_committed(
        BatchCommitted{std::chrono::duration<double>(ended - started).count(), batch.size(), commit_error});
  }
  for (auto& p : batch) release(p, commit_error);
}

void ScanApp::release(Pending& p, std::error_code commit_error) {
  if (p.probe_done) return p.probe_done(commit_error ? commit_error : p.reply.store_error);
  Reply failed;
  if (commit_error) {
    failed = p.rest_done ? ScanService::batch_failure_http(commit_error) : ScanService::batch_failure_event(commit_error);
  } else if (p.reply.store_error && hooks_.observer) {
    hooks_.observer->notice(LogLevel::error, "store_error", {{"error", "store: " + p.reply.store_error.message()}});
  }
  const Reply& r = commit_error ? failed : p.reply;
  if (p.rest_done) {
    p.rest_done(r.http_status, r.body);
  } else if (p.socket && p.ack_id) {
    p.socket->ack(*p.ack_id, r.body);
    report_ack(*p.socket, known_event(p.event), r.error.empty() ? std::string_view("ok") : std::string_view(r.error));
  }
  if (!r.broadcast_event.empty()) {
    // Encoded once; every socket of the room queues the same buffer. Sent
    // after the ack: the asking device learns its seq first.
    const std::size_t delivered =
        rooms_.broadcast(room_of(p.user), encode_event("/", r.broadcast_event, r.broadcast_payload));
    if (hooks_.observer) {
      hooks_.observer->scan_changed(r.broadcast_event == "scan:created" ? ScanChange::created : ScanChange::deleted);
      hooks_.observer->events_delivered(delivered);
    }
  }
}

void ScanApp::on_disconnect(SioSocket& socket) {
  rooms_.leave_all(&socket);
  for (auto& p : pending_) {
    if (p.socket == &socket) p.socket = nullptr;  // freed at the host's next pump, maybe before the flush
  }
}

}  // namespace scansync::gateway
