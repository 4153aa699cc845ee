#include "gateway/scan_app.h"

#include <nlohmann/json.hpp>

#include <chrono>

#include "fanout/local_fanout.h"
#include "gateway/sio_client.h"
#include "scans/scan_json.h"
#include "scansync/proto/json_text.h"

namespace scansync::gateway {

using scans::deleted_event_json;
using scans::parse_event;
using scans::parse_rest;
using scans::render;
using scans::Reply;
using scans::scan_json;
using scans::to_text;

namespace {

std::string room_of(std::string_view user) { return "user:" + std::string(user); }

fanout::EncodedFrame encoded(Frame frame) { return fanout::EncodedFrame{std::move(frame.bytes), frame.binary}; }

// A change as the live broadcast announces it, for a backfill.
fanout::EncodedFrame change_frame(const scans::StoredScan& s) {
  if (s.deleted()) return encoded(encode_event("/", "scan:deleted", to_text(deleted_event_json(s))));
  return encoded(encode_event("/", "scan:created", to_text(scan_json(s))));
}

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

ScanApp::ScanApp(scans::ScanRepository& repository, scans::RequestOptions service, auth::VerifierOptions verifier,
                 std::function<std::int64_t()> now_unix_s, ScanAppLimits limits, ScanAppHooks hooks,
                 const FanoutFactory& make_fanout)
    : repository_(repository),
      service_(std::move(service)),
      verifier_(std::move(verifier)),
      now_unix_s_(std::move(now_unix_s)),
      event_limiter_(limits.events_per_s, limits.event_burst),
      hooks_(std::move(hooks)),
      tracker_(fanout::GapTrackerOptions{},
               fanout::GapTracker::Hooks{
                   [this](std::string_view user, std::int64_t, const fanout::EncodedFrame& frame) {
                     deliver(user, frame);
                   },
                   [this](const fanout::BackfillRequest& request) { backfill(request); },
               }) {
  fanout_ = make_fanout ? make_fanout(sink_) : std::make_unique<fanout::LocalFanout>(sink_);
}

ScanApp::~ScanApp() = default;

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

std::int64_t ScanApp::now_ms() const {
  if (service_.now_unix_ms) return service_.now_unix_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
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
      want_tracking(socket.user);
      if (hooks_.observer) hooks_.observer->socket_joined(socket.user, socket.session_id());
      reply = R"({"ok":true,"room":)" + json::quote(own) + "}";
    } else {
      reply = R"({"ok":false,"error":"forbidden"})";
      result = "forbidden";
    }
  }
  if (!event.ack_id) return;
  const auto waiting = joins_waiting_.find(socket.user);
  if ((result == "ok" && !tracker_.tracking(socket.user)) || waiting != joins_waiting_.end()) {
    // Acked once the node tracks the user (its latest seq read, subscribed):
    // from the ack on, every change reaches this socket live. A change
    // committed before it is history, which sync:since brings. A refusal
    // behind a held join waits too: a socket's acks leave in order.
    joins_waiting_[socket.user].push_back(WaitingJoin{&socket, *event.ack_id, std::move(reply), std::string(result)});
    return;
  }
  socket.ack(*event.ack_id, reply);
  report_ack(socket, "room:join", result);
}

void ScanApp::release_joins(const std::string& user) {
  auto it = joins_waiting_.find(user);
  if (it == joins_waiting_.end()) return;
  std::vector<WaitingJoin> joins = std::move(it->second);
  joins_waiting_.erase(it);
  for (auto& j : joins) {
    if (!j.socket) continue;  // left meanwhile
    j.socket->ack(j.ack_id, j.reply);
    report_ack(*j.socket, "room:join", j.result);
  }
}

void ScanApp::report_ack(const SioSocket& socket, std::string_view event, std::string_view result) {
  if (hooks_.observer) hooks_.observer->ack_sent(AckSent{event, result, socket.user, socket.session_id()});
}

void ScanApp::want_tracking(const std::string& user) {
  if (tracker_.tracking(user) || !tracking_asked_.insert(user).second) return;
  Pending p;
  p.user = user;
  p.track = true;
  p.request.op = scans::LatestSeq{user};
  hold(std::move(p));
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
  std::string_view payload = event.args.empty() ? std::string_view("null") : event.args.front();
  Pending p;
  // Held even when refused without the store: a socket's acks leave in the
  // order its events came.
  p.request = parse_event(service_, socket.user, event.name, payload, now_ms());
  p.socket = &socket;
  p.ack_id = event.ack_id;
  p.user = socket.user;
  p.event = std::string(known_event(event.name));
  hold(std::move(p));
}

