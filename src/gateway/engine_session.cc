#include "gateway/engine_session.h"

#include <algorithm>

#include "scansync/proto/engine_io.h"

namespace scansync::gateway {
namespace {

const std::shared_ptr<const std::string>& shared_text(const char* s) {
  // The few control packets are shared constants: no allocation per ping.
  static const auto ping = std::make_shared<const std::string>("2");
  static const auto noop = std::make_shared<const std::string>("6");
  static const auto close = std::make_shared<const std::string>("1");
  static const auto probe = std::make_shared<const std::string>("3probe");
  switch (s[0]) {
    case '2': return ping;
    case '6': return noop;
    case '1': return close;
    default: return probe;
  }
}

void append_packet(std::string& body, const Frame& f) {
  if (!body.empty()) body.push_back(eio::kRecordSeparator);
  if (f.binary) {
    body.push_back('b');
    body += eio::base64_encode(*f.bytes);
  } else {
    body += *f.bytes;
  }
}

}  // namespace

Frame text_frame(std::string text) { return Frame{std::make_shared<const std::string>(std::move(text)), false}; }
Frame binary_frame(std::string bytes) { return Frame{std::make_shared<const std::string>(std::move(bytes)), true}; }

EngineSession::EngineSession(std::string sid, TransportKind initial, EngineConfig config, TimePoint now,
                             std::uint64_t ws_channel)
    : sid_(std::move(sid)), config_(config), transport_(initial), ws_channel_(ws_channel) {
  eio::Handshake hs;
  hs.sid = sid_;
  if (initial == TransportKind::polling) hs.upgrades = {"websocket"};
  hs.ping_interval_ms = static_cast<std::uint32_t>(config_.ping_interval.count());
  hs.ping_timeout_ms = static_cast<std::uint32_t>(config_.ping_timeout.count());
  hs.max_payload = config_.max_payload;
  push(text_frame(eio::encode_text(eio::PacketType::open, eio::encode_handshake(hs))));
  next_ping_ = now + config_.ping_interval;
}

void EngineSession::notify() {
  if (wake_) wake_();
}

void EngineSession::push(Frame f) {
  queued_bytes_ += f.size();
  outbox_.push_back(std::move(f));
}

void EngineSession::send(Frame message) {
  if (closed_) return;
  push(std::move(message));
  if (queued_bytes_ > config_.max_write_queue_bytes) {
    aborted_ = true;
    close("write queue overflow");
    return;
  }
  notify();
}

void EngineSession::close(std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = std::string(reason);
  next_ping_.reset();
  pong_deadline_.reset();
  upgrade_deadline_.reset();
  probe_channel_ = 0;
  probe_outbox_.clear();
  if (upper_) {
    EngineUpper* upper = upper_;
    upper_ = nullptr;  // nothing reaches the upper layer after its on_close
    upper->on_close(close_reason_);
  }
  notify();
}

GetVerdict EngineSession::on_poll_get(TimePoint now) {
  on_tick(now);
  if (closed_) return GetVerdict::reject;
  if (poll_parked_) {
    // Two concurrent GETs: the reference answers the parked one with CLOSE.
    close("transport error");
    return GetVerdict::reject;
  }
  poll_parked_ = true;
  return poll_ready() ? GetVerdict::respond : GetVerdict::park;
}

bool EngineSession::poll_ready() const {
  if (!poll_parked_) return false;
  return closed_ || !outbox_.empty() || probed_ || upgraded_;
}

std::string EngineSession::take_poll_body() {
  poll_parked_ = false;
  std::string body;
  if (transport_ == TransportKind::polling) {
    for (const auto& f : outbox_) append_packet(body, f);
    outbox_.clear();
    queued_bytes_ = 0;
  }
  if (closed_) {
    append_packet(body, Frame{shared_text(close_packet_.c_str()), false});
  } else if (body.empty()) {
    // Upgrading or upgraded: end the poll cleanly so the client can switch.
    append_packet(body, Frame{shared_text("6"), false});
  }
  return body;
}

void EngineSession::on_poll_aborted() {
  if (!poll_parked_) return;
  poll_parked_ = false;
  close("transport error");
}

PostStatus EngineSession::on_poll_post(std::string_view body, bool binary_content_type, TimePoint now) {
  on_tick(now);
  if (closed_) return PostStatus::bad_request;
  if (binary_content_type) {  // v4 polling carries binary as base64 text only
    close("transport error");
    return PostStatus::bad_request;
  }
  if (body.size() > message_limit()) {
    close("transport error");
    return PostStatus::payload_too_large;
  }
  auto decoded = eio::decode_payload(body);
  if (!decoded) {
    close("parse error");
    return PostStatus::bad_request;
  }
  for (const auto& p : decoded->packets) {
    if (closed_) break;
    handle_packet(static_cast<char>('0' + static_cast<int>(p.type)), p.data, p.binary, true, now);
  }
  return PostStatus::ok;
}

void EngineSession::handle_packet(char type, std::string_view data, bool binary, bool via_polling, TimePoint now) {
  switch (type) {
    case '2':  // v4: the server pings, never the client
      close("transport error");
      return;
    case '3':
      pong_deadline_.reset();
      next_ping_ = now + config_.ping_interval;
      return;
    case '4':
      if (upper_) upper_->on_message(data, binary, now);
      return;
    case '1':
      if (via_polling) close_packet_ = "6";
      close("transport close");
      return;
    default:  // open, upgrade, noop: nothing to do on the active transport
      return;
  }
}

bool EngineSession::begin_upgrade(std::uint64_t channel, TimePoint now) {
  if (closed_ || upgraded_ || probe_channel_ != 0 || transport_ != TransportKind::polling) return false;
  probe_channel_ = channel;
  probed_ = false;
  upgrade_deadline_ = now + config_.upgrade_timeout;
  return true;
}

void EngineSession::fail_probe() {
  probe_channel_ = 0;
  probed_ = false;
  probe_outbox_.clear();
  upgrade_deadline_.reset();
  notify();
}

void EngineSession::complete_upgrade() {
  transport_ = TransportKind::websocket;
  ws_channel_ = probe_channel_;
  probe_channel_ = 0;
  probe_outbox_.clear();
  upgrade_deadline_.reset();
  upgraded_ = true;
  probed_ = false;
  notify();  // a parked poll gets NOOP; the outbox now drains to the WebSocket
}

void EngineSession::on_ws_frame(std::uint64_t channel, std::string_view data, bool binary, TimePoint now) {
  on_tick(now);
  if (closed_ || channel == 0) return;
  if (channel == probe_channel_) {
    if (!binary && data == "2probe") {
      probe_outbox_.push_back(Frame{shared_text("3probe"), false});
      probed_ = true;
      notify();
    } else if (!binary && data == "5") {
      complete_upgrade();
    } else {
      fail_probe();
    }
    return;
  }
  if (channel != ws_channel_ || transport_ != TransportKind::websocket) return;
  if (binary) {
    if (upper_) upper_->on_message(data, true, now);
    return;
  }
  auto packet = eio::decode_text(data);
  if (!packet) {
    close("parse error");
    return;
  }
  handle_packet(static_cast<char>('0' + static_cast<int>(packet->type)), packet->data, false, false, now);
}

void EngineSession::on_ws_closed(std::uint64_t channel) {
  if (channel == 0) return;
  if (channel == probe_channel_) {
    fail_probe();
  } else if (channel == ws_channel_ && transport_ == TransportKind::websocket) {
    close("transport close");
  }
}

std::optional<Frame> EngineSession::take_ws_frame(std::uint64_t channel) {
  if (channel == 0) return std::nullopt;
  if (channel == probe_channel_) {
    if (probe_outbox_.empty()) return std::nullopt;
    return probe_outbox_.pop_front();
  }
  if (channel != ws_channel_ || transport_ != TransportKind::websocket || outbox_.empty()) return std::nullopt;
  Frame f = outbox_.pop_front();
  queued_bytes_ -= std::min(queued_bytes_, f.size());
  return f;
}

bool EngineSession::ws_channel_alive(std::uint64_t channel) const {
  if (closed_ || channel == 0) return false;
  if (channel == probe_channel_) return true;
  return channel == ws_channel_ && transport_ == TransportKind::websocket;
}

std::optional<TimePoint> EngineSession::next_deadline() const {
  std::optional<TimePoint> d;
  auto consider = [&d](const std::optional<TimePoint>& t) {
    if (t && (!d || *t < *d)) d = t;
  };
  if (closed_) return d;
  consider(next_ping_);
  consider(pong_deadline_);
  consider(upgrade_deadline_);
  if (upper_) consider(upper_->next_deadline());
  return d;
}

void EngineSession::on_tick(TimePoint now) {
  if (closed_) return;
  if (pong_deadline_ && now >= *pong_deadline_) {
    close("ping timeout");
    return;
  }
  if (upgrade_deadline_ && now >= *upgrade_deadline_) fail_probe();
  if (next_ping_ && now >= *next_ping_) {
    next_ping_.reset();
    pong_deadline_ = now + config_.ping_timeout;
    push(Frame{shared_text("2"), false});
    notify();
  }
  if (upper_) upper_->on_tick(now);
}

}  // namespace scansync::gateway
