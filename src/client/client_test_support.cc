#include "client_test_support.h"

#include <utility>

#include "scansync/proto/socket_io.h"

namespace scansync::client::testing {

ScriptedServer::ScriptedServer(ClientOptions options)
    : core(
          std::move(options),
          [this] {
            const auto i = static_cast<std::size_t>(tokens_asked++);
            return i < tokens.size() ? tokens[i] : "tok" + std::to_string(i);
          },
          [this] { return clock.now(); }) {
  core.on_status([this](const StatusInfo& s) { statuses.push_back(s); });
  core.on("*", [this](const Event& e) {
    RecordedEvent r;
    r.name = std::string(e.name);
    for (auto a : e.args) r.args.emplace_back(a);
    events.push_back(std::move(r));
  });
}

void ScriptedServer::pump() {
  for (auto& a : core.take_actions()) {
    if (auto* o = std::get_if<OpenTransport>(&a)) {
      ++opens_;
      last_query_ = o->query;
      transport_pending_ = true;
      transport_open_ = false;
    } else if (std::holds_alternative<CloseTransport>(a)) {
      ++closes_;
      transport_pending_ = false;
      transport_open_ = false;
    } else if (auto* s = std::get_if<SendText>(&a)) {
      EXPECT_TRUE(transport_open_) << "frame sent without an open transport: " << s->frame;
      frames_.push_back(s->frame);
      all_frames_.push_back(s->frame);
    } else if (auto* t = std::get_if<ArmTimer>(&a)) {
      timer_ = t->deadline;
    } else if (std::holds_alternative<CancelTimer>(a)) {
      timer_.reset();
    }
    log_.push_back(std::move(a));
  }
}

bool ScriptedServer::fire_timer() {
  pump();
  if (!timer_) return false;
  if (clock.t < *timer_) clock.t = *timer_;
  timer_.reset();
  core.on_timer();
  pump();
  return true;
}

void ScriptedServer::advance(Millis d) {
  pump();
  const TimePoint target = clock.t + d;
  while (timer_ && *timer_ <= target) fire_timer();
  clock.t = target;
}

void ScriptedServer::feed(std::string_view frame) {
  core.on_transport_text(frame);
  pump();
}

void ScriptedServer::open_transport() {
  pump();
  ASSERT_TRUE(transport_pending_) << "no OpenTransport pending";
  transport_pending_ = false;
  transport_open_ = true;
  core.on_transport_open();
  pump();
}

void ScriptedServer::handshake(int ping_interval_ms, int ping_timeout_ms) {
  feed(R"(0{"sid":"eio1","upgrades":[],"pingInterval":)" + std::to_string(ping_interval_ms) +
       ",\"pingTimeout\":" + std::to_string(ping_timeout_ms) + ",\"maxPayload\":1000000}");
}

void ScriptedServer::accept(std::string sid, std::optional<std::string> pid) {
  std::string frame = "40{\"sid\":\"" + sid + "\"";
  if (pid) frame += ",\"pid\":\"" + *pid + "\"";
  frame += "}";
  feed(frame);
}

void ScriptedServer::ack_join(std::string_view reply) {
  auto id = ack_id_of("room:join");
  ASSERT_TRUE(id.has_value()) << "no room:join sent";
  feed("43" + std::to_string(*id) + "[" + std::string(reply) + "]");
}

void ScriptedServer::close_transport(std::string_view why) {
  pump();
  transport_open_ = false;
  transport_pending_ = false;
  core.on_transport_closed(why);
  pump();
}

void ScriptedServer::connect_fully(std::optional<std::string> pid) {
  core.connect();
  complete_attempt(std::move(pid));
}

void ScriptedServer::complete_attempt(std::optional<std::string> pid) {
  open_transport();
  handshake();
  accept("sid" + std::to_string(opens_), std::move(pid));
  ack_join();
}

std::vector<std::string> ScriptedServer::take_frames() {
  pump();
  std::vector<std::string> out;
  out.swap(frames_);
  return out;
}

std::vector<RecordedEvent> ScriptedServer::events_named(std::string_view name) const {
  std::vector<RecordedEvent> out;
  for (const auto& e : events) {
    if (e.name == name) out.push_back(e);
  }
  return out;
}

std::vector<std::string> ScriptedServer::event_names() const {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.name);
  return out;
}

std::optional<std::uint64_t> ScriptedServer::ack_id_of(std::string_view event) const {
  const std::string needle = "[\"" + std::string(event) + "\"";
  for (auto it = all_frames_.rbegin(); it != all_frames_.rend(); ++it) {
    if (it->size() < 2 || (*it)[0] != '4') continue;
    auto p = sio::decode(std::string_view(*it).substr(1));
    if (!p.ok() || p->type != sio::PacketType::event) continue;
    if (p->data.substr(0, needle.size()) != needle) continue;
    return p->id;
  }
  return std::nullopt;
}

AckHandler ScriptedServer::record_ack(std::vector<RecordedAck>& into) {
  return [&into](std::error_code ec, const std::vector<std::string_view>& args) {
    RecordedAck r;
    r.ec = ec;
    for (auto a : args) r.args.emplace_back(a);
    into.push_back(std::move(r));
  };
}

StatusInfo connecting() { return StatusInfo{Status::connecting, 0, Millis{0}, DisconnectReason::none}; }
StatusInfo connected() { return StatusInfo{Status::connected, 0, Millis{0}, DisconnectReason::none}; }
StatusInfo reconnecting(int attempt, Millis delay) {
  return StatusInfo{Status::reconnecting, attempt, delay, DisconnectReason::none};
}
StatusInfo disconnected(DisconnectReason reason) { return StatusInfo{Status::disconnected, 0, Millis{0}, reason}; }

}  // namespace scansync::client::testing