void ScanApp::handle_rest(std::string_view user, std::string_view method, std::string_view target,
                          std::string_view body, RestDone done) {
  Pending p;
  p.request = parse_rest(service_, user, method, target, body, now_ms());
  if (p.request.refused) return done(p.request.refused->http_status, p.request.refused->body);
  p.rest_done = std::move(done);
  p.user = std::string(user);
  hold(std::move(p));
}

void ScanApp::probe_store(ProbeDone done) {
  Pending p;
  p.probe_done = std::move(done);
  p.request.op = scans::ProbeWrite{now_ms()};
  hold(std::move(p));
}

void ScanApp::hold(Pending p) {
  pending_.push_back(std::move(p));
  if (!hooks_.request_flush) return flush();  // no host loop: submit now
  if (pending_.size() == 1) hooks_.request_flush();
}

void ScanApp::flush() {
  if (pending_.empty()) return;
  // Moved out first: nothing may join a batch that is submitted.
  in_flight_.push_back(std::move(pending_));
  pending_.clear();
  const auto batch = std::prev(in_flight_.end());
  const TimePoint submitted = hooks_.now ? hooks_.now() : TimePoint{};
  std::vector<scans::Operation> ops;
  ops.reserve(batch->size());
  for (const auto& p : *batch) {
    if (!p.request.refused) ops.push_back(p.request.op);
  }
  // Submitted even when empty (a turn of refusals only): its answers then
  // still leave after those of the batches before it.
  repository_.submit(std::move(ops), [this, batch, submitted,
                                      alive = std::weak_ptr<int>(alive_)](scans::BatchResult result) {
    if (alive.expired()) return;
    complete(batch, submitted, std::move(result));
  });
}

void ScanApp::complete(std::list<Batch>::iterator batch, TimePoint submitted_at, scans::BatchResult result) {
  Batch done = std::move(*batch);
  in_flight_.erase(batch);
  if (hooks_.observer && !done.empty()) {
    const TimePoint ended = hooks_.now ? hooks_.now() : TimePoint{};
    BatchCommitted report;
    report.seconds = std::chrono::duration<double>(ended - submitted_at).count();
    report.requests = done.size();
    if (result.failure) {
      report.failed = true;
      report.error = result.failure->detail;
    }
    hooks_.observer->batch_committed(report);
  }
  std::size_t submitted = 0;
  for (const auto& p : done) submitted += p.request.refused ? 0 : 1;
  if (result.results.size() != submitted) {  // never: the repository answers every operation
    result.results.assign(submitted, scans::RepositoryError{scans::RepositoryErrc::internal, "batch answer lost", {}});
  }
  const scans::OperationResult none = scans::RepositoryError{};
  std::size_t next = 0;
  for (auto& p : done) {
    const scans::OperationResult& r = p.request.refused ? none : result.results[next++];
    if (p.track) {
      start_tracking(p.user, r);
    } else if (p.probe_done) {
      const auto* e = std::get_if<scans::RepositoryError>(&r);
      p.probe_done(e ? std::optional<scans::RepositoryError>(*e) : std::nullopt);
    } else {
      release(p, r);
    }
  }
}

void ScanApp::release(Pending& p, const scans::OperationResult& result) {
  const Reply r = render(service_, p.request, result, repository_.epoch());
  if ((r.store_error || !r.store_detail.empty()) && hooks_.observer) {
    hooks_.observer->notice(LogLevel::error, "store_error",
                            {{"error", "store: " + (r.store_detail.empty() ? r.store_error.message() : r.store_detail)}});
  }
  if (p.rest_done) {
    p.rest_done(r.http_status, r.body);
  } else if (p.socket && p.ack_id) {
    p.socket->ack(*p.ack_id, r.body);
    report_ack(*p.socket, p.event, r.error.empty() ? std::string_view("ok") : std::string_view(r.error));
  }
  if (!r.broadcast_event.empty()) {
    // Encoded once; after the ack, so the asking device learns its seq
    // first. The fan-out hands it to this node's tracker at once, and to
    // the other nodes.
    fanout_->publish(p.user, r.broadcast_seq, repository_.epoch(),
                     encoded(encode_event("/", r.broadcast_event, r.broadcast_payload)));
    if (hooks_.observer) {
      hooks_.observer->scan_changed(r.broadcast_event == "scan:created" ? ScanChange::created : ScanChange::deleted);
    }
  }
}

void ScanApp::start_tracking(const std::string& user, const scans::OperationResult& result) {
  tracking_asked_.erase(user);
  if (rooms_.size(room_of(user)) == 0 || tracker_.tracking(user)) return release_joins(user);  // left meanwhile
  if (const auto* latest = std::get_if<scans::Latest>(&result)) {
    // From the latest seq: the sockets catch up on older changes with
    // sync:since. Subscribing after tracking: the subscription's
    // confirmation backfills what was published in between.
    tracker_.track(user, latest->latest_seq, latest->epoch);
    fanout_->subscribe(user);
    return release_joins(user);
  }
  // The joins are answered all the same: the sockets catch up by seq.
  release_joins(user);
  // The store could not say (PostgreSQL down): ask again later.
  if (hooks_.after) {
    hooks_.after(std::chrono::milliseconds(500), [this, user, alive = std::weak_ptr<int>(alive_)] {
      if (!alive.expired() && rooms_.size(room_of(user)) > 0) want_tracking(user);
    });
  }
}

void ScanApp::deliver(std::string_view user, const fanout::EncodedFrame& frame) {
  const std::size_t delivered = rooms_.broadcast(room_of(user), Frame{frame.bytes, frame.binary});
  if (hooks_.observer) hooks_.observer->events_delivered(delivered);
}

void ScanApp::backfill(const fanout::BackfillRequest& request) {
  const std::size_t limit = std::max<std::size_t>(service_.max_page, 1);
  const std::size_t bytes = service_.max_page_bytes == 0 ? scans::kNoByteLimit : service_.max_page_bytes;
  std::vector<scans::Operation> ops{scans::ChangesSince{request.user, request.after, limit, bytes}};
  repository_.submit(std::move(ops), [this, user = request.user, ticket = request.ticket,
                                      alive = std::weak_ptr<int>(alive_)](scans::BatchResult result) {
    if (alive.expired()) return;
    const auto* page = result.results.empty() ? nullptr : std::get_if<scans::ChangePage>(&result.results.front());
    if (!page) {
      const auto* e = result.results.empty() ? nullptr : std::get_if<scans::RepositoryError>(&result.results.front());
      if (e && e->code == scans::RepositoryErrc::cursor_expired) {
        // The changes after `last` were pruned: no retry can bring them.
        // Start again from the store's latest (the sockets catch up by seq).
        tracker_.forget(user);
        if (rooms_.size(room_of(user)) > 0) want_tracking(user);
        return;
      }
      tracker_.backfill_failed(user, ticket, fanout::TrackerClock::now());
      return arm_tick();
    }
    std::vector<fanout::BackfillChange> changes;
    changes.reserve(page->changes.size());
    for (const auto& s : page->changes) changes.push_back({s.change_seq(), change_frame(s)});
    const std::int64_t covered =
        page->has_more && !page->changes.empty() ? page->changes.back().change_seq() : page->latest_seq;
    tracker_.backfill_done(user, ticket, std::move(changes), covered, page->has_more);
  });
}

void ScanApp::arm_tick() {
  if (tick_armed_ || !hooks_.after) return;
  const auto next = tracker_.next_deadline();
  if (!next) return;
  tick_armed_ = true;
  const auto delay = std::chrono::ceil<std::chrono::milliseconds>(*next - fanout::TrackerClock::now());
  hooks_.after(std::max(delay, std::chrono::milliseconds(0)), [this, alive = std::weak_ptr<int>(alive_)] {
    if (alive.expired()) return;
    tick_armed_ = false;
    tracker_.tick(fanout::TrackerClock::now());
    arm_tick();
  });
}

void ScanApp::on_disconnect(SioSocket& socket) {
  const std::string room = room_of(socket.user);
  const bool was_in_room = rooms_.contains(room, &socket);
  rooms_.leave_all(&socket);
  if (was_in_room && rooms_.size(room) == 0 && tracker_.tracking(socket.user)) {
    tracker_.forget(socket.user);
    fanout_->unsubscribe(socket.user);
  }
  // Freed at the host's next pump, maybe before its batch completes.
  for (auto& [user, joins] : joins_waiting_) {
    for (auto& j : joins) {
      if (j.socket == &socket) j.socket = nullptr;
    }
  }
  for (auto& p : pending_) {
    if (p.socket == &socket) p.socket = nullptr;
  }
  for (auto& batch : in_flight_) {
    for (auto& p : batch) {
      if (p.socket == &socket) p.socket = nullptr;
    }
  }
}

}  // namespace scansync::gateway
